"""Auditlog (/staff/audit): filters, 50 per page, CSV export (a plain authenticated HTTP route).

A period that is no period (a bad day, or an end before the start) is refused with a plain
message, as in the outbox: typed in the form, the list stays as it was; in the URL, the list
shows without the period."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.audit.services import event_kinds, staff_audit
from portal_app.core.services import formatting
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ValidationFailed
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffListState, page_text

EXPORT_PATH = "/staff/export/audit.csv"


class StaffAuditState(StaffListState):
    f_account: str = ""
    f_dossier: str = ""
    f_event_type: str = ""
    f_date_from: str = ""
    f_date_to: str = ""
    event_types: list[event_kinds.EventKind] = []
    rows: list[staff_audit.AuditRow] = []
    total: int = 0
    # "1.234" or "1.000+" (the count stops at staff_access.COUNT_LIMIT)
    total_text: str = "0"
    page_count: int = 1
    page_text: str = ""
    export_href: str = EXPORT_PATH
    error: str = ""

    def _filters(self) -> staff_audit.AuditFilter:
        return staff_audit.AuditFilter.clean(
            account=self.f_account,
            dossier=self.f_dossier,
            event_type=self.f_event_type,
            date_from=self.f_date_from,
            date_to=self.f_date_to,
        )

    def _reload(self, actor: Account) -> None:
        filters = self._filters()
        with session_scope() as db:
            try:
                found = staff_audit.search(session=db, actor=actor, filters=filters, page=self.page, language=self.lang)
            except ValidationFailed as error:
                self.error = self._err(error)
                filters = filters.without_period()
                self.f_date_from = self.f_date_to = ""
                found = staff_audit.search(session=db, actor=actor, filters=filters, page=self.page, language=self.lang)
        self.rows, self.total, self.page, self.page_count = found.rows, found.total, found.page, found.page_count
        self.total_text = formatting.format_count(found.total, self.lang, more=found.more)
        self.page_text = page_text(self.lang, found.page, found.page_count, self.total_text)
        query = urlencode(filters.as_query())
        self.export_href = EXPORT_PATH + (f"?{query}" if query else "")

    @handler(Access.STAFF, loads_page=True)
    def load_audit(self, viewer: Viewer):
        params = self.router.url.query_parameters
        filters = staff_audit.AuditFilter.clean(
            account=params.get("account", ""),
            dossier=params.get("dossier", ""),
            event_type=params.get("event_type", ""),
            date_from=params.get("date_from", ""),
            date_to=params.get("date_to", ""),
        )
        if any(filters.as_query().values()):
            self.f_account, self.f_dossier, self.f_event_type = filters.account, filters.dossier, filters.event_type
            self.f_date_from, self.f_date_to = filters.date_from, filters.date_to
        self.error = ""
        with session_scope() as db:
            self.event_types = staff_audit.event_type_choices(session=db, actor=viewer.account, language=self.lang)
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def apply_filters(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        filters = staff_audit.AuditFilter.clean(
            account=data.get("account", ""),
            dossier=data.get("dossier", ""),
            event_type=data.get("event_type", ""),
            date_from=data.get("date_from", ""),
            date_to=data.get("date_to", ""),
        )
        self.error = ""
        try:
            staff_audit.check_filter(filters)
        except ValidationFailed as error:
            self.error = self._err(error)  # the list stays as it was
            return
        self.f_account, self.f_dossier, self.f_event_type = filters.account, filters.dossier, filters.event_type
        self.f_date_from, self.f_date_to = filters.date_from, filters.date_to
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def clear_filters(self, viewer: Viewer):
        self.f_account = self.f_dossier = self.f_event_type = self.f_date_from = self.f_date_to = ""
        self.error = ""
        self.page = 0
        self._reload(viewer.account)
        return [
            rx.set_value(field, "")
            for field in ("audit-account", "audit-dossier", "audit-from", "audit-to", "audit-type")
        ]
