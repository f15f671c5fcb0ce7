"""Plain HTTP routes for signing in and out.

The session token lives only in an HttpOnly cookie set here; Reflex states read
it from the websocket handshake headers on the server. A full page load after
login and logout makes the websocket reconnect with the new cookie.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal_app.accounts.models import Account
from portal_app.accounts.services import auth, onboarding, sessions, twofactor
from portal_app.audit.services import audit
from portal_app.core.api import ready, same_origin
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import AuthenticationFailed, NotFound, ServiceError, Throttled, ValidationFailed
from portal_app.core.services.redirects import safe_next_path
from portal_app.office.services import office_settings
from portal_app.settings import Settings, get_settings

MAX_FORM_BYTES = 8 * 1024

# "Wachtwoord vergeten" answers no sooner than this. A known address issues a token (a row
# written) and an unknown one does not, so their work differs by a fraction of a millisecond; a
# statistics test of 60 requests each could tell them apart now and then (issue 13). The work
# takes a few milliseconds, far below the floor, so both answer at the floor.
REQUEST_LINK_MIN_SECONDS = 0.1


def session_policy(settings: Settings | None = None) -> sessions.SessionPolicy:
    """Session lengths from the office settings (admin-editable; defaults from the env)."""
    return office_settings.profile().session_policy


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "0.0.0.0"


def set_session_cookie(response: Response, token: str) -> None:
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


async def login(request: Request) -> Response:
    settings = get_settings()
    form = await _posted_form(request, settings)
    if isinstance(form, Response):
        return form
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")[:512]
    next_path = safe_next_path(form.get("next"), default="")

    def _attempt() -> tuple[str, bool, str]:
        with session_scope(keep_on=(ServiceError,)) as db:
            result = auth.login(
                db,
                email=email,
                password=password,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
                policy=session_policy(settings),
            )
            return result.token, result.needs_second_factor, _after_sign_in(result.account, next_path=next_path)

    try:
        # bcrypt is slow on purpose: keep it off the event loop.
        token, needs_second_factor, target = await run_in_threadpool(_attempt)
    except Throttled as error:
        return _login_redirect(fout="te-veel", minuten=str(error.minutes), next=next_path)
    except AuthenticationFailed:
        return _login_redirect(fout="onjuist", next=next_path)

    if needs_second_factor:

        def _send_sms() -> None:
            with session_scope() as db:
                resolved = sessions.resolve(db, token, policy=session_policy(settings))
                if resolved is not None:
                    pending, account = resolved
                    assert pending.id is not None  # a stored row (see portal_app/core/models.py)
                    twofactor.send_login_sms(session=db, account=account, session_id=pending.id, settings=settings)

        await run_in_threadpool(_send_sms)
        target = "/login/verificatie" + (f"?{urlencode({'next': next_path})}" if next_path else "")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token)
    return response


async def _posted_form(request: Request, settings: Settings) -> FormData | Response:
    """The posted form, or the refusal to send back: 403 from another origin, 413 when too large."""
    if not same_origin(request, settings):
        return PlainTextResponse("Forbidden", status_code=403)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return PlainTextResponse("Request too large", status_code=413)
    return await request.form(max_files=0, max_fields=10)


def _redirect(path: str, **params: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


def _after_sign_in(account: Account, *, next_path: str = "") -> str:
    if not account.first_login_done:
        return "/mijn-gegevens"
    return next_path or ("/staff" if account.is_staff else "/")


async def request_link(request: Request) -> Response:
    """Step 2 of the manual (and 'wachtwoord vergeten'): the same answer for every address."""
    settings = get_settings()
    form = await _posted_form(request, settings)
    if isinstance(form, Response):
        return form
    email = str(form.get("email") or "")[:254]
    invite_token = str(form.get("invite") or "")[:100] or None

    def _request() -> None:
        with session_scope() as db:
            onboarding.request_password_link(
                db, email=email, settings=settings, invite_token=invite_token, ip=client_ip(request)
            )

    started = time.monotonic()
    await run_in_threadpool(_request)
    await asyncio.sleep(max(0.0, REQUEST_LINK_MIN_SECONDS - (time.monotonic() - started)))
    return _redirect("/wachtwoord-vergeten", verstuurd="1")


async def set_password(request: Request) -> Response:
    settings = get_settings()
    form = await _posted_form(request, settings)
    if isinstance(form, Response):
        return form
    token = str(form.get("token") or "")[:100]
    password = str(form.get("password") or "")
    repeat = str(form.get("password_repeat") or "")
    if len(password) > 1024:
        password = password[:1024]
    if password != repeat:
        return _redirect(onboarding.SET_PASSWORD_PATH, token=token, fout="password.mismatch")

    def _set() -> tuple[str, bool, str]:
        with session_scope(keep_on=(ServiceError,)) as db:
            result = onboarding.set_password(
                db, token=token, password=password, settings=settings, ip=client_ip(request)
            )
            assert result.account.id is not None  # a stored account (see portal_app/core/models.py)
            needs_second_factor = twofactor.is_enabled(db, result.account.id)
            new_token, row = sessions.create_session(
                db,
                result.account,
                policy=session_policy(settings),
                second_factor_done=not needs_second_factor,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
            if needs_second_factor:
                assert row.id is not None  # create_session() flushed it
                twofactor.send_login_sms(session=db, account=result.account, session_id=row.id, settings=settings)
            return new_token, needs_second_factor, _after_sign_in(result.account)

    try:
        new_token, needs_second_factor, target = await run_in_threadpool(_set)
    except NotFound:
        return _redirect(onboarding.SET_PASSWORD_PATH, fout="link.invalid")
    except ValidationFailed as error:
        codes = ",".join(error.params.get("problems", [error.code]))
        return _redirect(onboarding.SET_PASSWORD_PATH, token=token, fout=codes)
    response = RedirectResponse("/login/verificatie" if needs_second_factor else target, status_code=303)
    set_session_cookie(response, new_token)
    return response


async def verify_second_factor(request: Request) -> Response:
    """The code after the password: SMS code, authenticator code or recovery code.

    Success ends the half-signed-in session and opens a new one (new token).
    """
    settings = get_settings()
    form = await _posted_form(request, settings)
    if isinstance(form, Response):
        return form
    code = str(form.get("code") or "")[:40]
    next_path = safe_next_path(form.get("next"), default="")
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))

    def _verify() -> tuple[str, ...] | None:
        with session_scope() as db:
            resolved = sessions.resolve(db, token, policy=session_policy(settings))
            if resolved is None or resolved[0].second_factor_done:
                return None
            pending, account = resolved
            assert pending.id is not None  # a stored row (see portal_app/core/models.py)
            try:
                result = twofactor.verify_login(
                    session=db, account=account, session_id=pending.id, code=code, settings=settings
                )
            except twofactor.SecondFactorFailed as error:
                if error.code == "2fa.too_many_attempts":
                    sessions.end_session(db, token)
                return ("error", error.code)
            sessions.end_session(db, token)
            new_token, _row = sessions.create_session(
                db,
                account,
                policy=session_policy(settings),
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
            account.last_login_at = pending.created_at
            db.add(account)
            audit.record(
                db,
                "login.succeeded",
                actor_id=account.id,
                ip=client_ip(request),
                detail={"second_factor": result.method},
            )
            left = str(result.recovery_codes_left) if result.method == "recovery" else ""
            return ("ok", new_token, _after_sign_in(account, next_path=next_path), left)

    outcome = await run_in_threadpool(_verify)
    if outcome is None:
        return _login_redirect(verlopen="1")
    if outcome[0] == "error":
        if outcome[1] == "2fa.too_many_attempts":
            return _login_redirect(fout="te-veel-codes")
        return _redirect("/login/verificatie", fout=outcome[1], next=next_path)
    _, new_token, target, left = outcome
    if left:
        target = "/mijn-gegevens?herstelcodes=" + left
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, new_token)
    return response


async def resend_code(request: Request) -> Response:
    settings = get_settings()
    if not same_origin(request, settings):
        return PlainTextResponse("Forbidden", status_code=403)
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))

    def _resend() -> bool:
        with session_scope() as db:
            resolved = sessions.resolve(db, token, policy=session_policy(settings))
            if resolved is None or resolved[0].second_factor_done:
                return False
            pending, account = resolved
            assert pending.id is not None  # a stored row (see portal_app/core/models.py)
            try:
                twofactor.send_login_sms(session=db, account=account, session_id=pending.id, settings=settings)
            except ServiceError:
                pass
            return True

    if not await run_in_threadpool(_resend):
        return _login_redirect(verlopen="1")
    return _redirect("/login/verificatie", opnieuw="1")


async def logout(request: Request) -> Response:
    settings = get_settings()
    if not same_origin(request, settings):
        return PlainTextResponse("Forbidden", status_code=403)
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))

    def _end() -> None:
        with session_scope() as db:
            account_id = sessions.end_session(db, token)
            if account_id is not None:
                audit.record(db, "logout", actor_id=account_id, ip=client_ip(request))

    # The idle warning (assets/idle_warning.js) signs a tab out with verlopen=1: the login page then says why.
    expired = False
    if int(request.headers.get("content-length") or 0) <= MAX_FORM_BYTES:
        form = await request.form(max_files=0, max_fields=10)
        expired = form.get("verlopen") == "1"
    await run_in_threadpool(_end)
    response = _login_redirect(verlopen="1") if expired else _login_redirect(uitgelogd="1")
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def logout_everywhere(request: Request) -> Response:
    """The "Overal afmelden" button (Mijn gegevens): every session of the account ends, this one too."""
    settings = get_settings()
    if not same_origin(request, settings):
        return PlainTextResponse("Forbidden", status_code=403)
    token = sessions.token_from_cookie_header(request.headers.get("cookie"))

    def _end_all() -> None:
        with session_scope() as db:
            resolved = sessions.resolve(db, token, policy=session_policy(settings), touch=False)
            if resolved is None or not resolved[0].second_factor_done:
                return
            account = resolved[1]
            assert account.id is not None  # a stored account (see portal_app/core/models.py)
            ended = sessions.end_all_sessions(db, account.id)
            audit.record(db, "logout.everywhere", actor_id=account.id, ip=client_ip(request), detail={"ended": ended})

    await run_in_threadpool(_end_all)
    response = _login_redirect(uitgelogd="1")
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def health(_request: Request) -> PlainTextResponse:
    """The process is alive and its event loop answers: no database, no thread (load balancers poll it)."""
    return PlainTextResponse("ok")


routes = [
    Route("/auth/login", login, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
    Route("/auth/logout-everywhere", logout_everywhere, methods=["POST"]),
    Route("/auth/request-link", request_link, methods=["POST"]),
    Route("/auth/set-password", set_password, methods=["POST"]),
    Route("/auth/verify", verify_second_factor, methods=["POST"]),
    Route("/auth/resend-code", resend_code, methods=["POST"]),
    Route("/health", health, methods=["GET"]),
    # database, file store, Redis and outbox: core/api.py, core/services/readiness.py
    Route("/ready", ready, methods=["GET"]),
]
