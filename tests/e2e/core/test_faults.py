"""The running portal (two workers, PostgreSQL + Redis) survives its servers restarting.

The portal here runs on a PostgreSQL cluster and a Redis server of this module
alone (temporary folders, free ports), so both may be restarted; the machine's
shared servers are never touched.

- Redis restarted: every tab state is gone (Redis holds only Reflex's tab
  states; sessions live in the database). An open tab reconnects and shows its
  own data again from its session cookie, or the login page: never an empty or
  broken page, never another user's data.
- PostgreSQL restarted: the next click works without a restart of the portal.
- PostgreSQL down: `/ready` answers 503 "database: unavailable", the portal
  stays up, the tab's next click shows the Storing page (not a silent, stale
  page), and once the database is back "Opnieuw proberen" works again.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import free_port, require_service
from tests.e2e.conftest import _start_portal, _stop, login, screenshot
from tests.integration.core.test_faults import OwnPostgres, _pg_tool

DOSSIER_TEXT = "Dorpsstraat 12"
REDIS_SERVER = "/usr/bin/redis-server"


class OwnRedis:
    """A redis-server of our own on a free port, without persistence: a restart loses everything."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = Path(tempfile.mkdtemp(prefix="kp-own-redis-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def faulty_portal(tmp_path_factory):
    require_service(_pg_tool("initdb") is not None and Path(REDIS_SERVER).exists(), "PostgreSQL/Redis binaries")
    postgres, redis_server = OwnPostgres(), OwnRedis()
    process = None
    try:
        postgres.init()
        redis_server.start()
        portal, process = _start_portal(
            tmp_path_factory.mktemp("faults"),
            "faults",
            {"DATABASE_URL": postgres.url, "REDIS_URL": redis_server.url, "GRANIAN_WORKERS": "2"},
        )
        portal.postgres, portal.redis = postgres, redis_server
        yield portal
    finally:
        if process is not None:
            _stop(process)
        redis_server.stop()
        shutil.rmtree(redis_server.folder, ignore_errors=True)
        postgres.remove()


def ready(portal) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{portal.url}/ready", timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def open_dossier_list(page) -> None:
    page.get_by_role("link", name=re.compile("Dossiers")).first.click()
    expect(page.get_by_text(DOSSIER_TEXT).first).to_be_visible()


def go_home(page) -> None:
    page.get_by_role("link", name=re.compile("Home")).first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    # let the home page's loads finish: one still running when the database goes away fails
    # like any other (the Storing page), which is not what the restart steps below look at
    page.wait_for_timeout(2000)


def test_redis_restarted_open_tabs_resume_from_their_cookie(browser, faulty_portal):
    portal = faulty_portal
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, portal, "jansen@example.nl")
        open_dossier_list(page)
        go_home(page)

        portal.redis.restart()  # every tab state is gone

        # the open tab reconnects; its next click shows its own dossiers again
        open_dossier_list(page)
        expect(page.get_by_text("Statutenwijziging Bakker")).to_have_count(0)
        screenshot(page, "faults-redis-restarted")
        # a reload hydrates from the cookie as well
        page.reload()
        expect(page.get_by_text(DOSSIER_TEXT).first).to_be_visible()
        # and logging out still ends the session everywhere: the tab's old state cannot come back
        other = context.new_page()
        other.goto(f"{portal.url}/mijn-gegevens")
        other.locator("#logout-button").click()
        expect(other).to_have_url(re.compile(r"/login"))
        page.reload()
        expect(page).to_have_url(re.compile(r"/login"))
        expect(page.get_by_text(DOSSIER_TEXT)).to_have_count(0)
        assert ready(portal)[0] == 200
    finally:
        context.close()


def test_postgres_restarted_or_down_the_portal_recovers_without_restart(browser, faulty_portal):
    portal = faulty_portal
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, portal, "jansen@example.nl")
        open_dossier_list(page)
        go_home(page)

        portal.postgres.restart()
        open_dossier_list(page)  # the pool's dead connections are replaced on the next use
        go_home(page)

        portal.postgres.stop()
        try:
            status, body = ready(portal)
            assert status == 503 and "database: unavailable" in body, (status, body)
            # the next click: the Storing page, not a silent, stale page
            page.get_by_role("link", name=re.compile("Dossiers")).first.click()
            expect(page).to_have_url(re.compile(r"/storing$"))
            expect(page.get_by_role("heading", name="Het portaal is even niet bereikbaar")).to_be_visible()
            page.wait_for_timeout(2000)  # its own failing load keeps it there (no redirect loop)
            expect(page).to_have_url(re.compile(r"/storing$"))
            assert "OperationalError" not in page.content() and "psycopg2" not in page.content()
            screenshot(page, "faults-postgres-down")
            page.set_viewport_size({"width": 390, "height": 844})
            screenshot(page, "faults-postgres-down-phone")
            page.set_viewport_size({"width": 1280, "height": 900})
        finally:
            portal.postgres.start()

        status, body = ready(portal)
        assert status == 200, body
        page.get_by_role("link", name="Opnieuw proberen").click()
        expect(page).to_have_url(re.compile(r"/$"))
        open_dossier_list(page)
    finally:
        context.close()
