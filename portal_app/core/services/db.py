"""Database engine and sessions (plain SQLModel, shared by app, CLI and tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

import portal_app.models  # noqa: F401  (registers the tables)
from portal_app.audit.models import AuditEvent
from portal_app.settings import get_settings

# per connection, in KiB (PRAGMA cache_size takes a negative number for KiB)
SQLITE_CACHE_KIB = 32 * 1024

# PostgreSQL's planner prices a random page read at 4 sequential ones, the figure for spinning
# disks. The portal's database sits on the office server's SSD, where 1.1 is the usual figure.
# With 4 it read all 20,000 dossiers of a generated big office for a search ("jansen": 5 ms)
# instead of the staff search's trigram index (1-2 ms), and walked the newest-first index past
# every dossier for a rare one ("2021-0": 18 ms). Set per connection, so it needs no server change.
POSTGRES_OPTIONS = "-c random_page_cost=1.1"


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


def make_engine(database_url: str) -> Engine:
    # hide_parameters: SQL logging (an office may switch sqlalchemy.engine to INFO) and the text
    # of a failed statement would otherwise show the values: TOTP secrets, SMS codes, mail bodies.
    if database_url.startswith("postgresql://"):
        # the pinned driver is psycopg2 (SQLAlchemy 2.1 would pick psycopg 3)
        database_url = "postgresql+psycopg2://" + database_url.removeprefix("postgresql://")
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # SQLite keeps 2 MB of pages per connection by default: a big office's search columns
            # and their indexes (20,000 dossiers, thousands of accounts) do not fit, and every
            # search read them again from the OS (a "contains" search took twice as long). Pages
            # are cached as they are read, so a small office uses no more than before.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.close()

        return engine
    return create_engine(
        database_url,
        connect_args={"options": POSTGRES_OPTIONS},
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        hide_parameters=True,
    )


@lru_cache(maxsize=4)
def _engine_for(database_url: str) -> Engine:
    return make_engine(database_url)


def get_engine() -> Engine:
    return _engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None, *, keep_on: tuple[type[BaseException], ...] = ()) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    Errors listed in `keep_on` (e.g. ServiceError) still commit what was written
    before them, such as failed-attempt counters and audit events, then re-raise.
    """
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except keep_on:
            session.commit()
            raise
        except Exception:
            session.rollback()
            raise


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _flush_context: object, _instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
