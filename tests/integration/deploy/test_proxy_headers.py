"""Behind a TLS proxy: X-Forwarded-For/-Proto believed only from TRUSTED_PROXIES (core/services/proxy.py),
HSTS behind TLS, mail links from PUBLIC_URL whatever Host the request names, cross-site posts refused."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.integration.deploy.conftest import EMAIL, PROXY_IP, PUBLIC

ATTACKER = "198.51.100.7"
FORGED = "203.0.113.99"


def _failed_login(client, headers: dict) -> None:
    response = client.post(
        "/auth/login", data={"email": EMAIL, "password": "Fout-Wachtwoord-1"}, headers={"Origin": PUBLIC, **headers}
    )
    assert response.headers["location"].startswith("/login?fout=onjuist")


def _failure_ips(engine) -> list[str]:
    from portal_app.accounts.models import LoginFailure

    with Session(engine) as db:
        return [row.ip for row in db.exec(select(LoginFailure)).all()]


def _audit_ips(engine, event_type: str) -> list[str | None]:
    from portal_app.audit.models import AuditEvent

    with Session(engine) as db:
        return [row.ip for row in db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()]


def test_forged_forwarded_for_from_an_untrusted_peer_is_ignored(stack):
    client = stack.make(ATTACKER)
    _failed_login(client, {"X-Forwarded-For": FORGED, "X-Real-IP": FORGED, "X-Forwarded-Proto": "https"})
    assert _failure_ips(stack.engine) == [ATTACKER]
    assert _audit_ips(stack.engine, "login.failed") == [ATTACKER]


def test_rotating_forged_addresses_do_not_escape_the_throttle(stack):
    """A direct attacker who invents a new X-Forwarded-For per try is still throttled as one address."""
    client = stack.make(ATTACKER)
    for number in range(20):  # accounts.services.auth FREE_TRIES_PER_ADDRESS
        client.post(
            "/auth/login",
            data={"email": f"nobody{number}@example.nl", "password": "x"},
            headers={"Origin": PUBLIC, "X-Forwarded-For": f"192.0.2.{number}"},
        )
    assert set(_failure_ips(stack.engine)) == {ATTACKER}
    response = client.post(
        "/auth/login",
        data={"email": "someone-else@example.nl", "password": "x"},
        headers={"Origin": PUBLIC, "X-Forwarded-For": "192.0.2.200"},
    )
    assert "te-veel" in response.headers["location"]


def test_trusted_proxy_forwarded_for_is_honoured(stack):
    client = stack.make(PROXY_IP)
    # the client put a forged hop at the left; the proxy appended the real peer at the right
    _failed_login(client, {"X-Forwarded-For": f"{FORGED}, 192.0.2.44", "X-Forwarded-Proto": "https"})
    assert _failure_ips(stack.engine) == ["192.0.2.44"]


def test_chain_of_trusted_proxies_skips_them(stack):
    client = stack.make("::1")
    _failed_login(client, {"X-Forwarded-For": f"{FORGED}, 192.0.2.45, {PROXY_IP}"})
    assert _failure_ips(stack.engine) == ["192.0.2.45"]


def test_hsts_and_secure_cookie_behind_tls(stack):
    from portal_app.accounts.services import sessions

    client = stack.make(PROXY_IP)
    response = client.post(
        "/auth/login",
        data={"email": EMAIL, "password": "Zonnebloem-Tulp-73"},
        headers={"Origin": PUBLIC, "X-Forwarded-For": "192.0.2.50", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE_NAME}=") and "secure" in cookie.lower() and "httponly" in cookie.lower()
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_hsts_follows_the_scheme_when_public_url_is_plain_http(tmp_path):
    """An office still on http:// in PUBLIC_URL: HSTS only on responses that really went over TLS."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from portal_app.core.api import SecurityHeadersMiddleware
    from portal_app.core.services.proxy import ProxyHeadersMiddleware
    from portal_app.settings import load_settings

    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "PUBLIC_URL": "http://portaal.test", "TRUSTED_PROXIES": "10.0.0.0/8"}
    )
    inner = Starlette(routes=[Route("/x", lambda request: PlainTextResponse("x"))])
    app = ProxyHeadersMiddleware(SecurityHeadersMiddleware(inner, settings, tmp_path), settings.trusted_proxies)
    trusted = TestClient(app, base_url="http://portaal.test", client=("10.1.2.3", 1))
    direct = TestClient(app, base_url="http://portaal.test", client=(ATTACKER, 1))
    assert "strict-transport-security" in trusted.get("/x", headers={"X-Forwarded-Proto": "https"}).headers
    assert "strict-transport-security" not in trusted.get("/x", headers={"X-Forwarded-Proto": "http"}).headers
    assert "strict-transport-security" not in direct.get("/x", headers={"X-Forwarded-Proto": "https"}).headers


def test_mail_links_come_from_public_url_not_from_the_request(stack):
    """Host header poisoning: a reset link must point at PUBLIC_URL even when Host/X-Forwarded-Host lie."""
    from portal_app.notifications.models import OutboxMail

    for peer in (ATTACKER, PROXY_IP):
        client = stack.make(peer)
        response = client.post(
            "/auth/request-link",
            data={"email": EMAIL},
            headers={"Origin": PUBLIC, "Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        )
        assert response.status_code == 303
    with Session(stack.engine) as db:
        mails = db.exec(select(OutboxMail).where(OutboxMail.to_address == EMAIL)).all()
    assert mails
    for mail in mails:
        assert "evil.example" not in mail.body_text + mail.body_html
        assert f"{PUBLIC}/" in mail.body_text


STATE_CHANGING = [
    "/auth/login",
    "/auth/logout",
    "/auth/request-link",
    "/auth/set-password",
    "/auth/verify",
    "/auth/resend-code",
]


@pytest.mark.parametrize("path", STATE_CHANGING)
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Referer": "https://evil.example/page"},
        {"Origin": PUBLIC.replace("https://", "http://")},  # the same host without TLS is another origin
        {},  # no Origin, Referer nor Sec-Fetch-Site: refused too
    ],
    ids=["foreign-origin", "null-origin-cross-site", "foreign-referer", "downgraded-origin", "no-headers"],
)
def test_cross_site_requests_cannot_trigger_state_changing_routes(stack, path, headers):
    from portal_app.accounts.models import LoginFailure
    from portal_app.notifications.models import OutboxMail

    client = stack.make(PROXY_IP)
    response = client.post(path, data={"email": EMAIL, "password": "x", "code": "123456"}, headers=headers)
    assert response.status_code == 403
    with Session(stack.engine) as db:
        assert db.exec(select(LoginFailure)).all() == []
        assert db.exec(select(OutboxMail)).all() == []


@pytest.mark.parametrize("path", STATE_CHANGING)
def test_state_changing_routes_refuse_get(stack, path):
    """A link or <img> on another site (a GET, which SameSite=Lax lets through) changes nothing."""
    assert stack.make(PROXY_IP).get(path).status_code == 405


def test_same_origin_post_through_the_proxy_works(stack):
    client = stack.make(PROXY_IP)
    response = client.post(
        "/auth/request-link",
        data={"email": EMAIL},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 303
