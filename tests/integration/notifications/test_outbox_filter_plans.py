"""The outbox's person and period filters read the outbox through its indexes (issue 14 item 8).

Two databases built by the migrations: the generated mid-size office of
tests/integration/core/test_query_plans.py (on SQLite and PostgreSQL), and an SQLite outbox
of 120,000 mails, where a full scan would read every mail the office ever sent. Every
statement the filtered list sends is explained; a full scan of the outbox fails the test.

The one scan allowed is that of `account` to find the people whose name or address
*contains* the typed text (no B-tree index serves "contains"; at most MAX_PERSON_MATCHES ids, the
same lookup as the audit log's person filter): the account table grows with the clients,
not with the mail.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from portal_app.accounts.models import Account
from portal_app.core.services.db import make_engine
from portal_app.notifications.services import staff_outbox
from tests.integration.core.test_migrations import upgrade
from tests.integration.core.test_query_plans import build, captured_statements, postgres_full_scans, sqlite_full_scans

F = staff_outbox.OutboxFilter


def filtered_calls(staff: Account, person: str) -> dict[str, object]:
    return {
        "person": lambda db: staff_outbox.list_outbox(session=db, actor=staff, filters=F(person=person)),
        "person, page 2": lambda db: staff_outbox.list_outbox(
            session=db, actor=staff, filters=F(person=person), page=1
        ),
        "address start": lambda db: staff_outbox.list_outbox(session=db, actor=staff, filters=F(person=person[:4])),
        "period": lambda db: staff_outbox.list_outbox(
            session=db, actor=staff, filters=F(date_from="2026-03-01", date_to="2026-03-31")
        ),
        "period, failed": lambda db: staff_outbox.list_outbox(
            session=db, actor=staff, status="failed", filters=F(date_from="2026-03-01")
        ),
        "person and period": lambda db: staff_outbox.list_outbox(
            session=db, actor=staff, filters=F(person=person, date_from="2026-01-01", date_to="2026-06-30")
        ),
        "sms by person": lambda db: staff_outbox.list_outbox(
            session=db, actor=staff, channel="sms", filters=F(person=person)
        ),
    }


def outbox_scans(engine, staff: Account, person: str, full_scans) -> list[str]:
    problems = []
    for name, call in filtered_calls(staff, person).items():
        for statement, parameters in captured_statements(engine, call):
            if statement.lstrip().startswith("SELECT account.id, account.email \nFROM account"):
                continue  # the "contains" lookup of the people (see the module's text)
            scans = full_scans(engine, statement, parameters)
            if scans:
                problems.append(f"{name}: {scans}\n    {statement[:300]}")
    return problems


def test_filtered_outbox_uses_indexes_on_sqlite(tmp_path):
    engine, hot = build(f"sqlite:///{tmp_path / 'plans.db'}", tmp_path)
    try:
        assert outbox_scans(engine, hot.staff, hot.client.email, sqlite_full_scans) == []
        # the check can fail: the same list by subject would read the whole outbox
        assert sqlite_full_scans(engine, "SELECT id FROM outboxmail WHERE subject = ?", ("x",))
    finally:
        engine.dispose()


def test_filtered_outbox_uses_indexes_on_postgres(postgres_url, tmp_path):
    engine, hot = build(postgres_url, tmp_path)
    try:
        assert outbox_scans(engine, hot.staff, hot.client.email, postgres_full_scans) == []
    finally:
        engine.dispose()


BIG = 120_000


@pytest.fixture
def big_outbox(tmp_path):
    """120,000 mails to 2,000 accounts over two years, then ANALYZE."""
    path = tmp_path / "big.db"
    upgrade(f"sqlite:///{path}")
    rng = random.Random(14)
    start = datetime(2025, 1, 1)
    raw = sqlite3.connect(path)
    raw.executemany(
        "INSERT INTO account (id, kind, email, name, language, first_login_done, blocked, created_at, staff_role)"
        " VALUES (?, ?, ?, ?, 'nl', 1, 0, ?, ?)",
        [
            (
                i,
                "staff" if i == 1 else "person",
                f"klant{i}@example.nl",
                f"Klant Nummer{i}",
                start,
                "admin" if i == 1 else None,
            )
            for i in range(1, 2001)
        ],
    )
    raw.executemany(
        "INSERT INTO outboxmail (to_address, subject, body_text, body_html, kind, account_id, status, attempts,"
        " next_attempt_at, created_at) VALUES (?, 's', 't', 'h', 'notification_digest', ?, ?, 1, ?, ?)",
        (
            (f"klant{a}@example.nl", a, "failed" if n % 97 == 0 else "sent", at, at)
            for n in range(BIG)
            for a, at in [(rng.randint(2, 2000), start + timedelta(minutes=9 * n))]
        ),
    )
    raw.commit()
    raw.execute("ANALYZE")
    raw.close()
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def test_a_big_outbox_is_filtered_through_its_indexes(big_outbox):
    with Session(big_outbox) as db:
        staff = db.get(Account, 1)
        assert staff is not None and staff.is_staff
        page = staff_outbox.list_outbox(session=db, actor=staff, filters=F(person="Nummer1234"))
        assert page.total > 0 and all(row.recipient == "klant1234@example.nl" for row in page.rows)
        march = staff_outbox.list_outbox(
            session=db, actor=staff, filters=F(date_from="2025-03-01", date_to="2025-03-31")
        )
        assert 0 < march.total < BIG // 10
    assert outbox_scans(big_outbox, staff, "klant1234@example.nl", sqlite_full_scans) == []
    # one person, one month: the outbox is searched (SEARCH), not walked through (SCAN) by any index
    calls = filtered_calls(staff, "klant1234@example.nl")
    for name in ("person", "person, page 2", "period"):
        for statement, parameters in captured_statements(big_outbox, calls[name]):
            if "FROM outboxmail" in statement:
                plan = sqlite_plan(big_outbox, statement, parameters)
                assert not [line for line in plan if line.startswith("SCAN outboxmail")], (name, plan)
                assert [line for line in plan if line.startswith("SEARCH outboxmail")], (name, plan)


def sqlite_plan(engine, statement: str, parameters) -> list[str]:
    raw = engine.raw_connection()
    try:
        return [row[-1] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()]
    finally:
        raw.close()
