"""The hot queries of an event use indexes, on SQLite and on PostgreSQL.

Each hot service call (the session lookup every event makes, the client's
dossier list with its unread counts, opening a dossier, its tab counts and
documents, the messages of a dossier, the Acties count, and on the staff side
the dossier list and its one-box search, the client search, the outbox, the
audit log and a dossier's messages and questionnaires) runs against a real
database built by the migrations and filled with a generated office of some
thousands of rows (portal_app/seeding/, then ANALYZE), so the planners choose as
they would at size. Every statement a call sends is captured and explained. A
full scan of one of the tables that grow with the office fails the test,
naming the statement and the plan.

On PostgreSQL the planner prefers a sequential scan of a tiny table, so the
plans are taken with `enable_seqscan = off`: a sequential scan then remains
only where no index can serve the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.accounts.services import accounts, sessions
from portal_app.accounts.services import viewer as viewer_service
from portal_app.audit.services import staff_audit
from portal_app.core.services.db import make_engine
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus
from portal_app.dossiers.services import dossiers, staff_dossiers
from portal_app.messages.services import messages, staff_messages
from portal_app.notifications.services import staff_outbox
from portal_app.office.services import staff_clients, staff_overview
from portal_app.questionnaires.services import questionnaires, staff_requests
from portal_app.seeding.services.generator import OfficeSize
from portal_app.seeding.services.office import seed_office
from tests.integration.core.test_migrations import upgrade
from tests.unit.helpers import stale_unread_counts

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
    "outboxmail",
    "progressstep",
}

# A mid-size office: big enough that the planners' statistics are those of a real office, small
# enough for a test. The counts keep the proportions of `seed-office`'s defaults.
MID_SIZE = OfficeSize(clients=150, dossiers=600, messages=6000, documents=3000, audit=30000)


def seeded(url: str, tmp_path, size: OfficeSize):
    """A database built by the migrations with a generated office of `size` (ANALYZEd)."""
    upgrade(url)
    engine = make_engine(url)
    result = seed_office(
        engine,
        FileStore(tmp_path / "files"),
        size=size,
        seed=7,
        anchor=datetime(2026, 6, 1),
        office_name="Notariskantoor Test",
    )  # ends with ANALYZE
    return engine, result


def build(url: str, tmp_path):
    engine, result = seeded(url, tmp_path, MID_SIZE)
    with Session(engine, expire_on_commit=False) as db:
        staff = accounts.find_by_email(db, result.outcome.staff_admin)
        client = accounts.find_by_email(db, result.outcome.busiest_client)
        assert staff is not None and client is not None
        dossier = db.exec(
            select(Dossier)
            .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
            .where(DossierAccess.account_id == client.id)
            .order_by(col(Dossier.id).desc())
        ).first()
        assert dossier is not None
        token, _ = sessions.create_session(db, client, policy=sessions.SessionPolicy())
        db.commit()
    return engine, Hot(staff=staff, client=client, dossier=dossier, token=token)


@dataclass(frozen=True)
class Hot:
    staff: Account
    client: Account
    dossier: Dossier
    token: str


def hot_calls(hot: Hot) -> dict[str, Callable[[Session], object]]:
    policy = sessions.SessionPolicy()
    client, staff, dossier_id = hot.client, hot.staff, hot.dossier.id
    no_filter = staff_audit.AuditFilter()
    return {
        "session lookup": lambda db: viewer_service.resolve(db, hot.token, policy=policy),
        "dossier list": lambda db: dossiers.list_for_account(db, client, search="lev"),
        "dossier list, page 2": lambda db: dossiers.list_for_account(db, client, page=1),
        "home counts": lambda db: dossiers.home_counts(db, client),
        "open dossier": lambda db: dossiers.header_for_account(db, client, dossier_id),
        "tab counts": lambda db: dossiers.tab_counts(db, client, dossier_id),
        "documents": lambda db: documents.list_tabs_for_dossier(session=db, account=client, dossier_id=dossier_id),
        "messages": lambda db: messages.list_for_dossier(db, client, dossier_id),
        "acties count": lambda db: dossiers.open_actions_count(db, client),
        "questionnaires": lambda db: questionnaires.list_open(db, client),
        "staff dossier list": lambda db: staff_dossiers.list_dossiers(session=db, actor=staff),
        "staff dossier list, page 3": lambda db: staff_dossiers.list_dossiers(session=db, actor=staff, page=2),
        "staff dossier search": lambda db: staff_dossiers.list_dossiers(session=db, actor=staff, query="jansen"),
        "staff dossier status": lambda db: staff_dossiers.list_dossiers(
            session=db, actor=staff, status="wacht_op_klant"
        ),
        "staff my dossiers": lambda db: staff_dossiers.list_dossiers(session=db, actor=staff, mine=True),
        "staff dossier thread": lambda db: staff_messages.thread(session=db, actor=staff, dossier_id=dossier_id),
        "staff questionnaires": lambda db: staff_requests.dossier_requests(
            session=db, actor=staff, dossier_id=dossier_id, language="nl"
        ),
        "staff home, unread": lambda db: staff_overview.unread_client_messages(session=db, actor=staff, mine=False),
        "staff home, mine": lambda db: staff_overview.unread_client_messages(session=db, actor=staff, mine=True),
        "staff home, deliveries": lambda db: staff_overview.recent_deliveries(session=db, actor=staff),
        "staff home, failed mail": lambda db: staff_overview.failed_outbox(session=db, actor=staff),
        "staff home, invitations": lambda db: staff_overview.pending_invitations(session=db, actor=staff),
        "staff home, questionnaires": lambda db: staff_overview.completed_questionnaires(session=db, actor=staff),
        "client list": lambda db: staff_clients.search_clients(session=db, actor=staff),
        "client search": lambda db: staff_clients.search_clients(session=db, actor=staff, query="visser"),
        "outbox": lambda db: staff_outbox.list_outbox(session=db, actor=staff),
        "outbox failed": lambda db: staff_outbox.list_outbox(session=db, actor=staff, status="failed"),
        "audit log": lambda db: staff_audit.search(session=db, actor=staff, filters=no_filter),
        "audit log, page 2": lambda db: staff_audit.search(session=db, actor=staff, filters=no_filter, page=1),
        "audit of a dossier": lambda db: staff_audit.search(
            session=db, actor=staff, filters=staff_audit.AuditFilter(dossier=hot.dossier.number)
        ),
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
            if newest_first_page(statement, match.group(1), details):
                continue
            scans.append(detail)
        elif yes_no_search(detail):
            scans.append(detail)
    return scans


def yes_no_search(detail: str) -> bool:
    """A search of a growing table that only a yes/no column narrows (`from_office=?`) reads about half
    of it, once per outer row when correlated: as bad as a scan (it took the client's dossier list
    of a generated big office from milliseconds to minutes)."""
    from sqlalchemy import Boolean
    from sqlmodel import SQLModel

    match = re.match(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((.*)\)", detail)
    if not match or match.group(1).lower() not in BIG_TABLES:
        return False
    table = SQLModel.metadata.tables[match.group(1).lower()]
    used = [re.split(r"[=<>]", term)[0].strip() for term in match.group(2).split(" AND ")]
    return all(name in table.c and isinstance(table.c[name].type, Boolean) for name in used)


def newest_first_page(statement: str, table: str, details: list[str]) -> bool:
    """SQLite says SCAN for a walk down the rowid too: newest first, no sort, stopping at LIMIT
    (the audit log's page). That reads a page, not the table."""
    ordered = re.search(rf"ORDER BY {table}\.id DESC\s+LIMIT", statement, re.IGNORECASE)
    return bool(ordered) and not any("TEMP B-TREE" in detail for detail in details)


def postgres_plan(engine, statement, parameters) -> str:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
    finally:
        raw.close()
    return plan


def postgres_full_scans(engine, statement, parameters) -> list[str]:
    lines = postgres_plan(engine, statement, parameters).splitlines()
    return [line for line in lines if (m := re.search(r"Seq Scan on (\w+)", line)) and m.group(1) in BIG_TABLES]


def check(engine, hot: Hot, full_scans) -> None:
    problems = []
    for name, call in hot_calls(hot).items():
        for statement, parameters in captured_statements(engine, call):
            scans = full_scans(engine, statement, parameters)
            if scans:
                problems.append(f"{name}: {scans}\n    {statement[:300]}")
    assert not problems, "full scans of growing tables:\n" + "\n".join(problems)


def test_hot_queries_use_indexes_on_sqlite(tmp_path):
    engine, hot = build(f"sqlite:///{tmp_path / 'plans.db'}", tmp_path)
    try:
        check(engine, hot, sqlite_full_scans)
    finally:
        engine.dispose()


def test_hot_queries_use_indexes_on_postgres(postgres_url, tmp_path):
    engine, hot = build(postgres_url, tmp_path)
    try:
        check(engine, hot, postgres_full_scans)
    finally:
        engine.dispose()


# The searches' own office: a big office's clients and dossiers, so that PostgreSQL's planner
# weighs the trigram index against reading the table as it does at size (on a mid-size office a
# seq scan of a few hundred rows is rightly cheaper); few of the other rows.
SEARCH_SIZE = OfficeSize(clients=5000, dossiers=20000, messages=2000, documents=200, audit=200)


@pytest.mark.parametrize("query", ["jansen", "2021-0"])
def test_postgres_staff_dossier_search_counts_from_the_trigram_index(postgres_url, tmp_path, query):
    """A search box looks for a part of a text, which an ordinary index cannot find: the count of a
    search read every entry of the column's index, or the whole table (all 20,000 dossiers for
    "jansen"). With the pg_trgm index of migration 0008 the count finds its matches there. Taken
    as the full-scan check does (no seq scan where an index can serve), since PostgreSQL's choice
    between the index and a scan that stops at the limit depends on its estimate of the matches;
    the page of a common needle walks the newest-first index, which the full-scan check covers.

    The client search has a trigram index too, but at 6,000 accounts PostgreSQL counts "visser"
    through the accounts' (deleted_at) index or a scan of the table (1.1 ms) rather than the
    trigram index (0.9 ms), as its estimates say; only a rare needle takes the trigram index."""
    engine, result = seeded(postgres_url, tmp_path, SEARCH_SIZE)
    try:
        with Session(engine, expire_on_commit=False) as db:
            staff = accounts.find_by_email(db, result.outcome.staff_admin)
        statements = captured_statements(
            engine, lambda db: staff_dossiers.list_dossiers(session=db, actor=staff, query=query)
        )
        counts = [(st, params) for st, params in statements if "LIKE" in st and st.startswith("SELECT count(*)")]
        assert counts, "the search is counted"
        for statement, parameters in counts:
            plan = postgres_plan(engine, statement, parameters)
            assert "ix_dossier_staff_search_text_trigram" in plan, f"{statement[:300]}\n{plan}"
    finally:
        engine.dispose()


def test_postgres_connections_price_random_reads_for_an_ssd(postgres_url):
    """The planner's cost of a random read (core/services/db.py): with PostgreSQL's default of 4 the
    staff search read the whole dossier table instead of its trigram index."""
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
    finally:
        engine.dispose()


def test_the_check_finds_a_full_scan(tmp_path):
    """The check can fail: a search on an unindexed column is reported, and so is one that only a
    yes/no column narrows."""
    upgrade(f"sqlite:///{tmp_path / 'scan.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'scan.db'}")
    try:
        assert sqlite_full_scans(engine, "SELECT id FROM message WHERE body = ?", ("x",))
        assert sqlite_full_scans(engine, "SELECT id FROM message WHERE from_office = ? AND body = ?", (1, "x"))
        assert not sqlite_full_scans(engine, "SELECT id FROM message WHERE dossier_id = ? AND from_office = ?", (1, 1))
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", sorted(BIG_TABLES))
def test_big_tables_exist(tmp_path, table):
    """The list names real tables (a renamed table would silently escape the check)."""
    from sqlmodel import SQLModel

    assert table in SQLModel.metadata.tables


def test_the_check_finds_a_full_scan_on_postgres(postgres_url):
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        assert postgres_full_scans(engine, "SELECT id FROM message WHERE body = %(body)s", {"body": "x"})
    finally:
        engine.dispose()


def test_staff_dossier_list_counts_unread_messages_per_dossier(tmp_path):
    """The page's unread client messages are found by their dossiers, not by walking every unread
    client message of the office through the staff home's index (migration 0006: SQLite chose that
    one while only (dossier_id, from_office) existed, 2.7 ms of each keystroke at 20,000 dossiers)."""
    engine, hot = build(f"sqlite:///{tmp_path / 'plans.db'}", tmp_path)
    try:
        statements = captured_statements(
            engine, lambda db: staff_dossiers.list_dossiers(session=db, actor=hot.staff, query="a")
        )
        raw = engine.raw_connection()
        try:
            plans = [
                row[-1]
                for statement, parameters in statements
                if "FROM message" in statement
                for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            ]
        finally:
            raw.close()
        message_searches = [detail for detail in plans if re.match(r"SEARCH message\b", detail)]
        assert message_searches, plans
        assert all("dossier_id=" in detail for detail in message_searches), message_searches
    finally:
        engine.dispose()


def test_client_dossier_list_reads_its_order_from_the_access_index(tmp_path):
    """The page of the client's dossier list comes newest first straight from the access index
    (account_id, dossier_created_at, dossier_id; migration 0007): no sort of all the client's
    dossiers for a page of 25. The search, the total and the unread counts read that index
    alone, with the copies of status and search text and the unread count in it (migration
    0010): one statement, no dossier, message or document row per dossier of the client, only
    the page's own dossier rows. And the copies and counts are the dossier's own."""
    engine, hot = build(f"sqlite:///{tmp_path / 'plans.db'}", tmp_path)
    try:
        for statuses in (None, [DossierStatus.IN_PROGRESS, DossierStatus.WAITING]):
            statements = captured_statements(
                engine,
                lambda db, statuses=statuses: dossiers.list_for_account(
                    db, hot.client, search="e", statuses=statuses, page_size=2
                ),
            )
            assert len(statements) == 1, statements  # the page carries its total
            raw = engine.raw_connection()
            try:
                statement, parameters = statements[0]
                plan = [row[-1] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            finally:
                raw.close()
            reads = sorted(detail for detail in plan if re.match(r"(SEARCH|SCAN) ", detail))
            assert reads == [
                "SCAN page",
                "SEARCH dossieraccess USING COVERING INDEX ix_dossieraccess_client_list (account_id=?)",  # the page
                "SEARCH dossieraccess USING COVERING INDEX ix_dossieraccess_client_list (account_id=?)",  # the total
                "SEARCH shown USING INTEGER PRIMARY KEY (rowid=?)",  # number and description of its rows
            ], plan
            inside_page = plan[: plan.index("SCAN page")]  # the outer ORDER BY sorts the page's 25 rows only
            assert not any("TEMP B-TREE" in detail for detail in inside_page), plan
        with Session(engine) as db:
            copies = db.exec(
                select(
                    DossierAccess.dossier_created_at,
                    Dossier.created_at,
                    DossierAccess.dossier_status,
                    Dossier.status,
                    DossierAccess.dossier_search_text,
                    Dossier.search_text,
                ).join(Dossier, col(Dossier.id) == col(DossierAccess.dossier_id))
            ).all()
        assert copies and all(row[0] == row[1] and row[2] == row[3] and row[4] == row[5] for row in copies)
        assert stale_unread_counts(engine) == 0
    finally:
        engine.dispose()
