"""Staff exports over plain HTTP: GET /staff/export/audit.csv, and GET /staff/outbox/mail/<id>
(a mail's HTML part as its recipient sees it, for the outbox's sandboxed frame; admins only).

Like the download route, the session cookie is resolved server-side (expiry,
second factor done); only an active staff account gets the file - and, while
the office requires 2-step verification for staff, only one that has it on.
Everyone else gets the same "not found" page; without a session, the login
page. The CSV streams in batches (services.staff_audit.iter_csv); the export
itself is audited with its filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal
from urllib.parse import quote

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from portal_app.accounts.models import Account
from portal_app.accounts.services import sessions, twofactor
from portal_app.audit.services import staff_audit
from portal_app.core.services import i18n
from portal_app.core.services.db import get_engine, session_scope
from portal_app.core.services.errors import ServiceError, ValidationFailed
from portal_app.core.services.formatting import file_stamp
from portal_app.documents.api import not_found
from portal_app.notifications.services import staff_outbox
from portal_app.office.services import office_settings
from portal_app.settings import Settings, get_settings

AUDIT_PATH = "/staff/export/audit.csv"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Referrer-Policy": "no-referrer",
}
# The mail preview runs in the outbox page's <iframe sandbox> (same origin, so it may be framed
# by the portal only); no scripts, no forms, only inline styles and the office logo route.
MAIL_HTML_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
}


def _staff_account(engine: Engine, settings: Settings, token: str | None) -> Literal["login", "refused"] | Account:
    """'login', 'refused' or the staff Account."""
    with session_scope(engine) as session:
        policy = office_settings.profile(session).session_policy
        resolved = sessions.resolve(session, token, policy=policy)
        if resolved is None or not resolved[0].second_factor_done:
            return "login"
        account: Account = resolved[1]
        if not account.is_staff:
            return "refused"
        assert account.id is not None  # a stored account (see portal_app/core/models.py)
        if office_settings.staff_must_use_second_factor(session) and not twofactor.is_enabled(session, account.id):
            return "refused"
        return account


def make_routes(*, engine: Engine | None = None, settings: Settings | None = None) -> list[Route]:
    engine_of: Callable[[], Engine] = (lambda: engine) if engine is not None else get_engine
    settings_of: Callable[[], Settings] = (lambda: settings) if settings is not None else get_settings

    async def audit_csv(request: Request) -> Response:
        token = request.cookies.get(sessions.COOKIE_NAME)
        account = await run_in_threadpool(_staff_account, engine_of(), settings_of(), token)
        if account == "login":
            return RedirectResponse(
                f"/login?next={quote('/staff/audit', safe='/')}", status_code=303, headers={"Cache-Control": "no-store"}
            )
        if account == "refused":
            return not_found()
        params = request.query_params
        filters = staff_audit.AuditFilter.clean(
            account=params.get("account", ""),
            dossier=params.get("dossier", ""),
            event_type=params.get("event_type", ""),
            date_from=params.get("date_from", ""),
            date_to=params.get("date_to", ""),
        )
        try:
            staff_audit.check_filter(filters)
        except ValidationFailed as error:  # a period that is no period: say so, export nothing
            return PlainTextResponse(
                i18n.t(f"staff.err.{error.code}", "nl"), status_code=400, headers={"Cache-Control": "no-store"}
            )
        ip = request.client.host[:64] if request.client else None

        def record() -> None:
            with session_scope(engine_of()) as session:
                staff_audit.record_export(session=session, actor=account, filters=filters, ip=ip)

        await run_in_threadpool(record)

        def lines() -> Iterator[bytes]:
            with session_scope(engine_of()) as session:
                for line in staff_audit.iter_csv(session=session, actor=account, filters=filters):
                    yield line.encode("utf-8")

        stamp = file_stamp()
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="auditlog-{stamp}.csv"'}
        return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)

    async def outbox_mail_html(request: Request) -> Response:
        token = request.cookies.get(sessions.COOKIE_NAME)
        account = await run_in_threadpool(_staff_account, engine_of(), settings_of(), token)
        if account == "login":
            return RedirectResponse(
                f"/login?next={quote('/staff/outbox', safe='/')}",
                status_code=303,
                headers={"Cache-Control": "no-store"},
            )
        if account == "refused":
            return not_found()

        def html() -> str | None:
            with session_scope(engine_of()) as session:
                logo_url = office_settings.profile(session).logo_url
                try:
                    return staff_outbox.mail_html(
                        session=session, actor=account, mail_id=request.path_params["mail_id"], logo_url=logo_url
                    )
                except ServiceError:  # not an admin, or no such mail: the same answer
                    return None

        body = await run_in_threadpool(html)
        if body is None:
            return not_found()
        return HTMLResponse(body, headers=MAIL_HTML_HEADERS)

    return [
        Route(AUDIT_PATH, audit_csv, methods=["GET"], name="staff_audit_csv"),
        Route(
            staff_outbox.HTML_PATH_PREFIX + "{mail_id:int}",
            outbox_mail_html,
            methods=["GET"],
            name="staff_outbox_mail_html",
        ),
    ]


routes = make_routes()
