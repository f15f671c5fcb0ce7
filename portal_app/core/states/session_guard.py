"""The session guard: every event of a tab is tied to the session its state was loaded for.

Registered as the first Reflex middleware (portal_app.py), it runs before any
handler and before the hydrate answer is built, for every event of every tab:

1. It resolves the session cookie of the tab's websocket once (one query, in the
   database thread pool) and remembers the viewer for the handlers of this event.
   Plain portal handlers do this step and the next themselves, in the same trip
   to the pool as their body (core/states/access.py), so they are only marked here.
2. When the tab's state was loaded for a session and the event arrives under
   another one or none (logout, password change, expiry, a replayed frame with
   an old client token and no cookie), it resets every substate of the tab to its
   defaults first, so no dossier or message of the old session is ever sent back.
"""

from __future__ import annotations

import functools

from reflex.middleware import Middleware
from reflex_base.utils.format import format_event_handler

from portal_app.core.states.access import forget_viewer, remember_viewer, run_db, token_from_router, viewer_for_token
from portal_app.core.states.base import PortalState, portal_state_classes, reset_tab


@functools.cache
def _event_names_marked(marker: str) -> frozenset[str]:
    """Full event names of the portal handlers whose @handler set `marker` (states/access.py):
    `portal_one_hop` (plain handlers that resolve the session in the same trip as their body) or
    `portal_quiet` (handlers whose session check must not count as activity)."""
    return frozenset(
        format_event_handler(event_handler)
        for cls in portal_state_classes()
        for event_handler in cls.event_handlers.values()
        if getattr(event_handler.fn, marker, False)
    )


class SessionGuard(Middleware):
    async def preprocess(self, app, state, event):
        if event.name in _event_names_marked("portal_one_hop"):
            # a plain portal handler does all of this itself, in one trip to the
            # database pool, before its body runs (core/states/access.py)
            forget_viewer()
            return None
        root = state._get_root_state()
        token = token_from_router(root.router_data or {})
        quiet = event.name in _event_names_marked("portal_quiet")
        viewer = await run_db(viewer_for_token, token, touch=not quiet) if token else None
        remember_viewer(token, viewer)
        portal = await root.get_state(PortalState)
        if portal._tab_needs_reset(viewer):
            await reset_tab(root)
        portal._claim_tab(viewer)
        return None
