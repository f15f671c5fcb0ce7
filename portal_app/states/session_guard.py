"""The session guard: every event of a tab is tied to the session its state was loaded for.

Registered as the first Reflex middleware (portal_app.py), it runs before any
handler and before the hydrate answer is built, for every event of every tab:

1. It resolves the session cookie of the tab's websocket once (one query, in the
   database thread pool) and remembers the viewer for the handlers of this event.
2. When the tab's state was loaded for a session and the event arrives under
   another one or none (logout, password change, expiry, a replayed frame with
   an old client token and no cookie), it resets every substate of the tab to its
   defaults first, so no dossier or message of the old session is ever sent back.
"""

from __future__ import annotations

import functools

from reflex.middleware import Middleware
from reflex_base.utils.format import format_event_handler

from portal_app.states.access import remember_viewer, run_db, token_from_router, viewer_for_token
from portal_app.states.base import PortalState


def portal_state_classes() -> list[type[PortalState]]:
    """PortalState and every state below it."""
    found: list[type[PortalState]] = []
    todo: list[type[PortalState]] = [PortalState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.get_substates())
    return found


@functools.cache
def _quiet_event_names() -> frozenset[str]:
    """Full event names of handlers whose session check must not count as activity."""
    return frozenset(
        format_event_handler(event_handler)
        for cls in portal_state_classes()
        for event_handler in cls.event_handlers.values()
        if getattr(event_handler.fn, "portal_quiet", False)
    )


async def reset_tab(root) -> None:
    """Reset every portal substate of this tab (public and backend vars alike),
    also those not loaded for this event (with Redis each substate is stored apart)."""
    for cls in portal_state_classes():
        await root.get_state(cls)
    (await root.get_state(PortalState)).reset()


class SessionGuard(Middleware):
    async def preprocess(self, app, state, event):
        root = state._get_root_state()
        token = token_from_router(root.router_data or {})
        quiet = event.name in _quiet_event_names()
        viewer = await run_db(viewer_for_token, token, touch=not quiet) if token else None
        remember_viewer(token, viewer)
        portal = await root.get_state(PortalState)
        owner = portal._owner_session
        current = viewer.session_id if viewer is not None else 0
        if owner and owner != current:
            await reset_tab(root)
        if portal._owner_session != current:
            portal._owner_session = current
        return None
