"""The one handler skeleton: who may call a handler, and where its database work runs.

Every public event handler of every portal state is declared with `@handler`:

    @handler(Access.CLIENT)
    def set_search(self, viewer: Viewer, value: str):
        ...

The decorator takes the viewer the session guard (core/states/session_guard.py)
resolved for this event from the session cookie, checks the declared access,
and only then calls the body with a typed `Viewer`. A refusal never reaches the
body: a signed-out user is sent to the login page ("Uw sessie is verlopen"), a
wrong role gets the "not found" page, staff who still have to set up 2-step
verification are sent to do so, and every refusal but the last is written to
the audit log (rate-limited, audit/services/audit.py).

The body is plain synchronous code. It runs in a small thread pool, so a slow
query never stalls the event loop, the websocket of every other user, or
`/health`. The state lock Reflex holds for the event keeps other events of the
same tab out meanwhile. Coroutine bodies (uploads) run on the loop and must put
their own database work through `run_db`.

Background handlers (`background=True`) are checked once when they start; a
loop inside them re-checks with `await self._viewer_now(...)` on every round.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from typing import Any

import reflex as rx

from portal_app.accounts.services import sessions
from portal_app.accounts.services import viewer as viewer_service
from portal_app.accounts.services.viewer import Viewer
from portal_app.audit.services import audit
from portal_app.core.services import metrics
from portal_app.core.services.db import session_scope
from portal_app.office.services import office_settings

__all__ = ["Access", "Viewer", "current_viewer", "handler", "run_db", "viewer_for_token"]


class Access(StrEnum):
    """Who may call a handler."""

    PUBLIC = "public"  # anyone, signed in or not (sign-in pages); the viewer may be None
    ACCOUNT = "account"  # any signed-in account, client or staff
    CLIENT = "client"  # a signed-in client (private person or company account)
    COMPANY_ADMIN = "company_admin"  # the main account of a company
    STAFF = "staff"  # office staff (admin or behandelaar)
    ADMIN = "admin"  # office admins only


# Database work of handlers runs here. A few threads are enough: SQLite writes
# one at a time anyway, and PostgreSQL's pool holds ten connections per worker.
DB_THREADS = int(os.environ.get("PORTAL_DB_THREADS", "4"))
_pool = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="portal-db")
# The pool threads run Python (SQLAlchemy) while holding the GIL; with the
# default 5 ms switch interval the event loop, and with it every websocket and
# /health, waits behind them. 1 ms keeps the loop responsive under load.
sys.setswitchinterval(0.001)


async def run_db(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run blocking (database, file) work off the event loop, keeping the context vars."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    return await loop.run_in_executor(_pool, functools.partial(context.run, fn, *args, **kwargs))


# (session token, viewer) of the event being processed: set once per event by the
# session guard, read by every handler of that event.
_event_viewer: contextvars.ContextVar[tuple[str | None, Viewer | None] | None] = contextvars.ContextVar(
    "portal_event_viewer", default=None
)


def viewer_for_token(token: str | None, *, touch: bool = True) -> Viewer | None:
    """Resolve a session token (blocking: call through `run_db`)."""
    if not token:
        return None
    with session_scope() as db:
        return viewer_service.resolve(db, token, policy=office_settings.profile().session_policy, touch=touch)


def remember_viewer(token: str | None, viewer: Viewer | None) -> None:
    _event_viewer.set((token, viewer))


def forget_viewer() -> None:
    _event_viewer.set(None)


def current_viewer(token: str | None) -> tuple[bool, Viewer | None]:
    """(known, viewer) for `token` as resolved for the current event."""
    known = _event_viewer.get()
    if known is not None and known[0] == token:
        return True, known[1]
    return False, None


def refusal_reason(access: Access, viewer: Viewer | None) -> str | None:
    """Why `viewer` may not call a handler declared with `access`, or None when it may."""
    if access is Access.PUBLIC:
        return None
    if viewer is None:
        return "no_session"
    if access in (Access.CLIENT, Access.COMPANY_ADMIN) and viewer.is_staff:
        return "staff_on_client_side"
    if access is Access.COMPANY_ADMIN and not viewer.is_company_admin:
        return "not_company_admin"
    if access in (Access.STAFF, Access.ADMIN) and not viewer.is_staff:
        return "not_staff"
    if access is Access.ADMIN and not viewer.is_admin:
        return "not_admin"
    if (
        access in (Access.STAFF, Access.ADMIN)
        and not viewer.second_factor_enabled
        and office_settings.profile().staff_require_2fa
    ):
        return "staff_second_factor_missing"
    return None


def _audit_refusal(viewer: Viewer | None, what: str, reason: str, ip: str | None) -> None:
    with session_scope() as db:
        audit.record_refusal(
            db,
            actor_id=viewer.account_id if viewer is not None else None,
            what=what,
            reason=reason,
            ip=ip,
            now=time.monotonic(),
        )


def handler(
    access: Access,
    *,
    loads_page: bool = False,
    quiet: bool = False,
    background: bool = False,
):
    """Declare who may call an event handler; the body gets `(self, viewer, *args)`.

    loads_page: the page's on_load handler; it also refreshes what every page
        frame shows (name, language, branding, the Acties count).
    quiet: checking the session does not count as activity (background refreshes),
        so idle expiry still applies.
    background: a Reflex background task (an async function using `async with self`).
    """

    def decorate(fn: Callable[..., Any]):
        parameters = list(inspect.signature(fn).parameters.values())
        if len(parameters) < 2 or parameters[1].name != "viewer":
            raise TypeError(f"{fn.__qualname__}: a @handler takes (self, viewer, ...)")
        browser_signature = inspect.signature(fn).replace(parameters=[parameters[0], *parameters[2:]])
        what = fn.__qualname__
        one_hop_capable = False

        async def gate(self) -> tuple[Viewer | None, Any]:
            token = self._session_token()
            known, viewer = current_viewer(token)
            if not known:  # called outside the guard (tests, chained internal calls)
                viewer = await run_db(viewer_for_token, token, touch=not quiet)
                remember_viewer(token, viewer)
            reason = refusal_reason(access, viewer)
            if reason is None:
                return viewer, None
            if reason != "staff_second_factor_missing":
                await run_db(_audit_refusal, viewer, what, reason, self._client_ip())
            return None, self._refusal(reason)

        if background:
            if not inspect.isasyncgenfunction(fn) and not inspect.iscoroutinefunction(fn):
                raise TypeError(f"{what}: a background handler is async")

            async def background_wrapper(self, *args, **kwargs):
                async with self:
                    viewer, refusal = await gate(self)
                if refusal is not None:
                    yield refusal
                    return
                result = fn(self, viewer, *args, **kwargs)
                if inspect.isasyncgen(result):
                    async for item in result:
                        yield item
                else:
                    item = await result
                    if item is not None:
                        yield item

            wrapper: Callable[..., Any] = background_wrapper
        elif inspect.iscoroutinefunction(fn):

            async def coroutine_wrapper(self, *args, **kwargs):
                viewer, refusal = await gate(self)
                if refusal is not None:
                    return refusal
                if loads_page:
                    await run_db(self._show_frame, viewer)
                return await fn(self, viewer, *args, **kwargs)

            wrapper = coroutine_wrapper
        elif inspect.isgeneratorfunction(fn):

            async def generator_wrapper(self, *args, **kwargs):
                viewer, refusal = await gate(self)
                if refusal is not None:
                    yield refusal
                    return
                if loads_page:
                    await run_db(self._show_frame, viewer)
                steps = fn(self, viewer, *args, **kwargs)
                done = object()

                def step():
                    try:
                        return next(steps)
                    except StopIteration as stop:
                        return (done, stop.value)

                while True:
                    item = await run_db(step)
                    if isinstance(item, tuple) and len(item) == 2 and item[0] is done:
                        if item[1] is not None:
                            yield item[1]
                        return
                    yield item

            wrapper = generator_wrapper
        else:

            def body(self, viewer, args, kwargs):
                if loads_page:
                    self._show_frame(viewer)
                return fn(self, viewer, *args, **kwargs)

            def one_hop(self, token, args, kwargs):
                """Session, tab ownership, access and body in one trip to the pool (the common case)."""
                viewer = viewer_for_token(token, touch=not quiet)
                if self._tab_needs_reset(viewer):
                    return _RESET, viewer
                self._claim_tab(viewer)
                reason = refusal_reason(access, viewer)
                if reason is not None:
                    return _REFUSED, (viewer, reason)
                return _DONE, body(self, viewer, args, kwargs)

            async def sync_wrapper(self, *args, **kwargs):
                token = self._session_token()
                known, _ = current_viewer(token)
                if not known:
                    # the session guard left this event to us (core/states/session_guard.py)
                    outcome, value = await run_db(one_hop, self, token, args, kwargs)
                    if outcome is _DONE:
                        return value
                    if outcome is _REFUSED:
                        viewer, reason = value
                        if reason != "staff_second_factor_missing":
                            await run_db(_audit_refusal, viewer, what, reason, self._client_ip())
                        return self._refusal(reason)
                    # another session than the tab's: reset the whole tab first (on the loop:
                    # with Redis, substates not loaded for this event are fetched)
                    await self._reset_tab()
                    remember_viewer(token, value)
                    self._claim_tab(value)
                viewer, refusal = await gate(self)
                if refusal is not None:
                    return refusal
                return await run_db(body, self, viewer, args, kwargs)

            wrapper = sync_wrapper
            one_hop_capable = True

        functools.update_wrapper(wrapper, fn)
        wrapper = metrics.instrument(wrapper, what)  # latency per handler, one log line (core/services/metrics.py)
        # the browser sends every argument but the viewer
        wrapper.__signature__ = browser_signature  # type: ignore[attr-defined]
        wrapper.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "viewer"}
        wrapper.portal_access = access  # type: ignore[attr-defined]
        wrapper.portal_quiet = quiet  # type: ignore[attr-defined]
        wrapper.portal_body = fn  # type: ignore[attr-defined]
        # plain handlers resolve the session themselves, in the same trip as their body
        wrapper.portal_one_hop = one_hop_capable  # type: ignore[attr-defined]
        return rx.event(wrapper, background=True) if background else rx.event(wrapper)

    return decorate


_DONE, _REFUSED, _RESET = object(), object(), object()


def token_from_router(router_data: dict[str, Any]) -> str | None:
    headers = router_data.get("headers") or {}
    return sessions.token_from_cookie_header(headers.get("cookie"))
