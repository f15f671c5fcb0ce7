"""What a tab sees when an event fails because the database cannot be reached.

Reflex's own answer to a failed event is an error toast, run in the page through
`eval`, which the portal's CSP forbids (core/api.py): the user saw nothing at all,
and the page kept showing what it had. For the one failure a user can do nothing
about but wait, the database being down or restarting, the tab is sent to the
"Storing" page instead (plain text, no database work, a link to try again). Every
other error keeps Reflex's handling (logged with its traceback).

No `from __future__ import annotations` here: Reflex checks the handler's
annotations as real types when the app starts.
"""

import logging

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex_base.constants import RouteVar
from reflex_base.event import EventSpec
from reflex_base.event.context import EventContext
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)

UNAVAILABLE_ROUTE = "/storing"


def _database_unreachable(exception: Exception) -> bool:
    """The database is down, restarting or unreachable (not a bug in a statement)."""
    seen: BaseException | None = exception
    while seen is not None:
        if isinstance(seen, OperationalError | InterfaceError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _event_path() -> str | None:
    try:
        return str(EventContext.get().router_data.get(RouteVar.PATH) or "") or None
    except Exception:  # no event context (a background task's failure)
        return None


def on_backend_exception(exception: Exception) -> EventSpec | None:
    """The event failed: the Storing page when the database is unreachable, else Reflex's handling."""
    if not _database_unreachable(exception):
        return default_backend_exception_handler(exception)
    log.error("event failed: the database is unreachable (%s)", type(exception).__name__)
    if (_event_path() or "").rstrip("/") == UNAVAILABLE_ROUTE:
        return None  # the Storing page's own load failed as well: stay, never loop
    return rx.redirect(UNAVAILABLE_ROUTE)
