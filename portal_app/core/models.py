"""Shared helpers for the tables: every timestamp is timezone-aware UTC (SQLModel refuses naive ones).

Row ids: every table declares `id: int | None` because a new row has no id until the
session flushes it. A row read from the database, or flushed, always has one, so the
services state that with `assert row.id is not None` (or bind `row_id = row.id` and assert
once per function) before passing the id on as an `int`: a None there is a programming
error, never a case to handle, and the assert makes mypy agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, event


def utcnow() -> datetime:
    return datetime.now(UTC)


# Trigram indexes of the search boxes' folded text columns (issue 19). A search box looks for a
# part of the text ("straat", "visser"), which an ordinary index cannot find without reading
# every entry; a trigram index finds it. They are SQL of their own, not declared by the SQLModel
# tables: an FTS5 table on SQLite (dossiers/models.py), a pg_trgm GIN index on PostgreSQL (below).
# Their names hold "trigram", so Alembic's model comparison and the SQLite → PostgreSQL transfer
# leave them alone.
def outside_the_models(name: str | None, type_: str) -> bool:
    return type_ in ("table", "index") and bool(name) and "trigram" in str(name)


def postgres_trigram_index_ddl(table_name: str, column: str) -> tuple[str, str]:
    """PostgreSQL's LIKE '%part%' uses this index by itself. pg_trgm ships with PostgreSQL and is a
    trusted extension (PostgreSQL 13+): the database's owner may create it."""
    return (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS ix_{table_name}_{column}_trigram ON {table_name} USING gin ({column} gin_trgm_ops)",
    )


def keep_postgres_trigram_index(table: Table, column: str) -> None:
    """Creates the index with the table in a database made by create_all (the tests); migration
    0008 creates it in one made by the migrations."""

    def create(_table: Table, connection: Connection, **_kw: Any) -> None:
        if connection.dialect.name == "postgresql":
            for statement in postgres_trigram_index_ddl(table.name, column):
                connection.exec_driver_sql(statement)

    event.listen(table, "after_create", create)
