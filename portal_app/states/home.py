"""Home: the three tiles of the manual."""

from __future__ import annotations

import reflex as rx

from portal_app.services.db import session_scope
from portal_app.services.dossiers import home_counts
from portal_app.states.base import PortalState


class HomeState(PortalState):
    dossiers_in_progress: int = 0
    dossiers_total: int = 0

    @rx.event
    def load_home(self):
        account = self._require_client()
        if account is None:
            if self._account() is not None:  # staff has its own dashboard
                return rx.redirect("/staff")
            return self._to_login()
        with session_scope() as db:
            counts = home_counts(db, account)
        self.dossiers_in_progress = counts.dossiers_in_progress
        self.dossiers_total = counts.dossiers_total
        self.open_actions = counts.open_actions
