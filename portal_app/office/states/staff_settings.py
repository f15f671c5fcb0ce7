"""Instellingen (/staff/instellingen, admins only): staff members and office settings.

Every handler is declared `@handler(Access.ADMIN)` (core/states/access.py): a
behandelaar (or a client) calling any of them gets "not found" and changes
nothing.

The office settings come in four forms (Kantoor, Wachtwoordbeleid,
Uploadlimieten, Sessieduur), each saved on its own through
`staff_admin.update_office`: only that form's keys are taken from the submitted
data, a bad value is shown next to its field and nothing of that form is stored,
while the fields keep what the admin typed (the inputs are uncontrolled; the
colour lives in `colour_draft` for the live header preview). The logo goes
through `services.branding`.
"""

from __future__ import annotations

import re

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.core.pages import routes
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError
from portal_app.core.states.access import Access, Viewer, handler, run_db
from portal_app.core.states.staff_base import StaffState
from portal_app.documents.services.uploads import aiter_file
from portal_app.messages.services import attachments
from portal_app.notifications.services import mail_health
from portal_app.office.services import branding, office_settings, staff_admin, step_templates
from portal_app.settings import get_settings

# form -> the office settings it saves (keys of services.office_settings)
OFFICE_FORMS: dict[str, tuple[str, ...]] = {
    "office": ("office_name", "brand_colour"),
    "address": ("office_address",),
    "password": ("password_min_length", "password_require_symbol"),
    "uploads": (
        "client_max_upload_mb",
        "staff_max_upload_mb",
        "client_max_message_mb",
        "staging_expiry_hours",
        "staging_quota_mb",
    ),
    "sessions": ("session_idle_minutes", "session_absolute_hours"),
}
OFFICE_FIELDS = tuple(key for keys in OFFICE_FORMS.values() for key in keys)
CHECKBOXES = ("password_require_symbol",)
LOGO_FORM = "logo"
LOGO_MAX_BYTES = branding.MAX_INPUT_BYTES  # the logo drop zone refuses a larger file in the browser
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _blank_errors() -> dict[str, str]:
    return {key: "" for key in OFFICE_FIELDS}


def _blank_notices() -> dict[str, str]:
    return {form: "" for form in (*OFFICE_FORMS, LOGO_FORM)}


