"""Staff are told when outgoing mail does not work, and an admin's test mail reports the SMTP answer.

Against a real SMTP server (aiosmtpd on a free local port), a port where nothing
listens, and no SMTP settings at all.
"""

from __future__ import annotations

import asyncio
import email
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import ServiceError
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.notifications.services import mail_health
from portal_app.notifications.services.mail_health import MailHealth
from portal_app.settings import load_settings
from tests.conftest import free_port
from tests.unit.helpers import build_world

OFFICE = "Notariskantoor Van Dam"


class Handler:
    def __init__(self, rcpt_reply: str | None = None):
        self.rcpt_reply = rcpt_reply
        self.envelopes: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 2.0.0 Ok: queued as 4XyZ"


@pytest.fixture
def world(db, tmp_path):
    return build_world(db, tmp_path)


def smtp_settings(tmp_path, port: int | None):
    env = {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "SMTP_FROM": "portaal@vandam.example"}
    if port is not None:
        env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)})
    return load_settings(env)


@pytest.fixture
def smtp():
    controllers = []

    def start(handler: Handler) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def send(db, world, settings, language="nl"):
    message = mail_health.prepare_test_mail(
        session=db, actor=world.admin, settings=settings, office_name=OFFICE, language=language
    )
    return asyncio.run(mail_health.send_test_mail(message, settings=settings, language=language))


def test_test_mail_reaches_the_server_and_reports_its_answer(db, world, tmp_path, smtp):
    handler = Handler()
    settings = smtp_settings(tmp_path, smtp(handler))
    result = send(db, world, settings)
    assert result.ok
    assert "admin@example.nl" in result.text and "Ok: queued as 4XyZ" in result.text
    assert result.text.startswith("De testmail is verstuurd")
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["admin@example.nl"]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert received["Subject"] == f"Testmail van {OFFICE}"
    assert OFFICE in received["From"]
    # audited, and the outbox is not used: the answer comes straight from the server
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "mail.test_sent")).one().actor_id == world.admin.id
    assert db.exec(select(OutboxMail)).all() == []


def test_a_refused_test_mail_shows_the_servers_error_text_in_english(db, world, tmp_path, smtp):
    settings = smtp_settings(tmp_path, smtp(Handler(rcpt_reply="550 5.1.1 Mailbox unavailable")))
    result = send(db, world, settings, language="en")
    assert not result.ok
    assert result.text.startswith("The mail server refused the test mail")
    assert "550 5.1.1 Mailbox unavailable" in result.text


def test_nothing_listening_is_reported_as_unreachable(db, world, tmp_path):
    port = free_port()  # nobody listens here
    result = send(db, world, smtp_settings(tmp_path, port))
    assert not result.ok
    assert result.text.startswith(f"De mailserver 127.0.0.1:{port} is niet bereikbaar")


def test_without_smtp_settings_no_mail_is_attempted(db, world, tmp_path):
    result = send(db, world, smtp_settings(tmp_path, None))
    assert not result.ok
    assert "geen mailserver ingesteld" in result.text


def test_only_admins_send_test_mail(db, world, tmp_path):
    settings = smtp_settings(tmp_path, None)
    for who in (world.handler, world.client, world.company):
        with pytest.raises(ServiceError):
            mail_health.prepare_test_mail(session=db, actor=who, settings=settings, office_name=OFFICE, language="nl")
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "mail.test_sent")).all() == []


def _queue(db, *, minutes_ago: int, status=OutboxStatus.QUEUED, error: str | None = None) -> None:
    db.add(
        OutboxMail(
            to_address="klant@example.nl",
            subject="s",
            body_text="t",
            body_html="<p>t</p>",
            kind="set_password_link",
            status=status,
            last_error=error,
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.flush()


def test_status_says_when_mail_is_not_configured(db, world, tmp_path):
    _queue(db, minutes_ago=60)
    status = mail_health.mail_status(session=db, actor=world.handler, settings=smtp_settings(tmp_path, None))
    assert status.health == MailHealth.NOT_CONFIGURED
    assert status.waiting == 1
    assert "nog geen mailserver ingesteld" in status.text and "1" in status.text


def test_status_says_when_the_outbox_fills_with_the_last_error(db, world, tmp_path):
    settings = smtp_settings(tmp_path, 2525)
    _queue(db, minutes_ago=2)  # just queued: the sender will get to it
    assert mail_health.mail_status(session=db, actor=world.handler, settings=settings) == mail_health.MailStatus()
    _queue(db, minutes_ago=40, status=OutboxStatus.RETRYING, error="ConnectionRefusedError: refused")
    status = mail_health.mail_status(session=db, actor=world.handler, settings=settings, language="en")
    assert status.health == MailHealth.WAITING and status.waiting == 1
    assert "ConnectionRefusedError: refused" in status.text
    # sent and failed mail are not "waiting"
    _queue(db, minutes_ago=90, status=OutboxStatus.SENT)
    assert mail_health.mail_status(session=db, actor=world.handler, settings=settings).waiting == 1


def test_clients_get_no_mail_status(db, world, tmp_path):
    with pytest.raises(ServiceError):
        mail_health.mail_status(session=db, actor=world.client, settings=smtp_settings(tmp_path, None))
