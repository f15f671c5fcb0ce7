"""Shared fixtures for the staff service tests (imported by the other test_staff_* modules)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal_app.models import Account, StaffRole
from portal_app.services import accounts, dossiers, office_settings
from portal_app.services.storage import FileStore
from portal_app.settings import Settings, load_settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    settings: Settings
    store: FileStore
    admin: Account
    handler: Account
    client: Account
    company: Account
    dossier: object
    other_dossier: object


@pytest.fixture
def world(db, tmp_path) -> World:
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "STAFF_MAX_UPLOAD_MB": "1"})
    store = FileStore(tmp_path / "files")
    # the staff upload limit is an office setting (admin-editable)
    office_settings.update(db, {"staff_max_upload_mb": "1"}, actor_id=None)
    admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
    handler = accounts.create_staff(db, email="handler@example.nl", name="Bert Behandel", role=StaffRole.HANDLER)
    client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    company = accounts.create_company(db, email="info@bedrijf.example.nl", name="Carla Contact", company_name="Bedrijf B.V.")
    dossier = dossiers.create_dossier(db, number="2026-0001", description="Levering woning", handler_id=handler.id)
    other = dossiers.create_dossier(db, number="2026-0002", description="Testament", handler_id=admin.id)
    dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
    dossiers.grant_access(db, dossier_id=other.id, account_id=company.id)
    db.commit()
    return World(settings, store, admin, handler, client, company, dossier, other)


def test_world_builds(world):
    assert world.admin.staff_role == StaffRole.ADMIN
    assert world.client.is_staff is False
