import json

import pytest
from sqlmodel import select

from portal_app.accounts.models import Account, AuthToken, StaffRole
from portal_app.accounts.services import sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.office.models import OfficeSetting
from portal_app.office.services import office_settings, staff_admin, staff_clients, staff_overview
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireTemplate


def test_admin_adds_edits_and_removes_staff(db, world):
    new = staff_admin.add_staff(
        session=db,
        actor=world.admin,
        email="nieuw@example.nl",
        name="Nico Nieuw",
        role=StaffRole.HANDLER,
        settings=world.settings,
    )
    assert new.is_staff and new.staff_role == StaffRole.HANDLER
    assert db.exec(
        select(OutboxMail).where(OutboxMail.to_address == "nieuw@example.nl", OutboxMail.kind == "invite")
    ).one()
    staff_admin.update_staff(
        session=db, actor=world.admin, account_id=str(new.id), name="Nico  Nieuwenhuis", role=StaffRole.ADMIN
    )
    assert (db.get(Account, new.id).name, db.get(Account, new.id).staff_role) == ("Nico Nieuwenhuis", StaffRole.ADMIN)
    token, _ = sessions.create_session(db, new, policy=sessions.SessionPolicy())
    staff_admin.remove_staff(session=db, actor=world.admin, account_id=new.id)
    db.commit()
    assert db.get(Account, new.id).deleted_at is not None
    assert sessions.resolve(db, token, policy=sessions.SessionPolicy()) is None
    assert all(t.revoked_at for t in db.exec(select(AuthToken).where(AuthToken.account_id == new.id)).all())
    assert [row.email for row in staff_admin.list_staff(session=db, actor=world.admin)] == [
        "admin@example.nl",
        "handler@example.nl",
    ]
    types = [e.event_type for e in db.exec(select(AuditEvent)).all()]
    assert "staff.changed" in types and "staff.removed" in types
    with pytest.raises(ValidationFailed):
        staff_admin.add_staff(
            session=db, actor=world.admin, email="x@example.nl", name="X", role="superuser", settings=world.settings
        )
    with pytest.raises(NotFound):  # clients are not staff
        staff_admin.update_staff(
            session=db, actor=world.admin, account_id=world.client.id, name="X", role=StaffRole.ADMIN
        )


def test_last_admin_and_self_are_protected(db, world):
    with pytest.raises(ValidationFailed) as error:
        staff_admin.update_staff(
            session=db, actor=world.admin, account_id=world.admin.id, name="Anna Admin", role=StaffRole.HANDLER
        )
    assert error.value.code == "staff.admin.last_admin"
    with pytest.raises(ValidationFailed) as error:
        staff_admin.remove_staff(session=db, actor=world.admin, account_id=world.admin.id)
    assert error.value.code == "staff.admin.not_yourself"


def test_office_flag(db, world):
    staff_admin.set_office_flag(session=db, actor=world.admin, key="staff_require_2fa", value=False)
    assert office_settings.staff_must_use_second_factor(db) is False
    assert staff_admin.office_view(session=db, actor=world.admin, settings=world.settings).staff_require_2fa is False
    with pytest.raises(ValidationFailed):
        staff_admin.set_office_flag(session=db, actor=world.admin, key="office_name", value=True)
    with pytest.raises(ValidationFailed):
        staff_admin.set_office_flag(session=db, actor=world.admin, key="staff_require_2fa", value="false")


@pytest.mark.parametrize("who", ["handler", "client"])
@pytest.mark.parametrize(
    "call",
    [
        lambda db, w, a: staff_admin.list_staff(session=db, actor=a),
        lambda db, w, a: staff_admin.add_staff(
            session=db, actor=a, email="z@example.nl", name="Z", role="admin", settings=w.settings
        ),
        lambda db, w, a: staff_admin.update_staff(session=db, actor=a, account_id=w.handler.id, name="Z", role="admin"),
        lambda db, w, a: staff_admin.remove_staff(session=db, actor=a, account_id=w.admin.id),
        lambda db, w, a: staff_admin.office_view(session=db, actor=a, settings=w.settings),
        lambda db, w, a: staff_admin.set_office_flag(session=db, actor=a, key="staff_require_2fa", value=False),
        lambda db, w, a: staff_admin.update_office(session=db, actor=a, changes={"office_name": "Overgenomen B.V."}),
    ],
)
def test_admin_services_refuse_handlers_and_clients(db, world, who, call):
    with pytest.raises(PermissionDenied):
        call(db, world, getattr(world, who))
    assert db.get(Account, world.handler.id).staff_role == StaffRole.HANDLER
    assert office_settings.staff_must_use_second_factor(db) is True
    assert office_settings.profile(db).office_name == world.settings.office_name


