"""The staff lists that grow for years (audit log, outbox, dossiers, clients) count up to
staff_access.COUNT_LIMIT, then say "…+" (issue 19: a million log rows and 20,000 dossiers after a
few years; counting them all on every page open or keystroke told staff nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal_app.accounts.models import Account
from portal_app.audit.services import audit, staff_audit
from portal_app.core.services import formatting, staff_access
from portal_app.core.states.staff_base import page_text
from portal_app.dossiers.models import Dossier
from portal_app.dossiers.services import staff_dossiers
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.notifications.services import staff_outbox
from portal_app.office.services import staff_clients


def test_audit_count_stops_at_the_limit(db, world, monkeypatch):
    monkeypatch.setattr(staff_access, "COUNT_LIMIT", 5)
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
    monkeypatch.setattr(staff_access, "COUNT_LIMIT", 3)
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


def test_staff_dossier_search_count_stops_at_the_limit(db, world, monkeypatch):
    monkeypatch.setattr(staff_access, "COUNT_LIMIT", 3)
    for index in range(4):
        db.add(Dossier(number=f"2025-{index + 100:04}", description=f"Leveringsakte Dorpsstraat {index}"))
    db.commit()
    found = staff_dossiers.list_dossiers(session=db, actor=world.handler, query="dorpsstraat", page_size=2)
    assert (found.total, found.more, found.page_count, len(found.rows)) == (3, True, 2, 2)
    # the last reachable page is the limit's
    last = staff_dossiers.list_dossiers(session=db, actor=world.handler, query="dorpsstraat", page=9, page_size=2)
    assert (last.page, len(last.rows)) == (1, 2)
    exact = staff_dossiers.list_dossiers(session=db, actor=world.handler, query="dorpsstraat 2")
    assert (exact.total, exact.more) == (1, False)
    shown = formatting.format_count(found.total, "nl", more=found.more)
    assert page_text("nl", found.page, found.page_count, shown) == "Pagina 1 van 2 (3+)"
    # without a text search an index counts them all: every page stays reachable
    every = staff_dossiers.list_dossiers(session=db, actor=world.handler, page=99, page_size=2)
    assert every.more is False and every.total >= 4 and every.page == every.page_count - 1


def test_staff_client_search_count_stops_at_the_limit(db, world, monkeypatch):
    monkeypatch.setattr(staff_access, "COUNT_LIMIT", 2)
    for index in range(3):
        db.add(Account(kind="person", email=f"persoon{index}@example.nl", name=f"Persoon {index}"))
    db.commit()
    found = staff_clients.search_clients(session=db, actor=world.handler, query="persoon")
    assert (found.total, found.more, found.page_count) == (2, True, 1)
    exact = staff_clients.search_clients(session=db, actor=world.handler, query="persoon 1")
    assert (exact.total, exact.more, [row.email for row in exact.rows]) == (1, False, ["persoon1@example.nl"])
    assert staff_clients.search_clients(session=db, actor=world.handler).more is False
