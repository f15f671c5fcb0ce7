"""Home: the three tiles of the manual."""

from __future__ import annotations

from portal_app.core.services.db import session_scope
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.dossiers.services.dossiers import home_counts


class HomeState(PortalState):
    dossiers_in_progress: int = 0
    dossiers_total: int = 0
    # False until load_home ran: the tiles show skeletons, never a "0" that is not true
    loaded: bool = False

    @handler(Access.CLIENT, loads_page=True)
    def load_home(self, viewer: Viewer):
        with session_scope() as db:
            counts = home_counts(db, viewer.account)
        self.dossiers_in_progress = counts.dossiers_in_progress
        self.dossiers_total = counts.dossiers_total
        self.open_actions = counts.open_actions
        self.loaded = True
