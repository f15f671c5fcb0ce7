"""Mijn gegevens: details, language and 2-staps verificatie (SMS, app, recovery codes)."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app.models import Account
from portal_app.services import audit, i18n, passwords, twofactor
from portal_app.services.db import session_scope
from portal_app.services.errors import ServiceError
from portal_app.settings import get_settings
from portal_app.states.base import PortalState


class MyDetailsState(PortalState):
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

    def _refresh_two_factor(self, account_id: int) -> None:
        with session_scope() as db:
            status = twofactor.status(db, account_id)
        self.tf_enabled = status.enabled
        self.tf_method = status.method or ""
        self.tf_phone_masked = status.phone_masked or ""
        self.tf_recovery_left = status.recovery_codes_left

    def _fail(self, error: ServiceError) -> None:
        self.tf_error = i18n.t(error.code, self.lang)

    @rx.event
    def load_my_details(self):
        account = self._require_account()
        if account is None:
            return self._to_login()
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
        if not account.first_login_done:
            with session_scope() as db:
                row = db.get(Account, account.id)
                row.first_login_done = True
                db.add(row)

    @rx.event
    def choose_language(self, language: str):
        account = self._require_account()
        if account is None:
            return self._to_login()
        language = i18n.normalize_language(language if isinstance(language, str) else "")
        with session_scope() as db:
            row = db.get(Account, account.id)
            row.language = language
            db.add(row)
        self._apply_language(language)

    # ---- 2-step verification: set-up ----
    @rx.event
    def start_sms(self):
        if self._require_account() is None:
            return self._to_login()
        self.tf_step, self.tf_error, self.recovery_codes = "sms_phone", "", []

    @rx.event
    def send_sms_code(self, form: dict):
        resolved = self._require_session()
        if resolved is None:
            return self._to_login()
        session_id, account = resolved
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

    @rx.event
    def confirm_sms_code(self, form: dict):
        resolved = self._require_session()
        if resolved is None:
            return self._to_login()
        session_id, account = resolved
        if not self._pending_phone:
            self.tf_step = "sms_phone"
            return
        code = str((form or {}).get("code", ""))[:20]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                codes = twofactor.confirm_sms_setup(
                    session=db, account=account, phone=self._pending_phone, code=code, session_id=session_id, settings=get_settings()
                )
        except ServiceError as error:
            return self._fail(error)
        self._pending_phone = ""
        self._show_codes(codes, account.id)

    @rx.event
    def start_totp(self):
        account = self._require_account()
        if account is None:
            return self._to_login()
        secret = twofactor.new_totp_secret()
        self._pending_totp_secret = secret
        uri = twofactor.totp_uri(secret=secret, email=account.email, office_name=get_settings().office_name)
        self.totp_qr = twofactor.qr_svg_data_uri(uri)
        self.totp_secret_text = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        self.tf_step, self.tf_error, self.recovery_codes = "totp", "", []

    @rx.event
    def confirm_totp(self, form: dict):
        account = self._require_account()
        if account is None:
            return self._to_login()
        if not self._pending_totp_secret:
            self.tf_step = ""
            return
        code = str((form or {}).get("code", ""))[:20]
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                codes = twofactor.confirm_totp_setup(session=db, account=account, secret=self._pending_totp_secret, code=code)
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

    @rx.event
    def codes_saved(self):
        if self._require_account() is None:
            return self._to_login()
        self.recovery_codes = []
        self.tf_step = ""

    @rx.event
    def download_codes(self):
        if self._require_account() is None or not self.recovery_codes:
            return
        header = i18n.t("tf.codes_file_header", self.lang, office=get_settings().office_name)
        return rx.download(data=header + "\n\n" + "\n".join(self.recovery_codes) + "\n", filename="herstelcodes.txt")

    @rx.event
    def cancel_two_factor_step(self):
        self._pending_phone = ""
        self._pending_totp_secret = ""
        self.tf_step, self.tf_error, self.totp_qr, self.totp_secret_text = "", "", "", ""

    # ---- actions that ask for the password again ----
    @rx.event
    def ask_password(self, action: str):
        if self._require_account() is None:
            return self._to_login()
        if action not in ("disable", "regenerate", "change_phone"):
            return
        self.tf_pending_action = action
        self.tf_step, self.tf_error, self.recovery_codes = "confirm_password", "", []

    @rx.event
    async def confirm_password(self, form: dict):
        account = self._require_account()
        if account is None:
            return self._to_login()
        password = str((form or {}).get("password", ""))[:512]
        ok = await asyncio.to_thread(passwords.verify_password, password, account.password_hash)
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
