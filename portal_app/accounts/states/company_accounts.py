"""Accounts -> Extra accounts (manual 2.2), for a company's main account.

Two screens: the list (/mijn-gegevens/extra-accounts) with "Nieuw account" and
"Verwijderen", and one account ("Inzien", /mijn-gegevens/extra-accounts/<id>)
with its details, last login and the company dossiers it may see.

Every handler is declared for clients (core/states/access.py); `_gate` and then the
service (accounts/services/company_accounts.py) check that the signed-in account is an
active company main account and that the extra account is one of its own:
extra accounts, private clients and other companies get nothing (the page
tells them so, and the attempt is audited; not Access.COMPANY_ADMIN, whose
refusal would be a bare "not found"). Ids from the browser are only ever passed
to the service, which parses and checks them. Public vars hold this company's
extra accounts only.
"""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx

from portal_app.accounts.services import company_accounts
from portal_app.accounts.states.my_details import error_text
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, PermissionDenied, ServiceError
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.settings import get_settings

LIST_PATH = "/mijn-gegevens/extra-accounts"


class CompanyAccountsState(PortalState):
    loaded: bool = False
    allowed: bool = False
    company_name: str = ""
    rows: list[company_accounts.ExtraAccountRow] = []
    notice: str = ""
    errors: list[str] = []

    # "Nieuw account"
    new_open: bool = False
    new_errors: list[str] = []

    # "Inzien"
    not_found: bool = False
    detail: company_accounts.ExtraAccountInfo = company_accounts.ExtraAccountInfo()
    detail_dossiers: list[company_accounts.ExtraAccountDossier] = []

    # "Verwijderen": the confirmation dialog
    delete_open: bool = False
    delete_name: str = ""
    delete_email: str = ""
    _delete_id: int = 0
    # a notice for the next screen of this tab (after a redirect)
    _flash: str = ""

    # ---- helpers (server side only) ----
    def _reset(self) -> None:
        self.loaded, self.allowed, self.not_found = False, False, False
        self.rows, self.detail, self.detail_dossiers = [], company_accounts.ExtraAccountInfo(), []
        self.notice, self.errors, self.new_errors = "", [], []
        self.new_open, self.delete_open = False, False
        self.delete_name, self.delete_email, self._delete_id = "", "", 0

    def _load_rows(self, account) -> None:
        with session_scope(keep_on=(ServiceError,)) as db:
            self.rows = company_accounts.list_extra_accounts(db, account, language=self.lang)

    def _load_detail(self, account, account_id) -> bool:
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                detail = company_accounts.extra_account_detail(
                    db, account, account_id, language=self.lang, ip=self._client_ip()
                )
        except NotFound:
            self.detail, self.detail_dossiers, self.not_found = company_accounts.ExtraAccountInfo(), [], True
            return False
        self.detail, self.detail_dossiers = detail.account, detail.dossiers
        self.not_found = False
        return True

    def _deny(self) -> None:
        self.allowed = False
        self.rows, self.detail, self.detail_dossiers = [], company_accounts.ExtraAccountInfo(), []
        self.errors = [i18n.t("company.not_allowed", self.lang)]

    def _route_param(self) -> str:
        path = self.router.url.path or ""
        prefix = LIST_PATH + "/"
        if not path.startswith(prefix):
            return ""
        rest = path[len(prefix) :]
        return unquote(rest[:-1] if rest.endswith("/") else rest)[:40]

    def _gate(self, viewer: Viewer):
        """The company main account, or None (the denial is shown and audited)."""
        account = viewer.account
        if not company_accounts.can_manage(account):
            try:
                with session_scope(keep_on=(ServiceError,)) as db:
                    company_accounts.require_main_account(db, account, ip=self._client_ip())  # audits the attempt
            except PermissionDenied:
                pass
            self._deny()
            return None
        self.allowed = True
        self.company_name = account.company_name or account.name
        return account

    # ---- page loads ----
    def _take_flash(self) -> None:
        self.notice, self._flash = self._flash, ""

    @handler(Access.CLIENT, loads_page=True)
    def load_accounts(self, viewer: Viewer):
        self._reset()  # nothing of the screen this tab showed before
        account = self._gate(viewer)
        self.loaded = True
        if account is None:
            return
        self._load_rows(account)
        self._take_flash()

    @handler(Access.CLIENT, loads_page=True)
    def load_account(self, viewer: Viewer):
        self._reset()  # nothing of the screen this tab showed before
        account = self._gate(viewer)
        self.loaded = True
        if account is None:
            return
        self._load_detail(account, self._route_param())
        self._take_flash()

    # ---- "Nieuw account" ----
    @handler(Access.CLIENT)
    def open_new(self, viewer: Viewer):
        account = self._gate(viewer)
        if account is None:
            return
        self.new_open, self.new_errors, self.notice = True, [], ""

    @handler(Access.CLIENT)
    def close_new(self, viewer: Viewer):
        account = self._gate(viewer)
        if account is None:
            return
        self.new_open, self.new_errors = False, []

    @handler(Access.CLIENT)
    def create_account(self, viewer: Viewer, form: dict):
        account = self._gate(viewer)
        if account is None:
            return
        form = form if isinstance(form, dict) else {}
        name = str(form.get("name", ""))[:300]
        email = str(form.get("email", ""))[:300]
        try:
            with session_scope(keep_on=(PermissionDenied,)) as db:
                company_accounts.create_extra_account(
                    db, account, name=name, email=email, settings=get_settings(), ip=self._client_ip()
                )
        except ServiceError as error:
            self.new_errors = error_text(error, self.lang)
            return
        # One answer whether or not the address already had an account (issue 13: no enumeration).
        self.new_open, self.new_errors = False, []
        self._flash = i18n.t("company.requested", self.lang, email=email.strip().lower())
        return rx.redirect(LIST_PATH)

    # ---- "Inzien": which dossiers the extra account sees ----
    @handler(Access.CLIENT)
    def set_access(self, viewer: Viewer, dossier_id: int | str, allowed: bool):
        account = self._gate(viewer)
        if account is None:
            return
        # a public var: a browser can set it (setvar), so never trust its type
        detail = self.detail if isinstance(self.detail, company_accounts.ExtraAccountInfo) else None
        account_id = detail.id if detail is not None else 0
        if not account_id or not isinstance(allowed, bool):
            return
        self.errors, self.notice = [], ""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                company_accounts.set_dossier_access(db, account, account_id, dossier_id, allowed, ip=self._client_ip())
        except ServiceError as error:
            self.errors = error_text(error, self.lang)
        self._load_detail(account, account_id)
        # the tick box sends the dossier's id (a number); a forged event may send anything
        number = next((d.number for d in self.detail_dossiers if str(d.id) == str(dossier_id)), "")
        if not self.errors and number:
            self.notice = i18n.t(
                "company.access_granted" if allowed else "company.access_revoked", self.lang, number=number
            )

    # ---- "Verwijderen", after a confirmation ----
    @handler(Access.CLIENT)
    def ask_delete(self, viewer: Viewer, account_id: int | str):
        account = self._gate(viewer)
        if account is None:
            return
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                detail = company_accounts.extra_account_detail(
                    db, account, account_id, language=self.lang, ip=self._client_ip()
                )
        except ServiceError as error:
            self.errors = error_text(error, self.lang)
            return
        self._delete_id = detail.account.id
        self.delete_name, self.delete_email = detail.account.name, detail.account.email
        self.delete_open, self.notice, self.errors = True, "", []

    @handler(Access.CLIENT)
    def cancel_delete(self, viewer: Viewer):
        account = self._gate(viewer)
        if account is None:
            return
        self.delete_open, self._delete_id, self.delete_name, self.delete_email = False, 0, "", ""

    @handler(Access.CLIENT)
    def confirm_delete(self, viewer: Viewer):
        account = self._gate(viewer)
        if account is None:
            return
        if not self._delete_id:
            self.delete_open = False
            return
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                removed = company_accounts.delete_extra_account(db, account, self._delete_id, ip=self._client_ip())
                email = removed.email
        except ServiceError as error:
            self.errors = error_text(error, self.lang)
            self.delete_open = False
            return
        self.delete_open, self._delete_id, self.delete_name, self.delete_email = False, 0, "", ""
        self.detail, self.detail_dossiers = company_accounts.ExtraAccountInfo(), []
        self._load_rows(account)
        self.notice = i18n.t("company.deleted", self.lang, email=email)
        if self._route_param():
            self._flash = self.notice
            return rx.redirect(LIST_PATH)
