"""POST /_upload behind the upload guard: who may upload, decided before the body is read.

The guard (portal_app/documents/upload_guard.py) wraps a stand-in for Reflex's
upload route that does what Reflex does (parse the whole multipart form) and then
stages every file into a real FileStore. Real sessions in a real database; the
"tab" of each client token is a table client token -> the cookie its websocket had.
"""

from __future__ import annotations

import json
import warnings
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from portal_app.accounts.services import accounts, sessions
from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit
from portal_app.documents.api import UploadGuardMiddleware, upload_origin_ok
from portal_app.documents.models import StagedUpload
from portal_app.documents.services import staging
from portal_app.documents.services.storage import FileStore
from portal_app.office.services import office_settings
from portal_app.settings import load_settings

ORIGIN = "http://portaal.test:3000"
MB = 1024 * 1024
PDF_HEAD = b"%PDF-1.4\n"


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 40, "PUBLIC_URL": ORIGIN}
    )


@pytest.fixture
def store(settings):
    return FileStore(settings.files_dir)


@pytest.fixture(autouse=True)
def _fresh_refusal_window():
    # refusals are audited once per window per (who, what, reason); each test starts a new window
    audit._last_refusal.clear()


@pytest.fixture
def world(engine):
    office_settings.invalidate()
    with Session(engine, expire_on_commit=False) as db:
        office_settings.update(
            db, {"client_max_upload_mb": "1", "client_max_message_mb": "2", "staging_quota_mb": "3"}, actor_id=None
        )
        alice = accounts.create_person(db, email="alice@example.nl", name="Alice")
        mallory = accounts.create_person(db, email="mallory@example.nl", name="Mallory")
        policy = sessions.SessionPolicy()
        tokens = {
            "alice": sessions.create_session(db, alice, policy=policy)[0],
            "mallory": sessions.create_session(db, mallory, policy=policy)[0],
            "alice_half": sessions.create_session(db, alice, policy=policy, second_factor_done=False)[0],
        }
        db.commit()
    yield {"alice": alice, "mallory": mallory, "tokens": tokens}
    office_settings.invalidate()


@pytest.fixture
def app_calls():
    return []


@pytest.fixture
def client(engine, store, settings, world, app_calls):
    # the websocket cookie of each open tab (client token -> session cookie)
    tabs = {"tab-alice": world["tokens"]["alice"], "tab-mallory": world["tokens"]["mallory"]}

    async def tab_session(client_token: str):
        return tabs.get(client_token)

    async def reflex_upload(request: Request):
        # what Reflex's buffered upload does first: read the whole form
        app_calls.append(request.headers.get("reflex-client-token"))
        form = await request.form()
        keys = []
        for upload in form.getlist("files"):
            stored = store.save_bytes(await upload.read(), max_bytes=10 * MB)
            keys.append(stored.key)
        return JSONResponse({"stored": keys})

    app = Starlette(routes=[Route("/_upload", reflex_upload, methods=["POST"])])
    guarded = UploadGuardMiddleware(
        app, engine=engine, tab_session=tab_session, same_origin=lambda headers: upload_origin_ok(headers, settings)
    )
    with TestClient(guarded, base_url=ORIGIN) as test_client:
        yield test_client


def _post(client, world, *, who="alice", tab="tab-alice", origin=ORIGIN, files=None, content=None, headers=None):
    client.cookies.clear()
    if who:
        client.cookies.set(sessions.COOKIE_NAME, world["tokens"][who])
    sent = {"reflex-client-token": tab, "reflex-event-handler": "state.messages_state.stage_files"}
    if origin:
        sent["origin"] = origin
    sent.update(headers or {})
    if content is not None:
        return client.post("/_upload", content=content, headers=sent)
    return client.post(
        "/_upload", files=files or [("files", ("akte.pdf", PDF_HEAD + b"x" * 100, "application/pdf"))], headers=sent
    )


def _stored(store: FileStore) -> list[str]:
    return [key for key, _ in store.iter_keys()]


def _temp_files(store: FileStore) -> list:
    return list(store.tmp_dir.iterdir()) if store.tmp_dir.is_dir() else []


def _refusals(engine) -> list[AuditEvent]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.event_type == "access.refused")).all())


def test_own_tab_with_own_cookie_uploads(client, world, store, app_calls):
    response = _post(client, world)
    assert response.status_code == 200, response.text
    assert len(response.json()["stored"]) == 1
    assert app_calls == ["tab-alice"]


def test_anonymous_upload_is_refused_before_the_body(client, world, store, app_calls, engine):
    response = _post(client, world, who=None)
    assert response.status_code == 401
    assert response.json() == {"detail": "upload.no_session"}
    assert app_calls == [] and _stored(store) == [] and _temp_files(store) == []
    assert [json.loads(event.detail) for event in _refusals(engine)] == [{"reason": "upload.no_session"}]


def test_half_signed_in_session_is_refused(client, world, store, app_calls):
    response = _post(client, world, who="alice_half")
    assert response.status_code == 401
    assert app_calls == []