class StaffSettingsState(StaffState):
    staff_rows: list[staff_admin.StaffRow] = []
    office: staff_admin.OfficeView = staff_admin.OfficeView()
    notice: str = ""
    error: str = ""

    add_open: bool = False
    add_error: str = ""
    edit_open: bool = False
    edit_error: str = ""
    edit_row: staff_admin.StaffRow = staff_admin.StaffRow()
    remove_open: bool = False
    remove_name: str = ""

    # office settings: the error of each field, the success notice of each form
    office_errors: dict[str, str] = _blank_errors()
    office_notices: dict[str, str] = _blank_notices()
    # the hex colour as typed (native picker and text field), for the header preview
    colour_draft: str = office_settings.DEFAULT_BRAND_COLOUR
    logo_error: str = ""
    logo_limit_text: str = ""
    remove_logo_open: bool = False
    # bumped on every page load: the office forms are mounted again with the stored values
    forms_key: int = 0

    # outgoing mail: its state, the configured server, and the answer to the last test mail
    mail: mail_health.MailStatus = mail_health.MailStatus()
    mail_server: str = ""
    test_mail_busy: bool = False
    test_mail_ok: bool = False
    test_mail_text: str = ""

    # progress steps per kind of dossier: each kind's steps, and the outcome of the last save
    step_templates: list[step_templates.TemplateView] = []
    template_saved: str = ""  # the kind whose template was just saved
    template_error_type: str = ""
    template_error: str = ""

    _edit_id: int = 0
    _remove_id: int = 0

    @rx.var
    def colour_preview(self) -> str:
        """The typed colour while it is a complete #rrggbb code, else the stored one."""
        if _HEX_COLOUR.match(self.colour_draft or ""):
            return self.colour_draft.lower()
        return self.office.brand_colour

    def _reload(self, actor: Account) -> None:
        with session_scope() as db:
            self.staff_rows = staff_admin.list_staff(session=db, actor=actor, language=self.lang)
            self.office = staff_admin.office_view(session=db, actor=actor, settings=get_settings())
            self.mail = mail_health.mail_status(session=db, actor=actor, settings=get_settings(), language=self.lang)
            self.step_templates = step_templates.templates_view(session=db, actor=actor, language=self.lang)
        settings = get_settings()
        self.mail_server = f"{settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else ""
        self.logo_limit_text = self._t("staff.settings.logo_help", max_mb=branding.MAX_INPUT_MB)

    def _clear_office_messages(self) -> None:
        self.notice = self.error = self.logo_error = ""
        self.office_errors = _blank_errors()
        self.office_notices = _blank_notices()

    def _office_error_text(self, error: ServiceError) -> str:
        params = {}
        ratio = getattr(error, "params", {}).get("ratio")
        if ratio is not None and self.lang == "nl":
            params["ratio"] = str(ratio).replace(".", ",")
        return self._err(error, **params)

    def _after_office_change(self, actor: Account) -> None:
        # another request may have read the settings between the flush and the commit
        office_settings.invalidate()
        self._reload(actor)
        self._apply_branding()  # this admin's own header follows at once
        self._apply_language(self.lang)  # and the password rule texts

    def _save_office_form(self, actor: Account, form: str, form_data):
        """Store the settings of one form; a bad value goes next to its field, nothing is stored."""
        self._clear_office_messages()
        data = form_data if isinstance(form_data, dict) else {}
        changes = {}
        for key in OFFICE_FORMS[form]:
            if key in CHECKBOXES:
                # a ticked box sends "on"; an unticked one sends nothing
                changes[key] = data.get(key, False)
            else:
                changes[key] = data.get(key, "")
        try:
            with session_scope() as db:
                staff_admin.update_office(session=db, actor=actor, changes=changes)
        except ServiceError as error:
            field = getattr(error, "field", None)
            if field in OFFICE_FORMS[form]:
                self.office_errors = {**_blank_errors(), field: self._office_error_text(error)}
            else:
                self.error = self._err(error)
            return
        self._after_office_change(actor)
        self.office_notices = {**_blank_notices(), form: self._t("staff.settings.saved")}
        if form == "office":
            # show the stored (normalized) values: "#063" -> "#006633", spaces collapsed
            self.colour_draft = self.office.brand_colour
            return rx.set_value("office-name", self.office.office_name)

    def _find(self, account_id: object) -> staff_admin.StaffRow | None:
        # the buttons send the row's id (a number); a forged event may send anything
        if isinstance(account_id, str) and account_id.isascii() and account_id.isdigit():
            account_id = int(account_id)
        if not isinstance(account_id, int) or isinstance(account_id, bool):
            return None
        return next((row for row in self.staff_rows if row.id == account_id), None)

    @handler(Access.ADMIN, loads_page=True)
    def load_settings(self, viewer: Viewer):
        self.notice = self.error = ""
        self.add_open = self.edit_open = self.remove_open = self.remove_logo_open = False
        self._clear_office_messages()
        self.test_mail_text = ""
        self.template_saved = self.template_error_type = self.template_error = ""
        self._reload(viewer.account)
        self.colour_draft = self.office.brand_colour
        self.forms_key += 1

    @handler(Access.ADMIN)
    def set_add_open(self, viewer: Viewer, value: bool):
        self.add_open = value is True
        self.add_error = ""

    @handler(Access.ADMIN)
    def add_staff(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                account = staff_admin.add_staff(
                    session=db,
                    actor=viewer.account,
                    email=data.get("email", ""),
                    name=data.get("name", ""),
                    role=data.get("role", ""),
                    settings=get_settings(),
                )
                email = account.email
        except ServiceError as error:
            self.add_error = self._err(error)
            return
        self.add_open = False
        self.notice = self._t("staff.settings.added", email=email)
        self._reload(viewer.account)

    @handler(Access.ADMIN)
    def start_edit(self, viewer: Viewer, account_id: int | str):
        row = self._find(account_id)
        if row is None:
            return
        self._edit_id = row.id
        self.edit_row = row
        self.edit_error = ""
        self.edit_open = True

    @handler(Access.ADMIN)
    def set_edit_open(self, viewer: Viewer, value: bool):
        self.edit_open = value is True
        if not self.edit_open:
            self._edit_id = 0

    @handler(Access.ADMIN)
    def save_edit(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        if not self._edit_id:
            return
        try:
            with session_scope() as db:
                account = staff_admin.update_staff(
                    session=db,
                    actor=viewer.account,
                    account_id=self._edit_id,
                    name=data.get("name", ""),
                    role=data.get("role", ""),
                )
        except ServiceError as error:
            self.edit_error = self._err(error)
            return
        self.edit_open = False
        self._edit_id = 0
        if account.id == viewer.account_id:
            # an admin who renamed (or demoted) themselves sees it in the header at once
            self._signed_in_as(account)
            if not self.staff_is_admin:
                return rx.redirect(routes.STAFF)  # this screen is for admins only
        self.notice = self._t("staff.settings.saved")
        self._reload(viewer.account)

    @handler(Access.ADMIN)
    def ask_remove(self, viewer: Viewer, account_id: int | str):
        row = self._find(account_id)
        if row is None or row.me:
            return
        self._remove_id = row.id
        self.remove_name = row.name
        self.remove_open = True

    @handler(Access.ADMIN)
    def set_remove_open(self, viewer: Viewer, value: bool):
        self.remove_open = value is True
        if not self.remove_open:
            self._remove_id = 0

    @handler(Access.ADMIN)
    def confirm_remove(self, viewer: Viewer):
        account_id, self._remove_id = self._remove_id, 0
        self.remove_open = False
        if not account_id:
            return
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                staff_admin.remove_staff(session=db, actor=viewer.account, account_id=account_id)
        except ServiceError as error:
            self.error = self._err(error)
        else:
            self.notice = self._t("staff.settings.removed")
        self._reload(viewer.account)

    @handler(Access.ADMIN)
    def set_require_2fa(self, viewer: Viewer, value: bool):
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                staff_admin.set_office_flag(session=db, actor=viewer.account, key="staff_require_2fa", value=value)
        except ServiceError as error:
            self.error = self._err(error)
        else:
            self.notice = self._t("staff.settings.saved")
        self._reload(viewer.account)

    # ---- office settings ------------------------------------------------------------

    @handler(Access.ADMIN)
    def save_office_details(self, viewer: Viewer, form_data: dict):
        return self._save_office_form(viewer.account, "office", form_data)

    @handler(Access.ADMIN)
    def save_office_address(self, viewer: Viewer, form_data: dict):
        return self._save_office_form(viewer.account, "address", form_data)

    @handler(Access.ADMIN)
    def save_password_policy(self, viewer: Viewer, form_data: dict):
        return self._save_office_form(viewer.account, "password", form_data)

    @handler(Access.ADMIN)
    def save_upload_limits(self, viewer: Viewer, form_data: dict):
        return self._save_office_form(viewer.account, "uploads", form_data)

    @handler(Access.ADMIN)
    def save_session_lengths(self, viewer: Viewer, form_data: dict):
        return self._save_office_form(viewer.account, "sessions", form_data)

    @handler(Access.ADMIN)
    def set_colour_draft(self, viewer: Viewer, value: str):
        """The colour picker or the hex field changed: only the preview follows, nothing is stored."""
        self.colour_draft = value.strip()[:7] if isinstance(value, str) else ""

    @handler(Access.ADMIN)
    async def upload_logo(self, viewer: Viewer, files: list[rx.UploadFile]):
        """A new logo: services.branding checks, cleans and stores it."""
        uploads = list(files or []) if isinstance(files, list) else []
        if not uploads:
            return  # the browser refused the file: refuse_logo says why
        self._clear_office_messages()
        if len(uploads) != 1:
            self.logo_error = self._t("staff.settings.logo_one")
            return
        upload = uploads[0]
        name = str(getattr(upload, "name", None) or getattr(upload, "filename", "") or "logo")[:200]
        data = bytearray()
        async for chunk in aiter_file(upload):
            data += chunk
            if len(data) > branding.MAX_INPUT_BYTES:
                break  # enough to be refused as too large; the rest is not read
        # decoding and re-encoding the image is CPU work, storing it database work:
        # both off the event loop
        await run_db(self._store_logo, viewer.account, name, bytes(data))

    @handler(Access.ADMIN)
    def refuse_logo(self, viewer: Viewer, rejections: list[dict]):
        """A file the logo drop zone refused in the browser (type, size), in the user's language."""
        self._clear_office_messages()
        texts = attachments.browser_refusal_texts(
            rejections, self.lang, max_mb=branding.MAX_INPUT_MB, max_files=1, allowed=self.logo_limit_text
        )
        self.logo_error = " ".join(texts)

    def _store_logo(self, actor: Account, name: str, data: bytes) -> None:
        """Store a new logo and show the outcome (blocking: runs in the database pool)."""
        try:
            with session_scope() as db:
                branding.store_logo(session=db, actor=actor, filename=name, data=data, settings=get_settings())
        except ServiceError as error:
            self.logo_error = self._err(error)
            return
        self._after_office_change(actor)
        self.office_notices = {**_blank_notices(), LOGO_FORM: self._t("staff.settings.logo_saved")}

    @handler(Access.ADMIN)
    def set_remove_logo_open(self, viewer: Viewer, value: bool):
        self.remove_logo_open = value is True and self.office.logo_url != ""

    @handler(Access.ADMIN)
    def confirm_remove_logo(self, viewer: Viewer):
        self.remove_logo_open = False
        self._clear_office_messages()
        try:
            with session_scope() as db:
                branding.remove_logo(session=db, actor=viewer.account)
        except ServiceError as error:
            self.logo_error = self._err(error)
            return
        self._after_office_change(viewer.account)
        self.office_notices = {**_blank_notices(), LOGO_FORM: self._t("staff.settings.logo_removed")}

    # ---- progress steps per kind of dossier ------------------------------------------

    @handler(Access.ADMIN)
    def save_step_template(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        kind = data.get("dossier_type", "")
        self.template_saved = self.template_error_type = self.template_error = ""
        try:
            with session_scope() as db:
                step_templates.save_template(
                    session=db, actor=viewer.account, dossier_type=kind, steps_text=data.get("steps", "")
                )
        except ServiceError as error:
            self.template_error_type = kind if isinstance(kind, str) else ""
            self.template_error = self._err(error)
            return
        self.template_saved = kind
        self._reload(viewer.account)

    # ---- outgoing mail --------------------------------------------------------------

    def _prepare_test_mail(self, actor: Account, language: str, office_name: str):
        """The test mail (audited); blocking: runs in the database pool."""
        with session_scope() as db:
            return mail_health.prepare_test_mail(
                session=db, actor=actor, settings=get_settings(), office_name=office_name, language=language
            )

    def _mail_status(self, actor: Account, language: str) -> mail_health.MailStatus:
        with session_scope() as db:
            return mail_health.mail_status(session=db, actor=actor, settings=get_settings(), language=language)

    @handler(Access.ADMIN, background=True)
    async def send_test_mail(self, viewer: Viewer):
        """Send a test mail to the admin's own address and show the SMTP server's answer.

        A background task: talking to a slow or unreachable server (up to
        mail_health.TEST_TIMEOUT_SECONDS) must not hold the tab's state lock."""
        async with self:
            if self.test_mail_busy:
                return
            self.test_mail_busy = True
            self.test_mail_text = ""
            language, office_name = self.lang, self.office.office_name
        try:
            message = await run_db(self._prepare_test_mail, viewer.account, language, office_name)
            result = await mail_health.send_test_mail(message, settings=get_settings(), language=language)
            status = await run_db(self._mail_status, viewer.account, language)
        except ServiceError as error:
            async with self:
                self.test_mail_busy = False
                self.test_mail_ok = False
                self.test_mail_text = self._err(error)
            return
        async with self:
            self.test_mail_busy = False
            self.test_mail_ok = result.ok
            self.test_mail_text = result.text
            self.mail = status
