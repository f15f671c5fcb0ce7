import asyncio
import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit, staff_audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.formatting import now_local
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus
from portal_app.notifications.services import mail, staff_outbox
from portal_app.office.services import staff_overview


def failed_mail(db, to="klant@example.nl"):
    row = mail.queue_mail(
        session=db,
        to=to,
        kind="invite",
        language="nl",
        context={
            "office_name": "Kantoor",
            "name": "Klaas",
            "link": "https://p.example.nl/account-activeren?token=GEHEIM123",
        },
    )
    row.status = OutboxStatus.FAILED
    row.last_error = "550 mailbox unavailable"
    db.add(row)
    db.commit()
    return row


def test_outbox_list_retry_and_overview(db, world):
    row = failed_mail(db)
    db.add(OutboxSms(to_phone="+31612345678", body="Uw code is 123456", status=OutboxStatus.FAILED))
    db.commit()
    page = staff_outbox.list_outbox(session=db, actor=world.handler, status=OutboxStatus.FAILED)
    assert page.total == 1 and page.rows[0].can_retry is True and page.rows[0].error.startswith("550")
    assert staff_overview.failed_outbox(session=db, actor=world.handler).total == 2
    staff_outbox.retry(session=db, actor=world.handler, channel="mail", item_id=str(row.id))
    staff_outbox.retry(session=db, actor=world.handler, channel="mail", item_id=row.id)  # double click: no harm
    db.commit()
    assert db.get(OutboxMail, row.id).status == OutboxStatus.QUEUED
    sms = db.exec(select(OutboxSms)).one()
    staff_outbox.retry(session=db, actor=world.handler, channel="sms", item_id=sms.id)
    assert db.get(OutboxSms, sms.id).status == OutboxStatus.QUEUED
    assert len(db.exec(select(AuditEvent).where(AuditEvent.event_type == "outbox.retry")).all()) == 3
    with pytest.raises(NotFound):
        staff_outbox.retry(session=db, actor=world.handler, channel="mail", item_id=999)
    with pytest.raises(ValidationFailed):
        staff_outbox.retry(session=db, actor=world.handler, channel="fax", item_id=row.id)
    with pytest.raises(ValidationFailed):
        staff_outbox.list_outbox(session=db, actor=world.handler, status="lost")


def test_mail_content_for_admins_only_with_secrets_masked(db, world):
    row = failed_mail(db)
    with pytest.raises(PermissionDenied):
        staff_outbox.mail_content(session=db, actor=world.handler, mail_id=row.id)
    content = staff_outbox.mail_content(session=db, actor=world.admin, mail_id=row.id)
    assert "GEHEIM123" not in content.body and "token=•••" in content.body
    db.add(OutboxSms(to_phone="+31612345678", body="Uw code is 123456"))
    db.commit()
    sms = db.exec(select(OutboxSms)).one()
    assert "123456" not in staff_outbox.sms_content(session=db, actor=world.admin, sms_id=sms.id).body
    with pytest.raises(PermissionDenied):
        staff_outbox.list_outbox(session=db, actor=world.client)


