"""Tabblad Berichten: list, open (marks read), reply, new message, attachments.

A substate of DossierState. Every handler is declared for clients
(core/states/access.py); those that read or change messages or files re-check the
dossier access through `_dossier_for(viewer)` first.
Attachments are validated and stored when they are dropped or picked
(services/attachments.py, shared with the office composer); they become documents
only when the message is sent (otherwise they are deleted again).

The row models below are shared with the office's view of a thread
(dossiers/states/staff_dossiers.py) and read by the components in components.py.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
import unicodedata

import reflex as rx

from portal_app.core.services import formatting, i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError, ValidationFailed
from portal_app.core.services.staff_access import size_text
from portal_app.core.states.access import Access, Viewer, handler, run_db
from portal_app.documents.services import staging
from portal_app.documents.services.documents import PendingFile
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.states.dossier import MESSAGES_TAB, DossierState
from portal_app.messages.services import attachments, messages
from portal_app.office.services import office_settings
from portal_app.settings import get_settings

UPLOAD_ID = "bijlagen"
# The browser's refusals and the upload of the accepted files of one pick arrive within this time.
SAME_PICK_SECONDS = 30.0
logger = logging.getLogger(__name__)


@dataclasses.dataclass
class AttachmentRow:
    """An attachment of a sent message (a document: `id` is the document's)."""

    id: int = 0
    name: str = ""
    size: str = ""
    withdrawn: bool = False  # only the office's view lists withdrawn attachments


@dataclasses.dataclass
class MessageRow:
    """One message of a thread, on either side."""

    id: int = 0
    subject: str = ""
    body: str = ""
    from_office: bool = False
    author: str = ""
    date: str = ""
    unread: bool = False
    attachment_count: int = 0
    staff_read: str = ""  # office view: when staff first opened a client's message
    read_by: str = ""  # office view: which clients read an office message


@dataclasses.dataclass
class StagedFile:
    """A file picked for a message that is not sent yet; `index` is its place in the pending list."""

    index: int = 0
    name: str = ""
    size: str = ""


def attachment_rows(views: list[messages.AttachmentView], language: str = "nl") -> list[AttachmentRow]:
    return [
        AttachmentRow(
            id=view.document_id, name=view.filename, size=size_text(view.size, language), withdrawn=view.withdrawn
        )
        for view in views
    ]


def staged_rows(pending: list[dict], language: str = "nl") -> list[StagedFile]:
    return [
        StagedFile(index=i, name=data["filename"], size=size_text(data["size"], language))
        for i, data in enumerate(pending)
    ]


def staged_quota_left(account_id: int, quota_bytes: int) -> int:
    with session_scope() as db:
        return staging.quota_left(db, account_id, quota_bytes=quota_bytes)


def record_staged(account_id: int, added: list[dict], expiry_hours: int) -> bool:
    """Staging rows for just-stored files; False when they could not be written (the files go again)."""
    try:
        with session_scope() as db:
            staging.record(
                db,
                account_id=account_id,
                files=[(data["key"], int(data["size"])) for data in added],
                expiry_hours=expiry_hours,
            )
    except Exception:
        logger.exception("uploads: staging rows not written")
        return False
    return True


def message_id_of(value) -> int | None:
    """A message id as the browser sent it (a number, or its text), else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MessagesState(DossierState):
    message_rows: list[MessageRow] = []
    # messages of the list opened (so read) since it was loaded: shown as read without resending the list
    read_now: list[int] = []
    open_message_id: int = 0
    open_attachments: list[AttachmentRow] = []

    composing: bool = False
    reply_to_id: int = 0
    subject: str = ""
    body: str = ""
    # the composer's fields are uncontrolled: a new key shows subject and body afresh in them
    composer_key: int = 0
    quote: str = ""
    subject_error: str = ""
    body_error: str = ""
    send_error: str = ""
    max_reached: bool = False
    sent_notice: str = ""

    dialog_open: bool = False
    staged_files: list[StagedFile] = []
    attached_files: list[StagedFile] = []
    upload_errors: list[str] = []
    upload_progress: int = 0
    uploading: bool = False
    upload_limits_text: str = ""
    # the per-file limit in bytes, for the drop zone to refuse a larger file before it is sent
    # (until the tab loads it: the highest the setting allows, so the server decides)
    upload_max_bytes: int = 2048 * 1024 * 1024

    _staged: list[dict] = []
    _attached: list[dict] = []
    # what the drop zone refused in the browser, and when: one pick sends those refusals and the
    # accepted files as two events, and the second must not wipe out the first's messages
    _browser_errors: list[str] = []
    _browser_errors_at: float = 0.0
    _submit_key: str = ""
    _attachments: dict[int, list[AttachmentRow]] = {}

    # ---- list ----
    def _load_messages(self, account, dossier) -> None:
        with session_scope() as db:
            views = messages.list_for_dossier(db, account, dossier.id)
        self.read_now = []
        self.message_rows = [
            MessageRow(
                id=view.id,
                subject=view.subject,
                body=view.body,
                from_office=view.from_office,
                author=view.author_name,
                date=formatting.format_datetime(view.created_at, self.lang, style="numeric"),
                unread=view.unread,
                attachment_count=len(view.attachments),
            )
            for view in views
        ]
        self._attachments = {view.id: attachment_rows(view.attachments, self.lang) for view in views}

    @handler(Access.CLIENT)
    def load_messages(self, viewer: Viewer):
        account, dossier = viewer.account, self._dossier_for(viewer)
        if dossier is None:
            return
        office = office_settings.profile()
        self.upload_limits_text = i18n.t(
            "upload.limits", self.lang, max_mb=office.client_max_upload_mb, message_mb=office.client_max_message_mb
        )
        self.upload_max_bytes = office.client_max_upload_bytes
        self._load_messages(account, dossier)

    @handler(Access.CLIENT)
    def open_message(self, viewer: Viewer, message_id: str):
        account = viewer.account
        wanted = message_id_of(message_id)
        if wanted is None:
            return
        if self.open_message_id == wanted:
            self.open_message_id = 0
            return
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                # the message's own dossier must be the one on screen, and visible to this client
                message = messages.get_for_account(db, account, wanted, ip=self._client_ip())
                if message.dossier_id != self.dossier_id:
                    raise NotFound()
                messages.mark_read(db, account=account, message_id=message.id)
        except NotFound:
            return
        self.open_message_id = wanted
        self.open_attachments = self._attachments.get(wanted, [])
        # The row and the tab badge change here, without reading the list again, and without
        # sending the list again: the update carries the id in `read_now`, not 50 message bodies.
        if wanted not in self.read_now and any(row.id == wanted and row.unread for row in self.message_rows):
            self.read_now = [*self.read_now, wanted]
            unread = dict(self.tab_unread)
            unread[MESSAGES_TAB] = max(0, unread.get(MESSAGES_TAB, 0) - 1)
            self.tab_unread = unread

    # ---- composer ----
    def _discard(self, files: list[dict]) -> None:
        """Delete picked files and their staging rows (blocking: call from a plain handler)."""
        if files:
            with session_scope() as db:
                attachments.discard(FileStore(get_settings().files_dir), files, session=db)

    def _reset_composer(self) -> None:
        self._discard(self._staged + self._attached)
        self._staged, self._attached = [], []
        self.staged_files, self.attached_files, self.upload_errors = [], [], []
        self.subject = self.body = self.quote = ""
        self.composer_key += 1
        self.subject_error = self.body_error = self.send_error = ""
        self.reply_to_id = 0
        self.max_reached = False
        self.dialog_open = False
        self.upload_progress = 0

    @handler(Access.CLIENT)
    def new_message(self, viewer: Viewer):
        self._reset_composer()
        self.composing = True
        self.sent_notice = ""
        self._submit_key = secrets.token_urlsafe(24)

    @handler(Access.CLIENT)
    def reply(self, viewer: Viewer, message_id: str):
        account, dossier = viewer.account, self._dossier_for(viewer)
        wanted = message_id_of(message_id)
        if dossier is None or wanted is None:
            return
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                message = messages.get_for_account(db, account, wanted, ip=self._client_ip())
                if message.dossier_id != dossier.id:
                    raise NotFound()
                subject, original = message.subject, message.body
        except NotFound:
            return
        self._reset_composer()
        self.composing = True
        self.sent_notice = ""
        self.reply_to_id = wanted
        self.subject = messages.reply_subject(subject)
        self.quote = original
        self._submit_key = secrets.token_urlsafe(24)

    @handler(Access.CLIENT)
    def cancel_composer(self, viewer: Viewer):
        self._reset_composer()
        self.composing = False

    @handler(Access.CLIENT)
    def set_subject(self, viewer: Viewer, value: str):
        self.subject = str(value or "")[: messages.MAX_SUBJECT_CHARS]
        if self.subject.strip():
            self.subject_error = ""

    @handler(Access.CLIENT)
    def set_body(self, viewer: Viewer, value: str):
        """The manual: on reaching 4,000 characters a notice; text beyond it is removed."""
        # counted as the service counts: code points after NFC (messages.validate)
        value = unicodedata.normalize("NFC", str(value or "").replace("\r\n", "\n"))
        limit = messages.MAX_BODY_CHARS
        if len(value) > limit or (len(value) == limit and value != self.body):
            self.max_reached = True
        self.body = value[:limit]
        if self.body.strip():
            self.body_error = ""

    @handler(Access.CLIENT)
    def close_max_dialog(self, viewer: Viewer):
        self.max_reached = False

    @handler(Access.CLIENT)
    def send(self, viewer: Viewer):
        account, dossier = viewer.account, self._dossier_for(viewer)
        if dossier is None:
            return
        if not self.composing or not self._submit_key:
            return  # a second click after the message went out
        self.subject_error = i18n.t("message.subject_required", self.lang) if not self.subject.strip() else ""
        self.body_error = i18n.t("message.body_required", self.lang) if not self.body.strip() else ""
        if self.subject_error or self.body_error:
            return
        settings = get_settings()
        store = FileStore(settings.files_dir)
        try:
            with session_scope() as db:
                messages.send_client_message(
                    db,
                    account=account,
                    dossier_id=dossier.id,
                    subject=self.subject,
                    body=self.body,
                    settings=settings,
                    store=store,
                    parent_id=self.reply_to_id or None,
                    attachments=[PendingFile.from_dict(data) for data in self._attached],
                    submit_key=self._submit_key,
                    ip=self._client_ip(),
                )
        except ValidationFailed as error:
            text = i18n.t(error.code, self.lang)
            if error.field == "subject":
                self.subject_error = text
            elif error.field == "body":
                self.body_error = text
            else:
                self.send_error = text
            return
        except NotFound:
            self.send_error = i18n.t("error.not_found", self.lang)
            return
        self._attached = []  # now documents: keep the files
        self._submit_key = ""
        self._reset_composer()
        self.composing = False
        self.sent_notice = i18n.t("message.sent", self.lang)
        self._load_messages(account, dossier)
        self._refresh_counts(account)

    # ---- attachments dialog ----
    @handler(Access.CLIENT)
    def open_dialog(self, viewer: Viewer):
        self.dialog_open = True
        self.upload_errors = []

    @handler(Access.CLIENT)
    def set_dialog_open(self, viewer: Viewer, value: bool):
        if not value:
            return MessagesState.cancel_dialog

    @handler(Access.CLIENT)
    def cancel_dialog(self, viewer: Viewer):
        """'Annuleer': the files picked in this dialog are removed again."""
        self._discard(self._staged)
        self._staged, self.staged_files, self.upload_errors = [], [], []
        self.dialog_open = False

    @handler(Access.CLIENT)
    def track_progress(self, viewer: Viewer, progress: dict):
        try:
            self.upload_progress = int(float(progress.get("progress", 0)) * 100)
        except (TypeError, ValueError, AttributeError):
            pass

    @handler(Access.CLIENT)
    async def stage_files(self, viewer: Viewer, files: list[rx.UploadFile]):
        """Validate and store the picked or dropped files (type by content, size while streaming)."""
        if await run_db(self._dossier_for, viewer) is None:
            return
        same_pick = 0 <= time.monotonic() - self._browser_errors_at < SAME_PICK_SECONDS
        browser_errors, self._browser_errors = (self._browser_errors if same_pick else []), []
        if not files:  # everything of this pick was refused in the browser
            return
        office = office_settings.profile()
        self.uploading = True
        # the upload guard (documents/api.py) already checked who sends, and the sizes while
        # the body streamed; here each file is checked by content and counted
        quota_left = await run_db(staged_quota_left, viewer.account_id, office.staging_quota_bytes)
        store = FileStore(get_settings().files_dir)
        before = len(self._staged)
        refused = await attachments.stage(
            files,
            store=store,
            pending=self._staged,
            max_bytes=office.client_max_upload_bytes,
            attached=len(self._attached),
            message_bytes_left=office.client_max_message_bytes - attachments.bytes_of(self._staged, self._attached),
            quota_bytes_left=quota_left,
        )
        added = self._staged[before:]
        if added and not await run_db(record_staged, viewer.account_id, added, office.staging_expiry_hours):
            await run_db(attachments.discard, store, added)
            del self._staged[before:]
            refused.extend(
                attachments.Refusal(data["filename"][: attachments.NAME_CHARS], "upload.failed") for data in added
            )
        self.upload_errors = browser_errors + [
            i18n.t("upload.too_many", self.lang, name=refusal.name)
            if refusal.code == attachments.TOO_MANY
            else f"{refusal.name}: "
            + i18n.t(
                refusal.code,
                self.lang,
                max_mb=office.client_max_upload_mb,
                message_mb=office.client_max_message_mb,
                quota_mb=office.staging_quota_mb,
            )
            for refusal in refused
        ]
        self.staged_files = staged_rows(self._staged, self.lang)
        self.uploading = False
        self.upload_progress = 0

    @handler(Access.CLIENT)
    def unstage(self, viewer: Viewer, index: str):
        """The black cross: remove one picked file before 'Upload'."""
        with session_scope() as db:
            removed = attachments.remove(FileStore(get_settings().files_dir), self._staged, index, session=db)
        if removed:
            self.staged_files = staged_rows(self._staged, self.lang)

    @handler(Access.CLIENT)
    def refuse_files(self, viewer: Viewer, rejections: list[dict]):
        """Files the browser refused before sending (type, size, count): name each with the reason
        and what is allowed, in the user's language (instead of Reflex's English toast)."""
        office = office_settings.profile()
        allowed = i18n.t("upload.allowed", self.lang) + " " + self.upload_limits_text
        texts = [
            f"{name}: "
            + i18n.t(code, self.lang, max_mb=office.client_max_upload_mb, message_mb=office.client_max_message_mb)
            + (" " + allowed if code != "upload.too_many_at_once" else "")
            for name, code in attachments.browser_refusals(rejections)
        ]
        self.upload_errors, self._browser_errors = texts, list(texts)
        self._browser_errors_at = time.monotonic()

    @handler(Access.CLIENT)
    def confirm_upload(self, viewer: Viewer):
        """'Upload [x] bestanden': the picked files are listed under the message."""
        self._attached.extend(self._staged)
        self._staged = []
        self.staged_files = []
        self.attached_files = staged_rows(self._attached, self.lang)
        self.dialog_open = False

    @handler(Access.CLIENT)
    def remove_attachment(self, viewer: Viewer, index: str):
        """The trash icon under the message."""
        with session_scope() as db:
            removed = attachments.remove(FileStore(get_settings().files_dir), self._attached, index, session=db)
        if removed:
            self.attached_files = staged_rows(self._attached, self.lang)
