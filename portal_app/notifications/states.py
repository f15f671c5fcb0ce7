"""Outbox (/staff/outbox): mail and SMS with status, retry for failed ones; content for admins.

The filters (channel, status, person, period) live in the URL query, so a filtered list can
be bookmarked, shared with a colleague and reached again with the browser's Back: a filter
change navigates to the new URL, and the page's load reads it (one reload per change).
"""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.core.services import formatting
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError, ValidationFailed
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffListState, page_text
from portal_app.notifications.services import staff_outbox

OUTBOX_PATH = "/staff/outbox"
FILTER_FIELDS = {"person": "outbox-person", "date_from": "outbox-from", "date_to": "outbox-to"}


class StaffOutboxState(StaffListState):
    channel: str = "mail"
    status_filter: str = "all"
    f_person: str = ""
    f_date_from: str = ""
    f_date_to: str = ""
    filters_active: bool = False
    rows: list[staff_outbox.OutboxRow] = []
    total: int = 0
    page_count: int = 1
    page_text: str = ""
    # per status, as shown: "12", "1.000+" (counts stop at staff_access.COUNT_LIMIT)
    counts: dict[str, str] = {}
    notice: str = ""
    error: str = ""

    content_open: bool = False
    content: staff_outbox.OutboxContent = staff_outbox.OutboxContent()

    def _filters(self) -> staff_outbox.OutboxFilter:
        return staff_outbox.OutboxFilter.clean(person=self.f_person, date_from=self.f_date_from, date_to=self.f_date_to)

    def _reload(self, actor: Account) -> None:
        status = "" if self.status_filter == "all" else self.status_filter
        filters = self._filters()
        with session_scope() as db:
            try:
                found = staff_outbox.list_outbox(
                    session=db,
                    actor=actor,
                    channel=self.channel,
                    status=status,
                    filters=filters,
                    page=self.page,
                    language=self.lang,
                )
            except ValidationFailed as error:
                # a day that is no day (typed in the URL): say so, and show the list without the period
                self.error = self._err(error)
                found = staff_outbox.list_outbox(
                    session=db,
                    actor=actor,
                    channel=self.channel,
                    status=status,
                    filters=staff_outbox.OutboxFilter(person=filters.person),
                    page=self.page,
                    language=self.lang,
                )
        self.rows, self.total, self.page, self.page_count = found.rows, found.total, found.page, found.page_count
        self.counts = {
            name: formatting.format_count(count, self.lang, more=name in found.capped)
            for name, count in found.counts.items()
        }
        total_text = formatting.format_count(found.total, self.lang, more=found.more)
        self.page_text = page_text(self.lang, found.page, found.page_count, total_text)
        self.filters_active = bool(filters.as_query()) or self.status_filter != "all"

    def _query(self, filters: staff_outbox.OutboxFilter, *, channel: str, status: str) -> dict[str, str]:
        query = {"channel": channel} if channel != "mail" else {}
        if status != "all":
            query["status"] = status
        return {**query, **filters.as_query()}

    def _go(self, viewer: Viewer, filters: staff_outbox.OutboxFilter, *, channel: str, status: str):
        """Navigate to the URL of these filters; its load reloads the list. Same URL: reload here."""
        query = self._query(filters, channel=channel, status=status)
        current = {key: value for key, value in self.router.url.query_parameters.items() if value}
        if query == current:
            self.f_person, self.f_date_from, self.f_date_to = filters.person, filters.date_from, filters.date_to
            self.channel, self.status_filter, self.page = channel, status, 0
            self._reload(viewer.account)
            return None
        return rx.redirect(OUTBOX_PATH + (f"?{urlencode(query)}" if query else ""))

    @handler(Access.STAFF, loads_page=True)
    def load_outbox(self, viewer: Viewer):
        params = self.router.url.query_parameters
        wanted = params.get("status", "")
        self.status_filter = wanted if wanted in staff_outbox.STATUSES else "all"
        channel = params.get("channel", "")
        self.channel = channel if channel in staff_outbox.CHANNELS else "mail"
        filters = staff_outbox.OutboxFilter.clean(
            person=params.get("person", ""), date_from=params.get("date_from", ""), date_to=params.get("date_to", "")
        )
        shown = (self.f_person, self.f_date_from, self.f_date_to)
        self.f_person, self.f_date_from, self.f_date_to = filters.person, filters.date_from, filters.date_to
        self.notice = self.error = ""
        self.content_open = False
        self.page = 0
        self._reload(viewer.account)
        # The inputs are uncontrolled (default_value): put the URL's values in them, when there
        # are any or the fields held others (Back from a filtered list); a plain visit sends none.
        if not any(shown) and not any(filters.__dict__.values()):
            return None
        return [rx.set_value(FILTER_FIELDS[key], value) for key, value in filters.__dict__.items()]

    @handler(Access.STAFF)
    def apply_filters(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        filters = staff_outbox.OutboxFilter.clean(
            person=data.get("person", ""), date_from=data.get("date_from", ""), date_to=data.get("date_to", "")
        )
        self.notice = self.error = ""
        try:
            staff_outbox.check_filter(filters)
        except ValidationFailed as error:
            self.error = self._err(error)
            return None
        return self._go(viewer, filters, channel=self.channel, status=self.status_filter)

    @handler(Access.STAFF)
    def clear_filters(self, viewer: Viewer):
        self.notice = self.error = ""
        events = [rx.set_value(field, "") for field in FILTER_FIELDS.values()]
        go = self._go(viewer, staff_outbox.OutboxFilter(), channel=self.channel, status="all")
        return [*events, go] if go is not None else events

    @handler(Access.STAFF)
    def set_channel(self, viewer: Viewer, value: str | list[str]):
        if isinstance(value, str) and value in staff_outbox.CHANNELS:
            return self._go(viewer, self._filters(), channel=value, status=self.status_filter)
        return None

    @handler(Access.STAFF)
    def set_status_filter(self, viewer: Viewer, value: str):
        if value == "all" or value in staff_outbox.STATUSES:
            return self._go(viewer, self._filters(), channel=self.channel, status=value)
        return None

    @handler(Access.STAFF)
    def retry(self, viewer: Viewer, item_id: str):
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                staff_outbox.retry(session=db, actor=viewer.account, channel=self.channel, item_id=item_id)
        except ServiceError as error:
            self.error = self._err(error)
        else:
            self.notice = self._t("staff.outbox.retried")
        self._reload(viewer.account)

    @handler(Access.ADMIN)
    def show_content(self, viewer: Viewer, item_id: str):
        """Admins only: the text of one mail or SMS (personal links and codes masked)."""
        try:
            with session_scope() as db:
                if self.channel == "mail":
                    self.content = staff_outbox.mail_content(session=db, actor=viewer.account, mail_id=item_id)
                else:
                    self.content = staff_outbox.sms_content(session=db, actor=viewer.account, sms_id=item_id)
        except ServiceError as error:
            self.error = self._err(error)
            return
        self.content_open = True

    @handler(Access.STAFF)
    def set_content_open(self, viewer: Viewer, value: bool):
        self.content_open = value is True
        if not self.content_open:
            self.content = staff_outbox.OutboxContent()
