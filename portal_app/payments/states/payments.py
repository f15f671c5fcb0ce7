"""The payment sections: the client's dossier page, the staff dossier page, and the admin's
derdengeldenrekening and held messages in Instellingen.

Each state reads its dossier id from the URL on load and keeps it on the server; every
handler goes through the handler skeleton, and the services check every id again (a
client asking for another dossier's payment details gets "not found", audited).
"""

from __future__ import annotations

from urllib.parse import unquote

from portal_app.accounts.services import twofactor
from portal_app.core.pages import routes
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError, ValidationFailed
from portal_app.core.services.ids import valid_id
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.core.states.staff_base import StaffState
from portal_app.payments.services import held_messages, iban_guard, settlements, trust_account
from portal_app.payments.services.held_messages import HeldRow
from portal_app.payments.services.settlements import ClientPaymentView, StaffSettlementView
from portal_app.payments.services.trust_account import TrustAccountView
from portal_app.settings import get_settings

SETTLEMENT_FIELDS = ("purchase_price", "costs", "due_date", "reference", "paid_on")
ACCOUNT_FIELDS = ("iban", "account_name", "bank_name", "office_phone", "code")
MAX_DRAFT_CHARS = 20_000


def _blank(fields: tuple[str, ...]) -> dict[str, str]:
    return {key: "" for key in fields}


class ClientPaymentState(PortalState):
    """The Betaling section of the client's dossier page, and the IBAN warning of the composer."""

    payment: ClientPaymentView = ClientPaymentView()
    # IBANs in the client's message draft that are not the office's (grouped in fours)
    draft_ibans: list[str] = []
    _dossier_id: int = 0

    def _dossier_from_url(self) -> int | None:
        path = self.router.url.path or ""
        prefix = routes.DOSSIERS + "/"
        if not path.startswith(prefix):
            return None
        rest = unquote(path[len(prefix) :].rstrip("/"))[:40]
        return valid_id(rest)

    @handler(Access.CLIENT)
    def load_payment(self, viewer: Viewer):
        self.payment = ClientPaymentView()
        self.draft_ibans = []
        dossier_id = self._dossier_from_url()
        self._dossier_id = dossier_id or 0
        if dossier_id is None:
            return
        try:
            with session_scope(keep_on=(NotFound,)) as db:
                self.payment = settlements.client_view(
                    session=db, account=viewer.account, dossier_id=dossier_id, language=self.lang, ip=self._client_ip()
                )
        except NotFound:
            self._dossier_id = 0  # the dossier page itself says "Niet gevonden."

    @handler(Access.CLIENT)
    def check_draft(self, viewer: Viewer, value: str):
        """On leaving the message field: warn when it names another account number than the office's."""
        with session_scope() as db:
            self.draft_ibans = iban_guard.client_draft_warning(db, str(value or "")[:MAX_DRAFT_CHARS])


