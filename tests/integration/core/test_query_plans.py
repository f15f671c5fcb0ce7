"""The hot queries of an event use indexes, on SQLite and on PostgreSQL.

Each hot service call (the session lookup every event makes, the client's
dossier list with its unread counts, opening a dossier, its tab counts and
documents, the messages of a dossier, the Acties count) runs against a real
database built by the migrations; every statement it sends is captured and
explained. A full scan of one of the tables that grow with the office fails
the test, naming the statement and the plan.

On PostgreSQL the planner prefers a sequential scan of a tiny table, so the
plans are taken with `enable_seqscan = off`: a sequential scan then remains
only where no index can serve the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import event
from sqlmodel import Session

from portal_app.accounts.services import accounts, sessions
from portal_app.accounts.services import viewer as viewer_service
from portal_app.core.services.db import make_engine
from portal_app.documents.services import documents
from portal_app.dossiers.services import dossiers
from portal_app.messages.services import messages
from tests.integration.core.test_migrations import upgrade

# Tables that grow with the years of an office.
BIG_TABLES = {
    "account",
    "auditevent",
    "document",
    "dossier",
    "dossieraccess",
    "message",
    "readreceipt",
    "usersession",
    "questionnairerequest",
}


def build(url: str):
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        staff = accounts.create_staff(db, email="staff@example.nl", name="Sam Staff", role="admin")
        client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
        dossier = dossiers.create_dossier(db, number="2026-0001", description="Levering woning", handler_id=staff.id)
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
        token, _ = sessions.create_session(db, client, policy=sessions.SessionPolicy())
        db.commit()
    return engine, client, dossier, token


def hot_calls(engine, client, dossier, token) -> dict[str, Callable[[Session], object]]:
    policy = sessions.SessionPolicy()
    return {
        "session lookup": lambda db: viewer_service.resolve(db, token, policy=policy),
        "dossier list": lambda db: dossiers.list_for_account(db, client, search="lev"),
        "open dossier": lambda db: dossiers.header_for_account(db, client, dossier.id),
        "tab counts": lambda db: dossiers.tab_counts(db, client, dossier.id),
        "documents": lambda db: documents.list_tabs_for_dossier(session=db, account=client, dossier_id=dossier.id),
        "messages": lambda db: messages.list_for_dossier(db, client, dossier.id),
        "acties count": lambda db: dossiers.open_actions_count(db, client),
    }


def captured_statements(engine, call) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        with Session(engine) as db:
            call(db)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert seen, "the call sent no SELECT"
    return seen


def sqlite_full_scans(engine, statement, parameters) -> list[str]:
    raw = engine.raw_connection()
    try:
        rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
    finally:
        raw.close()
    details = [row[-1] for row in rows]
    scans = []
    for detail in details:
        match = re.match(r"SCAN (\w+)", detail)
        if match and match.group(1).lower() in BIG_TABLES and "INDEX" not in detail:
            scans.append(detail)
    return scans


def postgres_full_scans(engine, statement, parameters) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        lines = [row[0] for row in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    return [line for line in lines if (m := re.search(r"Seq Scan on (\w+)", line)) and m.group(1) in BIG_TABLES]


def check(engine, client, dossier, token, full_scans) -> None:
    problems = []
    for name, call in hot_calls(engine, client, dossier, token).items():
        for statement, parameters in captured_statements(engine, call):
            scans = full_scans(engine, statement, parameters)
            if scans:
                problems.append(f"{name}: {scans}\n    {statement[:300]}")
    assert not problems, "full scans of growing tables:\n" + "\n".join(problems)


def test_hot_queries_use_indexes_on_sqlite(tmp_path):
    engine, client, dossier, token = build(f"sqlite:///{tmp_path / 'plans.db'}")
    try:
        check(engine, client, dossier, token, sqlite_full_scans)
    finally:
        engine.dispose()


def test_hot_queries_use_indexes_on_postgres(postgres_url):
    engine, client, dossier, token = build(postgres_url)
    try:
        check(engine, client, dossier, token, postgres_full_scans)
    finally:
        engine.dispose()


def test_the_check_finds_a_full_scan(tmp_path):
    """The check can fail: a search on an unindexed column is reported."""
    engine, *_ = build(f"sqlite:///{tmp_path / 'scan.db'}")
    try:
        assert sqlite_full_scans(engine, "SELECT id FROM message WHERE body = ?", ("x",))
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", sorted(BIG_TABLES))
def test_big_tables_exist(tmp_path, table):
    """The list names real tables (a renamed table would silently escape the check)."""
    from sqlmodel import SQLModel

    assert table in SQLModel.metadata.tables


def test_the_check_finds_a_full_scan_on_postgres(postgres_url):
    engine, *_ = build(postgres_url)
    try:
        assert postgres_full_scans(engine, "SELECT id FROM message WHERE body = %(body)s", {"body": "x"})
    finally:
        engine.dispose()
