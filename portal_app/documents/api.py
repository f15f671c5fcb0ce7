"""Authenticated download route: GET /files/{document_id}.

Mounted through `api_transformer` (see core/api.py `transformers`). The
session cookie is resolved server-side (idle/absolute expiry, second factor
done); the document is loaded through `documents.get_for_account`, so missing,
withdrawn and foreign ids all give the same 404 page, no bytes, and an audit
event. Served with `Content-Disposition: attachment` (inline only for PDF and
images on `?inline=1`), an RFC 6266 / 5987 file name, nosniff, no-store and a
sandboxing CSP.

Upload guard: POST /_upload (Reflex's upload endpoint), see `UploadGuardMiddleware`.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_app.accounts.services import sessions
from portal_app.accounts.services import viewer as viewer_service
from portal_app.audit.services import audit
from portal_app.core.services.db import get_engine, session_scope
from portal_app.core.services.errors import NotFound
from portal_app.documents.services import documents, staging
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import INLINE_OK
from portal_app.office.services import office_settings
from portal_app.settings import Settings, get_settings

CHUNK_SIZE = 64 * 1024
LOGIN_PATH = "/login"
DOWNLOAD_CSP = "sandbox; default-src 'none'"

NOT_FOUND_HTML = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Niet gevonden</title></head>
<body><h1>Niet gevonden</h1>
<p>Dit document bestaat niet of u heeft er geen toegang toe.</p>
<p lang="en">Not found: this document does not exist or you do not have access to it.</p>
<p><a href="/">Naar de startpagina</a></p></body></html>
"""

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": DOWNLOAD_CSP,
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class _Config:
    engine: Callable[[], Engine]
    store: Callable[[], FileStore]
    settings: Callable[[], Settings]


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment; filename="<ascii>"; filename*=UTF-8''<pct-encoded>` (RFC 6266, RFC 5987)."""
    filename = filename or "bestand"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(
        "_" if (ch in '"\\%;' or ord(ch) < 0x20 or ord(ch) == 0x7F) else ch for ch in ascii_name
    ).strip()
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = "bestand" + (ascii_name if ascii_name.startswith(".") else "")
    encoded = quote(filename, safe="!#$&+-.^_`|~")
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def not_found() -> Response:
    return HTMLResponse(NOT_FOUND_HTML, status_code=404, headers=dict(COMMON_HEADERS))


def _login_redirect(document_id: int) -> Response:
    target = f"{LOGIN_PATH}?next={quote(f'/files/{document_id}', safe='/')}"
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def _client_ip(request: Request) -> str | None:
    return request.client.host[:64] if request.client else None


@dataclass
class _Granted:
    handle: BinaryIO
    size: int
    mime: str
    filename: str


def _authorize(
    config: _Config, token: str | None, document_id: int, ip: str | None, *, record: bool
) -> Literal["login", "missing"] | _Granted:
    """'login', 'missing' or an open file, decided and recorded in one transaction."""
    store = config.store()
    with session_scope(config.engine()) as session:
        policy = office_settings.profile(session).session_policy
        resolved = sessions.resolve(session, token, policy=policy)
        if resolved is None or not resolved[0].second_factor_done:
            return "login"
        _user_session, account = resolved
        try:
            document = documents.get_for_account(session=session, account=account, document_id=document_id, ip=ip)
        except NotFound:
            return "missing"  # the audit event is committed by session_scope
        try:
            handle = store.open(document.storage_key)
        except (OSError, ValueError):
            audit.record(
                session,
                "document.file_missing",
                actor_id=account.id,
                dossier_id=document.dossier_id,
                target=f"document:{document.id}",
                ip=ip,
            )
            return "missing"
        # stored rows (see portal_app/core/models.py)
        assert account.id is not None and document.id is not None
        try:
            if record:
                documents.mark_read(session=session, account_id=account.id, document_id=document.id, downloaded=True)
                audit.record(
                    session,
                    "document.downloaded",
                    actor_id=account.id,
                    dossier_id=document.dossier_id,
                    target=f"document:{document.id}",
                    ip=ip,
                )
            size = os.fstat(handle.fileno()).st_size
            granted = _Granted(handle=handle, size=size, mime=document.mime, filename=document.filename)
        except BaseException:
            handle.close()
            raise
    return granted


def _file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    try:
        while True:
            chunk = handle.read(CHUNK_SIZE)
            if not chunk:
                break
            yield chunk
    finally:
        handle.close()


