"""Plain HTTP routes for signing in and out.

The session token lives only in an HttpOnly cookie set here; Reflex states read
it from the websocket handshake headers on the server. A full page load after
login and logout makes the websocket reconnect with the new cookie.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from portal_app.api.security import same_origin
from portal_app.services import audit, auth, sessions
from portal_app.services.db import session_scope
from portal_app.services.errors import AuthenticationFailed, Throttled
from portal_app.services.redirects import safe_next_path
from portal_app.settings import get_settings

MAX_FORM_BYTES = 8 * 1024


def session_policy(settings=None) -> sessions.SessionPolicy:
    settings = settings or get_settings()
    return sessions.SessionPolicy(settings.session_idle_minutes, settings.session_absolute_hours)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "0.0.0.0"


def set_session_cookie(response, token: str) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        httponly=True,
        secure=get_settings().cookie_secure,
        samesite="lax",
        path="/",
    )


def _login_redirect(**params: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse("/login" + (f"?{query}" if query else ""), status_code=303)


async def login(request: Request):
    settings = get_settings()
    if not same_origin(request, settings):
        return PlainTextResponse("Forbidden", status_code=403)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return PlainTextResponse("Request too large", status_code=413)
    form = await request.form(max_files=0, max_fields=10)
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")[:512]
    next_path = safe_next_path(form.get("next"), default="")

    def _attempt():
        with session_scope() as db:
            result = auth.login(
                db,
                email=email,
                password=password,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                policy=session_policy(settings),
            )
            first_login = not result.account.first_login_done
            return result.token, result.needs_second_factor, first_login, result.account.is_staff

    try:
        # bcrypt is slow on purpose: keep it off the event loop.
        token, needs_second_factor, first_login, is_staff = await run_in_threadpool(_attempt)
    except Throttled as error:
        return _login_redirect(fout="te-veel", minuten=str(error.minutes), next=next_path)
    except AuthenticationFailed:
        return _login_redirect(fout="onjuist", next=next_path)

    if needs_second_factor:
        target = "/login/verificatie" + (f"?{urlencode({'next': next_path})}" if next_path else "")
    elif first_login:
        target = "/mijn-gegevens"
    else:
        target = next_path or ("/staff" if is_staff else "/")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token)
    return response


async def logout(request: Request):
    settings = get_settings()
    if not same_origin(request, settings):
        return PlainTextResponse("Forbidden", status_code=403)
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))

    def _end():
        with session_scope() as db:
            account_id = sessions.end_session(db, token)
            if account_id is not None:
                audit.record(db, "logout", actor_id=account_id, ip=client_ip(request))

    await run_in_threadpool(_end)
    response = _login_redirect(uitgelogd="1")
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def health(_request: Request):
    def _check():
        from sqlalchemy import text

        with session_scope() as db:
            db.exec(text("SELECT 1"))

    try:
        await run_in_threadpool(_check)
    except Exception:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


routes = [
    Route("/auth/login", login, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
    Route("/health", health, methods=["GET"]),
]
