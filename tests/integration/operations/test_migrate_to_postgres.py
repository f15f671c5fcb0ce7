"""`cli migrate-to-postgres`: the demo office moves from SQLite to a throwaway PostgreSQL database,
every table's count matches, ids continue after the copied ones, users sign in, files stay put;
a non-empty target is refused unless --replace."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from portal_app import demo
from portal_app.accounts.models import Account
from portal_app.accounts.services import accounts, auth, sessions
from portal_app.core.services.db import make_engine
from portal_app.documents.models import Document
from portal_app.documents.services.storage import FileStore
from portal_app.operations.services import migrations, pg_transfer
from tests.conftest import ROOT


@pytest.fixture
def sqlite_office(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    migrations.stamp_head(url)
    store = FileStore(tmp_path / "files")
    with Session(engine, expire_on_commit=False) as db:
        demo.seed(db, store, office_name="Notariskantoor Verhuis")
        db.commit()
    engine.dispose()
    return url, store


@pytest.fixture
def postgres_url(postgres_url):
    """The target with the schema of the models at head. (The command itself creates it through the
    migrations, which test_upgrades.py covers; until the lead's migration of this round the models
    are ahead of the migrations, and the copy refuses to lose a table.)"""
    engine = make_engine(postgres_url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    migrations.stamp_head(postgres_url)
    return postgres_url


def test_demo_office_moves_to_postgres(sqlite_office, postgres_url):
    url, store = sqlite_office
    counts = pg_transfer.migrate_to_postgres(url, postgres_url)
    assert {c.table for c in counts} == set(SQLModel.metadata.tables) & set(inspect(make_engine(url)).get_table_names())
    assert all(c.source == c.target for c in counts)
    assert sum(c.target for c in counts) > 50
    assert migrations.status(postgres_url).current == migrations.head_revision()
    target = make_engine(postgres_url)
    try:
        with Session(target, expire_on_commit=False) as db:
            for email, _what in demo.DEMO_LOGINS:
                result = auth.login(
                    db,
                    email=email,
                    password=demo.DEMO_PASSWORD,
                    ip="127.0.0.1",
                    user_agent="move",
                    policy=sessions.SessionPolicy(),
                )
                assert result.account.email == email
            # dates arrived as time stamps with their zone, and the files are where they were
            for row in db.exec(select(Document)).all():
                assert row.created_at.tzinfo is not None
                assert store.open(row.storage_key).read()
            # the id sequences continue after the copied rows
            highest = max(db.exec(select(Account.id)).all())
            newcomer = accounts.create_person(db, email="nieuw@example.nl", name="Nieuw")
            db.commit()
            assert newcomer.id > highest
    finally:
        target.dispose()


def test_non_empty_target_is_refused_unless_replace(sqlite_office, postgres_url):
    url, _ = sqlite_office
    pg_transfer.migrate_to_postgres(url, postgres_url)
    with pytest.raises(pg_transfer.TransferError, match="already holds data"):
        pg_transfer.migrate_to_postgres(url, postgres_url)
    counts = pg_transfer.migrate_to_postgres(url, postgres_url, replace=True)
    assert all(c.source == c.target for c in counts)


def test_refuses_to_leave_a_table_behind(sqlite_office, postgres_url):
    url, _ = sqlite_office
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE handmade (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(pg_transfer.TransferError, match="handmade"):
        pg_transfer.migrate_to_postgres(url, postgres_url)


def test_refuses_a_non_postgres_target_and_an_old_source(tmp_path, postgres_url):
    old = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(old, migrations.oldest_revision())
    with pytest.raises(pg_transfer.TransferError, match="run `cli migrate` first"):
        pg_transfer.migrate_to_postgres(old, postgres_url)
    with pytest.raises(pg_transfer.TransferError, match="postgresql://"):
        pg_transfer.migrate_to_postgres(old, f"sqlite:///{tmp_path / 'other.db'}")


def test_cli_command(sqlite_office, postgres_url, tmp_path):
    url, _ = sqlite_office
    env = dict(os.environ, DATABASE_URL=url, DATA_DIR=str(tmp_path / "data"), PORTAL_ENV="test")
    done = subprocess.run(
        [sys.executable, "-m", "portal_app.cli", "migrate-to-postgres", "--url", postgres_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Copied and verified" in done.stdout and "account:" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "portal_app.cli", "migrate-to-postgres", "--url", postgres_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 1 and "already holds data" in again.stderr