def test_victims_client_token_without_cookie_from_a_foreign_site(client, world, store, app_calls):
    """Issue 13 item 1 exactly: victim's client token, no cookie, Origin of another site."""
    response = _post(client, world, who=None, origin="https://evil.example")
    assert response.status_code == 403
    assert response.json() == {"detail": "upload.foreign_origin"}
    assert app_calls == [] and _stored(store) == []


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://portaal.test:3001", None])
def test_foreign_or_missing_origin_is_refused_even_with_the_cookie(client, world, store, app_calls, origin):
    response = _post(client, world, origin=origin)
    assert response.status_code == 403
    assert app_calls == [] and _stored(store) == []


def test_attacker_cookie_with_victims_client_token_is_refused(client, world, store, app_calls, engine):
    response = _post(client, world, who="mallory", tab="tab-alice")
    assert response.status_code == 403
    assert response.json() == {"detail": "upload.other_session"}
    assert app_calls == [] and _stored(store) == []
    refusal = _refusals(engine)[-1]
    assert refusal.actor_id == world["mallory"].id and refusal.target == "upload"


@pytest.mark.parametrize("tab", ["tab-unknown", ""])
def test_unknown_or_missing_client_token_is_refused(client, world, app_calls, tab):
    assert _post(client, world, tab=tab).status_code == 403
    assert app_calls == []


def test_ended_session_is_refused(client, world, engine, app_calls):
    with Session(engine) as db:
        sessions.end_session(db, world["tokens"]["alice"])
        db.commit()
    assert _post(client, world).status_code == 401
    assert app_calls == []


def test_declared_length_over_the_message_limit_is_413_before_the_body(client, world, store, app_calls):
    files = [("files", (f"deel{i}.pdf", PDF_HEAD + b"x" * (MB - 100), "application/pdf")) for i in range(3)]
    response = _post(client, world, files=files)  # 3 MB > 2 MB per message
    assert response.status_code == 413
    assert response.json() == {"detail": "upload.too_large"}
    assert app_calls == [] and _stored(store) == []


def _multipart(parts: list[tuple[str, bytes]], boundary: str = "grens") -> tuple[bytes, str]:
    body = b""
    for name, data in parts:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _chunked(body: bytes, size: int = 64 * 1024):
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_one_file_over_the_file_limit_is_413_while_streaming(client, world, store, app_calls):
    """No Content-Length (chunked): the guard counts the file part as it streams."""
    body, content_type = _multipart([("groot.pdf", PDF_HEAD + b"x" * (MB + 10))])  # 1 MB per file
    response = _post(client, world, content=_chunked(body), headers={"content-type": content_type})
    assert response.status_code == 413
    assert _stored(store) == [] and _temp_files(store) == []


def test_body_over_the_message_limit_is_413_while_streaming(client, world, store, app_calls):
    body, content_type = _multipart([(f"deel{i}.pdf", PDF_HEAD + b"x" * (MB - 100)) for i in range(3)])
    response = _post(client, world, content=_chunked(body), headers={"content-type": content_type})
    assert response.status_code == 413
    assert _stored(store) == []


def test_files_under_the_limits_pass_when_streamed(client, world, store):
    body, content_type = _multipart([(f"deel{i}.pdf", PDF_HEAD + b"x" * (MB - 100)) for i in range(2)])
    response = _post(client, world, content=_chunked(body), headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    assert len(_stored(store)) == 2


def test_a_body_that_is_not_multipart_is_refused(client, world, app_calls):
    response = _post(client, world, content=b"hallo", headers={"content-type": "text/plain"})
    assert response.status_code == 400
    assert app_calls == []


def test_quota_exhausted_is_413_before_the_body(client, world, engine, app_calls):
    with Session(engine) as db:
        staging.record(db, account_id=world["alice"].id, files=[("a" * 32, 3 * MB)], expiry_hours=24)
        db.commit()
    response = _post(client, world)
    assert response.status_code == 413
    assert response.json() == {"detail": "upload.quota_exceeded"}
    assert app_calls == []
    # another account's quota is its own
    assert _post(client, world, who="mallory", tab="tab-mallory").status_code == 200


def test_quota_left_cuts_the_request_limit(client, world, engine, app_calls):
    with Session(engine) as db:
        staging.record(db, account_id=world["alice"].id, files=[("b" * 32, 2 * MB + MB // 2)], expiry_hours=24)
        db.commit()
    files = [("files", ("deel.pdf", PDF_HEAD + b"x" * (MB - 100), "application/pdf"))]  # 1 MB > 0.5 MB left
    assert _post(client, world, files=files).status_code == 413
    assert app_calls == []


def test_expired_staged_files_do_not_count(client, world, engine):
    with Session(engine) as db:
        staging.record(db, account_id=world["alice"].id, files=[("c" * 32, 3 * MB)], expiry_hours=24)
        row = db.exec(select(StagedUpload)).one()
        row.expires_at = row.expires_at - timedelta(hours=25)
        db.add(row)
        db.commit()
    assert _post(client, world).status_code == 200


def test_other_routes_pass_untouched(engine, settings):
    async def hello(request: Request):
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/hello", hello, methods=["POST"])])
    guarded = UploadGuardMiddleware(app, engine=engine)
    with TestClient(guarded, base_url=ORIGIN) as test_client:
        assert test_client.post("/hello").json() == {"ok": True}
