"""The signing appointment: .ics, countdown, reminders, checklist, the road, and what a client may not do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal_app.accounts.services import sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.services import db as db_module
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.road import RoadState
from portal_app.messages.models import Message
from portal_app.notifications.models import OutboxMail
from portal_app.notifications.services import notifications
from portal_app.office.services import office_settings
from portal_app.signing import api as calendar_api
from portal_app.signing.models import SigningAppointment, SigningChecklistItem
from portal_app.signing.services import appointments, checklist, ics, reminders, road
from portal_app.signing.states.signing import SigningState
from portal_app.signing.states.staff_signing import StaffSigningState
from tests.unit.helpers import call, make_state

# Wednesday 2 December 2026, 09:00 in Amsterdam (CET, UTC+1)
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def set_default(db, world, *, day="2026-12-16", at="10:00", **extra):
    values = {"notary_id": world.admin.id, "dossier_kind": "house", "now": NOW, **extra}
    appointment = appointments.set_appointment(db, world.handler, world.dossier.id, day=day, at=at, **values)
    db.commit()
    return appointment


# ---------------------------------------------------------------- countdown


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (datetime(2026, 12, 16, 9, 0, tzinfo=UTC), "nog 14 dagen"),
        (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "morgen"),
        # 23:30 UTC on 2 December is already 3 December in Amsterdam: tomorrow, not today
        (datetime(2026, 12, 2, 23, 30, tzinfo=UTC), "morgen"),
        (datetime(2026, 12, 2, 15, 0, tzinfo=UTC), "vandaag"),
        (datetime(2026, 12, 2, 7, 0, tzinfo=UTC), "geweest"),
    ],
)
def test_countdown_counts_office_days(starts, expected):
    assert appointments.countdown(starts, NOW, "nl") == expected


def test_countdown_in_english():
    assert appointments.countdown(datetime(2026, 12, 16, 9, 0, tzinfo=UTC), NOW, "en") == "in 14 days"


# ---------------------------------------------------------------- setting the appointment


def test_office_time_is_stored_in_utc_and_the_office_address_is_the_default_place(db, world):
    office_settings.set_value(db, "office_address", "Oudegracht 100, Utrecht", actor_id=None)
    appointment = set_default(db, world)
    assert appointment.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 16, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert appointment.location == "Oudegracht 100, Utrecht"
    # seeded from the "house" list
    labels = [row.label for row in checklist.rows(db, world.dossier.id)]
    assert labels == [i18n.t(key, "nl") for key in checklist.DEFAULT_ITEMS["house"]]
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "signing.appointment_set")).one()


def test_summer_time_is_two_hours_ahead_of_utc(db, world):
    appointment = set_default(db, world, day="2027-06-15")
    assert appointment.starts_at.replace(tzinfo=UTC) == datetime(2027, 6, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"day": "2026-13-01"}, "signing.err.day"),
        ({"day": "16-12-2026"}, "signing.err.day"),
        ({"at": "25:00"}, "signing.err.day"),
        ({"at": "ten"}, "signing.err.time"),
        ({"day": "2026-12-01"}, "signing.err.past"),
        ({"day": "2031-01-01"}, "signing.err.far"),
        ({"video_url": "javascript:alert(1)"}, "signing.err.video_url"),
        ({"video_url": "http://meet.example.nl/x"}, "signing.err.video_url"),
        ({"location": "x" * 301}, "signing.err.location_long"),
        ({"dossier_kind": "castle"}, "signing.err.kind"),
    ],
)
def test_bad_values_are_refused(db, world, values, code):
    with pytest.raises(ValidationFailed) as raised:
        set_default(db, world, **values)
    assert raised.value.code == code
    assert appointments.get(db, world.dossier.id) is None


def test_the_notary_must_be_staff(db, world):
    with pytest.raises(ValidationFailed):
        set_default(db, world, notary_id=world.client.id)


def test_a_client_cannot_set_or_remove_the_appointment(db, world):
    with pytest.raises(PermissionDenied):
        appointments.set_appointment(
            db, world.client, world.dossier.id, day="2026-12-16", at="10:00", notary_id=world.admin.id, now=NOW
        )
    set_default(db, world)
    with pytest.raises(PermissionDenied):
        appointments.remove_appointment(db, world.client, world.dossier.id)
    assert appointments.get(db, world.dossier.id) is not None


def test_a_change_keeps_the_uid_counts_the_sequence_and_clears_reminders(db, world):
    first = set_default(db, world)
    uid = first.uid
    first.reminder_week_sent_at = NOW
    db.add(first)
    db.commit()
    changed = set_default(db, world, day="2026-12-23", at="14:00")
    assert changed.uid == uid and changed.sequence == 1
    assert changed.reminder_week_sent_at is None and changed.reminder_day_sent_at is None
    same = set_default(db, world, day="2026-12-23", at="14:00")
    assert same.sequence == 1  # nothing changed: no new version for the calendar


# ---------------------------------------------------------------- .ics


def event(**extra) -> ics.CalendarEvent:
    values = {
        "uid": "abc123",
        "sequence": 2,
        "starts_at": datetime(2026, 12, 16, 9, 0, tzinfo=UTC),
        "duration_minutes": 60,
        "dossier_number": "2026-0142",
        "location": "Oudegracht 100, 3511 AX Utrecht; ingang achterzijde",
        "video_url": "",
        "notary_name": "mr. A. de Vries",
        "office_name": "Notariskantoor De Vries",
        "dossier_url": "https://portaal.example.nl/dossiers/1",
        "updated_at": NOW,
    }
    return ics.CalendarEvent(**{**values, **extra})


def test_ics_has_utc_times_a_stable_uid_and_escaped_text():
    data = ics.build(event(), "nl", host="portaal.example.nl", now=NOW)
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    assert "\r\nDTSTART:20261216T090000Z\r\n" in unfolded
    assert "\r\nDTEND:20261216T100000Z\r\n" in unfolded
    assert "\r\nUID:abc123@portaal.example.nl\r\n" in unfolded
    assert "\r\nSEQUENCE:2\r\n" in unfolded
    assert "LOCATION:Oudegracht 100\\, 3511 AX Utrecht\\; ingang achterzijde" in unfolded
    assert "\n" not in text.replace("\r\n", "")  # every line break is CRLF


def test_ics_lines_are_folded_at_75_octets_without_splitting_characters():
    long_place = "Kantoor “De Eikenhorst”, Ëlandstraat 12 – ingang via de binnenplaats, " * 3
    data = ics.build(event(location=long_place), "nl", host="portaal.example.nl", now=NOW)
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # no character cut in half
    unfolded = data.decode("utf-8").replace("\r\n ", "")
    assert ics.escape_text(long_place) in unfolded


def test_fold_keeps_short_lines():
    assert ics.fold("SUMMARY:kort") == "SUMMARY:kort"


# ---------------------------------------------------------------- the .ics route


@pytest.fixture
def http_for(engine, world, db, monkeypatch):
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()
    app = Starlette(routes=calendar_api.make_routes(engine=engine, settings=world.settings))

    def make(account=None):
        http = TestClient(app)
        if account is not None:
            token, _ = sessions.create_session(db, account, policy=sessions.SessionPolicy())
            db.commit()
            http.cookies.set(sessions.COOKIE_NAME, token)
        return http

    return make


def test_the_client_downloads_the_ics_of_their_dossier(http_for, world, db):
    appointment = set_default(db, world)
    response = http_for(world.client).get(f"/afspraak/{world.dossier.id}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"].startswith('attachment; filename="passeerafspraak-2026-0001.ics"')
    assert response.headers["cache-control"] == "no-store"
    assert f"UID:{appointment.uid}@" in response.text
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "signing.calendar_downloaded")).one()


def test_another_dossiers_ics_is_not_found_and_audited(http_for, world, db):
    appointments.set_appointment(
        db, world.handler, world.other_dossier.id, day="2026-12-20", at="10:00", notary_id=world.admin.id, now=NOW
    )
    db.commit()
    response = http_for(world.client).get(f"/afspraak/{world.other_dossier.id}.ics")
    assert response.status_code == 404 and "VCALENDAR" not in response.text
    denied = db.exec(select(AuditEvent).where(AuditEvent.event_type == "access.denied")).all()
    assert any(event.target == f"dossier:{world.other_dossier.id}" for event in denied)
    anonymous = http_for().get(f"/afspraak/{world.dossier.id}.ics", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


# ---------------------------------------------------------------- reminders


def test_reminders_are_due_7_days_and_1_day_ahead_and_sent_once(db, world):
    set_default(db, world)  # 16 December 09:00 UTC, set on 2 December
    assert reminders.due(db, NOW) == []
    week_before = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert [r.which for r in reminders.due(db, week_before)] == ["week"]
    assert reminders.send_due(db, world.settings, week_before) == 1
    db.commit()
    assert reminders.send_due(db, world.settings, week_before) == 0
    mails = db.exec(select(OutboxMail).where(OutboxMail.kind == "signing_reminder_week")).all()
    assert [mail.to_address for mail in mails] == ["klant@example.nl"]
    assert "2026-0001" in mails[0].subject and "10:00" in mails[0].body_text
    day_before = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
    assert reminders.send_due(db, world.settings, day_before) == 1
    db.commit()
    assert reminders.due(db, day_before) == []
    assert reminders.due(db, datetime(2026, 12, 16, 10, 0, tzinfo=UTC)) == []


def test_a_late_appointment_skips_the_week_reminder(db, world):
    set_default(db, world, day="2026-12-05")  # 3 days ahead
    assert reminders.due(db, NOW) == []
    assert [r.which for r in reminders.due(db, datetime(2026, 12, 4, 10, 0, tzinfo=UTC))] == ["day"]


def test_reminders_follow_the_calm_settings(db, world):
    set_default(db, world)
    notifications.set_preference(db, world.client, "message", False)
    db.commit()
    assert reminders.send_due(db, world.settings, datetime(2026, 12, 9, 9, 0, tzinfo=UTC)) == 0
    assert db.exec(select(OutboxMail)).first() is None


# ---------------------------------------------------------------- checklist


def test_client_ticks_items_of_their_own_dossier_only(db, world):
    set_default(db, world)
    mine = checklist.rows(db, world.dossier.id)[0]
    checklist.set_done(db, world.client, world.dossier.id, mine.id, True)
    assert checklist.rows(db, world.dossier.id)[0].done
    appointments.set_appointment(
        db, world.handler, world.other_dossier.id, day="2026-12-20", at="10:00", notary_id=world.admin.id, now=NOW
    )
    foreign = checklist.rows(db, world.other_dossier.id)[0]
    with pytest.raises(NotFound):  # an item of another dossier through my dossier
        checklist.set_done(db, world.client, world.dossier.id, foreign.id, True)
    with pytest.raises(NotFound):  # another dossier
        checklist.set_done(db, world.client, world.other_dossier.id, foreign.id, True)
    assert not checklist.rows(db, world.other_dossier.id)[0].done


def test_staff_edit_the_checklist_and_clients_cannot(db, world):
    set_default(db, world)
    item = checklist.add_item(db, world.handler, world.dossier.id, "  Sleutels van de woning  ")
    assert item.label == "Sleutels van de woning"
    with pytest.raises(PermissionDenied):
        checklist.add_item(db, world.client, world.dossier.id, "Iets")
    with pytest.raises(ValidationFailed):
        checklist.add_item(db, world.handler, world.dossier.id, "   ")
    checklist.remove_item(db, world.handler, world.dossier.id, item.id)
    assert item.id not in [row.id for row in checklist.rows(db, world.dossier.id)]


# ---------------------------------------------------------------- asking for another time


def test_asking_for_another_time_sends_a_message_and_leaves_the_appointment(db, world):
    appointment = set_default(db, world)
    before = (appointment.starts_at, appointment.sequence)
    message = appointments.request_other_time(
        db,
        world.client,
        world.dossier.id,
        "Ik ben dan op vakantie.",
        language="nl",
        settings=world.settings,
        store=world.store,
    )
    db.commit()
    assert message.from_office is False and message.dossier_id == world.dossier.id
    assert "Ik ben dan op vakantie." in message.body and "10:00" in message.body
    again = appointments.get(db, world.dossier.id)
    assert (again.starts_at, again.sequence) == before
    with pytest.raises(ValidationFailed):
        appointments.request_other_time(
            db, world.client, world.dossier.id, " ", language="nl", settings=world.settings, store=world.store
        )
    with pytest.raises(NotFound):
        appointments.request_other_time(
            db, world.client, world.other_dossier.id, "x", language="nl", settings=world.settings, store=world.store
        )


# ---------------------------------------------------------------- the road


def test_the_road_lists_progress_appointment_and_checklist_in_order(db, world):
    from portal_app.dossiers.models import ProgressStep

    db.add(ProgressStep(dossier_id=world.dossier.id, position=0, title="Opdracht ontvangen", done_at=NOW))
    db.add(ProgressStep(dossier_id=world.dossier.id, position=1, title="Akte gepasseerd"))
    set_default(db, world)
    steps = road.road_steps(db, world.dossier.id, "nl", now=NOW)
    keys = [step.key for step in steps]
    assert keys.index("progress") < keys.index("appointment") < keys.index("checklist")
    by_key = {step.key: step for step in steps}
    assert by_key["progress"].detail == "1 van 2 stappen klaar"
    assert by_key["appointment"].detail == "nog 14 dagen"
    assert by_key["checklist"].state is RoadState.WAITING_FOR_CLIENT
    rows = road.rows(steps, "en")
    assert [row.state_text for row in rows if row.key == "checklist"] == ["Action for you"]
    assert [row.state_text for row in rows if row.key == "appointment"] == ["Planned"]
    homes = road.home_roads(db, world.client, "nl")
    assert [item.number for item in homes] == ["2026-0001"]
    assert road.home_roads(db, world.company, "nl") == []  # no appointment or draft there


# ---------------------------------------------------------------- the states, as a browser event reaches them


@pytest.fixture
def tokens(engine, db, world, monkeypatch):
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()
    made = {}
    for key, account in (("client", world.client), ("company", world.company), ("handler", world.handler)):
        made[key], _ = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    db.commit()
    return made


def test_client_state_shows_the_appointment_and_ticks(db, world, tokens):
    set_default(db, world, day=(datetime.now(UTC) + timedelta(days=14)).date().isoformat())
    state = make_state(SigningState, tokens["client"], f"/dossiers/{world.dossier.id}")
    call(SigningState.load_dossier_signing.fn, state)
    assert state.has_appointment and state.countdown.startswith("nog ") and state.time == "10:00"
    assert state.calendar_href == f"/afspraak/{world.dossier.id}.ics"
    first = state.items[0]
    call(SigningState.set_item_done.fn, state, first.id, True)
    assert state.items[0].done


def test_client_state_of_another_dossier_shows_nothing_and_cannot_tick(db, world, tokens):
    appointments.set_appointment(
        db, world.handler, world.other_dossier.id, day="2027-01-20", at="10:00", notary_id=world.admin.id, now=NOW
    )
    db.commit()
    foreign = checklist.rows(db, world.other_dossier.id)[0]
    state = make_state(SigningState, tokens["client"], f"/dossiers/{world.other_dossier.id}")
    call(SigningState.load_dossier_signing.fn, state)
    assert not state.has_appointment and state.location == "" and state.items == []
    call(SigningState.set_item_done.fn, state, foreign.id, True)
    db.expire_all()
    assert db.get(SigningChecklistItem, foreign.id).done_at is None


def test_a_client_cannot_use_the_staff_signing_handlers(db, world, tokens):
    state = make_state(StaffSigningState, tokens["client"], f"/staff/dossiers/{world.dossier.id}")
    call(
        StaffSigningState.save_appointment.fn,
        state,
        {"day": "2027-01-10", "time": "10:00", "notary": str(world.admin.id), "kind": "general"},
    )
    assert db.exec(select(SigningAppointment)).first() is None
    staff = make_state(StaffSigningState, tokens["handler"], f"/staff/dossiers/{world.dossier.id}")
    call(StaffSigningState.load_staff_signing.fn, staff)
    call(
        StaffSigningState.save_appointment.fn,
        staff,
        {"day": "2027-01-10", "time": "10:00", "notary": str(world.admin.id), "kind": "general", "location": ""},
    )
    assert staff.error == "" and staff.has_appointment
    assert db.exec(select(SigningAppointment)).one().dossier_id == world.dossier.id


def test_sending_a_request_through_the_state(db, world, tokens):
    set_default(db, world, day=(datetime.now(UTC) + timedelta(days=14)).date().isoformat())
    state = make_state(SigningState, tokens["client"], f"/dossiers/{world.dossier.id}")
    call(SigningState.load_dossier_signing.fn, state)
    call(SigningState.send_request.fn, state, {"reason": "Dan kan ik niet."})
    assert state.request_notice and not state.request_error
    db.expire_all()
    assert db.exec(select(Message).where(Message.dossier_id == world.dossier.id)).one().from_office is False