def test_audit_filters_and_pagination(db, world):
    audit.record(db, "dossier.changed", actor_id=world.handler.id, dossier_id=world.dossier.id)
    audit.record(db, "account.blocked", actor_id=world.admin.id, target=f"account:{world.client.id}")
    db.add(AuditEvent(event_type="login.ok", actor_id=world.client.id, at=utcnow() - timedelta(days=40)))
    db.commit()
    by_handler = staff_audit.search(
        session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="handler@example")
    )
    assert "dossier.changed" in {row.event for row in by_handler.rows}
    assert all(
        row.actor_id == world.handler.id or row.target == f"account:{world.handler.id}" for row in by_handler.rows
    )
    about_client = staff_audit.search(
        session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="klaas")
    )
    assert {"account.blocked", "login.ok"} <= {row.event for row in about_client.rows}
    by_dossier = staff_audit.search(
        session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(dossier="2026-0001")
    )
    assert by_dossier.total >= 1 and all(row.dossier == "2026-0001" for row in by_dossier.rows)
    by_type = staff_audit.search(
        session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="login.ok")
    )
    assert by_type.total == 1
    # the filter's days are office days: at 23:30 UTC it is already tomorrow in Amsterdam
    today = now_local().date().isoformat()
    recent = staff_audit.search(
        session=db,
        actor=world.handler,
        filters=staff_audit.AuditFilter.clean(
            event_type="login.ok", date_from=(now_local() - timedelta(days=2)).date().isoformat()
        ),
    )
    assert recent.total == 0
    assert (
        staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(date_to=today)).total
        >= 3
    )
    # a day that is no day is refused with a reason, not ignored (tests/unit/audit/test_audit_in_words.py)
    with pytest.raises(ValidationFailed) as refused:
        staff_audit.search(
            session=db,
            actor=world.handler,
            filters=staff_audit.AuditFilter.clean(date_to=today, date_from="not a date"),
        )
    assert refused.value.code == "period.bad_date"
    assert (
        staff_audit.search(
            session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="nobody-here")
        ).total
        == 0
    )
    # the filter list names the kinds the portal writes (not a scan of the log)
    assert "login.succeeded" in staff_audit.event_types(session=db, actor=world.handler)
    assert "login.ok" not in staff_audit.event_types(session=db, actor=world.handler)
    for _ in range(60):
        audit.record(db, "bulk.event", actor_id=world.admin.id)
    db.commit()
    page = staff_audit.search(
        session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="bulk.event"), page=1
    )
    assert (page.total, page.page_count, len(page.rows)) == (60, 2, 10)


def test_csv_export_streams_and_neutralises_formulas(db, world, monkeypatch):
    monkeypatch.setattr(staff_audit, "EXPORT_BATCH", 7)
    for i in range(20):
        audit.record(db, "bulk.event", actor_id=world.admin.id, target='=HYPERLINK("http://evil")', detail={"n": i})
    db.commit()
    lines = list(
        staff_audit.iter_csv(
            session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="bulk.event")
        )
    )
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows[0] == list(staff_audit.CSV_COLUMNS)
    assert len(rows) == 21 and len({r[0] for r in rows[1:]}) == 20
    assert all(r[7].startswith("'=") for r in rows[1:])
    with pytest.raises(PermissionDenied):
        list(staff_audit.iter_csv(session=db, actor=world.client, filters=staff_audit.AuditFilter()))


def test_retry_refuses_sent_unknown_and_forged_items(db, world):
    row = failed_mail(db)
    row.status = OutboxStatus.SENT
    db.add(row)
    db.add(OutboxSms(to_phone="+31612345678", body="Uw code is 123456", status=OutboxStatus.SENT))
    db.commit()
    sms = db.exec(select(OutboxSms)).one()
    for channel, item_id in (("mail", row.id), ("sms", sms.id)):
        with pytest.raises(ValidationFailed) as error:
            staff_outbox.retry(session=db, actor=world.handler, channel=channel, item_id=item_id)
        assert error.value.code == "outbox.already_sent"
    for item_id in (999, "1 OR 1=1", None, -1):
        with pytest.raises(NotFound):
            staff_outbox.retry(session=db, actor=world.handler, channel="sms", item_id=item_id)
    with pytest.raises(PermissionDenied):
        staff_outbox.retry(session=db, actor=world.client, channel="mail", item_id=row.id)
    db.rollback()
    assert db.get(OutboxMail, row.id).status == OutboxStatus.SENT
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "outbox.retry")).all() == []


def test_retried_mail_starts_afresh_and_is_then_sent(db, world, engine, monkeypatch, tmp_path):
    row = failed_mail(db)
    row.attempts = mail.MAX_ATTEMPTS
    row.next_attempt_at = utcnow() + timedelta(days=1)
    db.add(row)
    db.commit()
    staff_outbox.retry(session=db, actor=world.admin, channel="mail", item_id=str(row.id))
    db.commit()
    db.expire_all()
    retried = db.get(OutboxMail, row.id)
    assert (retried.status, retried.attempts, retried.last_error) == (OutboxStatus.QUEUED, 0, None)
    assert retried.next_attempt_at <= utcnow().replace(tzinfo=retried.next_attempt_at.tzinfo)
    event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "outbox.retry")).one()
    assert event.actor_id == world.admin.id and event.target == f"mail:{row.id}"

    sent = []

    async def fake_send(message, settings):
        sent.append(message["To"])

    from portal_app.settings import load_settings

    monkeypatch.setattr(mail, "_send", fake_send)
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "SMTP_HOST": "127.0.0.1"})
    report = asyncio.run(mail.deliver_due(engine=engine, settings=settings))
    assert report.sent == 1 and sent == ["klant@example.nl"]
    db.expire_all()
    assert db.get(OutboxMail, row.id).status == OutboxStatus.SENT
    assert staff_overview.failed_outbox(session=db, actor=world.handler).total == 0


