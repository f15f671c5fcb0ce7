"""Browser tests: the portal in production mode (`reflex run --env prod`) as a
subprocess on a free port, driven by Playwright with Debian's Chromium.

Two set-ups: SQLite (one worker) and PostgreSQL + Redis (two backend workers).
The frontend build lives in .web/, so the two servers run one after the other.
"""

from __future__ import annotations

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
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


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


_WEB_CACHE: list[Path] = []


def _web_workdir(data_dir: Path) -> Path:
    """A private copy of Reflex's .web/ for this server, so servers (and people
    running tests side by side) never build into each other's folder. The
    installed node_modules are copied from ./.web or from an earlier start."""
    workdir = data_dir / "web"
    source = _WEB_CACHE[0] if _WEB_CACHE else ROOT / ".web"
    if (source / "node_modules").is_dir() and not workdir.exists():
        top = str(source)
        shutil.copytree(
            source,
            workdir,
            symlinks=True,
            # skip only the top-level build output, never node_modules/*/build
            ignore=lambda folder, names: {"build", ".states"} & set(names) if folder == top else set(),
        )
    return workdir


def _start_portal(tmp_root: Path, name: str, extra_env: dict):
    port = free_port()
    data_dir = tmp_root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    web_dir = _web_workdir(data_dir)
    env = _server_env(port, data_dir, {"REFLEX_WEB_WORKDIR": str(web_dir), **extra_env})
    portal = Portal(url=f"http://localhost:{port}", env=env, data_dir=data_dir, log=data_dir / "server.log")
    portal.cli("migrate")
    portal.cli("seed-demo")
    with open(portal.log, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_until_up(portal.url, process, portal.log)
    except Exception:
        _stop(process)
        raise
    if not _WEB_CACHE and (web_dir / "node_modules").is_dir():
        _WEB_CACHE.append(web_dir)
    return portal, process


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


@pytest.fixture(scope="module", params=["sqlite", "postgres_redis"])
def portal(request, tmp_path_factory):
    """The running portal; module-scoped so each e2e module builds it twice at most."""
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


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
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