# --------------------------------------------------------------------------- office settings


def office_events(db) -> list[AuditEvent]:
    return db.exec(
        select(AuditEvent).where(AuditEvent.event_type == "office_setting.changed").order_by(AuditEvent.id)
    ).all()


def stored_settings(db) -> dict[str, str]:
    db.expire_all()
    return {row.key: row.value for row in db.exec(select(OfficeSetting)).all()}


def test_office_view_shows_the_stored_values_and_the_configuration(db, world):
    view = staff_admin.office_view(session=db, actor=world.admin, settings=world.settings)
    assert view.office_name == world.settings.office_name
    assert view.brand_colour == office_settings.DEFAULT_BRAND_COLOUR and view.logo_url == ""
    assert (view.password_min_length, view.password_require_symbol) == (8, False)
    assert view.staff_max_upload_mb == 1  # stored by the fixture, not the env default
    assert view.public_url == world.settings.public_url
    assert view.invite_valid_hours == world.settings.invite_valid_hours
    assert view.reset_valid_minutes == world.settings.reset_valid_minutes


def test_admin_changes_office_settings_stored_and_audited(db, world):
    before = len(office_events(db))
    changed = staff_admin.update_office(
        session=db,
        actor=world.admin,
        changes={
            "office_name": " Notariaat  Van Dam ",
            "brand_colour": "#063",
            "password_min_length": "12",
            "password_require_symbol": "on",
            "client_max_upload_mb": "40",
            "staff_max_upload_mb": "200",
            "client_max_message_mb": "80",
            "staging_expiry_hours": "48",
            "staging_quota_mb": "300",
            "session_idle_minutes": "20",
            "session_absolute_hours": "10",
            "office_address": " Keizersgracht 100,  1015 AA Amsterdam ",
        },
    )
    db.commit()
    assert set(changed) == set(staff_admin.OFFICE_FORM_SETTINGS)
    assert office_settings.profile(db).office_address == "Keizersgracht 100, 1015 AA Amsterdam"
    view = staff_admin.office_view(session=db, actor=world.admin, settings=world.settings)
    assert view.office_name == "Notariaat Van Dam" and view.brand_colour == "#006633"
    assert (view.password_min_length, view.password_require_symbol) == (12, True)
    assert (view.client_max_upload_mb, view.staff_max_upload_mb) == (40, 200)
    assert (view.client_max_message_mb, view.staging_expiry_hours, view.staging_quota_mb) == (80, 48, 300)
    assert (view.session_idle_minutes, view.session_absolute_hours) == (20, 10)
    office = office_settings.profile(db)
    assert office.password_policy.min_length == 12 and office.password_policy.require_symbol
    events = office_events(db)[before:]
    assert {event.target for event in events} == {f"setting:{key}" for key in changed}
    assert {event.actor_id for event in events} == {world.admin.id}
    name = next(event for event in events if event.target == "setting:office_name")
    assert json.loads(name.detail) == {"old": world.settings.office_name, "new": "Notariaat Van Dam"}
    limit = next(event for event in events if event.target == "setting:staff_max_upload_mb")
    assert json.loads(limit.detail) == {"old": "1", "new": "200"}
    # the same values again: nothing changes, nothing is audited
    assert (
        staff_admin.update_office(
            session=db, actor=world.admin, changes={"office_name": "Notariaat Van Dam", "password_require_symbol": True}
        )
        == []
    )
    assert len(office_events(db)) == before + len(changed)


