"""Issue 13: the 2-step corners, through the real sign-in routes (Starlette test client, SQLite file).

- wrong codes are limited per ACCOUNT over all login attempts, not only per attempt;
- an authenticator code is refused the second time within its window (another login too);
- a recovery code works once;
- an SMS code stops working when it expires.
"""

from __future__ import annotations

import argparse
import importlib
import re
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import Session, select, update
from starlette.applications import Starlette
from starlette.testclient import TestClient

ORIGIN = "http://portal.test"
EMAIL = "klant@example.nl"
PASSWORD = "Zonnebloem-Tulp-73"


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
        account = accounts.create_person(db, email=EMAIL, name="Klaas Klant")
        accounts.set_password_hash(db, account, passwords.hash_password(PASSWORD))
        account.first_login_done = True
        db.commit()
    yield auth_routes, get_engine(), settings_module.get_settings()
    settings_module.get_settings.cache_clear()


def browser(auth_routes) -> TestClient:
    """A fresh browser: its own cookie jar, so its own login attempt."""
    return TestClient(Starlette(routes=auth_routes.routes), base_url=ORIGIN, follow_redirects=False)


def sign_in_password(client: TestClient) -> None:
    response = client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD}, headers={"Origin": ORIGIN})
    assert response.headers["location"].startswith("/login/verificatie"), response.headers["location"]


def send_code(client: TestClient, code: str) -> str:
    response = client.post("/auth/verify", data={"code": code}, headers={"Origin": ORIGIN})
    assert response.status_code == 303
    return response.headers["location"]


def signed_in(location: str) -> bool:
    return not location.startswith("/login")


def with_totp(engine, settings) -> str:
    from portal_app.accounts.models import Account
    from portal_app.accounts.services import twofactor
    from portal_app.core.models import utcnow

    secret = twofactor.new_totp_secret()
    earlier = utcnow() - timedelta(minutes=5)  # the set-up code's step must not block the login code
    with Session(engine) as db:
        account = db.exec(select(Account).where(Account.email == EMAIL)).one()
        codes = twofactor.confirm_totp_setup(
            session=db,
            account=account,
            secret=secret,
            code=pyotp.TOTP(secret).at(earlier),
            settings=settings,
            now=earlier,
        )
        db.commit()
    return secret + "|" + ",".join(codes)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_wrong_codes_are_limited_per_account_across_login_attempts(app_env):
    from portal_app.accounts.services import twofactor
    from portal_app.audit.models import AuditEvent

    auth_routes, engine, settings = app_env
    secret = with_totp(engine, settings).split("|")[0]
    guesses = 0
    # Each new login attempt allows MAX_FAILURES_PER_SESSION guesses; a fresh browser per attempt.
    while guesses < twofactor.MAX_FAILURES_PER_ACCOUNT:
        client = browser(auth_routes)
        sign_in_password(client)
        for _ in range(twofactor.MAX_FAILURES_PER_SESSION):
            location = send_code(client, wrong(pyotp.TOTP(secret).now()))
            guesses += 1
            assert not signed_in(location)
            if guesses == twofactor.MAX_FAILURES_PER_ACCOUNT or "te-veel" in location:
                break
    # A new login attempt with the right password and even the right code: refused for now.
    client = browser(auth_routes)
    sign_in_password(client)
    location = send_code(client, pyotp.TOTP(secret).now())
    assert location == "/login?fout=te-veel-codes"
    with Session(engine) as db:
        failed = db.exec(select(AuditEvent).where(AuditEvent.event_type == "2fa.failed")).all()
        assert len(failed) == twofactor.MAX_FAILURES_PER_ACCOUNT
        # the limit is a window, not a permanent lock: an hour later the account may try again
        db.exec(
            update(AuditEvent)
            .where(AuditEvent.event_type == "2fa.failed")
            .values(at=AuditEvent.at - timedelta(hours=2))
        )  # type: ignore[arg-type]
        db.commit()
    client = browser(auth_routes)
    sign_in_password(client)
    assert signed_in(send_code(client, pyotp.TOTP(secret).now()))


def test_authenticator_code_refused_second_time_in_its_window(app_env):
    auth_routes, engine, settings = app_env
    secret = with_totp(engine, settings).split("|")[0]
    first, second = browser(auth_routes), browser(auth_routes)
    sign_in_password(first)
    sign_in_password(second)
    code = pyotp.TOTP(secret).now()
    assert signed_in(send_code(first, code))
    # someone who read the code over the shoulder, in their own login attempt, a moment later
    assert send_code(second, code).startswith("/login/verificatie?fout=2fa.invalid_code")


def test_recovery_code_works_once(app_env):
    auth_routes, engine, settings = app_env
    codes = with_totp(engine, settings).split("|")[1].split(",")
    client = browser(auth_routes)
    sign_in_password(client)
    assert send_code(client, codes[0]).startswith("/mijn-gegevens?herstelcodes=9")
    again = browser(auth_routes)
    sign_in_password(again)
    assert send_code(again, codes[0]).startswith("/login/verificatie?fout=2fa.invalid_code")
    assert signed_in(send_code(again, codes[1]))


def test_sms_code_expires(app_env):
    from portal_app.accounts.models import Account, OneTimeCode, TwoFactor
    from portal_app.core.models import utcnow
    from portal_app.notifications.models import OutboxSms

    auth_routes, engine, _settings = app_env
    with Session(engine) as db:
        account = db.exec(select(Account).where(Account.email == EMAIL)).one()
        db.add(TwoFactor(account_id=account.id, method="sms", phone="+31612345678", enabled_at=utcnow()))
        db.commit()
    client = browser(auth_routes)
    sign_in_password(client)
    with Session(engine) as db:
        body = db.exec(select(OutboxSms).order_by(OutboxSms.id.desc())).first().body  # type: ignore[union-attr]
        code = re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
        # ten minutes and a second later
        db.exec(update(OneTimeCode).values(expires_at=utcnow() - timedelta(seconds=1)))  # type: ignore[arg-type]
        db.commit()
    assert send_code(client, code).startswith("/login/verificatie?fout=2fa.expired")
    # a new code (resend) works
    client.post("/auth/resend-code", headers={"Origin": ORIGIN})
    with Session(engine) as db:
        body = db.exec(select(OutboxSms).order_by(OutboxSms.id.desc())).first().body  # type: ignore[union-attr]
        fresh = re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
    assert signed_in(send_code(client, fresh))
