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
# tables: on SQLite an FTS5 table with the trigram tokenizer over the column (external content:
# it holds only the index, and triggers keep it in step with every insert, update and delete,
# whoever writes), on PostgreSQL a pg_trgm GIN index, which its LIKE uses by itself. Their names
# hold "trigram", so Alembic's model comparison and the SQLite → PostgreSQL transfer leave them
# alone. The staff lists ask them through core/services/staff_access.search_list.
def outside_the_models(name: str | None, type_: str) -> bool:
    return type_ in ("table", "index") and bool(name) and "trigram" in str(name)


def sqlite_trigram_ddl(table_name: str, column: str) -> tuple[str, ...]:
    """The FTS5 table `<table>_trigram` over `column` and the triggers that keep it."""
    fts = f"{table_name}_trigram"
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
        f"{column}, content='{table_name}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table_name} BEGIN "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table_name} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) "
        f"VALUES ('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {column} ON {table_name} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {column}) "
        f"VALUES ('delete', old.id, old.{column}); "
        f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END",
    )


def postgres_trigram_index_ddl(table_name: str, column: str) -> tuple[str, str]:
    """pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13+): the database's
    owner may create it."""
    return (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS ix_{table_name}_{column}_trigram ON {table_name} USING gin ({column} gin_trgm_ops)",
    )


def keep_trigram_index(table: Table, column: str) -> None:
    """Creates the column's trigram index with the table in a database made by create_all (the
    tests); the migrations create it in one made by them (0006 and 0009 on SQLite, 0008 on
    PostgreSQL)."""

    def create(_table: Table, connection: Connection, **_kw: Any) -> None:
        if connection.dialect.name == "sqlite":
            statements: tuple[str, ...] = sqlite_trigram_ddl(table.name, column)
        elif connection.dialect.name == "postgresql":
            statements = postgres_trigram_index_ddl(table.name, column)
        else:
            return
        for statement in statements:
            connection.exec_driver_sql(statement)

    event.listen(table, "after_create", create)