def make_routes(
    *,
    engine: Engine | None = None,
    store: FileStore | None = None,
    settings: Settings | None = None,
) -> list[Route]:
    """The download routes; without arguments they use the app's settings and database."""
    config = _Config(
        engine=(lambda: engine) if engine is not None else get_engine,
        store=(lambda: store) if store is not None else (lambda: FileStore(get_settings().files_dir)),
        settings=(lambda: settings) if settings is not None else get_settings,
    )

    async def download(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        token = request.cookies.get(sessions.COOKIE_NAME)
        is_head = request.method == "HEAD"
        result = await run_in_threadpool(
            _authorize, config, token, document_id, _client_ip(request), record=not is_head
        )
        if result == "login":
            return _login_redirect(document_id)
        if result == "missing":
            return not_found()
        inline = request.query_params.get("inline") == "1" and result.mime in INLINE_OK
        headers = {
            **COMMON_HEADERS,
            "Content-Disposition": content_disposition(result.filename, inline=inline),
            "Content-Length": str(result.size),
        }
        if is_head:
            result.handle.close()
            return Response(b"", media_type=result.mime, headers=headers)
        return StreamingResponse(_file_chunks(result.handle), media_type=result.mime, headers=headers)

    return [Route("/files/{document_id:int}", download, methods=["GET", "HEAD"], name="download_file")]


routes = make_routes()


# ==========================================================================
# Upload guard: POST /_upload
# ==========================================================================
#
# The gate in front of Reflex's `POST /_upload`: the HTTP request itself must be allowed to upload.
#
# Reflex hands an upload to the event handler of the websocket state named by the
# `reflex-client-token` header, and that handler acts as the websocket's user. The
# client token is no secret (it is in every frame and in the page), so on its own it
# would let anyone upload into a signed-in client's message. This ASGI middleware
# decides BEFORE one byte of the body is read:
#
# 1. `Origin` must be the portal's public URL (`upload_origin_ok`): 403.
# 2. The session cookie must resolve to a live session with its second step done
#    (the same lookup as the download route and the `Viewer`): 401.
# 3. The websocket state the client token names must have been opened with that very
#    session cookie, so the handler runs as the uploader and nobody else: 403.
# 4. Sizes from the office settings: `Content-Length` over the request limit, and,
#    while the body streams, any file part over the per-file limit or the body over
#    the request limit gives 413. The body is then no longer read; what Starlette had
#    spooled lives in anonymous temp files (gone with the request), and nothing
#    reaches the handler or the file store. For a client the request limit is the
#    per-message limit, cut to what is left of the account's staging quota.
#
# Refusals 401/403 are written to the audit log (rate-limited, audit.record_refusal).
# Mount with `guard_uploads(transformers)` in portal_app.py and `bind_upload_app(app)` after rx.App.

UPLOAD_PATH_SUFFIX = "/_upload"
# Multipart framing (boundaries, part headers, the bound-args field) around the files.
FRAMING_BYTES = 64 * 1024
CLIENT_TOKEN_HEADER = "reflex-client-token"


@dataclass(frozen=True)
class UploadGrant:
    """Who uploads, and how much one request of theirs may carry."""

    account_id: int
    per_file: int
    per_request: int
    quota_exhausted: bool = False


def grant_for(session_token: str | None, engine: Engine | None = None) -> UploadGrant | None:
    """The grant for a session cookie, or None when it is no live, fully signed-in session (blocking)."""
    if not session_token:
        return None
    with session_scope(engine) as db:
        office = office_settings.profile(db)
        viewer = viewer_service.resolve(db, session_token, policy=office.session_policy)
        if viewer is None:
            return None
        if viewer.is_staff:
            return UploadGrant(
                account_id=viewer.account_id,
                per_file=office.staff_max_upload_bytes,
                per_request=office.staff_max_upload_bytes,
            )
        left = staging.quota_left(db, viewer.account_id, quota_bytes=office.staging_quota_bytes)
        return UploadGrant(
            account_id=viewer.account_id,
            per_file=office.client_max_upload_bytes,
            per_request=max(0, min(office.client_max_message_bytes, left)),
            quota_exhausted=left <= 0,
        )


def _audit_refusal(engine: Engine | None, account_id: int | None, reason: str, ip: str | None) -> None:
    with session_scope(engine) as db:
        audit.record_refusal(db, actor_id=account_id, what="upload", reason=reason, ip=ip, now=time.monotonic())


# --------------------------------------------------------------------------
# the websocket state's session (read from Reflex's state manager)
# --------------------------------------------------------------------------

_app: Any = None


def bind_upload_app(app: Any) -> None:
    """Give the guard the rx.App whose state manager holds the tabs' states."""
    global _app
    _app = app


async def websocket_session_token(client_token: str) -> str | None:
    """The session cookie the tab with `client_token` was connected with, or None (no such tab)."""
    if _app is None:
        return None
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex.istate.manager.token import BaseStateToken

    manager = _app.state_manager
    # an unknown token must not create a state (memory manager creates on read)
    if isinstance(manager, StateManagerMemory) and client_token not in manager.states:
        return None
    root = await manager.get_state(BaseStateToken(ident=client_token, cls=_app._state))
    headers = (getattr(root, "router_data", None) or {}).get("headers") or {}
    return sessions.token_from_cookie_header(headers.get("cookie"))


# A seam for the tests (no Reflex app there): client token -> the tab's session cookie.
TabSessionReader = Callable[[str], Any]


# --------------------------------------------------------------------------
# size while streaming
# --------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _BadRequest(Exception):
    pass


class PartCounter:
    """Counts the bytes of each file part of a multipart body as it streams."""

    def __init__(self, content_type: str | None, per_file: int, per_request: int):
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise _BadRequest()
        self.per_file = per_file
        self.per_request = per_request
        self.total = 0
        self.part = 0
        self.parser = MultipartParser(
            boundary,
            {"on_part_begin": self._begin, "on_part_data": self._data},
        )

    def _begin(self) -> None:
        self.part = 0

    def _data(self, data: bytes, start: int, end: int) -> None:
        self.part += end - start
        if self.part > self.per_file:
            raise _TooLarge()

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.total > self.per_request:
            raise _TooLarge()
        try:
            self.parser.write(chunk)
        except _TooLarge:
            raise
        except Exception as error:  # a malformed body: refuse rather than pass it on
            raise _BadRequest() from error


# --------------------------------------------------------------------------
# the middleware
# --------------------------------------------------------------------------


def upload_origin_ok(headers: Headers, settings: Settings | None = None) -> bool:
    """The upload comes from a page of the portal: its `Origin` is the public URL's.

    Browsers send `Origin` with every XHR POST, as Reflex's upload is; a missing or
    "null" Origin is refused (stricter than the sign-in forms' check in core/api.py).
    """
    origin = (headers.get("origin") or "").strip().lower().rstrip("/")
    expected = (settings or get_settings()).public_origin.lower()
    return bool(origin) and origin != "null" and secrets.compare_digest(origin.encode(), expected.encode())


async def _respond(send: Send, status: int, code: str) -> None:
    body = json.dumps({"detail": code}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class UploadGuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        engine: Engine | None = None,
        tab_session: TabSessionReader = websocket_session_token,
        same_origin: Callable[[Headers], bool] | None = None,
    ):
        self.app = app
        self.engine = engine  # None: the app's database
        self.tab_session = tab_session
        self.same_origin = same_origin or upload_origin_ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or not scope.get("path", "").rstrip("/").endswith(UPLOAD_PATH_SUFFIX)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        client = scope.get("client")
        ip = str(client[0])[:64] if client else None

        async def refuse(status: int, code: str, account_id: int | None = None) -> None:
            if status in (401, 403):
                await run_in_threadpool(_audit_refusal, self.engine, account_id, code, ip)
            await _respond(send, status, code)

        if not self.same_origin(headers):
            return await refuse(403, "upload.foreign_origin")
        cookie_token = sessions.token_from_cookie_header(headers.get("cookie"))
        grant = await run_in_threadpool(grant_for, cookie_token, self.engine) if cookie_token else None
        if grant is None or cookie_token is None:
            return await refuse(401, "upload.no_session")
        client_token = headers.get(CLIENT_TOKEN_HEADER) or ""
        tab_token = await self.tab_session(client_token) if client_token else None
        if tab_token is None or not secrets.compare_digest(tab_token.encode(), cookie_token.encode()):
            return await refuse(403, "upload.other_session", grant.account_id)
        if grant.quota_exhausted:
            return await refuse(413, "upload.quota_exceeded")
        per_request = grant.per_request + FRAMING_BYTES
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return await refuse(400, "upload.bad_request")
            if int(declared) > per_request:
                return await refuse(413, "upload.too_large")
        try:
            counter = PartCounter(headers.get("content-type"), grant.per_file, per_request)
        except _BadRequest:
            return await refuse(400, "upload.bad_request")
        await self._pass_on(scope, receive, send, counter)

    async def _pass_on(self, scope: Scope, receive: Receive, send: Send, counter: PartCounter) -> None:
        state = {"refused": "", "started": False, "answered": False}

        async def counted_receive() -> Message:
            if state["refused"]:
                raise _TooLarge()
            message = await receive()
            if message["type"] == "http.request":
                try:
                    counter.feed(message.get("body", b""))
                except _TooLarge:
                    state["refused"] = "upload.too_large"
                    raise
                except _BadRequest:
                    state["refused"] = "upload.bad_request"
                    raise _TooLarge() from None
            return message

        async def guarded_send(message: Message) -> None:
            if state["refused"]:
                return  # the refusal is answered below
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise
        if state["refused"] and not state["answered"]:
            state["answered"] = True
            if state["started"]:  # a streamed answer had begun: end it
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                status = 413 if state["refused"] == "upload.too_large" else 400
                await _respond(send, status, str(state["refused"]))


def guard_uploads(transformers: list[Any]) -> list[Any]:
    """Insert the guard into `core.api.transformers()`'s list, just inside the security headers."""
    guard: Callable[[ASGIApp], ASGIApp] = lambda app: UploadGuardMiddleware(app)  # noqa: E731
    return [*transformers[:-1], guard, transformers[-1]]
