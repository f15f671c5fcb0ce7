"""Upgrades: a database made by the OLDEST revision, with a row in every table, upgrades to head
(whatever head is) on SQLite and PostgreSQL; two `migrate` runs started together both succeed;
`migrate --check` tells whether an upgrade is pending."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, MetaData, Numeric, String, func, select
from sqlmodel import Session

from portal_app.core.services.db import make_engine
from portal_app.operations.services import migrations
from portal_app.questionnaires.models import QuestionnaireTemplate
from tests.conftest import ROOT


def fill_every_table(url: str) -> dict[str, int]:
    """One row in every table of the schema as it is now, built from the reflected columns
    (so this works at any revision); returns table -> row count."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            row: dict[str, object] = {}
            for column in table.columns:
                if column.primary_key and isinstance(column.type, Integer):
                    row[column.name] = 1
                elif column.foreign_keys:
                    row[column.name] = None if column.nullable else 1
                elif column.nullable:
                    row[column.name] = None
                elif isinstance(column.type, Boolean):
                    row[column.name] = False
                elif isinstance(column.type, DateTime):
                    row[column.name] = now
                elif isinstance(column.type, Date):
                    row[column.name] = now.date()
                elif isinstance(column.type, (Integer, Float, Numeric)):
                    row[column.name] = 1
                elif isinstance(column.type, String) and column.type.length:
                    row[column.name] = "x"[: column.type.length]
                else:
                    row[column.name] = "{}" if "json" in type(column.type).__name__.lower() else "x"
            connection.execute(table.insert(), [row])
            counts[table.name] = 1
    engine.dispose()
    return counts


def row_counts(url: str, tables) -> dict[str, int]:
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine, only=list(tables))
    with engine.connect() as connection:
        counts = {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables
        }
    engine.dispose()
    return counts


def upgrade_from_oldest(url: str) -> None:
    oldest = migrations.oldest_revision()
    assert oldest == "0001"
    migrations.upgrade(url, oldest)
    assert migrations.status(url).current == oldest
    assert migrations.status(url).pending
    counts = fill_every_table(url)
    assert len(counts) >= 10
    state = migrations.upgrade(url)
    assert state.current == migrations.head_revision() and not state.pending
    assert row_counts(url, counts) == counts  # nothing lost on the way


def test_sqlite_upgrade_from_oldest_revision_with_data(tmp_path):
    upgrade_from_oldest(f"sqlite:///{tmp_path / 'old.db'}")


def test_postgres_upgrade_from_oldest_revision_with_data(postgres_url):
    upgrade_from_oldest(postgres_url)


def cli(env_url: str, tmp_path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=env_url, DATA_DIR=str(tmp_path / "data"), PORTAL_ENV="test")
    return subprocess.Popen(
        [sys.executable, "-m", "portal_app.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def two_at_once(url: str, tmp_path) -> None:
    first, second = cli(url, tmp_path, "migrate"), cli(url, tmp_path, "migrate")
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert migrations.status(url).current == migrations.head_revision()
    # the shipped questionnaire templates were installed once, not by both
    engine = make_engine(url)
    with Session(engine) as db:
        templates = db.exec(select(QuestionnaireTemplate.slug, QuestionnaireTemplate.version)).all()
    engine.dispose()
    assert templates and len(templates) == len(set(templates))


def test_two_sqlite_migrations_started_together_both_succeed(tmp_path):
    two_at_once(f"sqlite:///{tmp_path / 'data' / 'portal.db'}", tmp_path)


def test_two_postgres_migrations_started_together_both_succeed(postgres_url, tmp_path):
    two_at_once(postgres_url, tmp_path)


def test_lock_blocks_a_second_holder(tmp_path):
    """The SQLite lock is a real exclusive file lock: a second process cannot take it meanwhile."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    probe = (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR);"
        "\ntry: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')"
        "\nexcept BlockingIOError: print('held')"
    )
    with migrations.migration_lock(url):
        held = subprocess.run(
            [sys.executable, "-c", probe, f"{tmp_path / 'locked.db'}.migrate.lock"], capture_output=True, text=True
        )
    free = subprocess.run(
        [sys.executable, "-c", probe, f"{tmp_path / 'locked.db'}.migrate.lock"], capture_output=True, text=True
    )
    assert (held.stdout.strip(), free.stdout.strip()) == ("held", "free")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_migrate_check_tells_whether_an_upgrade_is_pending(kind, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'check.db'}" if kind == "sqlite" else request.getfixturevalue("postgres_url")
    migrations.upgrade(url, migrations.oldest_revision())
    pending = cli(url, tmp_path, "migrate", "--check")
    out = pending.communicate(timeout=120)[0]
    assert pending.returncode == 1 and "Upgrade pending" in out and migrations.head_revision() in out
    migrations.upgrade(url)
    current = cli(url, tmp_path, "migrate", "--check")
    out = current.communicate(timeout=120)[0]
    assert current.returncode == 0 and "up to date" in out
