"""The plain HTTP sign-in routes, through Starlette's test client against a real SQLite file."""

from __future__ import annotations

import argparse
import importlib

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

ORIGIN = "http://portal.test"


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", ORIGIN)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from portal_app import settings as settings_module

    settings_module.get_settings.cache_clear()
    from portal_app.cli import cmd_migrate

    cmd_migrate(argparse.Namespace(check=False))
    from portal_app.accounts import api as auth_routes

    importlib.reload(auth_routes)
    from portal_app.accounts.services import accounts, passwords
    from portal_app.core.services.db import get_engine

    with Session(get_engine()) as db:
        account = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
        accounts.set_password_hash(db, account, passwords.hash_password("Zonnebloem-Tulp-73"))
        account.first_login_done = True
        db.commit()
    client = TestClient(Starlette(routes=auth_routes.routes), base_url=ORIGIN, follow_redirects=False)
    yield client, get_engine()
    settings_module.get_settings.cache_clear()


def post_login(client, password, headers=None, **extra):
    data = {"email": "klant@example.nl", "password": password, **extra}
    return client.post("/auth/login", data=data, headers=headers if headers is not None else {"Origin": ORIGIN})


def test_login_sets_httponly_cookie_and_redirects(app_env):
    client, _ = app_env
    response = post_login(client, "Zonnebloem-Tulp-73", next="/dossiers/3")
    assert response.status_code == 303 and response.headers["location"] == "/dossiers/3"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kp_session=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()


def test_open_redirect_in_next_is_ignored(app_env):
    client, _ = app_env
    for evil in ("//evil.example", "/\\evil.example", "javascript:alert(1)", "https://evil.example"):
        response = post_login(client, "Zonnebloem-Tulp-73", next=evil)
        assert response.headers["location"] == "/"


def test_failed_logins_are_kept_throttled_and_audited(app_env):
    from portal_app.accounts.models import LoginFailure
    from portal_app.audit.models import AuditEvent

    client, engine = app_env
    for _ in range(5):
        response = post_login(client, "Fout-Wachtwoord-1")
        assert response.headers["location"].startswith("/login?fout=onjuist")
    response = post_login(client, "Zonnebloem-Tulp-73")
    assert response.headers["location"].startswith("/login?fout=te-veel&minuten=")
    with Session(engine) as db:
        assert len(db.exec(select(LoginFailure)).all()) == 5
        types = [event.event_type for event in db.exec(select(AuditEvent)).all()]
    assert types.count("login.failed") == 5 and "login.throttled" in types


def test_cross_site_posts_are_refused(app_env):
    client, _ = app_env
    assert post_login(client, "Zonnebloem-Tulp-73", headers={"Origin": "https://evil.example"}).status_code == 403
    assert (
        post_login(client, "Zonnebloem-Tulp-73", headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"}).status_code
        == 403
    )
    assert post_login(client, "Zonnebloem-Tulp-73", headers={}).status_code == 403
    # a page of the portal with Referrer-Policy no-referrer: Origin null, but same-origin fetch metadata
    ok = post_login(client, "Zonnebloem-Tulp-73", headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 303 and ok.headers["location"] == "/"


def test_logout_ends_the_session_on_the_server(app_env):
    from portal_app.accounts.services import sessions

    client, engine = app_env
    response = post_login(client, "Zonnebloem-Tulp-73")
    token = response.cookies.get("kp_session") or response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    client.cookies.set("kp_session", token)
    out = client.post("/auth/logout", headers={"Origin": ORIGIN})
    assert out.status_code == 303 and out.headers["location"] == "/login?uitgelogd=1"
    with Session(engine) as db:
        assert sessions.resolve(db, token, policy=sessions.SessionPolicy()) is None


def test_request_link_answers_the_same_for_any_address(app_env):
    client, _ = app_env
    known = client.post("/auth/request-link", data={"email": "klant@example.nl"}, headers={"Origin": ORIGIN})
    unknown = client.post("/auth/request-link", data={"email": "niemand@example.nl"}, headers={"Origin": ORIGIN})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/wachtwoord-vergeten?verstuurd=1"
