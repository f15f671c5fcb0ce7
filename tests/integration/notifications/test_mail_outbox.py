"""The mail outbox against a real SMTP server (aiosmtpd on a free local port)."""

from __future__ import annotations

import asyncio
import email
import threading
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus
from portal_app.notifications.services import mail as mail_service
from portal_app.notifications.services.mail import (
    DeliveryReport,
    deliver_due,
    queue_mail,
    queue_sms,
    retry_failed,
    run_sender_loop,
)
from portal_app.settings import load_settings
from tests.conftest import free_port

OFFICE = "Notariskantoor Van Dam"


class CollectingHandler:
    """Collects every accepted envelope; can be told to refuse recipients or data."""

    def __init__(self, rcpt_reply: str | None = None, data_reply: str | None = None):
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.envelopes = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(env.content, policy=policy.default) for env in self.envelopes]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.controller: Controller | None = None

    def start(self, handler: CollectingHandler) -> CollectingHandler:
        self.stop()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return handler

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp_server(smtp_port):
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


def make_settings(tmp_path, port: int | None, **extra):
    env = {
        "PORTAL_ENV": "test",
        "DATA_DIR": str(tmp_path),
        "OFFICE_NAME": OFFICE,
        "SMTP_FROM": "portaal@vandam.example",
    }
    if port is not None:
        env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)})
    env.update(extra)
    return load_settings(env)


@pytest.fixture
def settings(tmp_path, smtp_port):
    return make_settings(tmp_path, smtp_port)


def queue(engine, to="klant@example.nl", name="Jan Jansen", minutes=30) -> int:
    with Session(engine) as session:
        row = queue_mail(
            session=session,
            to=to,
            kind="set_password_link",
            language="nl",
            context={
                "office_name": OFFICE,
                "name": name,
                "link": "https://portaal.example.nl/wachtwoord?token=T0KEN",
                "minutes": minutes,
            },
        )
        session.commit()
        return row.id


def load(engine, mail_id) -> OutboxMail:
    with Session(engine) as session:
        return session.get(OutboxMail, mail_id)


# ----------------------------------------------------------------------------- queueing


def test_queue_mail_does_not_commit(engine):
    with Session(engine) as session:
        queue_mail(
            session=session,
            to="a@example.nl",
            kind="password_set",
            language="en",
            context={"office_name": OFFICE, "name": "A", "link": "https://portaal.example.nl/login"},
        )
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(OutboxMail)).all() == []


def test_queue_mail_stores_rendered_mail(engine):
    mail_id = queue(engine)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 0
    assert row.to_address == "klant@example.nl"
    assert row.kind == "set_password_link"
    assert row.subject == "Uw wachtwoord instellen voor het klantenportaal"
    assert "30 minuten" in row.body_text and "T0KEN" in row.body_text
    assert "T0KEN" in row.body_html


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b.nl\r\nBcc: x@y.nl", "a b@c.nl", "x@y.nl, z@w.nl"])
def test_queue_mail_refuses_bad_addresses(engine, bad):
    with Session(engine) as session, pytest.raises(ValueError):
        queue_mail(
            session=session,
            to=bad,
            kind="password_set",
            language="nl",
            context={"office_name": OFFICE, "name": "A", "link": "https://portaal.example.nl/login"},
        )


def test_queue_sms(engine):
    with Session(engine) as session:
        sms = queue_sms(session=session, to_phone="+31 6 1234 5678", body="Uw code is 123456")
        session.commit()
        sms_id = sms.id
    with Session(engine) as session:
        row = session.get(OutboxSms, sms_id)
        assert row.to_phone == "+31612345678"
        assert row.body == "Uw code is 123456"
        assert row.status == OutboxStatus.QUEUED
    with Session(engine) as session:
        with pytest.raises(ValueError):
            queue_sms(session=session, to_phone="call me", body="x")
        with pytest.raises(ValueError):
            queue_sms(session=session, to_phone="+31612345678", body="x" * 501)


# ----------------------------------------------------------------------------- delivery


