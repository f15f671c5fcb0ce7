"""Dossiers (manual 2.1): the list with search, status filter and pagination.

With access to exactly one dossier, "Dossiers" opens that dossier directly.
Only one page of rows (25) is ever held in the state. Every handler is declared
for clients (core/states/access.py) and passes the signed-in account to the services,
which only see the dossiers the account was granted (DossierAccess). A search
keystroke costs two queries: the session, and the page with its counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import reflex as rx

from portal_app.core.pages import routes
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.dossiers.models import DossierStatus
from portal_app.dossiers.services import dossiers

MAX_SEARCH_CHARS = 100
MAX_PAGE = 100_000


def status_label(status: str, language: str) -> str:
    return i18n.t(f"status.{status}", language) if status in DossierStatus.ALL else status


@dataclass(frozen=True, kw_only=True)
class StatusOption:
    """One tick box of the status filter."""

    value: str
    label: str


@dataclass(frozen=True, kw_only=True)
class DossierListRow:
    """One row of the dossier list, with the status label in the viewer's language."""

    id: int
    number: str
    description: str
    status: str
    status_label: str
    unread: int


class DossierListState(PortalState):
    search: str = ""
    # statuses ticked in the filter; none ticked shows every dossier (the manual's default)
    status_filter: list[str] = []
    status_options: list[StatusOption] = []
    rows: list[DossierListRow] = []
    total: int = 0
    page: int = 0
    page_count: int = 1
    count_text: str = ""
    page_text: str = ""
    loaded: bool = False
    # the statuses of this client's dossiers, read when the page loads
    _statuses: list[str] = []

    def _sanitize(self) -> None:
        """Public vars can be set by any browser (setvar): never trust their types."""
        if not isinstance(self.search, str):
            self.search = ""
        self.search = self.search[:MAX_SEARCH_CHARS]
        if not isinstance(self.page, int) or isinstance(self.page, bool):
            self.page = 0
        self.page = min(max(0, self.page), MAX_PAGE)
        chosen = self.status_filter if isinstance(self.status_filter, list) else []
        self.status_filter = [s for s in self._statuses if s in chosen]

    def _reload(self, account) -> None:
        """One query: the page of rows with their unread counts and the total."""
        self._sanitize()
        with session_scope() as db:
            page_rows, total = dossiers.list_for_account(
                db, account, search=self.search, statuses=self.status_filter or None, page=self.page
            )
            page_count = max(1, math.ceil(total / dossiers.PAGE_SIZE))
            if self.page >= page_count:
                self.page = page_count - 1
                page_rows, total = dossiers.list_for_account(
                    db, account, search=self.search, statuses=self.status_filter or None, page=self.page
                )
        language = self.lang
        self.rows = [
            DossierListRow(
                id=row.id,
                number=row.number,
                description=row.description,
                status=row.status,
                status_label=status_label(row.status, language),
                unread=row.unread,
            )
            for row in page_rows
        ]
        self.total = total
        self.page_count = page_count
        self.count_text = (
            i18n.t("dossiers.count_one", language) if total == 1 else i18n.t("dossiers.count", language, count=total)
        )
        self.page_text = i18n.t("dossiers.page", language, page=self.page + 1, pages=page_count)
        self.loaded = True

    @handler(Access.CLIENT, loads_page=True)
    def load_dossiers(self, viewer: Viewer):
        account = viewer.account
        with session_scope() as db:
            only = dossiers.only_dossier_id(db, account)
            statuses = [] if only is not None else dossiers.visible_statuses(db, account)
        if only is not None:
            return rx.redirect(f"{routes.DOSSIERS}/{only}", replace=True)
        self._statuses = statuses
        # the filter is only offered when there is more than one status
        self.status_options = (
            [StatusOption(value=s, label=status_label(s, self.lang)) for s in statuses] if len(statuses) > 1 else []
        )
        if not self.status_options:
            self.status_filter = []
        self._reload(account)

    def _search(self, account, value) -> None:
        self.search = (value if isinstance(value, str) else "")[:MAX_SEARCH_CHARS]
        self.page = 0
        self._reload(account)

    def _go(self, account, page) -> None:
        if isinstance(page, int) and not isinstance(page, bool):
            self.page = min(max(0, page), MAX_PAGE)
        self._reload(account)

    @handler(Access.CLIENT)
    def set_search(self, viewer: Viewer, value: str):
        """Live search while typing (uncontrolled input: no round trip per render)."""
        self._search(viewer.account, value)

    @handler(Access.CLIENT)
    def submit_search(self, viewer: Viewer, form: dict):
        self._search(viewer.account, form.get("q", "") if isinstance(form, dict) else "")

    @handler(Access.CLIENT)
    def toggle_status(self, viewer: Viewer, status: str, checked: bool = False):
        """Tick or untick one status. The server's own filter decides the flip, so
        quick clicks before the page caught up still toggle once per click."""
        if not isinstance(status, str) or status not in self._statuses:
            return
        if status in self.status_filter:
            chosen = [s for s in self.status_filter if s != status]
        else:
            chosen = [*self.status_filter, status]
        self.status_filter = [s for s in DossierStatus.ALL if s in chosen]
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.CLIENT)
    def go_to_page(self, viewer: Viewer, page: int):
        self._go(viewer.account, page)

    @handler(Access.CLIENT)
    def previous_page(self, viewer: Viewer):
        self._go(viewer.account, self.page - 1)

    @handler(Access.CLIENT)
    def next_page(self, viewer: Viewer):
        self._go(viewer.account, self.page + 1)
