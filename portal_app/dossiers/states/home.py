"""Home: the three tiles of the manual, and the road to the signing of open dossiers."""

from __future__ import annotations

from portal_app.core.services.db import session_scope
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.dossiers.services.dossiers import home_counts
from portal_app.signing.states.signing import HomeRoad, home_roads_for


class HomeState(PortalState):
    dossiers_in_progress: int = 0
    dossiers_total: int = 0
    # False until load_home ran: the tiles show skeletons, never a "0" that is not true
    loaded: bool = False
    # the road to the signing of each open dossier with an appointment or a draft deed
    home_roads: list[HomeRoad] = []

    @handler(Access.CLIENT, loads_page=True)
    def load_home(self, viewer: Viewer):
        with session_scope() as db:
            counts = home_counts(db, viewer.account)
            # with the tiles, so Home's data arrives in one update (one render in the browser)
            self.home_roads = home_roads_for(db, viewer.account, self.lang)
        self.dossiers_in_progress = counts.dossiers_in_progress
        self.dossiers_total = counts.dossiers_total
        self.open_actions = counts.open_actions
        self.loaded = True
