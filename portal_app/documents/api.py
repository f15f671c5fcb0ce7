"""Authenticated download route: GET /files/{document_id}.

Mounted through `api_transformer` (see core/api.py `transformers`). The
session cookie is resolved server-side (idle/absolute expiry, second factor
done); the document is loaded through `documents.get_for_account`, so missing,
withdrawn and foreign ids all give the same 404 page, no bytes, and an audit
event. Served with `Content-Disposition: attachment` (inline only for PDF and
images on `?inline=1`), an RFC 6266 / 5987 file name, nosniff, no-store and a
sandboxing CSP.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal
from urllib.parse import quote

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from portal_app.accounts.services import sessions
from portal_app.audit.services import audit
from portal_app.core.services.db import get_engine, session_scope
from portal_app.core.services.errors import NotFound
from portal_app.documents.services import documents
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
