"""Migrations from an empty database, on SQLite and on PostgreSQL, match the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from portal_app.core.services.db import make_engine
from portal_app.dossiers.models import outside_the_models
from tests.conftest import ROOT


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