async def test_queued_mail_is_delivered_exactly_once(engine, settings, smtp_server):
    handler = smtp_server.start(CollectingHandler())
    mail_id = queue(engine)

    first = await deliver_due(engine=engine, settings=settings)
    second = await deliver_due(engine=engine, settings=settings)

    assert first == DeliveryReport(sent=1, retrying=0, failed=0)
    assert second == DeliveryReport(sent=0, retrying=0, failed=0)
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.rcpt_tos == ["klant@example.nl"]
    assert envelope.mail_from == "portaal@vandam.example"
    message = handler.messages()[0]
    assert message["To"] == "klant@example.nl"
    assert message["Subject"] == "Uw wachtwoord instellen voor het klantenportaal"
    assert message["From"].addresses[0].display_name == OFFICE
    assert message["From"].addresses[0].addr_spec == "portaal@vandam.example"
    assert message["Message-ID"].startswith("<portal-mail-") and message["Message-ID"].endswith("@vandam.example>")
    assert message.is_multipart()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html_body = message.get_body(preferencelist=("html",)).get_content()
    assert "Geachte Jan Jansen," in text
    assert "https://portaal.example.nl/wachtwoord?token=T0KEN" in text
    assert "30 minuten" in text
    assert 'href="https://portaal.example.nl/wachtwoord?token=T0KEN"' in html_body

    row = load(engine, mail_id)
    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.last_error is None


async def test_smtp_down_then_back_delivers_once(engine, settings, smtp_server):
    mail_id = queue(engine)
    now = utcnow()

    report = await deliver_due(engine=engine, settings=settings, now=now)  # nothing listening

    assert report == DeliveryReport(sent=0, retrying=1, failed=0)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.RETRYING
    assert row.attempts == 1
    assert row.next_attempt_at > now
    assert row.last_error

    handler = smtp_server.start(CollectingHandler())
    # Not yet due: the backoff is respected.
    assert await deliver_due(engine=engine, settings=settings, now=now) == DeliveryReport()
    assert handler.envelopes == []

    later = row.next_attempt_at + timedelta(seconds=1)
    assert await deliver_due(engine=engine, settings=settings, now=later) == DeliveryReport(sent=1)
    assert await deliver_due(engine=engine, settings=settings, now=later + timedelta(hours=2)) == DeliveryReport()
    assert len(handler.envelopes) == 1
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 1
    assert row.last_error is None


async def test_backoff_grows_and_gives_up_after_max_attempts(engine, settings):
    mail_id = queue(engine)
    now = utcnow()
    await deliver_due(engine=engine, settings=settings, now=now)
    first_delay = load(engine, mail_id).next_attempt_at - now
    now2 = load(engine, mail_id).next_attempt_at
    await deliver_due(engine=engine, settings=settings, now=now2)
    second_delay = load(engine, mail_id).next_attempt_at - now2
    assert second_delay == 2 * first_delay

    with Session(engine) as session:
        row = session.get(OutboxMail, mail_id)
        row.attempts = mail_service.MAX_ATTEMPTS - 1
        row.next_attempt_at = now
        session.add(row)
        session.commit()
    report = await deliver_due(engine=engine, settings=settings, now=now2 + timedelta(days=1))
    assert report == DeliveryReport(failed=1)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == mail_service.MAX_ATTEMPTS
    assert "gave up" in row.last_error


async def test_451_is_retried(engine, settings, smtp_server):
    handler = smtp_server.start(CollectingHandler(rcpt_reply="451 try later"))
    mail_id = queue(engine)
    now = utcnow()

    report = await deliver_due(engine=engine, settings=settings, now=now)

    assert report == DeliveryReport(retrying=1)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.RETRYING
    assert row.attempts == 1
    assert row.next_attempt_at > now
    assert "451" in row.last_error and "try later" in row.last_error
    assert handler.envelopes == []


async def test_451_on_data_is_retried_then_delivered(engine, settings, smtp_server):
    smtp_server.start(CollectingHandler(data_reply="451 try later"))
    mail_id = queue(engine)
    now = utcnow()
    assert await deliver_due(engine=engine, settings=settings, now=now) == DeliveryReport(retrying=1)

    handler = smtp_server.start(CollectingHandler())
    later = load(engine, mail_id).next_attempt_at
    assert await deliver_due(engine=engine, settings=settings, now=later) == DeliveryReport(sent=1)
    assert len(handler.envelopes) == 1


