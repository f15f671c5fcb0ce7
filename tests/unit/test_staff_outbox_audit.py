import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.models import AuditEvent, OutboxMail, OutboxSms, OutboxStatus, utcnow
from portal_app.services import audit, mail, staff_audit, staff_outbox, staff_overview
from portal_app.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.unit.test_staff_fixtures import world  # noqa: F401


def failed_mail(db, to="klant@example.nl"):
    row = mail.queue_mail(
        session=db, to=to, kind="invite", language="nl",
        context={"office_name": "Kantoor", "name": "Klaas", "link": "https://p.example.nl/account-activeren?token=GEHEIM123"},
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
    assert page.total == 1 and page.rows[0]["can_retry"] == "1" and page.rows[0]["error"].startswith("550")
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
    assert "GEHEIM123" not in content["body"] and "token=•••" in content["body"]
    db.add(OutboxSms(to_phone="+31612345678", body="Uw code is 123456"))
    db.commit()
    sms = db.exec(select(OutboxSms)).one()
    assert "123456" not in staff_outbox.sms_content(session=db, actor=world.admin, sms_id=sms.id)["body"]
    with pytest.raises(PermissionDenied):
        staff_outbox.list_outbox(session=db, actor=world.client)


def test_audit_filters_and_pagination(db, world):
    audit.record(db, "dossier.changed", actor_id=world.handler.id, dossier_id=world.dossier.id)
    audit.record(db, "account.blocked", actor_id=world.admin.id, target=f"account:{world.client.id}")
    db.add(AuditEvent(event_type="login.ok", actor_id=world.client.id, at=utcnow() - timedelta(days=40)))
    db.commit()
    by_handler = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="handler@example"))
    assert "dossier.changed" in {row["event"] for row in by_handler.rows}
    assert all(
        row["actor_id"] == str(world.handler.id) or row["target"] == f"account:{world.handler.id}" for row in by_handler.rows
    )
    about_client = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="klaas"))
    assert {"account.blocked", "login.ok"} <= {row["event"] for row in about_client.rows}
    by_dossier = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(dossier="2026-0001"))
    assert by_dossier.total >= 1 and all(row["dossier"] == "2026-0001" for row in by_dossier.rows)
    by_type = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="login.ok"))
    assert by_type.total == 1
    today = utcnow().date().isoformat()
    recent = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="login.ok", date_from=(utcnow() - timedelta(days=2)).date().isoformat()))
    assert recent.total == 0
    assert staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(date_to=today, date_from="not a date")).total >= 3
    assert staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="nobody-here")).total == 0
    assert "login.ok" in staff_audit.event_types(session=db, actor=world.handler)
    for i in range(60):
        audit.record(db, "bulk.event", actor_id=world.admin.id)
    db.commit()
    page = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="bulk.event"), page=1)
    assert (page.total, page.page_count, len(page.rows)) == (60, 2, 10)


def test_csv_export_streams_and_neutralises_formulas(db, world, monkeypatch):
    monkeypatch.setattr(staff_audit, "EXPORT_BATCH", 7)
    for i in range(20):
        audit.record(db, "bulk.event", actor_id=world.admin.id, target="=HYPERLINK(\"http://evil\")", detail={"n": i})
    db.commit()
    lines = list(staff_audit.iter_csv(session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="bulk.event")))
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows[0] == list(staff_audit.CSV_COLUMNS)
    assert len(rows) == 21 and len({r[0] for r in rows[1:]}) == 20
    assert all(r[7].startswith("'=") for r in rows[1:])
    with pytest.raises(PermissionDenied):
        list(staff_audit.iter_csv(session=db, actor=world.client, filters=staff_audit.AuditFilter()))
