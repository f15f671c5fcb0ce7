"""Cliënten (/staff/clienten) and one client (/staff/clienten/<id>).

List: search on name, e-mail and company, a state filter, 25 per page.
Create: a private client or a company with its main account; the invitation
mail goes out at once. One client: change name, e-mail address, phone and
company name (the old address is told), resend the invitation, block/unblock,
reset 2-step verification (reason required), last logins, dossiers, the
extra accounts of a company.
"""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.core.services import formatting, i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffListState, StaffState, page_text
from portal_app.office.services import staff_clients
from portal_app.settings import get_settings

MAX_QUERY = 100


class StaffClientsState(StaffListState):
    query: str = ""
    status_filter: str = "all"
    rows: list[staff_clients.ClientRow] = []
    total: int = 0
    # "1.234" or "1.000+" (the count stops at staff_access.COUNT_LIMIT)
    total_text: str = "0"
    page_count: int = 1
    page_text: str = ""

    create_open: bool = False
    create_kind: str = "person"
    create_error: str = ""
    notice: str = ""

    def _reload(self, actor: Account) -> None:
        with session_scope() as db:
            found = staff_clients.search_clients(
                session=db,
                actor=actor,
                query=self.query,
                status="" if self.status_filter == "all" else self.status_filter,
                page=self.page,
                language=self.lang,
            )
        self.rows, self.total, self.page, self.page_count = found.rows, found.total, found.page, found.page_count
        self.total_text = formatting.format_count(found.total, self.lang, more=found.more)
        self.page_text = page_text(self.lang, found.page, found.page_count, self.total_text)

    @handler(Access.STAFF, loads_page=True)
    def load_clients(self, viewer: Viewer):
        self.create_open = False
        self.create_error = ""
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def search(self, viewer: Viewer, form_data: dict):
        query = form_data.get("q", "") if isinstance(form_data, dict) else ""
        self.query = " ".join(query.split())[:MAX_QUERY] if isinstance(query, str) else ""
        self.page = 0
        self.notice = ""
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_status_filter(self, viewer: Viewer, value: str):
        if value not in ("all", *[s for s in staff_clients.STATUS_FILTERS if s]):
            return
        self.status_filter = value
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_create_open(self, viewer: Viewer, value: bool):
        self.create_open = value is True
        self.create_error = ""

    @handler(Access.STAFF)
    def set_create_kind(self, viewer: Viewer, value: str | list[str]):
        if value in staff_clients.KIND_CHOICES:
            self.create_kind = value

    @handler(Access.STAFF)
    def create_client(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                account = staff_clients.create_client(
                    session=db,
                    actor=viewer.account,
                    kind=self.create_kind,
                    email=data.get("email", ""),
                    name=data.get("name", ""),
                    company_name=data.get("company_name", ""),
                    language=data.get("language", "nl"),
                    settings=get_settings(),
                )
                account_id = account.id
        except ServiceError as error:
            self.create_error = self._err(error)
            return
        self.create_open = False
        self.create_error = ""
        return rx.redirect(f"/staff/clienten/{account_id}?nieuw=1")


class StaffClientState(StaffState):
    """One client account."""

    client: staff_clients.ClientRow = staff_clients.ClientRow()
    phone: str = ""
    created: str = ""
    two_factor: str = ""
    invite_sent: str = ""
    invite_expires: str = ""
    invite_state: str = ""
    invite_text: str = ""
    parent_id: int | None = None
    parent_name: str = ""
    logins: list[staff_clients.LoginRow] = []
    dossiers: list[staff_clients.ClientDossierRow] = []
    dossier_total: int = 0
    extra_accounts: list[staff_clients.ClientRow] = []
    found: bool = False

    notice: str = ""
    error: str = ""
    reset_open: bool = False
    reset_error: str = ""
    block_open: bool = False
    extra_open: bool = False
    extra_error: str = ""
    edit_open: bool = False
    edit_error: str = ""

    _client_id: int = 0

    def _forget(self) -> None:
        self.client, self.logins, self.dossiers, self.extra_accounts = staff_clients.ClientRow(), [], [], []
        self.found = False

    def _reload(self, actor: Account) -> bool:
        try:
            with session_scope() as db:
                detail = staff_clients.client_detail(
                    session=db, actor=actor, account_id=self._client_id, language=self.lang
                )
        except NotFound:
            self._forget()
            return False
        self.client = detail.row
        self.phone = detail.phone
        self.created = detail.created
        self.two_factor = detail.two_factor
        self.invite_sent = detail.invite_sent
        self.invite_expires = detail.invite_expires
        self.invite_state = detail.invite_state
        if detail.invite_sent:
            state_text = (
                self._t(f"staff.client.invite_state.{detail.invite_state}")
                if detail.invite_state
                else self._t("staff.client.invite_state.used")
            )
            self.invite_text = self._t(
                "staff.client.invite_text", sent=detail.invite_sent, state=state_text, until=detail.invite_expires
            )
        else:
            self.invite_text = ""
        self.parent_id = detail.parent_id
        self.parent_name = detail.parent_name
        self.logins = detail.logins
        self.dossiers = detail.dossiers
        self.dossier_total = detail.dossier_total
        self.extra_accounts = detail.extra_accounts
        self.found = True
        return True

    def _run(self, action) -> None:
        """Run one change in a transaction; show the outcome."""
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                action(db)
        except ServiceError as error:
            self.error = self._err(error)
            return False
        return True

    @handler(Access.STAFF, loads_page=True)
    def load_client(self, viewer: Viewer):
        self._client_id = self._path_id()
        self.notice = self.error = ""
        self.reset_open = self.block_open = self.extra_open = self.edit_open = False
        if not self._reload(viewer.account):
            return rx.redirect("/404")
        if self.router.url.query_parameters.get("nieuw") == "1":
            self.notice = self._t("staff.client.created", email=self.client.email)

    @handler(Access.STAFF)
    def resend_invitation(self, viewer: Viewer):
        if self._run(
            lambda db: staff_clients.resend_invitation(
                session=db, actor=viewer.account, account_id=self._client_id, settings=get_settings()
            )
        ):
            self.notice = self._t("staff.client.invite_resent")
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def send_password_link(self, viewer: Viewer):
        if self._run(
            lambda db: staff_clients.send_password_link(
                session=db, actor=viewer.account, account_id=self._client_id, settings=get_settings()
            )
        ):
            self.notice = self._t("staff.client.password_link_sent", email=self.client.email)
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_block_open(self, viewer: Viewer, value: bool):
        self.block_open = value is True

    @handler(Access.STAFF)
    def block(self, viewer: Viewer):
        self.block_open = False
        if self._run(
            lambda db: staff_clients.set_blocked(
                session=db, actor=viewer.account, account_id=self._client_id, blocked=True, ip=self._client_ip()
            )
        ):
            self.notice = self._t("staff.client.blocked_notice")
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def unblock(self, viewer: Viewer):
        if self._run(
            lambda db: staff_clients.set_blocked(
                session=db, actor=viewer.account, account_id=self._client_id, blocked=False, ip=self._client_ip()
            )
        ):
            self.notice = self._t("staff.client.unblocked_notice")
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_reset_open(self, viewer: Viewer, value: bool):
        self.reset_open = value is True
        self.reset_error = ""

    @handler(Access.STAFF)
    def reset_two_factor(self, viewer: Viewer, form_data: dict):
        reason = form_data.get("reason", "") if isinstance(form_data, dict) else ""
        if not isinstance(reason, str):  # a forged form: a list or object is no reason
            reason = ""
        try:
            with session_scope() as db:
                staff_clients.reset_two_factor(
                    session=db, actor=viewer.account, account_id=self._client_id, reason=reason
                )
        except ServiceError as error:
            self.reset_error = self._err(error)
            return
        self.reset_open = False
        self.reset_error = ""
        self.notice = self._t("staff.client.reset_done")
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_extra_open(self, viewer: Viewer, value: bool):
        self.extra_open = value is True
        self.extra_error = ""

    @handler(Access.STAFF)
    def add_extra_account(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                staff_clients.create_company_extra(
                    session=db,
                    actor=viewer.account,
                    main_account_id=self._client_id,
                    email=data.get("email", ""),
                    name=data.get("name", ""),
                    language=i18n.normalize_language(
                        data.get("language") if isinstance(data.get("language"), str) else ""
                    ),
                    settings=get_settings(),
                )
        except ServiceError as error:
            self.extra_error = self._err(error)
            return
        self.extra_open = False
        self.notice = self._t("staff.client.extra_added")
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_edit_open(self, viewer: Viewer, value: bool):
        self.edit_open = value is True
        self.edit_error = ""

    @handler(Access.STAFF)
    def save_details(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                changed = staff_clients.update_client_details(
                    session=db,
                    actor=viewer.account,
                    account_id=self._client_id,
                    name=data.get("name", ""),
                    email=data.get("email", ""),
                    phone=data.get("phone", ""),
                    company_name=data.get("company_name", ""),
                    ip=self._client_ip(),
                )
        except ServiceError as error:
            self.edit_error = self._err(error)
            return
        self.edit_open = False
        self.edit_error = self.error = ""
        if not changed:
            self.notice = self._t("staff.client.details_unchanged")
        elif "email" in changed:
            self.notice = self._t("staff.client.details_saved_email")
        else:
            self.notice = self._t("staff.client.details_saved")
        self._reload(viewer.account)
