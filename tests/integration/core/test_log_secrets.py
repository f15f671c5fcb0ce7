"""No secret in any log line: a whole sign-in life with logging at DEBUG, then grep.

The flow runs through the real HTTP routes and services against a SQLite file and a real SMTP
server (aiosmtpd): invitation, password set from the mailed link, sign-in with the authenticator
app and with a recovery code, a wrong password, a password reset, and the line Reflex writes for
an unknown event name (with the router data, so the Cookie header). Every secret the flow issued
is collected and none may appear in the captured log text.
"""

from __future__ import annotations

import asyncio
import email
import importlib
import io
import logging
import re
import threading
from datetime import timedelta
from email import policy

import pyotp
import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal_app.core.services import log_redaction
from portal_app.core.services.log_redaction import MASK, SecretRedactingFilter, redact
from tests.conftest import free_port

ORIGIN = "http://portal.test"
EMAIL = "erfgenaam@example.nl"
SMS_EMAIL = "sms-klant@example.nl"
# The test SMTP server logs what it receives; that is scaffolding, not the portal.
SCAFFOLDING_LOGGERS = ("mail.log",)


class Mailbox:
    def __init__(self):
        self.envelopes = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def texts(self) -> list[str]:
        out = []
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            out.extend(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
        return out


class Capture(logging.Handler):
    """A plain handler on the root logger, next to caplog: what an office's log file would hold."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.stream = io.StringIO()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        if record.name.startswith(SCAFFOLDING_LOGGERS):
            return
        self.stream.write(self.format(record) + "\n")


@pytest.fixture
def portal(tmp_path, monkeypatch):
    port = free_port()
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", ORIGIN)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_FROM", "portaal@vandam.example")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from portal_app import settings as settings_module

    settings_module.get_settings.cache_clear()
    from portal_app.cli import cmd_migrate

    cmd_migrate(None)
    from portal_app.accounts import api as auth_routes

    importlib.reload(auth_routes)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        client = TestClient(Starlette(routes=auth_routes.routes), base_url=ORIGIN, follow_redirects=False)
        yield client, mailbox
    finally:
        controller.stop()
        settings_module.get_settings.cache_clear()


@pytest.fixture
def captured(caplog):
    # The app module installs the redaction when it loads; importing it is the real wiring.
    import portal_app.portal_app  # noqa: F401

    assert log_redaction.is_installed()
    # DEBUG for every logger, also those a library or the migrations set to WARNING
    # (alembic's logging config quiets sqlalchemy.engine, which would log SQL parameters).
    caplog.set_level(logging.DEBUG)
    for name in [*logging.root.manager.loggerDict, "sqlalchemy.engine.Engine", "uvicorn.access", "granian.access"]:
        caplog.set_level(logging.DEBUG, logger=name)
    handler = Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield (
            lambda: (
                "\n".join(
                    handler.format(record)
                    for record in caplog.records
                    if not record.name.startswith(SCAFFOLDING_LOGGERS)
                )
                + handler.stream.getvalue()
            )
        )
    finally:
        root.removeHandler(handler)


def deliver(mailbox: Mailbox) -> list[str]:
    from portal_app.core.services.db import get_engine
    from portal_app.notifications.services.mail import deliver_due
    from portal_app.settings import get_settings

    before = len(mailbox.envelopes)
    asyncio.run(deliver_due(engine=get_engine(), settings=get_settings()))
    return mailbox.texts()[before * 2 :] if before else mailbox.texts()


def link_token(texts: list[str], path: str) -> str:
    for text in texts:
        found = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_%-]+)", text)
        if found:
            return found.group(1)
    raise AssertionError(f"no {path} link in {texts!r}")


def last_sms_code(db) -> str:
    from sqlmodel import select

    from portal_app.notifications.models import OutboxSms

    body = db.exec(select(OutboxSms).order_by(OutboxSms.id.desc())).first().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def session_cookie(response) -> str:
    assert "fout=" not in response.headers["location"], response.headers["location"]
    header = response.headers["set-cookie"]
    assert header.startswith("kp_session=")
    return header.split(";")[0].split("=", 1)[1]


def post(client, path, data, cookie=None):
    headers = {"Origin": ORIGIN}
    client.cookies.clear()
    if cookie:
        client.cookies.set("kp_session", cookie)
    response = client.post(path, data=data, headers=headers)
    assert response.status_code == 303, (path, response.status_code, response.text)
    return response


def send_unknown_event(cookie: str, payload: dict) -> None:
    """An event name without a handler, through Reflex's real event processor.

    That is the leak this guards against: the processor logs the whole event, router data included,
    and the router data holds the websocket's request headers, so the Cookie header.
    """
    from reflex_base.event import Event
    from reflex_base.event.processor.event_processor import EventProcessor

    event = Event(
        name="reflex___state____state.portal_app___no_such_state.forged",
        router_data={
            "pathname": "/dossiers",
            "query": {},
            "token": "a1b2c3d4-client-token",
            "sid": "sid-1",
            "headers": {"host": "portal.test", "origin": ORIGIN, "cookie": f"kp_session={cookie}; theme=dark"},
            "ip": "127.0.0.1",
        },
        payload=payload,
    )

    async def run() -> None:
        async with EventProcessor().configure() as processor:
            future = await processor.enqueue("a1b2c3d4-client-token", event)
            for _ in range(100):  # the queue task logs and moves on; the future never resolves
                if "No registered handler" in "".join(str(r.exc_info) for r in logged):
                    break
                await asyncio.sleep(0.01)
            future.cancel()

    logged: list[logging.LogRecord] = []
    spy = logging.Handler(level=logging.ERROR)
    spy.emit = logged.append  # type: ignore[method-assign]
    logger = logging.getLogger("reflex_base.event.processor.event_processor")
    logger.addHandler(spy)
    try:
        asyncio.run(run())
    finally:
        logger.removeHandler(spy)
    assert logged, "Reflex did not log the unknown event"


def test_a_whole_sign_in_life_leaves_no_secret_in_the_log(portal, captured):
    from portal_app.accounts.services import accounts, onboarding, passwords, sessions, twofactor
    from portal_app.core.models import utcnow
    from portal_app.core.services.db import get_engine
    from portal_app.settings import get_settings

    client, mailbox = portal
    settings = get_settings()
    secrets: list[str] = []

    # Invitation by the office, mailed through SMTP.
    with Session(get_engine()) as db:
        account = accounts.create_person(db, email=EMAIL, name="Erik Erfgenaam")
        onboarding.invite(db, account, settings=settings)
        db.commit()
        account_id = account.id
    invite_token = link_token(deliver(mailbox), onboarding.INVITE_PATH)
    secrets.append(invite_token)
    # Opening the invitation asks for the set-password link.
    client.get(f"{onboarding.INVITE_PATH}?token={invite_token}")
    post(client, "/auth/request-link", {"email": EMAIL, "invite": invite_token})
    set_token = link_token(deliver(mailbox), onboarding.SET_PASSWORD_PATH)
    secrets.append(set_token)

    first_password = "Zonnebloem-Tulp-73"
    secrets.append(first_password)
    # A mistyped repeat first: the answer carries the token back to the form.
    post(client, "/auth/set-password", {"token": set_token, "password": first_password, "password_repeat": "Anders-1x"})
    response = post(
        client,
        "/auth/set-password",
        {"token": set_token, "password": first_password, "password_repeat": first_password},
    )
    secrets.append(session_cookie(response))

    # The authenticator app is switched on (its secret and first code are secrets too).
    totp_secret = twofactor.new_totp_secret()
    setup_at = utcnow() - timedelta(seconds=90)
    setup_code = pyotp.TOTP(totp_secret).at(setup_at)
    with Session(get_engine()) as db:
        stored = accounts.find_by_email(db, EMAIL)
        recovery_codes = twofactor.confirm_totp_setup(
            session=db, account=stored, secret=totp_secret, code=setup_code, settings=settings, now=setup_at
        )
        db.commit()
    secrets.extend([totp_secret, setup_code, *recovery_codes])

    # Sign in: password, then a code from the app.
    wrong_password = "Verkeerd-Wachtwoord-99"
    secrets.append(wrong_password)
    post(client, "/auth/login", {"email": EMAIL, "password": wrong_password})
    pending = session_cookie(post(client, "/auth/login", {"email": EMAIL, "password": first_password}))
    totp_code = pyotp.TOTP(totp_secret).now()
    secrets.extend([pending, totp_code])
    signed_in = session_cookie(post(client, "/auth/verify", {"code": totp_code}, cookie=pending))
    secrets.append(signed_in)
    post(client, "/auth/logout", {}, cookie=signed_in)

    # Sign in with a recovery code instead.
    pending = session_cookie(post(client, "/auth/login", {"email": EMAIL, "password": first_password}))
    secrets.append(pending)
    signed_in = session_cookie(post(client, "/auth/verify", {"code": recovery_codes[0]}, cookie=pending))
    secrets.append(signed_in)

    # Forgotten password: a reset link by mail, a new password.
    post(client, "/auth/request-link", {"email": EMAIL})
    reset_token = link_token(deliver(mailbox), onboarding.SET_PASSWORD_PATH)
    new_password = "Paardenbloem-Klaver-48"
    secrets.extend([reset_token, new_password])
    response = post(
        client, "/auth/set-password", {"token": reset_token, "password": new_password, "password_repeat": new_password}
    )
    assert response.headers["location"] == "/login/verificatie"
    pending = session_cookie(response)
    secrets.append(pending)

    # Another client signs in with a code by SMS (set up, sent, sent again, used).
    sms_password = "Korenbloem-Distel-31"
    with Session(get_engine()) as db:
        other = accounts.create_person(db, email=SMS_EMAIL, name="Sanne Sms")
        accounts.set_password_hash(db, other, passwords.hash_password(sms_password))
        other.first_login_done = True
        _token, setup_session = sessions.create_session(db, other, policy=sessions.SessionPolicy())
        twofactor.start_sms_setup(
            session=db, account=other, phone="06 12345678", session_id=setup_session.id, settings=settings
        )
        setup_sms_code = last_sms_code(db)
        recovery_codes_sms = twofactor.confirm_sms_setup(
            session=db,
            account=other,
            phone="06 12345678",
            code=setup_sms_code,
            session_id=setup_session.id,
            settings=settings,
        )
        db.commit()
    secrets.extend([_token, sms_password, setup_sms_code, *recovery_codes_sms])
    pending_sms = session_cookie(post(client, "/auth/login", {"email": SMS_EMAIL, "password": sms_password}))
    post(client, "/auth/resend-code", {}, cookie=pending_sms)
    with Session(get_engine()) as db:
        login_sms_code = last_sms_code(db)
    secrets.extend([pending_sms, login_sms_code])
    secrets.append(session_cookie(post(client, "/auth/verify", {"code": login_sms_code}, cookie=pending_sms)))

    # Forged events with the session cookie, and what the server's access log writes for the links.
    send_unknown_event(signed_in, {"password": new_password, "code": recovery_codes[1]})
    send_unknown_event(pending, {"token": reset_token})
    access = logging.getLogger("uvicorn.access")
    for path, token in ((onboarding.INVITE_PATH, invite_token), (onboarding.SET_PASSWORD_PATH, reset_token)):
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"{path}?token={token}", "1.1", 200)
    logging.getLogger("httpx").debug("request headers: Cookie: kp_session=%s", signed_in)

    text = captured()
    assert account_id is not None and "No registered handler found for event" in text  # the log was captured
    leaked = sorted({secret for secret in secrets if secret in text})
    assert not leaked, f"secrets in the log: {leaked}"
    assert "'cookie': 'kp_session=" + MASK in text  # the event dump is there, masked
    assert len(set(secrets)) >= 30


def test_an_unknown_event_dump_comes_out_redacted_through_the_filter():
    from reflex_base.event import Event

    event = Event(
        name="state.portal_app___x.nope",
        router_data={
            "pathname": "/",
            "headers": {
                "cookie": "kp_session=S3ss10n-T0ken_value; theme=dark",
                "authorization": "Bearer eyJhbGciOi.payload.sig",
                "user-agent": "Mozilla/5.0",
            },
        },
        payload={"password": "Geheim-Wachtwoord-1", "new_password": "Ander-Geheim-2", "code": "123456", "page": 2},
    )
    record = logging.LogRecord(
        "reflex_base.event.processor.event_processor",
        logging.ERROR,
        __file__,
        1,
        "Error processing event queue entry for %s [txid=%d]:",
        (event, 7),
        None,
    )
    assert SecretRedactingFilter().filter(record) is True  # masks, never drops
    message = record.getMessage()
    for secret in ("S3ss10n-T0ken_value", "eyJhbGciOi", "Geheim-Wachtwoord-1", "Ander-Geheim-2", "123456"):
        assert secret not in message
    assert "'cookie': 'kp_session=[REDACTED]; theme=[REDACTED]'" in message
    # What is not secret stays as it was.
    assert "Error processing event queue entry for Event(name='state.portal_app___x.nope'" in message
    assert "'user-agent': 'Mozilla/5.0'" in message and "'page': 2" in message and "[txid=7]" in message


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"{ORIGIN}/account-activeren?token=AbC_dEf-12345", "AbC_dEf-12345"),
        (f"{ORIGIN}/wachtwoord-instellen?fout=x&token=Zz9_8-77", "Zz9_8-77"),
        (f"{ORIGIN}/e-mail-bevestigen?token=Qq%2Fw-1", "Qq%2Fw-1"),
        ("Cookie: theme=dark; kp_session=abcDEF123", "abcDEF123"),
        ("Set-Cookie: kp_session=abcDEF123; Path=/; HttpOnly", "abcDEF123"),
        ("Authorization: Bearer sk_live_0123456789", "sk_live_0123456789"),
        ("retrying with Bearer sk_live_0123456789 now", "sk_live_0123456789"),
        ("password_repeat=Geheim-2&next=/", "Geheim-2"),
        ('{"password": "p\\"w0rd", "email": "a@b.nl"}', 'p\\"w0rd'),
        ("login(email='a@b.nl', password='Geheim-1')", "Geheim-1"),
        ("code=654321 verified", "654321"),
        ("recovery_codes=['ABCD-EFGH', 'IJKL-MNOP']", "ABCD-EFGH"),
    ],
)
def test_secrets_are_masked(line, secret):
    clean = redact(line)
    assert secret not in clean and MASK in clean
    assert redact(clean) == clean  # masking twice changes nothing


@pytest.mark.parametrize(
    "line",
    [
        "mail outbox: mail 12 failed after 3 attempts",
        "notifications: 2 digest mail(s) queued (5 items)",
        "GET /dossiers/3?tab=berichten HTTP/1.1 200",
        "session_id=5 status_code=500 token_count 3",
        "Bearer of bad news; the tokens of appreciation",
        "Cookie policy accepted by 3 visitors",
    ],
)
def test_text_without_secrets_is_kept(line):
    assert redact(line) == line


def test_a_secret_in_a_traceback_is_masked_for_every_handler():
    record = None
    try:
        raise ValueError("bad link https://portal.test/wachtwoord-instellen?token=Tr4ceb4ck-T0ken")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    log_redaction.redact_record(record)
    text = logging.Formatter().format(record)
    assert "Tr4ceb4ck-T0ken" not in text and "ValueError: bad link" in text and record.exc_info is None
