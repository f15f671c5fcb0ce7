"""Outbox (/staff/outbox): mail and SMS with status, retry for failed ones; content for admins."""

from __future__ import annotations

from portal_app.accounts.models import Account
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffListState, page_text
from portal_app.notifications.services import staff_outbox


class StaffOutboxState(StaffListState):
    channel: str = "mail"
    status_filter: str = "all"
    rows: list[staff_outbox.OutboxRow] = []
    total: int = 0
    page_count: int = 1
    page_text: str = ""
    counts: dict[str, int] = {}
    notice: str = ""
    error: str = ""

    content_open: bool = False
    content: staff_outbox.OutboxContent = staff_outbox.OutboxContent()

    def _reload(self, actor: Account) -> None:
        with session_scope() as db:
            found = staff_outbox.list_outbox(
                session=db,
                actor=actor,
                channel=self.channel,
                status="" if self.status_filter == "all" else self.status_filter,
                page=self.page,
                language=self.lang,
            )
            self.counts = staff_outbox.status_counts(session=db, actor=actor, channel=self.channel)
        self.rows, self.total, self.page, self.page_count = found.rows, found.total, found.page, found.page_count
        self.page_text = page_text(self.lang, found.page, found.page_count, found.total)

    @handler(Access.STAFF, loads_page=True)
    def load_outbox(self, viewer: Viewer):
        wanted = self.router.url.query_parameters.get("status", "")
        self.status_filter = wanted if wanted in staff_outbox.STATUSES else "all"
        self.notice = self.error = ""
        self.content_open = False
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_channel(self, viewer: Viewer, value: str | list[str]):
        if value in staff_outbox.CHANNELS:
            self.channel = value
            self.page = 0
            self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_status_filter(self, viewer: Viewer, value: str):
        if value == "all" or value in staff_outbox.STATUSES:
            self.status_filter = value
            self.page = 0
            self._reload(viewer.account)

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
