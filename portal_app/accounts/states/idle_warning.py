"""The warning before idle expiry (issue 13): "U wordt over 2 minuten afgemeld".

The session ends on the server after the office's idle time without an event
(accounts/services/sessions.py). The browser (assets/idle_warning.js) counts the
same time from the user's last click or key, shows the dialog WARNING_SECONDS
before the end, and signs the tab out when nobody answers. "Aangemeld blijven"
and activity in the page call `keep_alive`, which counts as activity on the
server like any other event, so both clocks stay in step.
"""

from __future__ import annotations

from portal_app.accounts.services.viewer import Viewer
from portal_app.core.states.access import Access, handler
from portal_app.core.states.base import PortalState, session_policy


class IdleWarningState(PortalState):
    # the office's idle time; 0 until the frame has mounted (the script waits for it)
    idle_seconds: int = 0

    @handler(Access.PUBLIC, quiet=True)
    def start_idle_clock(self, viewer: Viewer | None):
        """Read the office's idle time (quiet: mounting the frame is not activity of the user).

        PUBLIC: the page's own on_load already sends a signed-out tab to the login page;
        this one only stays at 0 (no clock) for it."""
        seconds = session_policy().idle_minutes * 60 if viewer is not None else 0
        if seconds != self.idle_seconds:
            self.idle_seconds = seconds

    @handler(Access.ACCOUNT)
    def keep_alive(self, viewer: Viewer):
        """The user is here: the skeleton's session check records the activity; nothing else to do."""