class StaffPaymentState(StaffState):
    """Nota van afrekening on the staff dossier page."""

    settlement: StaffSettlementView = StaffSettlementView()
    settlement_errors: dict[str, str] = _blank(SETTLEMENT_FIELDS)
    settlement_notice: str = ""
    # bumped after each load or save: the uncontrolled form fields show the stored values again
    settlement_form_key: int = 0
    _dossier_id: int = 0

    def _reload(self, viewer: Viewer) -> None:
        with session_scope() as db:
            self.settlement = settlements.staff_view(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, language=self.lang
            )
        self.settlement_form_key += 1

    def _show_error(self, error: ServiceError) -> None:
        field = getattr(error, "field", None) if isinstance(error, ValidationFailed) else None
        key = field if field in SETTLEMENT_FIELDS else "purchase_price"
        self.settlement_errors = {**_blank(SETTLEMENT_FIELDS), key: self._err(error)}

    @handler(Access.STAFF)
    def load_payment(self, viewer: Viewer):
        self.settlement = StaffSettlementView()
        self.settlement_errors = _blank(SETTLEMENT_FIELDS)
        self.settlement_notice = ""
        self._dossier_id = self._path_id()
        if not self._dossier_id:
            return
        try:
            self._reload(viewer)
        except ServiceError:
            self._dossier_id = 0

    @handler(Access.STAFF)
    def save_settlement(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        self.settlement_errors = _blank(SETTLEMENT_FIELDS)
        self.settlement_notice = ""
        if not self._dossier_id:
            return
        try:
            with session_scope() as db:
                settlements.save(
                    session=db,
                    actor=viewer.account,
                    dossier_id=self._dossier_id,
                    purchase_price=data.get("purchase_price", ""),
                    costs=data.get("costs", ""),
                    due_date=data.get("due_date", ""),
                    reference=data.get("reference", ""),
                    ip=self._client_ip(),
                )
        except ServiceError as error:
            self._show_error(error)
            return
        self._reload(viewer)
        self.settlement_notice = self._t("payments.staff.saved")

    @handler(Access.STAFF)
    def mark_paid(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        self._set_paid(viewer, data.get("paid_on", "") or "")

    @handler(Access.STAFF)
    def clear_paid(self, viewer: Viewer):
        self._set_paid(viewer, "")

    def _set_paid(self, viewer: Viewer, day: object) -> None:
        self.settlement_errors = _blank(SETTLEMENT_FIELDS)
        self.settlement_notice = ""
        if not self._dossier_id:
            return
        if day == "" and not self.settlement.paid:
            self.settlement_errors = {**_blank(SETTLEMENT_FIELDS), "paid_on": self._t("payments.date_invalid")}
            return
        try:
            with session_scope() as db:
                settlements.set_paid(
                    session=db, actor=viewer.account, dossier_id=self._dossier_id, paid_on=day, ip=self._client_ip()
                )
        except ServiceError as error:
            self.settlement_errors = {**_blank(SETTLEMENT_FIELDS), "paid_on": self._err(error)}
            return
        self._reload(viewer)
        self.settlement_notice = self._t("payments.staff.saved")


class TrustAccountState(StaffState):
    """Instellingen (admins): the derdengeldenrekening, and the messages held for another IBAN."""

    account: TrustAccountView = TrustAccountView()
    account_errors: dict[str, str] = _blank(ACCOUNT_FIELDS)
    account_notice: str = ""
    account_error: str = ""
    # the admin's 2-step method: "sms" shows "Stuur code", "totp" asks for the app's code
    two_factor_method: str = ""
    code_sent: bool = False
    account_form_key: int = 0
    held: list[HeldRow] = []
    held_notice: str = ""

    def _reload(self, viewer: Viewer) -> None:
        with session_scope() as db:
            self.account = trust_account.view(db) or TrustAccountView()
            self.two_factor_method = twofactor.status(db, viewer.account_id).method or ""
            self.held = held_messages.list_held(session=db, actor=viewer.account)

    @handler(Access.ADMIN)
    def load_trust_account(self, viewer: Viewer):
        self.account_errors = _blank(ACCOUNT_FIELDS)
        self.account_notice = self.account_error = self.held_notice = ""
        self.code_sent = False
        self._reload(viewer)
        self.account_form_key += 1

    @handler(Access.ADMIN)
    def send_code(self, viewer: Viewer):
        self.account_error = ""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                self.code_sent = trust_account.send_code(
                    session=db, actor=viewer.account, session_id=viewer.session_id, settings=get_settings(),
                    ip=self._client_ip(),
                )  # fmt: skip
        except ServiceError as error:
            self.account_error = self._err(error)

    @handler(Access.ADMIN)
    def save_trust_account(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        self.account_errors = _blank(ACCOUNT_FIELDS)
        self.account_notice = self.account_error = ""
        try:
            # refusals and wrong codes are audited and counted: commit them too
            with session_scope(keep_on=(ServiceError,)) as db:
                trust_account.change(
                    session=db,
                    actor=viewer.account,
                    session_id=viewer.session_id,
                    iban=data.get("iban", ""),
                    account_name=data.get("account_name", ""),
                    bank_name=data.get("bank_name", ""),
                    office_phone=data.get("office_phone", ""),
                    code=data.get("code", ""),
                    settings=get_settings(),
                    ip=self._client_ip(),
                )
        except twofactor.SecondFactorFailed as error:
            self.account_errors = {**_blank(ACCOUNT_FIELDS), "code": self._err(error)}
            return
        except ValidationFailed as error:
            field = error.field if error.field in ACCOUNT_FIELDS else "iban"
            self.account_errors = {**_blank(ACCOUNT_FIELDS), field: self._err(error)}
            return
        except ServiceError as error:
            self.account_error = self._err(error)
            return
        self.code_sent = False
        self._reload(viewer)
        self.account_form_key += 1
        self.account_notice = self._t("payments.admin.saved")

    def _decide(self, viewer: Viewer, held_id: object, release: bool) -> None:
        self.held_notice = ""
        if valid_id(held_id) is None:
            return
        try:
            with session_scope() as db:
                if release:
                    held_messages.release(
                        session=db, actor=viewer.account, held_id=held_id, settings=get_settings(), ip=self._client_ip()
                    )
                else:
                    held_messages.refuse(session=db, actor=viewer.account, held_id=held_id, ip=self._client_ip())
        except ServiceError as error:
            self.held_notice = self._err(error)
        else:
            self.held_notice = self._t("payments.held.released" if release else "payments.held.refused")
        self._reload(viewer)

    @handler(Access.ADMIN)
    def release_held(self, viewer: Viewer, held_id: int):
        self._decide(viewer, held_id, True)

    @handler(Access.ADMIN)
    def refuse_held(self, viewer: Viewer, held_id: int):
        self._decide(viewer, held_id, False)
