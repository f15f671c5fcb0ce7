"""/health stays process-only; /ready checks database, file store, Redis and outbox; /metrics behind a token."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from sqlmodel import Session

from tests.conftest import REDIS_TEST_URL, redis_available, require_service
from tests.integration.deploy.conftest import EMAIL, PROXY_IP, PUBLIC

TOKEN = "m" * 32


def _metric(body: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" ([0-9.e+-]+)$"
    match = re.search(pattern, body, re.MULTILINE)
    assert match, f"{name}{{{labels}}} missing in:\n{body}"
    return float(match.group(1))


def test_ready_passes_and_lists_each_check(stack):
    response = stack.make(PROXY_IP).get("/ready")
    assert response.status_code == 200
    assert response.text.splitlines() == [
        "database: ok",
        "files: ok",
        "outbox: ok (no SMTP_HOST: mail waits for staff)",
    ]
    assert response.headers["cache-control"] == "no-store"


def test_ready_fails_on_a_read_only_file_store(stack):
    if os.geteuid() == 0:
        # root writes through permissions: point the store at a file instead of a folder
        files = stack.settings.files_dir
        files.parent.mkdir(parents=True, exist_ok=True)
        if files.is_dir():
            files.rename(files.with_name("files-moved"))
        files.write_text("not a folder")
    else:
        stack.settings.files_dir.mkdir(parents=True, exist_ok=True)
        stack.settings.files_dir.chmod(0o500)
    response = stack.make(PROXY_IP).get("/ready")
    assert response.status_code == 503
    assert "files: not writable" in response.text and "database: ok" in response.text
    assert not list(stack.settings.data_dir.rglob(".ready-*"))


def test_ready_fails_when_the_database_is_gone(stack, monkeypatch):
    from portal_app.core.services import readiness

    def broken(*_args, **_kwargs):
        raise OSError("database file vanished")

    monkeypatch.setattr("portal_app.core.services.db.session_scope", broken)
    checks = readiness.run_checks(stack.settings)
    assert [(c.name, c.ok) for c in checks] == [("database", False), ("files", True)]
    assert stack.make(PROXY_IP).get("/ready").status_code == 503
    # /health never asks the database: a load balancer keeps the process
    assert stack.make(PROXY_IP).get("/health").status_code == 200


def test_ready_flags_a_stuck_outbox_only_when_smtp_is_configured(stack):
    import dataclasses

    from portal_app.core.models import utcnow
    from portal_app.core.services import readiness
    from portal_app.notifications.models import OutboxMail

    with Session(stack.engine) as db:
        db.add(
            OutboxMail(
                to_address=EMAIL,
                subject="s",
                body_text="t",
                body_html="h",
                kind="test",
                created_at=utcnow() - timedelta(minutes=readiness.OUTBOX_STUCK_MINUTES + 5),
            )
        )
        db.commit()
    assert readiness.check_outbox(stack.settings).ok  # no SMTP: waiting is the design
    with_smtp = dataclasses.replace(stack.settings, smtp_host="127.0.0.1")
    check = readiness.check_outbox(with_smtp)
    assert not check.ok and check.detail.startswith("stuck")


def test_ready_checks_redis_when_configured(stack):
    import dataclasses

    from portal_app.core.services import readiness

    unreachable = dataclasses.replace(stack.settings, redis_url="redis://127.0.0.1:1/0")
    assert [(c.name, c.ok) for c in readiness.run_checks(unreachable)][2] == ("redis", False)
    require_service(redis_available(), "Redis")
    reachable = dataclasses.replace(stack.settings, redis_url=REDIS_TEST_URL)
    assert all(c.ok for c in readiness.run_checks(reachable))


def test_metrics_is_404_without_a_configured_token(stack, monkeypatch):
    from portal_app import settings as settings_module

    monkeypatch.delenv("METRICS_TOKEN")
    settings_module.get_settings.cache_clear()
    response = stack.make(PROXY_IP).get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404 and "portal_" not in response.text


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-wrong-token-wrong", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuses_a_missing_or_wrong_token(stack, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = stack.make(PROXY_IP).get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "portal_" not in response.text


def test_metrics_counts_sign_ins_uploads_outbox_and_sessions(stack):
    client = stack.make(PROXY_IP)
    client.post("/auth/login", data={"email": EMAIL, "password": "fout"}, headers={"Origin": PUBLIC})
    client.post("/auth/login", data={"email": EMAIL, "password": "Zonnebloem-Tulp-73"}, headers={"Origin": PUBLIC})
    client.post("/auth/request-link", data={"email": EMAIL}, headers={"Origin": PUBLIC})

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    body = response.text
    assert _metric(body, "portal_sign_ins_total", 'outcome="failed"') == 1
    assert _metric(body, "portal_active_sessions") == 1
    assert _metric(body, "portal_outbox_depth", 'channel="mail"') >= 1
    assert _metric(body, "portal_outbox_oldest_age_seconds", 'channel="mail"') >= 0
    assert _metric(body, "portal_database_up") == 1
    assert _metric(body, "portal_http_request_duration_seconds_count", 'route="auth"') >= 3
    # every sample line is valid exposition text: name{labels} number
    for line in body.splitlines():
        assert line.startswith("# ") or re.fullmatch(r"[a-z_]+(\{[^}]*\})? [0-9.e+-]+", line), line
    assert EMAIL not in body and "kp_session" not in body
