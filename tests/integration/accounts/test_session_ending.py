"""Issue 13: sessions end where they should - "Overal uitloggen", password change, idle and absolute expiry.

Through the real HTTP routes (Starlette test client, SQLite file); each TestClient is a
browser with its own cookie jar.
"""

from __future__ import annotations

import argparse
import importlib
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

ORIGIN = "http://portal.test"
EMAIL = "klant@example.nl"
PASSWORD = "Zonnebloem-Tulp-73"


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", ORIGIN)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "20")
    monkeypatch.setenv("SESSION_ABSOLUTE_HOURS", "8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from portal_app import settings as settings_module

    settings_module.get_settings.cache_clear()
    from portal_app.cli import cmd_migrate

    cmd_migrate(argparse.Namespace(check=False))
    from portal_app.accounts import api as auth_routes

    importlib.reload(auth_routes)
    from portal_app.accounts.services import accounts, passwords
    from portal_app.core.services.db import get_engine
    from portal_app.office.services import office_settings

    office_settings.invalidate()  # the env above sets the defaults of the office settings
    with Session(get_engine()) as db:
        account = accounts.create_person(db, email=EMAIL, name="Klaas Klant")
        accounts.set_password_hash(db, account, passwords.hash_password(PASSWORD))
        account.first_login_done = True
        db.commit()
    yield auth_routes, get_engine()
    settings_module.get_settings.cache_clear()


def signed_in_browser(auth_routes) -> TestClient:
    client = TestClient(Starlette(routes=auth_routes.routes), base_url=ORIGIN, follow_redirects=False)
    response = client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD}, headers={"Origin": ORIGIN})
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def live(engine, client: TestClient) -> bool:
    from portal_app.accounts.services import sessions
    from portal_app.office.services import office_settings

    with Session(engine) as db:
        token = client.cookies.get("kp_session")
        found = sessions.resolve(db, token, policy=office_settings.profile(db).session_policy, touch=False)
        db.commit()
        return found is not None


def test_log_out_everywhere_ends_every_session_of_the_account(app_env):
    from portal_app.audit.models import AuditEvent

    auth_routes, engine = app_env
    laptop, phone, library = (signed_in_browser(auth_routes) for _ in range(3))
    assert all(live(engine, b) for b in (laptop, phone, library))
    response = phone.post("/auth/logout-everywhere", headers={"Origin": ORIGIN})
    assert response.status_code == 303 and response.headers["location"] == "/login?uitgelogd=1"
    assert 'kp_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    assert not any(live(engine, b) for b in (laptop, phone, library))
    with Session(engine) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "logout.everywhere")).one()
        assert '"ended": 3' in (event.detail or "")


def test_log_out_everywhere_refused_from_another_site_and_without_session(app_env):
    auth_routes, engine = app_env
    laptop, phone = signed_in_browser(auth_routes), signed_in_browser(auth_routes)
    # a page on another site that posts the form: nothing ends
    assert phone.post("/auth/logout-everywhere", headers={"Origin": "https://evil.example"}).status_code == 403
    assert live(engine, laptop) and live(engine, phone)
    # without a cookie: a plain redirect, nothing ends
    stranger = TestClient(Starlette(routes=auth_routes.routes), base_url=ORIGIN, follow_redirects=False)
    assert stranger.post("/auth/logout-everywhere", headers={"Origin": ORIGIN}).status_code == 303
    assert live(engine, laptop) and live(engine, phone)


def test_password_set_by_link_ends_every_session(app_env):
    from portal_app.accounts.services import onboarding
    from portal_app.settings import get_settings

    auth_routes, engine = app_env
    laptop, phone = signed_in_browser(auth_routes), signed_in_browser(auth_routes)
    with Session(engine) as db:
        token = onboarding.request_password_link(db, email=EMAIL, settings=get_settings())
        db.commit()
    fresh = TestClient(Starlette(routes=auth_routes.routes), base_url=ORIGIN, follow_redirects=False)
    response = fresh.post(
        "/auth/set-password",
        data={"token": token, "password": "Nieuw-Wachtwoord-2026", "password_repeat": "Nieuw-Wachtwoord-2026"},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 303
    assert not live(engine, laptop) and not live(engine, phone)
    assert live(engine, fresh)  # the browser that set it is signed in anew


def test_password_change_on_my_details_ends_the_other_sessions(app_env):
    from portal_app.accounts.models import Account, UserSession
    from portal_app.accounts.services import personal_details, sessions
    from portal_app.core.services.tokens import hash_token
    from portal_app.settings import get_settings

    auth_routes, engine = app_env
    laptop, phone = signed_in_browser(auth_routes), signed_in_browser(auth_routes)
    with Session(engine) as db:
        account = db.exec(select(Account).where(Account.email == EMAIL)).one()
        own = db.exec(
            select(UserSession).where(UserSession.token_hash == hash_token(laptop.cookies.get("kp_session")))
        ).one()
        ended = personal_details.change_password(
            db,
            account_id=account.id,
            session_id=own.id,
            current=PASSWORD,
            new="Nieuw-Wachtwoord-2026",
            repeat="Nieuw-Wachtwoord-2026",
            settings=get_settings(),
        )
        db.commit()
    assert ended == 1
    assert live(engine, laptop) and not live(engine, phone)
    assert sessions.COOKIE_NAME == "kp_session"


def test_idle_and_absolute_expiry_follow_the_settings(app_env):
    from portal_app.accounts.models import UserSession
    from portal_app.core.models import utcnow
    from portal_app.office.services import office_settings

    auth_routes, engine = app_env
    with Session(engine) as db:
        policy = office_settings.profile(db).session_policy
    assert (policy.idle_minutes, policy.absolute_hours) == (20, 8)  # from SESSION_IDLE_MINUTES / _ABSOLUTE_HOURS
    idle, busy = signed_in_browser(auth_routes), signed_in_browser(auth_routes)
    with Session(engine) as db:
        rows = db.exec(select(UserSession).order_by(UserSession.id)).all()
        assert rows[0].expires_at - rows[0].created_at == timedelta(hours=8)
        # 19 minutes quiet: still live; 20: ended
        rows[0].last_seen_at = utcnow() - timedelta(minutes=19)
        rows[1].last_seen_at = utcnow() - timedelta(minutes=19)
        db.commit()
    assert live(engine, idle) and live(engine, busy)
    with Session(engine) as db:
        rows = db.exec(select(UserSession).order_by(UserSession.id)).all()
        rows[0].last_seen_at = utcnow() - timedelta(minutes=20, seconds=1)
        # busy all day, but past the absolute end
        rows[1].last_seen_at = utcnow()
        rows[1].expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
    assert not live(engine, idle) and not live(engine, busy)
    with Session(engine) as db:
        assert all(row.ended_at is not None for row in db.exec(select(UserSession)).all())


def test_idle_logout_from_the_warning_says_why(app_env):
    auth_routes, engine = app_env
    browser = signed_in_browser(auth_routes)
    response = browser.post("/auth/logout", data={"verlopen": "1"}, headers={"Origin": ORIGIN})
    assert response.headers["location"] == "/login?verlopen=1"
    assert not live(engine, browser)
    other = signed_in_browser(auth_routes)
    assert other.post("/auth/logout", headers={"Origin": ORIGIN}).headers["location"] == "/login?uitgelogd=1"