@pytest.mark.parametrize(
    "changes,field,code",
    [
        ({"office_name": "Nieuw", "brand_colour": "#ffff00"}, "brand_colour", "office.colour_too_light"),
        ({"office_name": "Nieuw", "brand_colour": "geel"}, "brand_colour", "office.invalid_colour"),
        ({"office_name": "", "brand_colour": "#123456"}, "office_name", "office.required"),
        ({"office_name": "N" * 121}, "office_name", "office.too_long"),
        ({"password_min_length": "7", "password_require_symbol": True}, "password_min_length", "office.invalid_number"),
        ({"password_min_length": "65"}, "password_min_length", "office.invalid_number"),
        (
            {"password_min_length": "12", "password_require_symbol": "misschien"},
            "password_require_symbol",
            "office.invalid_bool",
        ),
        ({"client_max_upload_mb": "50", "staff_max_upload_mb": "0"}, "staff_max_upload_mb", "office.invalid_number"),
        ({"client_max_upload_mb": "vijf"}, "client_max_upload_mb", "office.invalid_number"),
        ({"client_max_message_mb": "0"}, "client_max_message_mb", "office.invalid_number"),
        ({"staging_expiry_hours": "721"}, "staging_expiry_hours", "office.invalid_number"),
        ({"staging_quota_mb": "-5"}, "staging_quota_mb", "office.invalid_number"),
        ({"session_idle_minutes": "4"}, "session_idle_minutes", "office.invalid_number"),
        (
            {"session_idle_minutes": "600", "session_absolute_hours": "8"},
            "session_idle_minutes",
            "office.idle_over_absolute",
        ),
        ({"session_absolute_hours": "0"}, "session_absolute_hours", "office.invalid_number"),
        # forged types from a browser: refused with the field's own message
        ({"office_name": ["Nieuw"]}, "office_name", "office.required"),
        ({"client_max_upload_mb": {"$gt": 1}}, "client_max_upload_mb", "office.invalid_number"),
        ({"brand_colour": None}, "brand_colour", "office.invalid_colour"),
        ({"password_require_symbol": 1.5}, "password_require_symbol", "office.invalid_bool"),
    ],
)
def test_bad_office_values_name_their_field_and_store_nothing(db, world, changes, field, code):
    before, events = stored_settings(db), len(office_events(db))
    with pytest.raises(ValidationFailed) as error:
        staff_admin.update_office(session=db, actor=world.admin, changes=changes)
    assert (error.value.field, error.value.code) == (field, code)
    if code == "office.invalid_number":
        spec = office_settings.SPECS[field]
        assert (error.value.params["minimum"], error.value.params["maximum"]) == (spec.minimum, spec.maximum)
    db.rollback()
    assert stored_settings(db) == before and len(office_events(db)) == events
    assert office_settings.profile(db).office_name == world.settings.office_name


def test_idle_longer_than_the_absolute_length_is_refused_against_the_stored_value(db, world):
    staff_admin.update_office(session=db, actor=world.admin, changes={"session_absolute_hours": "2"})
    db.commit()
    with pytest.raises(ValidationFailed) as error:
        staff_admin.update_office(session=db, actor=world.admin, changes={"session_idle_minutes": "121"})
    assert (error.value.field, error.value.code) == ("session_idle_minutes", "office.idle_over_absolute")
    db.rollback()
    assert staff_admin.update_office(session=db, actor=world.admin, changes={"session_idle_minutes": "120"}) == [
        "session_idle_minutes"
    ]


@pytest.mark.parametrize(
    "changes",
    [{"staff_require_2fa": "false"}, {"logo": ""}, {"secret_key": "x"}, {}, ["office_name"], "office_name=X"],
)
def test_update_office_takes_only_the_forms_keys(db, world, changes):
    before = stored_settings(db)
    with pytest.raises(ValidationFailed):
        staff_admin.update_office(session=db, actor=world.admin, changes=changes)
    db.rollback()
    assert stored_settings(db) == before and office_settings.staff_must_use_second_factor(db) is True


@pytest.mark.parametrize("who", ["handler", "client"])
def test_office_settings_refused_for_handler_and_client_change_nothing(db, world, who):
    before, events = stored_settings(db), len(office_events(db))
    with pytest.raises(PermissionDenied):
        staff_admin.update_office(
            session=db,
            actor=getattr(world, who),
            changes={"office_name": "Overgenomen", "password_min_length": "64", "client_max_upload_mb": "2048"},
        )
    db.rollback()
    assert stored_settings(db) == before and len(office_events(db)) == events
    assert office_settings.profile(db).password_min_length == 8


def test_overview_lists(db, world):
    person = staff_clients.create_client(
        session=db, actor=world.admin, kind="person", email="n@example.nl", name="Nina", settings=world.settings
    )
    pending = staff_overview.pending_invitations(session=db, actor=world.handler)
    assert pending.total == 3  # two clients of the fixture never set a password either
    assert pending.rows[0].id == person.id and pending.rows[0].expired is False
    template = QuestionnaireTemplate(slug="t", title_nl="Vragenlijst", title_en="Questionnaire", definition_json="{}")
    db.add(template)
    db.flush()
    db.add(
        QuestionnaireRequest(
            template_id=template.id,
            dossier_id=world.dossier.id,
            account_id=world.client.id,
            status="completed",
            completed_at=utcnow(),
        )
    )
    db.commit()
    done = staff_overview.completed_questionnaires(session=db, actor=world.handler)
    assert done.total == 1 and done.rows[0].dossier_number == "2026-0001"
    assert staff_overview.recent_deliveries(session=db, actor=world.handler).total == 0
    with pytest.raises(PermissionDenied):
        staff_overview.pending_invitations(session=db, actor=world.client)