async def test_550_fails_permanently_and_can_be_retried_by_staff(engine, settings, smtp_server):
    handler = smtp_server.start(CollectingHandler(rcpt_reply="550 no such user"))
    mail_id = queue(engine, to="onbekend@example.nl")
    now = utcnow()

    report = await deliver_due(engine=engine, settings=settings, now=now)

    assert report == DeliveryReport(failed=1)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.FAILED
    assert "550" in row.last_error and "no such user" in row.last_error
    # failed mail is not picked up again
    assert await deliver_due(engine=engine, settings=settings, now=now + timedelta(days=1)) == DeliveryReport()
    assert handler.envelopes == []

    # staff puts it back after the address problem was solved
    handler = smtp_server.start(CollectingHandler())
    with Session(engine) as session:
        retry_failed(session=session, mail_id=mail_id)
        session.commit()
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.QUEUED and row.attempts == 0
    assert await deliver_due(engine=engine, settings=settings) == DeliveryReport(sent=1)
    assert len(handler.envelopes) == 1

    # a sent mail is never queued again; unknown ids are reported
    with Session(engine) as session:
        with pytest.raises(ValidationFailed):
            retry_failed(session=session, mail_id=mail_id)
        with pytest.raises(NotFound):
            retry_failed(session=session, mail_id=999_999)


async def test_554_on_data_fails_permanently(engine, settings, smtp_server):
    smtp_server.start(CollectingHandler(data_reply="554 message rejected"))
    mail_id = queue(engine)

    assert await deliver_due(engine=engine, settings=settings) == DeliveryReport(failed=1)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.FAILED
    assert row.last_error.startswith("554") and "message rejected" in row.last_error


async def test_concurrent_senders_send_each_mail_once(engine, settings, smtp_server):
    handler = smtp_server.start(CollectingHandler())
    addresses = [f"klant{i}@example.nl" for i in range(8)]
    ids = [queue(engine, to=address) for address in addresses]

    reports = await asyncio.gather(
        deliver_due(engine=engine, settings=settings),
        deliver_due(engine=engine, settings=settings),
        deliver_due(engine=engine, settings=settings),
    )

    assert sum(r.sent for r in reports) == len(ids)
    assert sum(r.retrying + r.failed for r in reports) == 0
    received = sorted(rcpt for env in handler.envelopes for rcpt in env.rcpt_tos)
    assert received == sorted(addresses)
    assert all(load(engine, mail_id).status == OutboxStatus.SENT for mail_id in ids)


