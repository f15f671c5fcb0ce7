"""The portal's plain HTTP stack as production mounts it (core/api.py `transformers`: routes,
upload cap, security headers, request log, trusted-proxy rewrite), on a migrated SQLite file,
through Starlette's test client with a chosen TCP peer address."""

from __future__ import annotations

import importlib

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

PUBLIC = "https://portaal.test"
PROXY_IP = "10.0.0.5"
EMAIL = "klant@example.nl"
PASSWORD = "Zonnebloem-Tulp-73"


@pytest.fixture
def stack(tmp_path, monkeypatch):
    """make(peer) -> TestClient whose requests arrive from TCP peer `peer`; `.engine`, `.settings`."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("TRUSTED_PROXIES", f"{PROXY_IP},::1")
    monkeypatch.setenv("METRICS_TOKEN", "m" * 32)
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    from portal_app import settings as settings_module

    settings_module.get_settings.cache_clear()
    from portal_app import cli

    assert cli.main(["migrate"]) == 0
    from portal_app.accounts import api as auth_routes
    from portal_app.accounts.services import accounts, passwords
    from portal_app.core import api as security
    from portal_app.core.services.db import get_engine

    importlib.reload(auth_routes)
    with Session(get_engine()) as db:
        account = accounts.create_person(db, email=EMAIL, name="Klaas Klant")
        accounts.set_password_hash(db, account, passwords.hash_password(PASSWORD))
        account.first_login_done = True
        db.commit()

    settings = settings_module.get_settings()
    items = security.transformers(
        settings, tmp_path / "build", routes=[*auth_routes.routes, *security.operations_routes()]
    )
    app = items[0]
    for wrap in items[1:]:
        app = wrap(app)
    clients: list[TestClient] = []

    class Stack:
        engine = get_engine()

        def __init__(self) -> None:
            self.settings = settings

        def make(self, peer: str) -> TestClient:
            # the proxy talks plain HTTP to the portal, as in deploy/caddy/Caddyfile
            client = TestClient(app, base_url="http://portaal.test", follow_redirects=False, client=(peer, 50000))
            clients.append(client)
            return client

    yield Stack()
    for client in clients:
        client.close()
    settings_module.get_settings.cache_clear()
