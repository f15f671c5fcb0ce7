"""`cli migrate-to-postgres`: copy every row of the SQLite database into PostgreSQL.

For the office that outgrows SQLite (several workers, Redis). The files stay where they are
(DATA_DIR/files): only the database moves. The target gets the schema of this version through
the migrations, then all rows in one transaction (all or nothing), in foreign-key order and by
primary key within a table, through the models' column types (so SQLite's text dates arrive as
real time stamps). Afterwards every id sequence continues after the highest id copied, and the
row count of every table is compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from portal_app.core.models import outside_the_models
from portal_app.core.services.db import make_engine
from portal_app.operations.services import migrations

BATCH = 1000


class TransferError(Exception):
    """The copy cannot start or did not verify; the message says why."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def migrate_to_postgres(
    source_url: str,
    target_url: str,
    *,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[TableCount]:
    """Copy `source_url` (SQLite) into `target_url` (PostgreSQL); the per-table counts, all equal."""
    say = progress or (lambda _message: None)
    if not target_url.startswith(("postgresql://", "postgresql+psycopg2://")):
        raise TransferError("--url must be a postgresql:// address")
    if migrations.sqlite_path(source_url) is None:
        raise TransferError("the current DATABASE_URL is not a SQLite database file: nothing to move")
    source_status = migrations.status(source_url)
    if source_status.pending:
        raise TransferError(
            f"the SQLite database is at schema {source_status.current or 'none'}, this version needs "
            f"{source_status.head}: run `cli migrate` first"
        )
    say("Creating the tables in PostgreSQL (migrations) ...")
    try:
        migrations.upgrade(target_url)
    except Exception as error:
        raise TransferError(f"PostgreSQL at --url is not usable: {type(error).__name__}: {error}") from None

    source = make_engine(source_url)
    target = make_engine(target_url)
    try:
        source_columns = {
            name: {c["name"] for c in inspect(source).get_columns(name)} for name in inspect(source).get_table_names()
        }
        target_columns = {
            name: {c["name"] for c in inspect(target).get_columns(name)} for name in inspect(target).get_table_names()
        }
        tables = [t for t in SQLModel.metadata.sorted_tables if t.name in source_columns and t.name in target_columns]
        # Nothing may stay behind: every table and column of the SQLite database must exist in the
        # target (both are at the same schema revision, so they do unless a schema was edited by hand).
        for name, columns in sorted(source_columns.items()):
            # the trigram index is SQLite's own (PostgreSQL searches without it); it is rebuilt from the rows
            if name == "alembic_version" or outside_the_models(name, "table"):
                continue
            if name not in target_columns or name not in SQLModel.metadata.tables:
                raise TransferError(f"table {name} of the SQLite database does not exist in this version's schema")
            missing = sorted(columns - target_columns[name])
            if missing:
                raise TransferError(f"column {name}.{missing[0]} of the SQLite database does not exist in PostgreSQL")
        with target.begin() as out:
            filled = [table.name for table in tables if _count(out, table)]
            if filled and not replace:
                raise TransferError(
                    f"the PostgreSQL database already holds data (table {filled[0]}); "
                    "use an empty database, or --replace to overwrite it"
                )
            if filled:
                names = ", ".join(f'"{table.name}"' for table in tables)
                out.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            with source.connect() as into:
                for table in tables:
                    shared = [
                        c for c in table.columns if c.name in source_columns[table.name] & target_columns[table.name]
                    ]
                    query = select(*shared).order_by(*table.primary_key.columns)
                    copied = 0
                    result = into.execution_options(yield_per=BATCH).execute(query)
                    for rows in result.partitions(BATCH):
                        batch: list[dict[str, Any]] = [dict(row._mapping) for row in rows]
                        out.execute(table.insert(), batch)
                        copied += len(batch)
                    say(f"  {table.name}: {copied} rows")
            for table in tables:
                keys = list(table.primary_key.columns)
                if len(keys) == 1 and keys[0].autoincrement in (True, "auto") and keys[0].type.python_type is int:
                    out.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                            f'COALESCE((SELECT MAX("{keys[0].name}") FROM "{table.name}"), 0) + 1, false)'
                        ),
                        {"table": f'"{table.name}"', "column": keys[0].name},
                    )
            counts = []
            with source.connect() as into:
                for table in tables:
                    counts.append(TableCount(table.name, _count(into, table), _count(out, table)))
            wrong = [c for c in counts if c.source != c.target]
            if wrong:
                raise TransferError(
                    f"table {wrong[0].table}: {wrong[0].source} rows in SQLite but {wrong[0].target} copied"
                )
        return counts
    finally:
        source.dispose()
        target.dispose()
