"""Dossiers, their progress steps, who may see them (DossierAccess) and read receipts of their documents and messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, nonmember
from typing import Any

from sqlalchemy import Connection, Index, MetaData, event
from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.core.models import keep_trigram_index, sqlite_trigram_ddl, utcnow


class DossierStatus(StrEnum):
    IN_PROGRESS = "in_behandeling"
    WAITING = "wacht_op_klant"
    EXECUTED = "gepasseerd"
    CLOSED = "afgesloten"
    # The filter and label order; nonmember keeps it out of the enum's members.
    ALL = nonmember((IN_PROGRESS, WAITING, EXECUTED, CLOSED))


class Dossier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True, index=True)
    description: str = Field(max_length=300)
    # accent- and case-folded "number description", for search
    search_text: str = Field(default="", max_length=400, index=True)
    # the staff search box: folded number, description and each client's name, company and e-mail
    # (kept by dossiers/services/search_index.py; clients never search it)
    staff_search_text: str = Field(default="", max_length=1000, index=True, sa_column_kwargs={"server_default": ""})
    status: str = Field(default=DossierStatus.IN_PROGRESS, max_length=30, index=True)
    handler_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


# The staff search box's trigram index of `staff_search_text` (core/models.py): SQLite's FTS5
# table `dossier_trigram` finds "straat" among 20,000 dossiers in a fraction of a millisecond,
# where a LIKE reads every search text (staff_dossiers.list_dossiers chooses); PostgreSQL's
# pg_trgm index serves its LIKE. Migration 0006 created the SQLite one with this SQL.
STAFF_SEARCH_TRIGRAM_DDL = sqlite_trigram_ddl("dossier", "staff_search_text")
keep_trigram_index(SQLModel.metadata.tables["dossier"], "staff_search_text")


class ProgressStep(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    position: int = 0
    title: str = Field(max_length=200)
    done_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ReadReceipt(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("account_id", "document_id"),
        UniqueConstraint("account_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    read_at: datetime = Field(default_factory=utcnow)
    downloaded_at: datetime | None = None


class DossierAccess(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("dossier_id", "account_id"),
        # The client's dossier list, newest first (services/dossiers.py list_for_account): read
        # in this order from the index, a page of a client with 700 dossiers needs only its rows
        # instead of sorting them all, and with the status and search text in the index the
        # search and the total read the index alone, not the 700 dossier rows (issue 19).
        Index(
            "ix_dossieraccess_client_list",
            "account_id",
            "dossier_created_at",
            "dossier_id",
            "dossier_status",
            "dossier_search_text",
            "unread_count",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # a copy of Dossier.created_at (never changed after creation), written by grant_access
    dossier_created_at: datetime = Field(default_factory=utcnow)
    # copies of Dossier.status and Dossier.search_text, for the client's list; kept in step by
    # services/search_index.py after every flush that changes them or grants access
    dossier_status: str = Field(default="", max_length=30, sa_column_kwargs={"server_default": ""})
    dossier_search_text: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})
    # the documents and office messages of the dossier this account has not opened yet, kept by
    # the database's triggers (below)
    unread_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


# The unread badge of each row of the client's dossier list (issue 19): how many documents and
# office messages of the dossier the account has not opened yet. Its own uploads and withdrawn
# documents never count. Counted per row of a page on every search keystroke, it cost a client
# with 700 dossiers 0.4 ms; so each access row holds it, and the database keeps it: triggers
# recount the access rows a change touches (a new or withdrawn document, an office message, a
# read receipt, a grant) with this one expression. Recounting rather than adding one makes a
# trigger right whatever the change, and triggers see every writer (the services' ON CONFLICT
# inserts of read receipts, the generated office, the move to PostgreSQL). On PostgreSQL they
# run once per statement over its changed rows (transition tables), so a bulk insert recounts
# each dossier once. Migration 0010 created them with this SQL; a later migration that rebuilds
# one of these tables (Alembic's batch mode on SQLite copies a table) must create them again.
UNREAD_OF_ACCESS_ROW = (
    "(SELECT count(*) FROM document WHERE document.dossier_id = dossieraccess.dossier_id"
    " AND document.withdrawn_at IS NULL"
    " AND (document.uploaded_by_id IS NULL OR document.uploaded_by_id <> dossieraccess.account_id)"
    " AND NOT EXISTS (SELECT 1 FROM readreceipt WHERE readreceipt.document_id = document.id"
    " AND readreceipt.account_id = dossieraccess.account_id))"
    " + (SELECT count(*) FROM message WHERE message.dossier_id = dossieraccess.dossier_id AND message.from_office"
    " AND NOT EXISTS (SELECT 1 FROM readreceipt WHERE readreceipt.message_id = message.id"
    " AND readreceipt.account_id = dossieraccess.account_id))"
)
RECOUNT = f"UPDATE dossieraccess SET unread_count = {UNREAD_OF_ACCESS_ROW} WHERE "
# the tables and changes that can change a count (read receipts and access rows are only ever
# inserted and deleted: their account and item never change); on SQLite an update trigger
# watches only the columns a count reads
_TRIGGERS = {
    "message": {"insert": "", "update": "dossier_id, from_office", "delete": ""},
    "document": {"insert": "", "update": "dossier_id, withdrawn_at, uploaded_by_id", "delete": ""},
    "readreceipt": {"insert": "", "delete": ""},
    "dossieraccess": {"insert": ""},
}


def unread_trigger_names() -> set[str]:
    """Every trigger that keeps the counts. A SQLite batch migration that copies one of these
    tables into a new one drops its triggers: the migration test checks they are all there."""
    return {f"{table}_unread_{event_name}" for table, events in _TRIGGERS.items() for event_name in events}


def _sqlite_recount_of(table: str, event_name: str) -> str:
    row = "old" if event_name == "delete" else "new"
    if table == "readreceipt":
        return (
            f"account_id = {row}.account_id AND dossier_id IN ("
            f"SELECT dossier_id FROM message WHERE id = {row}.message_id "
            f"UNION ALL SELECT dossier_id FROM document WHERE id = {row}.document_id)"
        )
    if table == "dossieraccess":
        return "id = new.id"
    if event_name == "update":
        return "dossier_id IN (old.dossier_id, new.dossier_id)"
    return f"dossier_id = {row}.dossier_id"


_POSTGRES_RECOUNT_OF = {
    "message": "dossier_id IN (SELECT dossier_id FROM changed)",
    "document": "dossier_id IN (SELECT dossier_id FROM changed)",
    "readreceipt": "(account_id, dossier_id) IN ("
    "SELECT changed.account_id, message.dossier_id FROM changed JOIN message ON message.id = changed.message_id "
    "UNION SELECT changed.account_id, document.dossier_id FROM changed "
    "JOIN document ON document.id = changed.document_id)",
    "dossieraccess": "id IN (SELECT id FROM changed)",
}


def unread_count_ddl(dialect: str) -> tuple[str, ...]:
    """The triggers (SQLite: one per changed row; PostgreSQL: one per statement over its changed
    rows, which each function knows as `changed`)."""
    statements: list[str] = []
    for table, events in _TRIGGERS.items():
        if dialect == "postgresql":
            statements.append(
                f"CREATE OR REPLACE FUNCTION {table}_recount_unread() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {RECOUNT}{_POSTGRES_RECOUNT_OF[table]}; RETURN NULL; END $$"
            )
        for event_name, columns in events.items():
            name = f"{table}_unread_{event_name}"
            if dialect == "sqlite":
                watched = f"UPDATE OF {columns}" if columns else event_name.upper()
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {watched} ON {table} "
                    f"BEGIN {RECOUNT}{_sqlite_recount_of(table, event_name)}; END"
                )
            elif dialect == "postgresql":
                rows = "OLD" if event_name == "delete" else "NEW"
                statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                statements.append(
                    f"CREATE TRIGGER {name} AFTER {event_name.upper()} ON {table} "
                    f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {table}_recount_unread()"
                )
    return tuple(statements)


def drop_unread_count_ddl(dialect: str) -> tuple[str, ...]:
    """Drops the triggers (and PostgreSQL's functions): a bulk load counts once at its end instead."""
    on = dialect == "postgresql"
    statements: list[str] = []
    for table, events in _TRIGGERS.items():
        statements.extend(f"DROP TRIGGER IF EXISTS {table}_unread_{e}" + (f" ON {table}" if on else "") for e in events)
        if on:
            statements.append(f"DROP FUNCTION IF EXISTS {table}_recount_unread()")
    return tuple(statements)


@event.listens_for(SQLModel.metadata, "after_create")
def _create_unread_count_triggers(_metadata: MetaData, connection: Connection, **_kw: Any) -> None:
    """In a database made by create_all (the tests); the migrations make them in theirs (0010)."""
    for statement in unread_count_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
