"""Migrations from an empty database, on SQLite and on PostgreSQL, match the models."""

from __future__ import annotations

import uuid

import psycopg2
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from portal_app.core.models import outside_the_models
from portal_app.core.services.db import make_engine
from portal_app.dossiers.models import unread_trigger_names
from tests.conftest import ROOT
from tests.unit.helpers import unread_triggers


def upgrade(url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["url"] = url
    command.upgrade(config, "head")


def check_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        assert "alembic_version" in tables
        with engine.connect() as connection:
            # the trigram index's tables are SQL of their own, as in alembic/env.py
            context = MigrationContext.configure(
                connection,
                opts={"include_object": lambda _o, name, type_, _r, _c: not outside_the_models(name, type_)},
            )
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == [], diff
        assert unread_triggers(engine) == unread_trigger_names()
    finally:
        engine.dispose()


def test_sqlite_from_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    upgrade(url)
    check_schema(url)
    upgrade(url)  # idempotent


def test_postgres_from_empty(postgres_url):
    upgrade(postgres_url)
    check_schema(postgres_url)


def test_postgres_upgrade_creates_the_trigram_indexes_and_downgrades(postgres_url):
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        indexes = {index["name"] for index in inspect(engine).get_indexes("dossier")}
        indexes |= {index["name"] for index in inspect(engine).get_indexes("account")}
        assert {"ix_dossier_staff_search_text_trigram", "ix_account_client_search_text_trigram"} <= indexes
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("script_location", str(ROOT / "alembic"))
        config.attributes["url"] = postgres_url
        command.downgrade(config, "0007")
        indexes = {index["name"] for index in inspect(engine).get_indexes("dossier")}
        assert "ix_dossier_staff_search_text_trigram" not in indexes
        upgrade(postgres_url)
    finally:
        engine.dispose()


def test_postgres_upgrade_says_what_to_run_when_it_may_not_create_pg_trgm(postgres_url):
    """The database's owner may create pg_trgm (a trusted extension). A role that only has the
    schema, not the database, may not: the upgrade stops with the command to run as postgres."""
    role = f"kp_role_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    cursor = admin.cursor()
    cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'x'")
    cursor.execute(f"GRANT ALL ON SCHEMA public TO {role}")
    host_and_db = postgres_url.split("@", 1)[1]
    try:
        with pytest.raises(RuntimeError, match=r"sudo -u postgres psql -d kp_test_\w+ -c 'CREATE EXTENSION pg_trgm'"):
            upgrade(f"postgresql://{role}:x@{host_and_db}")
    finally:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")
        admin.close()
