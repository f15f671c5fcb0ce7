"""Shared fixtures. Unit tests use a fresh SQLite database per test (tables from
the models); integration and e2e tests build theirs through Alembic."""

from __future__ import annotations

import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Tests never touch the developer's data folder, and hash fast.
os.environ.setdefault("PORTAL_ENV", "test")
os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ.setdefault("DATA_DIR", str(ROOT / ".pytest-data"))

from sqlmodel import Session, SQLModel  # noqa: E402

from portal_app.core.services.db import make_engine  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
APP_DIR = ROOT / "portal_app"


def layer_files(*layers: str) -> list[Path]:
    """The modules of these layers ("pages", "components", "states", ...) in every domain
    package: `portal_app/<domain>/<layer>/*.py` and `portal_app/<domain>/<layer>.py`."""
    found: set[Path] = set()
    for layer in layers:
        found.update(path for path in APP_DIR.glob(f"*/{layer}/*.py") if path.name != "__init__.py")
        found.update(APP_DIR.glob(f"*/{layer}.py"))
    return sorted(found)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'unit.db'}")
    SQLModel.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


def require_service(available: bool, what: str) -> None:
    """Skip locally when a service is missing; on CI (CI=true) fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required on CI but not reachable")
    pytest.skip(f"{what} not reachable")


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3).ping())
    except Exception:
        return False


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL database for this test, dropped afterwards."""
    with throwaway_postgres() as url:
        yield url


@contextmanager
def throwaway_postgres():
    import uuid

    import psycopg2

    require_service(postgres_available(), "PostgreSQL")
    name = f"kp_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(POSTGRES_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()
