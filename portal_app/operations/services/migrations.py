"""Database migrations under a lock, and whether an upgrade is pending.

Every worker of a service (and `make run`) may call `upgrade()` at start-up. Two of them
starting together must not both run the same migration: on SQLite they hold an exclusive
file lock next to the database file, on PostgreSQL a session-level advisory lock. The one
that waits then finds the database at head and does nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from portal_app.core.services.db import make_engine

ROOT = Path(__file__).resolve().parents[3]
# A fixed key for pg_advisory_lock: "KPMIGRAT" read as a number; only the portal uses it.
ADVISORY_LOCK_KEY = 0x4B504D4947524154


@dataclass(frozen=True)
class MigrationStatus:
    current: str | None  # None: an empty database (no alembic_version yet)
    head: str

    @property
    def pending(self) -> bool:
        return self.current != self.head


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    if url is not None:
        config.attributes["url"] = url
    return config


def head_revision() -> str:
    """The newest revision this version of the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the repository always ships migrations
        raise RuntimeError("no migrations found")
    return head


def oldest_revision() -> str:
    """The first revision (the one that creates every table)."""
    script = ScriptDirectory.from_config(alembic_config())
    bases = script.get_bases()
    if len(bases) != 1:  # pragma: no cover - a linear history
        raise RuntimeError(f"expected one base revision, found {bases}")
    return bases[0]


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def status(url: str) -> MigrationStatus:
    return MigrationStatus(current=current_revision(url), head=head_revision())


def sqlite_path(url: str) -> Path | None:
    """The database file of a sqlite:/// URL (None for other databases or in-memory)."""
    if not url.startswith("sqlite:///"):
        return None
    raw = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not raw or raw == ":memory:":
        return None
    return Path(raw)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Hold the migration lock of this database (blocks until the other holder is done)."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{path}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    if url.startswith("sqlite"):
        yield  # in-memory: one process only
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head", *, then: Callable[[], None] | None = None) -> MigrationStatus:
    """Bring the database to `revision` (default head) under the migration lock, then run `then`
    (such as installing the shipped questionnaire templates) before the lock is released."""
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)
        if then is not None:
            then()
    return status(url)


def stamp_head(url: str) -> None:
    """Record head as the current revision of a database whose tables were made otherwise."""
    with migration_lock(url):
        command.stamp(alembic_config(url), "head")
