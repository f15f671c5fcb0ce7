"""Faults, with nothing lost: the database restarted or gone, and SMTP down, against real servers.

PostgreSQL here is a throwaway cluster of this test module (initdb + pg_ctl in a
temporary folder, on a free port), never the machine's shared server: only a
cluster of our own may be restarted. The mail server is a real aiosmtpd started
late, on a port where nothing listened before.

- PostgreSQL restarted while the portal runs: the connections in the pool are
  dead; the next request gets a fresh one (`pool_pre_ping`), without a restart
  of the portal, and the session cookie still works.
- A transaction cut off by the restart: a clean error, nothing half-written,
  and the same request succeeds once it is sent again.
- PostgreSQL down: requests fail fast with a 500 that shows nothing of the
  database, `/ready` says "database: unavailable", and when the server is back
  the same worker serves again.
- SMTP down (and the database gone for a while in between): the outbox sender
  keeps running, retries with growing waits, and sends the mail exactly once
  when the server comes up.

A worker killed mid-upload: tests/integration/documents/test_storage_crash.py.
Redis restarted: tests/e2e/core/test_faults.py (it holds only Reflex's tab states).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, select
from starlette.applications import Starlette

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import portal_app.core.services.db as db_module
from portal_app.accounts.models import Account
from portal_app.accounts.services import accounts, sessions
from portal_app.core.services import readiness
from portal_app.core.services.db import make_engine, session_scope
from portal_app.core.states.access import viewer_for_token
from portal_app.documents import api as downloads
from portal_app.documents.models import DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.services import dossiers
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.notifications.services import mail as mail_service
from portal_app.settings import load_settings
from tests.conftest import free_port, require_service
from tests.integration.notifications.test_mail_outbox import CollectingHandler, SmtpServer

PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 300 + b"%%EOF\n"
ORIGIN = "http://portaal.test:3000"
PG_BIN = Path("/usr/lib/postgresql")


def _pg_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(PG_BIN.glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


class OwnPostgres:
    """A PostgreSQL cluster of our own in a temporary folder (trust auth, 127.0.0.1, a free port)."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
        self.root = Path(tempfile.mkdtemp(prefix="kp-own-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        # -l: the server must not inherit our stdout pipe
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-l", str(self.root / "log"), "-w", "restart")

    def remove(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except AssertionError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def own_postgres():
    """One throwaway cluster for this module; each test leaves it running."""
    require_service(_pg_tool("initdb") is not None and _pg_tool("pg_ctl") is not None, "PostgreSQL server binaries")
    cluster = OwnPostgres()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_engine(own_postgres, monkeypatch):
    """The portal's engine on the own cluster: tables fresh for each test, used by session_scope."""
    engine = make_engine(own_postgres.url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 40, "PUBLIC_URL": ORIGIN}
    )


@pytest.fixture
def world(pg_engine, settings):
    store = FileStore(settings.files_dir)
    with Session(pg_engine, expire_on_commit=False) as db:
        staff = accounts.create_staff(db, email="notaris@kantoor.nl", name="Notaris")
        client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
        dossier = dossiers.create_dossier(db, number="2026-0007", description="Levering woning")
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
        db.flush()
        document = documents.store_document(
            session=db,
            store=store,
            dossier_id=dossier.id,
            kind=DocumentKind.DOCUMENT,
            title="Akte",
            filename="akte.pdf",
            chunks=[PDF],
            max_bytes=10**6,
            uploaded_by_id=staff.id,
        )
        token, _ = sessions.create_session(db, client, policy=sessions.SessionPolicy())
        db.commit()
    return {"store": store, "document": document.id, "token": token, "client": client.id}


@pytest.fixture
def downloads_client(pg_engine, world, settings):
    app = Starlette(routes=downloads.make_routes(engine=pg_engine, store=world["store"], settings=settings))
    # raise_server_exceptions=False: see what the browser gets, not the traceback
    with TestClient(app, base_url=ORIGIN, follow_redirects=False, raise_server_exceptions=False) as client:
        client.cookies.set(sessions.COOKIE_NAME, world["token"])
        yield client


def test_postgres_restarted_mid_use_the_next_request_works(own_postgres, pg_engine, world, downloads_client):
    assert downloads_client.get(f"/files/{world['document']}").status_code == 200
    viewer = viewer_for_token(world["token"])
    assert viewer is not None and viewer.account_id == world["client"]
    assert pg_engine.pool.checkedin() >= 1  # connections wait in the pool: the restart kills them

    own_postgres.restart()

    # no restart of the portal: the same engine and pool, the same cookie
    response = downloads_client.get(f"/files/{world['document']}")
    assert response.status_code == 200 and response.content == PDF
    viewer = viewer_for_token(world["token"])
    assert viewer is not None and viewer.account_id == world["client"]
    assert readiness.check_database().ok


def test_a_transaction_cut_off_by_the_restart_fails_cleanly_and_writes_nothing(own_postgres, pg_engine, world):
    with pytest.raises(DBAPIError), session_scope() as db:
        accounts.create_person(db, email="half@example.nl", name="Half Geschreven")
        db.flush()  # the row is sent, the transaction is open ...
        own_postgres.restart()  # ... when the server goes away
        db.exec(select(Account)).all()

    with session_scope() as db:  # the pool recovers; the interrupted write left nothing behind
        assert db.exec(select(Account).where(Account.email == "half@example.nl")).first() is None
        accounts.create_person(db, email="half@example.nl", name="Half Geschreven")
    with session_scope() as db:
        assert db.exec(select(Account).where(Account.email == "half@example.nl")).first() is not None


def test_postgres_down_fails_fast_and_cleanly_then_recovers(own_postgres, pg_engine, world, downloads_client):
    own_postgres.stop()
    try:
        started = time.monotonic()
        response = downloads_client.get(f"/files/{world['document']}")
        took = time.monotonic() - started
        assert response.status_code >= 500
        for leak in ("psycopg2", "OperationalError", "SELECT", "127.0.0.1", "Traceback", PDF[:8].decode()):
            assert leak not in response.text
        assert took < 30  # refused, not hanging on the dead server
        check = readiness.check_database()
        assert not check.ok and check.detail == "unavailable (OperationalError)"
        with pytest.raises(DBAPIError):
            viewer_for_token(world["token"])
    finally:
        own_postgres.start()

    response = downloads_client.get(f"/files/{world['document']}")
    assert response.status_code == 200 and response.content == PDF
    assert viewer_for_token(world["token"]) is not None
    assert readiness.check_database().ok


def _queue_invitation(engine) -> int:
    with Session(engine) as db:
        row = mail_service.queue_mail(
            session=db,
            to="klant@example.nl",
            kind="set_password_link",
            language="nl",
            context={
                "office_name": "Notariskantoor",
                "name": "Klaas Klant",
                "link": "https://portaal.example.nl/wachtwoord?token=T0KEN",
                "minutes": 30,
            },
        )
        db.commit()
        return row.id


def _mail(engine, mail_id) -> OutboxMail:
    with Session(engine) as db:
        return db.get(OutboxMail, mail_id)


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_smtp_down_then_back_mail_waits_and_is_sent_once(own_postgres, pg_engine, tmp_path, monkeypatch):
    """The real sender loop, a real clock: SMTP down, then the database gone for a while, then SMTP up."""
    # seconds instead of 30 s, 60 s, ...: the same doubling, so the test sees more than one retry
    monkeypatch.setattr(mail_service, "BACKOFF_BASE_SECONDS", 1)
    smtp_port = free_port()  # nothing listens here yet
    settings = load_settings(
        {
            "PORTAL_ENV": "test",
            "DATA_DIR": str(tmp_path),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_FROM": "portaal@kantoor.example",
        }
    )
    mail_id = _queue_invitation(pg_engine)
    stop = threading.Event()

    def sender() -> None:
        async def loop() -> None:
            stop_event = asyncio.Event()
            task = asyncio.create_task(
                mail_service.run_sender_loop(
                    engine=pg_engine, settings=settings, interval_seconds=0.1, stop_event=stop_event
                )
            )
            while not stop.is_set():
                await asyncio.sleep(0.05)
            stop_event.set()
            await asyncio.wait_for(task, timeout=30)

        asyncio.run(loop())

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    smtp = SmtpServer(smtp_port)
    try:
        _wait_for(lambda: _mail(pg_engine, mail_id).attempts >= 3)
        row = _mail(pg_engine, mail_id)
        assert row.status == OutboxStatus.RETRYING and row.sent_at is None and row.last_error

        own_postgres.stop()  # the sender's rounds fail now; the loop must survive them
        time.sleep(1.5)
        own_postgres.start()
        assert thread.is_alive()

        handler = smtp.start(CollectingHandler())
        _wait_for(lambda: _mail(pg_engine, mail_id).status == OutboxStatus.SENT)
        time.sleep(1.0)  # a few more rounds: nothing is sent twice
        assert len(handler.envelopes) == 1
        assert handler.envelopes[0].rcpt_tos == ["klant@example.nl"]
        row = _mail(pg_engine, mail_id)
        assert row.attempts >= 2 and row.last_error is None
    finally:
        stop.set()
        thread.join(timeout=30)
        smtp.stop()
    assert not thread.is_alive()


def test_backoff_doubles_between_attempts():
    """The waits the test above shortens: 30 s, 60 s, 120 s ... at most an hour."""
    waits = [mail_service.backoff_seconds(n) for n in range(9)]
    assert waits[:3] == [30, 60, 120]
    assert all(later >= earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert mail_service.backoff_seconds(50) == mail_service.BACKOFF_MAX_SECONDS
