"""Browser tests: the portal in production mode as a subprocess on a free port,
driven by Playwright with Debian's Chromium.

Two set-ups: SQLite (one worker) and PostgreSQL + Redis (two backend workers).

The frontend production build (the slow part of `reflex run --env prod`) is made
once per test session, by `scripts/prod_server.py build` in a folder of the
session's tmp dir, and again only when the code changes during the session
(SHA-256 of portal_app/, assets/, rxconfig.py, ...). Every server gets its own
copy of that build with its port in the backend URL (`prod_server.copy_build`)
and starts with `scripts/prod_server.py serve`: Reflex's own production start
without the compile and build, which refuses a build whose stamp does not match
the current code. A server whose `extra_env` holds settings outside
SHARED_BUILD_ENV gets a build of its own (slower, always correct).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.core.services.db import make_engine
from portal_app.dossiers.models import Dossier
from portal_app.settings import load_settings
from scripts import prod_server
from tests.conftest import (
    REDIS_TEST_URL,
    ROOT,
    free_port,
    redis_available,
    require_service,
    throwaway_postgres,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "Portaal-Demo-2026"
SCREENSHOTS = ROOT / "screenshots"


@dataclass
class Portal:
    url: str
    env: dict
    data_dir: Path
    log: Path

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "portal_app.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


# extra_env settings that never change the compiled frontend (rxconfig.py and
# the pages do not read them at compile time; the compiled pages were checked to
# be identical with and without DATABASE_URL, REDIS_URL, GRANIAN_WORKERS, SMTP_*
# and NOTIFY_INTERVAL_MINUTES): servers that differ only in these share the
# session's build. Any other key gets a build of its own (slower, always right).
SHARED_BUILD_ENV = {
    "DATABASE_URL",
    "REDIS_URL",
    "GRANIAN_WORKERS",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "SMTP_FROM",
    "NOTIFY_INTERVAL_MINUTES",
    "SECRET_KEY",
    "SMS_PROVIDER_URL",
    "SMS_PROVIDER_TOKEN",
}
# The port the session build is made for (never listened on): copy_build puts
# each server's own port in its place.
BUILD_PORT = 1
PROD_SERVER = ROOT / "scripts" / "prod_server.py"
# Where this session keeps its frontend build (set by the session fixture below).
_SESSION_BUILD: dict = {"root": None, "sources": None}


def _server_env(port: int, data_dir: Path, extra: dict) -> dict:
    env = dict(os.environ)
    for key in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST", "PUBLIC_URL", "SECRET_KEY"):
        env.pop(key, None)
    env.update(
        PORTAL_ENV="production",
        PORT=str(port),
        DATA_DIR=str(data_dir),
        PUBLIC_URL=f"http://localhost:{port}",
        BCRYPT_ROUNDS="4",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        REFLEX_USE_SYSTEM_BUN="1",
        # Reflex empties its states folder at every start: one per server, not ./.states
        REFLEX_STATES_WORKDIR=str(data_dir / "states"),
        PATH=f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{Path(sys.executable).parent}:{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    if not env.get("NPM_CONFIG_REGISTRY"):
        registry = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True).stdout.strip()
        if registry:
            env["NPM_CONFIG_REGISTRY"] = registry
    env.update(extra)
    return env


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 420) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"portal exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    with urllib.request.urlopen(f"{url}/login", timeout=5) as page:
                        if page.status == 200:
                            return
        except Exception:
            pass
        time.sleep(1)
    raise RuntimeError(f"portal did not start in {timeout}s:\n{log.read_text()[-4000:]}")


def _seed_web_dir(web_dir: Path) -> None:
    """Reflex's installed frontend packages for a new build folder: copied from
    the session build or ./.web (make run) when there, else Reflex installs them."""
    if web_dir.exists():
        return
    for source in (_SESSION_BUILD["root"] and _SESSION_BUILD["root"] / "web", ROOT / ".web"):
        if source and (source / "node_modules").is_dir():
            top = str(source)
            shutil.copytree(
                source,
                web_dir,
                symlinks=True,
                # skip only the top-level build output, never node_modules/*/build
                ignore=lambda folder, names, top=top: {"build", ".states"} & set(names) if folder == top else set(),
            )
            return


def _build_frontend(env: dict, web_dir: Path, log: Path) -> None:
    """`scripts/prod_server.py build` for REFLEX_WEB_WORKDIR=web_dir (a no-op when its stamp is current)."""
    _seed_web_dir(web_dir)
    started = time.monotonic()
    with open(log, "a") as log_file:
        log_file.write(f"--- frontend build for {web_dir}\n")
        log_file.flush()
        done = subprocess.run(
            [sys.executable, str(PROD_SERVER), "build"],
            cwd=ROOT,
            env={**env, "REFLEX_WEB_WORKDIR": str(web_dir)},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
        log_file.write(f"--- frontend build step took {time.monotonic() - started:.1f}s (exit {done.returncode})\n")
    if done.returncode != 0:
        raise RuntimeError(f"frontend build failed:\n{log.read_text()[-4000:]}")


def _session_build() -> Path:
    """The session's frontend build (for BUILD_PORT), made again when the code changed.

    With pytest-xdist the workers share one build folder: the first to get the lock
    builds, the others then find its stamp current (the build step is a no-op)."""
    root = _SESSION_BUILD["root"]
    if root is None:  # _start_portal used outside pytest's fixtures
        import tempfile

        root = _SESSION_BUILD["root"] = Path(tempfile.mkdtemp(prefix="portal-frontend-"))
    web_dir = root / "web"
    if _SESSION_BUILD["sources"] != prod_server.source_digest():
        with FileLock(str(root / "build.lock")):
            env = _server_env(BUILD_PORT, root / "data", {})
            _build_frontend(env, web_dir, root / "build.log")
            _SESSION_BUILD["sources"] = (prod_server.read_stamp(web_dir) or {}).get("sources")
    return web_dir


def _prepare_frontend(env: dict, extra_env: dict, web_dir: Path, port: int, log: Path) -> None:
    """Put a current frontend build for this server into web_dir (its REFLEX_WEB_WORKDIR)."""
    if set(extra_env) - SHARED_BUILD_ENV - {"REFLEX_WEB_WORKDIR"}:
        _build_frontend(env, web_dir, log)
        return
    started = time.monotonic()
    source = _session_build()
    prod_server.copy_build(source, web_dir, f"localhost:{BUILD_PORT}", f"localhost:{port}")
    with open(log, "a") as log_file:
        log_file.write(
            f"--- session frontend build {source} ready for port {port} after {time.monotonic() - started:.1f}s\n"
        )


def _start_portal(tmp_root: Path, name: str, extra_env: dict):
    port = free_port()
    data_dir = tmp_root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _server_env(port, data_dir, {"REFLEX_WEB_WORKDIR": str(data_dir / "web"), **extra_env})
    web_dir = Path(env["REFLEX_WEB_WORKDIR"])
    portal = Portal(url=f"http://localhost:{port}", env=env, data_dir=data_dir, log=data_dir / "server.log")
    portal.log.write_text("")
    portal.cli("migrate")
    portal.cli("seed-demo")
    for attempt in (1, 2):
        _prepare_frontend(env, extra_env, web_dir, port, portal.log)
        with open(portal.log, "a") as log_file:
            process = subprocess.Popen(
                [sys.executable, str(PROD_SERVER), "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_up(portal.url, process, portal.log)
        except Exception:
            _stop(process)
            if attempt == 1 and process.returncode == prod_server.EXIT_STALE:
                _SESSION_BUILD["sources"] = None  # the code changed after the build: check and build again
                continue
            raise
        return portal, process
    raise AssertionError("unreachable")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _redis_env() -> dict:
    require_service(redis_available(), "Redis")
    # A database of its own per server, never flushed: other test runs on this
    # machine may be using theirs (state keys are per browser tab anyway).
    import random

    redis_db = REDIS_TEST_URL.rsplit("/", 1)[0] + f"/{random.randint(1, 15)}"
    return {"REDIS_URL": redis_db, "GRANIAN_WORKERS": "2"}


@contextlib.contextmanager
def portal_with_engine(tmp_root: Path, setup: str):
    """A portal of its own (setup "sqlite" or "postgres_redis") with `.engine` on its database,
    for a module that reads or changes rows directly; stopped and cleaned up afterwards."""
    with contextlib.ExitStack() as stack:
        extra: dict = {}
        if setup == "postgres_redis":
            extra = {"DATABASE_URL": stack.enter_context(throwaway_postgres()), **_redis_env()}
        started, process = _start_portal(tmp_root, setup, extra)
        stack.callback(_stop, process)
        started.setup_name = setup
        started.engine = make_engine(load_settings(started.env).database_url)
        stack.callback(started.engine.dispose)
        yield started


def dossier_id(portal: Portal, number: str) -> int:
    """The id of a demo dossier by its number (needs `portal.engine`)."""
    with Session(portal.engine) as db:
        return db.exec(select(Dossier.id).where(Dossier.number == number)).one()


def set_language(portal: Portal, email: str, language: str) -> None:
    """Set an account's language in the database (needs `portal.engine`)."""
    with Session(portal.engine) as db:
        account = db.exec(select(Account).where(Account.email == email)).one()
        account.language = language
        db.add(account)
        db.commit()


