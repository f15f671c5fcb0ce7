import pytest
from sqlmodel import select

from portal_app.models import Account, AuditEvent, AuthToken, OutboxMail, QuestionnaireRequest, QuestionnaireTemplate, StaffRole, utcnow
from portal_app.services import office_settings, sessions, staff_admin, staff_clients, staff_overview
from portal_app.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.unit.test_staff_fixtures import world  # noqa: F401


def test_admin_adds_edits_and_removes_staff(db, world):
    new = staff_admin.add_staff(session=db, actor=world.admin, email="nieuw@example.nl", name="Nico Nieuw", role=StaffRole.HANDLER, settings=world.settings)
    assert new.is_staff and new.staff_role == StaffRole.HANDLER
    assert db.exec(select(OutboxMail).where(OutboxMail.to_address == "nieuw@example.nl", OutboxMail.kind == "invite")).one()
    staff_admin.update_staff(session=db, actor=world.admin, account_id=str(new.id), name="Nico  Nieuwenhuis", role=StaffRole.ADMIN)
    assert (db.get(Account, new.id).name, db.get(Account, new.id).staff_role) == ("Nico Nieuwenhuis", StaffRole.ADMIN)
    token, _ = sessions.create_session(db, new, policy=sessions.SessionPolicy())
    staff_admin.remove_staff(session=db, actor=world.admin, account_id=new.id)
    db.commit()
    assert db.get(Account, new.id).deleted_at is not None
    assert sessions.resolve(db, token, policy=sessions.SessionPolicy()) is None
    assert all(t.revoked_at for t in db.exec(select(AuthToken).where(AuthToken.account_id == new.id)).all())
    assert [row["email"] for row in staff_admin.list_staff(session=db, actor=world.admin)] == ["admin@example.nl", "handler@example.nl"]
    types = [e.event_type for e in db.exec(select(AuditEvent)).all()]
    assert "staff.changed" in types and "staff.removed" in types
    with pytest.raises(ValidationFailed):
        staff_admin.add_staff(session=db, actor=world.admin, email="x@example.nl", name="X", role="superuser", settings=world.settings)
    with pytest.raises(NotFound):  # clients are not staff
        staff_admin.update_staff(session=db, actor=world.admin, account_id=world.client.id, name="X", role=StaffRole.ADMIN)


def test_last_admin_and_self_are_protected(db, world):
    with pytest.raises(ValidationFailed) as error:
        staff_admin.update_staff(session=db, actor=world.admin, account_id=world.admin.id, name="Anna Admin", role=StaffRole.HANDLER)
    assert error.value.code == "staff.admin.last_admin"
    with pytest.raises(ValidationFailed) as error:
        staff_admin.remove_staff(session=db, actor=world.admin, account_id=world.admin.id)
    assert error.value.code == "staff.admin.not_yourself"


def test_office_flag(db, world):
    staff_admin.set_office_flag(session=db, actor=world.admin, key="staff_require_2fa", value=False)
    assert office_settings.staff_must_use_second_factor(db) is False
    assert staff_admin.office_view(session=db, actor=world.admin, settings=world.settings)["staff_require_2fa"] == ""
    with pytest.raises(ValidationFailed):
        staff_admin.set_office_flag(session=db, actor=world.admin, key="office_name", value=True)
    with pytest.raises(ValidationFailed):
        staff_admin.set_office_flag(session=db, actor=world.admin, key="staff_require_2fa", value="false")


@pytest.mark.parametrize("who", ["handler", "client"])
@pytest.mark.parametrize(
    "call",
    [
        lambda db, w, a: staff_admin.list_staff(session=db, actor=a),
        lambda db, w, a: staff_admin.add_staff(session=db, actor=a, email="z@example.nl", name="Z", role="admin", settings=w.settings),
        lambda db, w, a: staff_admin.update_staff(session=db, actor=a, account_id=w.handler.id, name="Z", role="admin"),
        lambda db, w, a: staff_admin.remove_staff(session=db, actor=a, account_id=w.admin.id),
        lambda db, w, a: staff_admin.office_view(session=db, actor=a, settings=w.settings),
        lambda db, w, a: staff_admin.set_office_flag(session=db, actor=a, key="staff_require_2fa", value=False),
    ],
)
def test_admin_services_refuse_handlers_and_clients(db, world, who, call):
    with pytest.raises(PermissionDenied):
        call(db, world, getattr(world, who))
    assert db.get(Account, world.handler.id).staff_role == StaffRole.HANDLER
    assert office_settings.staff_must_use_second_factor(db) is True


def test_overview_lists(db, world):
    person = staff_clients.create_client(session=db, actor=world.admin, kind="person", email="n@example.nl", name="Nina", settings=world.settings)
    pending = staff_overview.pending_invitations(session=db, actor=world.handler)
    assert pending.total == 3  # two clients of the fixture never set a password either
    assert pending.rows[0]["id"] == str(person.id) and pending.rows[0]["expired"] == ""
    template = QuestionnaireTemplate(slug="t", title_nl="Vragenlijst", title_en="Questionnaire", definition_json="{}")
    db.add(template)
    db.flush()
    db.add(QuestionnaireRequest(template_id=template.id, dossier_id=world.dossier.id, account_id=world.client.id, status="completed", completed_at=utcnow()))
    db.commit()
    done = staff_overview.completed_questionnaires(session=db, actor=world.handler)
    assert done.total == 1 and done.rows[0]["dossier_number"] == "2026-0001"
    assert staff_overview.recent_deliveries(session=db, actor=world.handler).total == 0
    with pytest.raises(PermissionDenied):
        staff_overview.pending_invitations(session=db, actor=world.client)
