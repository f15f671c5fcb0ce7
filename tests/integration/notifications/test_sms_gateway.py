"""The HTTP SMS gateway against a real local HTTP server."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import Session, select

from portal_app.notifications.models import OutboxSms
from portal_app.notifications.services import mail, sms_gateway
from portal_app.settings import load_settings
from tests.conftest import free_port


class Provider(BaseHTTPRequestHandler):
    received: list = []
    answer = 200

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        Provider.received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        self.send_response(Provider.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    Provider.received, Provider.answer = [], 200
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port
    server.shutdown()


def settings_for(tmp_path, port):
    return load_settings(
        {
            "PORTAL_ENV": "test",
            "DATA_DIR": str(tmp_path),
            "SMS_PROVIDER_URL": f"http://127.0.0.1:{port}/sms",
            "SMS_PROVIDER_TOKEN": "geheim-token",
        }
    )


def queue(engine, phone="+31612345678"):
    with Session(engine) as db:
        mail.queue_sms(session=db, to_phone=phone, body="Uw code: 123456")
        db.commit()


def statuses(engine):
    with Session(engine) as db:
        return [(row.status, row.attempts) for row in db.exec(select(OutboxSms)).all()]


def test_sends_once_with_token(engine, tmp_path, provider):
    settings = settings_for(tmp_path, provider)
    queue(engine)
    report = asyncio.run(sms_gateway.deliver_due_sms(engine=engine, settings=settings))
    again = asyncio.run(sms_gateway.deliver_due_sms(engine=engine, settings=settings))
    assert (report.sent, again.sent) == (1, 0)
    assert Provider.received == [("Bearer geheim-token", {"to": "+31612345678", "body": "Uw code: 123456"})]
    assert statuses(engine) == [("sent", 1)]


def test_server_error_retries_then_client_error_fails(engine, tmp_path, provider):
    settings = settings_for(tmp_path, provider)
    queue(engine)
    Provider.answer = 503
    assert asyncio.run(sms_gateway.deliver_due_sms(engine=engine, settings=settings)).retrying == 1
    assert statuses(engine) == [("retrying", 1)]
    Provider.answer = 400
    assert asyncio.run(sms_gateway.deliver_due_sms(engine=engine, settings=settings)).failed == 1
    assert statuses(engine) == [("failed", 2)]


def test_provider_down_and_outbox_only_without_url(engine, tmp_path):
    queue(engine)
    down = settings_for(tmp_path, free_port())
    assert asyncio.run(sms_gateway.deliver_due_sms(engine=engine, settings=down)).retrying == 1
    outbox_only = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})
    assert asyncio.run(sms_gateway.deliver_due_sms(engine=engine, settings=outbox_only)) == sms_gateway.SmsReport()
