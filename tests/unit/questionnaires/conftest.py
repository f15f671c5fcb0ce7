"""Fixtures of the questionnaire tests."""

from __future__ import annotations

import copy

import pytest

from portal_app.accounts.services import accounts
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.services import dossiers
from portal_app.office.services import office_settings
from portal_app.questionnaires.services import questionnaires as q
from portal_app.questionnaires.services import template_versions as qtemplates
from portal_app.settings import load_settings
from tests.unit.questionnaires.helpers import ALL_TYPES


@pytest.fixture
def world(db, tmp_path):
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "OFFICE_NAME": "Notariskantoor Test"})
    store = FileStore(tmp_path / "files")
    # the office name of mails and PDFs is an office setting (admin-editable)
    office_settings.update(db, {"office_name": "Notariskantoor Test"}, actor_id=None)
    handler = accounts.create_staff(db, email="behandelaar@example.nl", name="Bea Handel")
    client = accounts.create_person(db, email="klant@example.nl", name="Ayşe Özdemir")
    other = accounts.create_person(db, email="ander@example.nl", name="Anna Ander")
    main = accounts.create_company(db, email="info@bedrijf.example.nl", name="Petra", company_name="Bedrijf B.V.")
    extra = accounts.create_company_extra(db, main_account=main, email="extra@bedrijf.example.nl", name="Karim")
    dossier = dossiers.create_dossier(db, number="2026-0142", description="Levering woning", handler_id=handler.id)
    company_dossier = dossiers.create_dossier(db, number="2026-0200", description="Bedrijfspand")
    dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
    for account in (main, extra):
        dossiers.grant_access(db, dossier_id=company_dossier.id, account_id=account.id)
    templates = qtemplates.install_shipped_templates(db)
    small = qtemplates.save_template_version(db, slug="alle-soorten", definition=copy.deepcopy(ALL_TYPES))
    db.commit()
    house = q.send_request(
        db, handler, template_id=templates["levering-koopwoning"].id, dossier_id=dossier.id, account_id=client.id
    )
    mini = q.send_request(db, handler, template_id=small.id, dossier_id=dossier.id, account_id=client.id)
    main_request = q.send_request(db, handler, template_id=small.id, dossier_id=company_dossier.id, account_id=main.id)
    db.commit()
    return {
        "settings": settings,
        "store": store,
        "handler": handler,
        "client": client,
        "other": other,
        "main": main,
        "extra": extra,
        "dossier": dossier,
        "house": house,
        "mini": mini,
        "main_request": main_request,
        "templates": templates,
    }
