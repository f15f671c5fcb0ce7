"""Dossiers (manual 2.1): the list with search, status filter and pagination.

With access to exactly one dossier, "Dossiers" opens that dossier directly.
Only one page of rows (25) is ever held in the state; every handler re-checks
the session and passes the signed-in account to the services, which only see
the dossiers the account was granted (DossierAccess).
"""

from __future__ import annotations

import math

import reflex as rx

from portal_app.models import DossierStatus
from portal_app.pages import routes
from portal_app.services import dossiers, i18n
from portal_app.services.db import session_scope
from portal_app.states.base import PortalState

MAX_SEARCH_CHARS = 100
MAX_PAGE = 100_000


def status_label(status: str, language: str) -> str:
    return i18n.t(f"status.{status}", language) if status in DossierStatus.ALL else status


class DossierListState(PortalState):
    search: str = ""
    # statuses ticked in the filter; none ticked shows every dossier (the manual's default)
    status_filter: list[str] = []
    status_options: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 0
    page_count: int = 1
    count_text: str = ""
    page_text: str = ""
    loaded: bool = False

    def _forget_list(self) -> None:
        self.rows, self.status_options, self.status_filter = [], [], []
        self.total, self.page, self.page_count = 0, 0, 1
        self.count_text = self.page_text = ""
        self.loaded = False

    def _client_or_redirect(self):
        account = self._require_client()
        if account is None:
            self._forget_list()
            if self._account() is not None:  # staff has its own dashboard
                return None, rx.redirect(routes.STAFF)
            return None, self._to_login()
        return account, None

    def _sanitize(self) -> None:
        """Public vars can be set by any browser (setvar): never trust their types."""
        if not isinstance(self.search, str):
            self.search = ""
        self.search = self.search[:MAX_SEARCH_CHARS]
        if not isinstance(self.page, int) or isinstance(self.page, bool):
            self.page = 0
        self.page = min(max(0, self.page), MAX_PAGE)
        chosen = self.status_filter if isinstance(self.status_filter, list) else []
        self.status_filter = [s for s in DossierStatus.ALL if s in chosen]

    def _reload(self, account) -> None:
        self._sanitize()
        with session_scope() as db:
            statuses = dossiers.visible_statuses(db, account)
            self.status_filter = [s for s in self.status_filter if s in statuses]
            page_rows, total = dossiers.list_for_account(
                db, account, search=self.search, statuses=self.status_filter or None, page=self.page
            )
            page_count = max(1, math.ceil(total / dossiers.PAGE_SIZE))
            if self.page >= page_count:
                self.page = page_count - 1
                page_rows, total = dossiers.list_for_account(
                    db, account, search=self.search, statuses=self.status_filter or None, page=self.page
                )
            unread = dossiers.unread_per_dossier(db, account, [row.id for row in page_rows])
        language = self.lang
        # the filter is only offered when there is more than one status
        self.status_options = (
            [{"value": s, "label": status_label(s, language)} for s in statuses] if len(statuses) > 1 else []
        )
        if not self.status_options:
            self.status_filter = []
        self.rows = [
            {
                "id": str(row.id),
                "number": row.number,
                "description": row.description,
                "status": row.status,
                "status_label": status_label(row.status, language),
                "unread": str(unread.get(row.id, 0)),
            }
            for row in page_rows
        ]
        self.total = total
        self.page_count = page_count
        self.count_text = (
            i18n.t("dossiers.count_one", language) if total == 1 else i18n.t("dossiers.count", language, count=total)
        )
        self.page_text = i18n.t("dossiers.page", language, page=self.page + 1, pages=page_count)
        self.loaded = True

    @rx.event
    def load_dossiers(self):
        account, redirect = self._client_or_redirect()
        if account is None:
            return redirect
        with session_scope() as db:
            only = dossiers.only_dossier_id(db, account)
        if only is not None:
            self._forget_list()
            return rx.redirect(f"{routes.DOSSIERS}/{only}", replace=True)
        self._reload(account)

    def _search(self, value):
        account, redirect = self._client_or_redirect()
        if account is None:
            return redirect
        self.search = (value if isinstance(value, str) else "")[:MAX_SEARCH_CHARS]
        self.page = 0
        self._reload(account)
        return None

    def _go(self, page):
        account, redirect = self._client_or_redirect()
        if account is None:
            return redirect
        if isinstance(page, int) and not isinstance(page, bool):
            self.page = min(max(0, page), MAX_PAGE)
        self._reload(account)
        return None

    @rx.event
    def set_search(self, value: str):
        """Live search while typing (uncontrolled input: no round trip per render)."""
        return self._search(value)

    @rx.event
    def submit_search(self, form: dict):
        return self._search(form.get("q", "") if isinstance(form, dict) else "")

    @rx.event
    def toggle_status(self, status: str, checked: bool = False):
        """Tick or untick one status. The server's own filter decides the flip, so
        quick clicks before the page caught up still toggle once per click."""
        account, redirect = self._client_or_redirect()
        if account is None:
            return redirect
        if not isinstance(status, str) or status not in DossierStatus.ALL:
            return
        if status in self.status_filter:
            chosen = [s for s in self.status_filter if s != status]
        else:
            chosen = [*self.status_filter, status]
        self.status_filter = [s for s in DossierStatus.ALL if s in chosen]
        self.page = 0
        self._reload(account)

    @rx.event
    def go_to_page(self, page: int):
        return self._go(page)

    @rx.event
    def previous_page(self):
        return self._go(self.page - 1)

    @rx.event
    def next_page(self):
        return self._go(self.page + 1)
