"""The audit log and the outbox count up to COUNT_LIMIT, then say "…+" (issue 19: a million log
rows after a few years; counting them all on every page open told staff nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal_app.audit.services import audit, staff_audit
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.notifications.services import staff_outbox


def test_audit_count_stops_at_the_limit(db, world, monkeypatch):
    monkeypatch.setattr(staff_audit, "COUNT_LIMIT", 5)
    for _ in range(8):
        audit.record(db, "login.succeeded", actor_id=world.admin.id)
    db.commit()
    page = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter(), page_size=2)
    assert (page.total, page.more, page.page_count) == (5, True, 3)
    assert len(page.rows) == 2
    # a filter that matches fewer than the limit counts exactly
    few = staff_audit.search(
        session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(event_type="no.such.kind")
    )
    assert (few.total, few.more) == (0, False)
    # the last page reachable is the limit's: asking further gives that page, not an error
    last = staff_audit.search(session=db, actor=world.handler, filters=staff_audit.AuditFilter(), page=99, page_size=2)
    assert last.page == 2


def test_outbox_counts_stop_at_the_limit_per_status(db, world, monkeypatch):
    monkeypatch.setattr(staff_outbox, "COUNT_LIMIT", 3)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for index in range(5):
        db.add(
            OutboxMail(
                to_address=f"klant{index}@example.nl",
                subject="s",
                body_text="t",
                body_html="h",
                kind="invite",
                status=OutboxStatus.SENT,
                created_at=start + timedelta(minutes=index),
            )
        )
    db.add(
        OutboxMail(
            to_address="mislukt@example.nl",
            subject="s",
            body_text="t",
            body_html="h",
            kind="invite",
            status=OutboxStatus.FAILED,
            created_at=start,
        )
    )
    db.commit()
    page = staff_outbox.list_outbox(session=db, actor=world.handler, page_size=2)
    assert page.counts[OutboxStatus.SENT] == 3 and OutboxStatus.SENT in page.capped
    assert page.counts[OutboxStatus.FAILED] == 1 and OutboxStatus.FAILED not in page.capped
    assert (page.total, page.more) == (3, True)  # 3 + 1 = 4 mails counted: more than the limit
    failed = staff_outbox.list_outbox(session=db, actor=world.handler, status=OutboxStatus.FAILED)
    assert (failed.total, failed.more, [row.recipient for row in failed.rows]) == (1, False, ["mislukt@example.nl"])
