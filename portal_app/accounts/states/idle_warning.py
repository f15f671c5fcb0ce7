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
from portal_app.core.states.base import PortalState


class IdleWarningState(PortalState):
    """The dialog's button. The idle time itself is part of the page frame
    (PortalState.idle_seconds): it arrives with the page's first data."""

    @handler(Access.ACCOUNT)
    def keep_alive(self, viewer: Viewer):
        """The user is here: the skeleton's session check records the activity; nothing else to do."""
