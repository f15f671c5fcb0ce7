"""Mijn gegevens: personal details (e-mail and password changes), language,
2-staps verificatie (SMS, app, recovery codes), notifications, and the way to
Accounts -> Extra accounts for a company's main account.

Every handler is declared for any signed-in account, client or staff
(core/states/access.py): staff who must still set up 2-step verification are sent
here, so this page must stay open to them. The services check everything
again. Public vars hold plain values of the signed-in user only.
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from portal_app.accounts.models import Account, AccountKind
from portal_app.accounts.services import company_accounts, passwords, personal_details, twofactor
from portal_app.audit.services import audit
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError, Throttled, ValidationFailed
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.notifications.services import notifications
from portal_app.office.services import office_settings
from portal_app.settings import get_settings

NOTIFY_KINDS = notifications.KINDS


def error_text(error: ServiceError, language: str) -> list[str]:
    """The user-facing lines for a service error (password rules give one line each)."""
    if isinstance(error, Throttled):
        return [i18n.t("details.throttled", language, minutes=error.minutes)]
    if isinstance(error, ValidationFailed) and error.params.get("problems"):
        return passwords.problem_texts(error.params["problems"], language, office_settings.profile().password_policy)
    if error.code == "company.too_many":
        return [i18n.t(error.code, language, max=error.params.get("max", company_accounts.MAX_EXTRA_ACCOUNTS))]
    key = error.code if error.code in i18n.TRANSLATIONS["nl"] else "error.generic"
    return [i18n.t(key, language)]


class MyDetailsState(PortalState):
    # False until load_my_details ran: the page shows skeletons, not empty fields (issue 14)
    loaded: bool = False
    name: str = ""
    email: str = ""
    phone: str = ""
    first_visit: bool = False
    recovery_notice: str = ""

    # 2-step verification, as this user may see it
    tf_enabled: bool = False
    tf_method: str = ""
    tf_phone_masked: str = ""
    tf_recovery_left: int = 0
    tf_step: str = ""  # "" | sms_phone | sms_code | totp | codes | confirm_password
    tf_error: str = ""
    tf_pending_action: str = ""  # disable | regenerate | change_phone
    tf_phone_shown: str = ""
    totp_qr: str = ""
    totp_secret_text: str = ""
    recovery_codes: list[str] = []

    _pending_phone: str = ""
    _pending_totp_secret: str = ""

    # personal details: e-mail and password changes
    is_client: bool = False
    details_step: str = ""  # "" | email | password
    details_notice: str = ""
    details_errors: list[str] = []
    pending_email: str = ""

    # notifications (clients only)
    notify: dict[str, bool] = {kind: True for kind in NOTIFY_KINDS}
    notify_intro: str = ""
    notify_notice: str = ""

    # Accounts -> Extra accounts (company main account only)
    can_manage_accounts: bool = False
    extra_account_count: int = 0
    company_note: str = ""

    def _load_extras(self, account: Account) -> None:
        """Notifications, pending e-mail change and the Accounts section, for this account only."""
        self.is_client = not account.is_staff
        self.can_manage_accounts = company_accounts.can_manage(account)
        self.company_note = ""
        with session_scope() as db:
            self.pending_email = personal_details.pending_email_change(db, account.id)
            if self.is_client:
                self.notify = notifications.preferences(db, account.id)
            if self.can_manage_accounts:
                self.extra_account_count = len(company_accounts.list_extra_accounts(db, account, language=self.lang))
            elif account.kind == AccountKind.COMPANY_EXTRA:
                self.company_note = i18n.t("company.extra_note", self.lang, company=account.company_name or "")
        minutes = get_settings().notify_interval_minutes
        if minutes > 1:
            self.notify_intro = i18n.t("notify.intro", self.lang, minutes=minutes)
        else:
            self.notify_intro = i18n.t("notify.intro_one" if minutes == 1 else "notify.intro_soon", self.lang)

    def _refresh_two_factor(self, account_id: int) -> None:
        with session_scope() as db:
            status = twofactor.status(db, account_id)
        self.tf_enabled = status.enabled
        self.tf_method = status.method or ""
        self.tf_phone_masked = status.phone_masked or ""
        self.tf_recovery_left = status.recovery_codes_left

    def _fail(self, error: ServiceError) -> None:
        self.tf_error = i18n.t(error.code, self.lang)

    @handler(Access.ACCOUNT, loads_page=True)
    def load_my_details(self, viewer: Viewer):
        account = viewer.account
        self.name = account.name
        self.email = account.email
        self.phone = account.phone or ""
        self.first_visit = not account.first_login_done
        left = self.router.url.query_parameters.get("herstelcodes", "")
        self.recovery_notice = i18n.t("tf.recovery_left", self.lang, count=int(left)) if left.isdigit() else ""
        self.tf_step = ""
        self.tf_error = ""
        self.recovery_codes = []
        self._refresh_two_factor(account.id)
        self.details_step, self.details_notice, self.details_errors, self.notify_notice = "", "", [], ""
        self._load_extras(account)
        if not account.first_login_done:
            with session_scope() as db:
                row = db.get(Account, account.id)
                row.first_login_done = True
                db.add(row)
        self.loaded = True

    @handler(Access.ACCOUNT)
    def choose_language(self, viewer: Viewer, language: str):
        account = viewer.account
        language = i18n.normalize_language(language if isinstance(language, str) else "")
        with session_scope() as db:
            row = db.get(Account, account.id)
            row.language = language
            db.add(row)
        self._apply_language(language)
        # Texts this state built itself follow the new language at once.
        self.details_notice, self.details_errors, self.notify_notice, self.tf_error = "", [], "", ""
        self._load_extras(row)

    # ---- 2-step verification: set-up ----
    @handler(Access.ACCOUNT)
    def start_sms(self, viewer: Viewer):
        self.tf_step, self.tf_error, self.recovery_codes = "sms_phone", "", []

    @handler(Access.ACCOUNT)
    def send_sms_code(self, viewer: Viewer, form: dict):
        session_id, account = viewer.session_id, viewer.account
        phone = str((form or {}).get("phone", ""))[:40]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                self._pending_phone = twofactor.start_sms_setup(
                    session=db, account=account, phone=phone, session_id=session_id, settings=get_settings()
                )
        except ServiceError as error:
            return self._fail(error)
        self.tf_phone_shown = twofactor.mask_phone(self._pending_phone)
        self.tf_step, self.tf_error = "sms_code", ""

    @handler(Access.ACCOUNT)
    def confirm_sms_code(self, viewer: Viewer, form: dict):
        session_id, account = viewer.session_id, viewer.account
        if not self._pending_phone:
            self.tf_step = "sms_phone"
            return
        code = str((form or {}).get("code", ""))[:20]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                codes = twofactor.confirm_sms_setup(
                    session=db,
                    account=account,
                    phone=self._pending_phone,
                    code=code,
                    session_id=session_id,
                    settings=get_settings(),
                )
        except ServiceError as error:
            return self._fail(error)
        self._pending_phone = ""
        self._show_codes(codes, account.id)

    @handler(Access.ACCOUNT)
    def start_totp(self, viewer: Viewer):
        account = viewer.account
        secret = twofactor.new_totp_secret()
        self._pending_totp_secret = secret
        uri = twofactor.totp_uri(secret=secret, email=account.email, office_name=get_settings().office_name)
        self.totp_qr = twofactor.qr_svg_data_uri(uri)
        self.totp_secret_text = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        self.tf_step, self.tf_error, self.recovery_codes = "totp", "", []

    @handler(Access.ACCOUNT)
    def confirm_totp(self, viewer: Viewer, form: dict):
        account = viewer.account
        if not self._pending_totp_secret:
            self.tf_step = ""
            return
        code = str((form or {}).get("code", ""))[:20]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                codes = twofactor.confirm_totp_setup(
                    session=db, account=account, secret=self._pending_totp_secret, code=code
                )
        except ServiceError as error:
            return self._fail(error)
        self._pending_totp_secret = ""
        self.totp_qr = ""
        self.totp_secret_text = ""
        self._show_codes(codes, account.id)

    def _show_codes(self, codes: list[str], account_id: int) -> None:
        self.recovery_codes = codes
        self.tf_step, self.tf_error = "codes", ""
        self._refresh_two_factor(account_id)

    @handler(Access.ACCOUNT)
    def codes_saved(self, viewer: Viewer):
        self.recovery_codes = []
        self.tf_step = ""

    @handler(Access.ACCOUNT)
    def download_codes(self, viewer: Viewer):
        if not self.recovery_codes:
            return
        header = i18n.t("tf.codes_file_header", self.lang, office=get_settings().office_name)
        return rx.download(data=header + "\n\n" + "\n".join(self.recovery_codes) + "\n", filename="herstelcodes.txt")

    @handler(Access.ACCOUNT)
    def cancel_two_factor_step(self, viewer: Viewer):
        self._pending_phone = ""
        self._pending_totp_secret = ""
        self.tf_step, self.tf_error, self.totp_qr, self.totp_secret_text = "", "", "", ""

    # ---- actions that ask for the password again ----
    @handler(Access.ACCOUNT)
    def ask_password(self, viewer: Viewer, action: str):
        if action not in ("disable", "regenerate", "change_phone"):
            return
        self.tf_pending_action = action
        self.tf_step, self.tf_error, self.recovery_codes = "confirm_password", "", []

    @handler(Access.ACCOUNT)
    def confirm_password(self, viewer: Viewer, form: dict):
        account = viewer.account
        password = str((form or {}).get("password", ""))[:512]
        # the body runs in the database thread pool: the slow hash blocks no one else
        ok = passwords.verify_password(password, account.password_hash)
        if not ok:
            with session_scope() as db:
                audit.record(db, "password.recheck_failed", actor_id=account.id, ip=self._client_ip())
            self.tf_error = i18n.t("tf.wrong_password", self.lang)
            return
        action, self.tf_pending_action = self.tf_pending_action, ""
        with session_scope() as db:
            if action == "regenerate":
                codes = twofactor.regenerate_recovery_codes(session=db, account=account)
            else:
                twofactor.disable(session=db, account=account, actor_id=account.id)
                codes = None
        if codes is not None:
            self._show_codes(codes, account.id)
            return
        self._refresh_two_factor(account.id)
        self.tf_error = ""
        self.tf_step = "sms_phone" if action == "change_phone" else ""

    # ---- notifications ----
    @handler(Access.ACCOUNT)
    def set_notification(self, viewer: Viewer, kind: str, enabled: bool):
        account = viewer.account
        if account.is_staff or kind not in NOTIFY_KINDS or not isinstance(enabled, bool):
            return
        with session_scope() as db:
            self.notify = notifications.set_preference(db, account, kind, enabled)
            audit.record(
                db,
                "notifications.changed",
                actor_id=account.id,
                ip=self._client_ip(),
                detail={"kind": kind, "on": enabled},
            )
        self.notify_notice = i18n.t("notify.saved", self.lang)

    # ---- personal details: e-mail address and password ----
    @handler(Access.ACCOUNT)
    def open_details_step(self, viewer: Viewer, step: str):
        if step not in ("email", "password"):
            return
        self.details_step, self.details_errors, self.details_notice = step, [], ""

    @handler(Access.ACCOUNT)
    def close_details_step(self, viewer: Viewer):
        self.details_step, self.details_errors = "", []

    @handler(Access.ACCOUNT)
    def request_email_change(self, viewer: Viewer, form: dict):
        account = viewer.account
        form = form if isinstance(form, dict) else {}
        new_email = str(form.get("new_email", ""))[:300]
        password = str(form.get("password", ""))[:1024]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                personal_details.request_email_change(
                    db,
                    account_id=account.id,
                    password=password,
                    new_email=new_email,
                    settings=get_settings(),
                    ip=self._client_ip(),
                )
                pending = personal_details.pending_email_change(db, account.id)
        except ServiceError as error:
            self.details_errors = error_text(error, self.lang)
            return
        self.pending_email = pending
        self.details_step, self.details_errors = "", []
        self.details_notice = i18n.t("details.email_sent", self.lang, email=self.pending_email)

    @handler(Access.ACCOUNT)
    def cancel_email_change(self, viewer: Viewer):
        account = viewer.account
        with session_scope() as db:
            if personal_details.cancel_email_change(db, account_id=account.id, ip=self._client_ip()):
                self.details_notice = i18n.t("details.email_cancelled", self.lang)
        self.pending_email = ""

    @handler(Access.ACCOUNT)
    def change_password(self, viewer: Viewer, form: dict):
        form = form if isinstance(form, dict) else {}
        current = str(form.get("current_password", ""))[:1024]
        new = str(form.get("password", ""))[:1024]
        repeat = str(form.get("password_repeat", ""))[:1024]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                personal_details.change_password(
                    db,
                    account_id=viewer.account_id,
                    session_id=viewer.session_id,
                    current=current,
                    new=new,
                    repeat=repeat,
                    settings=get_settings(),
                    ip=self._client_ip(),
                )
        except ServiceError as error:
            self.details_errors = error_text(error, self.lang)
            return
        self.details_step, self.details_errors = "", []
        self.details_notice = i18n.t("details.password_changed", self.lang)


class EmailConfirmState(PortalState):
    """/e-mail-bevestigen?token=...: the link from the mail to the new address.

    Only the signed-in owner of the account can confirm. The page is declared
    public so that, without a session, this state itself sends the user to the
    login page with the whole link (token included) as the way back; the
    standard refusal would drop the token.
    """

    confirm_done: bool = False
    confirm_ok: bool = False
    confirm_message: str = ""

    @handler(Access.PUBLIC, loads_page=True)
    def confirm_email(self, viewer: Viewer | None):
        self.confirm_done, self.confirm_ok, self.confirm_message = False, False, ""
        token = str(self.router.url.query_parameters.get("token", ""))[:100]
        if viewer is None:
            target = personal_details.EMAIL_CHANGE_PATH + (f"?token={quote(token, safe='')}" if token else "")
            return rx.redirect(f"/login?next={quote(target, safe='/')}")
        account = viewer.account
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                changed = personal_details.confirm_email_change(
                    db, account_id=account.id, token=token, ip=self._client_ip()
                )
                new_email = changed.email
        except ServiceError as error:
            self.confirm_message = error_text(error, self.lang)[0]
            self.confirm_done = True
            return
        self.confirm_ok, self.confirm_done = True, True
        self.confirm_message = i18n.t("details.email_changed", self.lang, email=new_email)