# --------------------------------------------------------------------------- the outbox screen


@pytest.fixture
def outbox_screen(engine, db, world, monkeypatch):
    """StaffOutboxState for a behandelaar and an admin on state trees (the abuse tests' harness)."""
    import portal_app.core.services.db as db_module
    from portal_app.accounts.services import sessions
    from portal_app.notifications.states import StaffOutboxState
    from portal_app.office.services import office_settings
    from tests.unit.helpers import call, make_state, redirect_path

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()

    def make(who: str, path: str = "/staff/outbox"):
        token, _row = sessions.create_session(db, getattr(world, who), policy=sessions.SessionPolicy())
        db.commit()
        state = make_state(StaffOutboxState, token, path)
        # no refusal: only the filter inputs are filled from the URL (rx.set_value)
        assert redirect_path(call(StaffOutboxState.event_handlers["load_outbox"].fn, state)) is None
        return state

    return make


def outbox_handler(name):
    """The handler as Reflex runs it (the skeleton's wrapper is a coroutine)."""
    from portal_app.notifications.states import StaffOutboxState
    from tests.unit.helpers import call

    return lambda state, *args: call(StaffOutboxState.event_handlers[name].fn, state, *args)


def test_outbox_screen_retry_by_a_behandelaar(db, world, outbox_screen):
    row = failed_mail(db)
    state = outbox_screen("handler")
    assert [(r.id, r.status, r.can_retry) for r in state.rows] == [(row.id, "failed", True)]
    assert state.counts["failed"] == "1"
    outbox_handler("retry")(state, str(row.id))
    assert state.notice == "De e-mail of sms staat weer in de wachtrij." and state.error == ""
    assert [(r.status, r.status_label, r.can_retry) for r in state.rows] == [("queued", "In de wachtrij", False)]
    assert state.counts["failed"] == "0" and state.counts["queued"] == "1"
    # the content stays closed to a behandelaar, also by a forged event
    result = outbox_handler("show_content")(state, str(row.id))
    from tests.unit.helpers import redirect_path

    assert redirect_path(result) == "/404" and state.content == staff_outbox.OutboxContent() and not state.content_open
    # a forged or vanished id: an error text, nothing changes
    outbox_handler("retry")(state, "999999")
    assert state.error and state.notice == ""


def test_outbox_screen_failed_filter_and_admin_content(db, world, outbox_screen):
    row = failed_mail(db)
    mail.queue_mail(
        session=db,
        to="ander@example.nl",
        kind="invite",
        language="nl",
        context={"office_name": "K", "name": "A", "link": "https://p/x"},
    )
    db.commit()
    admin = outbox_screen("admin")
    from tests.unit.helpers import redirect_path

    # the status lives in the URL: choosing it navigates there, and the page's load lists it
    assert redirect_path(outbox_handler("set_status_filter")(admin, "failed")) == "/staff/outbox?status=failed"
    admin = outbox_screen("admin", "/staff/outbox?status=failed")
    assert [r.recipient for r in admin.rows] == ["klant@example.nl"]
    outbox_handler("show_content")(admin, str(row.id))
    assert admin.content_open and "token=•••" in admin.content.body and "GEHEIM123" not in admin.content.body
    outbox_handler("set_content_open")(admin, False)
    assert admin.content == staff_outbox.OutboxContent()
    outbox_handler("retry")(admin, str(row.id))
    assert admin.rows == [] and admin.counts["queued"] == "2"  # no longer under "Mislukt"