def test_concurrent_processes_send_each_mail_once(engine, settings, smtp_server):
    """Two workers with their own event loops and connections (like two processes)."""
    handler = smtp_server.start(CollectingHandler())
    addresses = [f"klant{i}@example.nl" for i in range(10)]
    for address in addresses:
        queue(engine, to=address)
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def worker():
        try:
            reports.append(asyncio.run(deliver_due(engine=engine, settings=settings)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(r.sent for r in reports) == len(addresses)
    received = sorted(rcpt for env in handler.envelopes for rcpt in env.rcpt_tos)
    assert received == sorted(addresses)


async def test_without_smtp_host_mail_stays_queued(engine, tmp_path):
    settings = make_settings(tmp_path, None)
    assert settings.smtp_host is None
    mail_id = queue(engine)

    report = await deliver_due(engine=engine, settings=settings)

    assert report == DeliveryReport(sent=0, retrying=0, failed=0)
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 0
    assert row.last_error is None


async def test_stuck_sending_row_is_recovered(engine, settings, smtp_server):
    handler = smtp_server.start(CollectingHandler())
    now = utcnow()
    stuck_id = queue(engine, to="vastgelopen@example.nl")
    busy_id = queue(engine, to="bezig@example.nl")
    with Session(engine) as session:
        stuck = session.get(OutboxMail, stuck_id)
        stuck.status = OutboxStatus.SENDING
        stuck.next_attempt_at = now - timedelta(minutes=11)
        busy = session.get(OutboxMail, busy_id)
        busy.status = OutboxStatus.SENDING  # claimed 5 minutes ago by a live worker
        busy.next_attempt_at = now - timedelta(minutes=5)
        session.add(stuck)
        session.add(busy)
        session.commit()

    report = await deliver_due(engine=engine, settings=settings, now=now)

    assert report == DeliveryReport(sent=1)
    assert [env.rcpt_tos for env in handler.envelopes] == [["vastgelopen@example.nl"]]
    stuck = load(engine, stuck_id)
    assert stuck.status == OutboxStatus.SENT
    assert stuck.attempts == 1  # the interrupted attempt counts
    assert load(engine, busy_id).status == OutboxStatus.SENDING


async def test_errors_never_contain_the_smtp_password(engine, tmp_path, smtp_port):
    settings = make_settings(tmp_path, smtp_port, SMTP_USER="portaal", SMTP_PASSWORD="S3cr3t-Passw0rd")
    mail_id = queue(engine)
    await deliver_due(engine=engine, settings=settings)  # nothing listening
    row = load(engine, mail_id)
    assert row.status == OutboxStatus.RETRYING
    assert "S3cr3t-Passw0rd" not in row.last_error


async def test_sender_loop_delivers_and_stops(engine, settings, smtp_server, monkeypatch):
    handler = smtp_server.start(CollectingHandler())
    queue(engine)
    calls = 0
    real = mail_service.deliver_due

    async def flaky(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return await real(**kwargs)

    monkeypatch.setattr(mail_service, "deliver_due", flaky)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_sender_loop(engine=engine, settings=settings, interval_seconds=0.01, stop_event=stop)
    )
    for _ in range(200):
        if handler.envelopes:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert calls >= 2  # the first error did not end the loop
    assert len(handler.envelopes) == 1


# ----------------------------------------------------------------------------- branding


def _branded_office(engine, settings, *, with_logo=True):
    """The office name and colour set in the database (not the configuration), and a logo."""
    from io import BytesIO

    from PIL import Image

    from portal_app.accounts.models import StaffRole
    from portal_app.accounts.services import accounts
    from portal_app.office.services import branding, office_settings

    with Session(engine, expire_on_commit=False) as session:
        admin = accounts.create_staff(session, email="notaris@vandam.example", name="Notaris", role=StaffRole.ADMIN)
        office_settings.update(
            session, {"office_name": "Kantoor Van Dam & Zonen", "brand_colour": "#7a1f1f"}, actor_id=admin.id
        )
        profile = None
        if with_logo:
            logo = BytesIO()
            Image.new("RGB", (900, 300), (122, 31, 31)).save(logo, format="PNG")
            profile = branding.store_logo(
                session=session, actor=admin, filename="logo.png", data=logo.getvalue(), settings=settings
            )
        session.commit()
    return profile


async def test_sent_mail_has_the_logo_inline_and_the_office_name_from_the_settings(engine, settings, smtp_server):
    from portal_app.office.services import branding

    handler = smtp_server.start(CollectingHandler())
    profile = _branded_office(engine, settings)
    queue(engine)

    assert await deliver_due(engine=engine, settings=settings) == DeliveryReport(sent=1)

    message = handler.messages()[0]
    assert message["From"].addresses[0].display_name == "Kantoor Van Dam & Zonen"  # not OFFICE_NAME
    assert message["From"].addresses[0].addr_spec == "portaal@vandam.example"
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    cid = f"{profile.logo_file}@{mail_service.LOGO_CID_DOMAIN}"
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == branding.logo_path(settings, profile).read_bytes()
    html_body = html_part.get_content()
    assert f'<img src="cid:{cid}" alt="Kantoor Van Dam &amp; Zonen"' in html_body
    assert "background:#7a1f1f" in html_body
    assert "Kantoor Van Dam & Zonen" in plain.get_content()


async def test_logo_gone_before_sending_gives_a_mail_without_image(engine, settings, smtp_server):
    handler = smtp_server.start(CollectingHandler())
    profile = _branded_office(engine, settings)
    queue(engine)
    (settings.data_dir / "branding" / profile.logo_file).unlink()

    assert await deliver_due(engine=engine, settings=settings) == DeliveryReport(sent=1)

    message = handler.messages()[0]
    assert [part for part in message.walk() if part.get_content_maintype() == "image"] == []
    html_body = message.get_body(preferencelist=("html",)).get_content()
    assert "cid:" not in html_body and "<img" not in html_body
    assert "Kantoor Van Dam &amp; Zonen</div>" in html_body
    assert message["From"].addresses[0].display_name == "Kantoor Van Dam & Zonen"
