"""GET /staff/export/audit.csv: staff only, streamed CSV, audited; everyone else "not found"."""

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal_app.accounts.models import TwoFactor
from portal_app.accounts.services import sessions
from portal_app.audit import api as staff_exports
from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.office.services import office_settings


@pytest.fixture
def client_for(engine, world, db):
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()
    app = Starlette(routes=staff_exports.make_routes(engine=engine, settings=world.settings))

    def make(account=None):
        http = TestClient(app)
        if account is not None:
            token, _ = sessions.create_session(db, account, policy=sessions.SessionPolicy())
            db.commit()
            http.cookies.set(sessions.COOKIE_NAME, token)
        return http

    return make


def test_staff_get_a_filtered_csv_and_the_export_is_audited(client_for, world, db):
    audit.record(
        db, "dossier.changed", actor_id=world.handler.id, dossier_id=world.dossier.id, detail={"status": "a -> b"}
    )
    db.commit()
    response = client_for(world.handler).get(staff_exports.AUDIT_PATH, params={"event_type": "dossier.changed"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith('attachment; filename="auditlog-')
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "id,time,event,actor_id,actor,dossier_id,dossier,target,ip,detail"
    assert len(lines) == 2 and ",dossier.changed," in lines[1] and "2026-0001" in lines[1]
    exported = db.exec(select(AuditEvent).where(AuditEvent.event_type == "audit.exported")).one()
    assert exported.actor_id == world.handler.id and "dossier.changed" in exported.detail


def test_clients_get_not_found_and_anonymous_the_login(client_for, world, db):
    response = client_for(world.client).get(staff_exports.AUDIT_PATH)
    assert response.status_code == 404 and "text/csv" not in response.headers["content-type"]
    response = client_for().get(staff_exports.AUDIT_PATH, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "audit.exported")).first() is None


def test_staff_without_required_second_factor_are_refused(client_for, world, db):
    http = client_for(world.admin)
    office_settings.set_value(db, "staff_require_2fa", "true", actor_id=None)
    db.commit()
    assert http.get(staff_exports.AUDIT_PATH).status_code == 404
    db.add(TwoFactor(account_id=world.admin.id, method="totp", totp_secret="JBSWY3DPEHPK3PXP", enabled_at=utcnow()))
    db.commit()
    assert http.get(staff_exports.AUDIT_PATH).status_code == 200