@pytest.fixture
def patient_expect():
    """Assertions wait 20 s: every step is a server round trip on a busy machine."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="session", autouse=True)
def _frontend_build_root(tmp_path_factory):
    """This session's frontend build folder (built on the first server start), one for
    all xdist workers: their base temp folders share a parent."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.getbasetemp().parent / "frontend-build"
        root.mkdir(exist_ok=True)
        _SESSION_BUILD["root"] = root
    else:
        _SESSION_BUILD["root"] = tmp_path_factory.mktemp("frontend-build")
    _SESSION_BUILD["sources"] = None
    yield _SESSION_BUILD["root"]


@pytest.fixture(scope="module", params=["sqlite", "postgres_redis"])
def portal(request, tmp_path_factory):
    """The running portal; module-scoped, so each e2e module starts it twice at most."""
    tmp_root = tmp_path_factory.mktemp("portal")
    if request.param == "sqlite":
        started, process = _start_portal(tmp_root, request.param, {})
        started.setup_name = request.param
        yield started
        _stop(process)
        return
    with throwaway_postgres() as database_url:
        started, process = _start_portal(tmp_root, request.param, {"DATABASE_URL": database_url, **_redis_env()})
        started.setup_name = request.param
        yield started
        _stop(process)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop running in this thread while it
    # is open, so the e2e tests run last (Makefile, pytest.ini testpaths).
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make test` (installs it) or apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_page(browser, viewport=DESKTOP):
    """A page in a fresh browser context (its own cookies: a separate 'browser')."""
    context = browser.new_context(locale="nl-NL", viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def fresh(browser):
    """Factory for pages in isolated browser contexts (a browser each: admin, client, ...);
    closes them after the test."""
    pages = []

    def make(viewport=DESKTOP):
        page = new_page(browser, viewport)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.context.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="nl-NL", viewport=DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page


def login(page, portal: Portal, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{portal.url}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
