"""Dossiers (/staff/dossiers) and one dossier (/staff/dossiers/<id>).

List: search, filters (status, handler, "mijn dossiers"), 25 per page, create.
One dossier: status and handler, progress steps, publishing to Correspondentie
or Documenten (and withdrawing), who read/downloaded what, the client's
deliveries, the message thread with new message / reply, and client access.
The dossier id comes from the URL at load time and stays on the server
(`_dossier_id`); every handler is declared for staff with the handler skeleton
(core/states/access.py), so it runs only for a live staff session, and lets the
services validate every id the browser sends.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.core.services import formatting
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError, ValidationFailed
from portal_app.core.services.ids import valid_id
from portal_app.core.services.select_option import SelectOption
from portal_app.core.states.access import Access, Viewer, handler, run_db
from portal_app.core.states.staff_base import StaffListState, StaffState, page_text
from portal_app.documents.models import DocumentKind
from portal_app.documents.services.documents import PendingFile, commit_or_discard
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused, iter_file
from portal_app.dossiers.models import DossierStatus
from portal_app.dossiers.services import staff_dossiers
from portal_app.dossiers.services.staff_dossiers import AccessRow, Receipt, StaffDossierRow, StepItem
from portal_app.messages.services import attachments, messages, staff_messages
from portal_app.messages.states import (
    SAME_PICK_SECONDS,
    AttachmentRow,
    MessageRow,
    StagedFile,
    attachment_rows,
    message_id_of,
    record_staged,
    staged_quota_left,
    staged_rows,
)
from portal_app.office.services import office_settings, staff_clients, step_templates
from portal_app.payments.services.iban_guard import MessageHeld
from portal_app.settings import get_settings

MAX_QUERY = 100
TABS = (
    "voortgang",
    DocumentKind.CORRESPONDENCE,
    DocumentKind.DOCUMENT,
    DocumentKind.DELIVERED,
    "berichten",
    "vragenlijsten",
    "toegang",
)
DOC_TABS = DocumentKind.ALL
PUBLISH_UPLOAD_ID = "publish-files"
ATTACH_UPLOAD_ID = "office-attachments"
PUBLISH_MAX_FILES = 20  # the publish drop zone's max_files
# the kinds of dossier of the "new dossier" dialog (their steps come from office/services/step_templates.py)
DOSSIER_TYPES = step_templates.DOSSIER_TYPES


def _upload_name(upload) -> str:
    return str(getattr(upload, "name", None) or getattr(upload, "filename", "") or "bestand")


def _upload_file(upload):
    """The synchronous file of an upload (Reflex's UploadFile keeps one), else the upload itself."""
    file = getattr(upload, "file", None)
    return file if file is not None else upload


def _status_options(language: str) -> list[SelectOption]:
    return [SelectOption(value=s, label=staff_dossiers.status_label(s, language)) for s in DossierStatus.ALL]


@dataclass(frozen=True, kw_only=True)
class StaffDocumentRow:
    """One document of the open tab, with its read receipts as one line per client."""

    id: int
    title: str
    filename: str
    size: str
    date: str
    by: str
    withdrawn: str  # the withdrawal date, "" while published
    receipts: str


class StaffDossiersState(StaffListState):
    query: str = ""
    status_filter: str = "all"
    handler_filter: str = "all"
    mine: bool = False
    rows: list[StaffDossierRow] = []
    total: int = 0
    # "1.234" or "1.000+" (the count stops at staff_access.COUNT_LIMIT)
    total_text: str = "0"
    page_count: int = 1
    page_text: str = ""
    status_options: list[SelectOption] = []
    handler_options: list[dict[str, str]] = []

    create_open: bool = False
    create_error: str = ""
    filter_error: str = ""

    def _reload(self, actor: Account) -> None:
        self.filter_error = ""
        try:
            with session_scope() as db:
                found = staff_dossiers.list_dossiers(
                    session=db,
                    actor=actor,
                    query=self.query,
                    status="" if self.status_filter == "all" else self.status_filter,
                    handler_id="" if self.handler_filter == "all" else self.handler_filter,
                    mine=self.mine,
                    page=self.page,
                    language=self.lang,
                )
        except ValidationFailed as error:
            self.status_filter, self.handler_filter = "all", "all"
            self.filter_error = self._err(error)
            return
        self.rows, self.total, self.page, self.page_count = found.rows, found.total, found.page, found.page_count
        self.total_text = formatting.format_count(found.total, self.lang, more=found.more)
        self.page_text = page_text(self.lang, found.page, found.page_count, self.total_text)

    @handler(Access.STAFF, loads_page=True)
    def load_dossiers(self, viewer: Viewer):
        with session_scope() as db:
            self.handler_options = staff_dossiers.staff_choices(session=db, actor=viewer.account)
        self.status_options = _status_options(self.lang)
        self.create_open = False
        self.create_error = ""
        if self.router.url.query_parameters.get("mijn") == "1":
            self.mine = True
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def search(self, viewer: Viewer, form_data: dict):
        query = form_data.get("q", "") if isinstance(form_data, dict) else ""
        self.query = " ".join(query.split())[:MAX_QUERY] if isinstance(query, str) else ""
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_status_filter(self, viewer: Viewer, value: str):
        if value != "all" and value not in DossierStatus.ALL:
            return
        self.status_filter = value
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_handler_filter(self, viewer: Viewer, value: str):
        if not isinstance(value, str) or not (value in ("all", "none") or (value.isdigit() and len(value) < 19)):
            return
        self.handler_filter = value
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_mine(self, viewer: Viewer, value: bool):
        self.mine = value is True
        self.page = 0
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def set_create_open(self, viewer: Viewer, value: bool):
        self.create_open = value is True
        self.create_error = ""

    @handler(Access.STAFF)
    def create_dossier(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                dossier = staff_dossiers.create_dossier(
                    session=db,
                    actor=viewer.account,
                    number=data.get("number", ""),
                    description=data.get("description", ""),
                    status=data.get("status", DossierStatus.IN_PROGRESS),
                    handler_id=data.get("handler", ""),
                )
                dossier_id = dossier.id
                # a kind of dossier starts with its template's progress steps (none when not chosen)
                step_templates.apply_template(
                    session=db, actor=viewer.account, dossier_id=dossier_id, dossier_type=data.get("dossier_type", "")
                )
        except ServiceError as error:
            self.create_error = self._err(error)
            return
        self.create_open = False
        return rx.redirect(f"/staff/dossiers/{dossier_id}")


class StaffDossierState(StaffState):
    """One dossier, as the office works on it."""

    found: bool = False
    header: dict[str, str] = {}
    tab: str = "voortgang"
    status_options: list[SelectOption] = []
    handler_options: list[dict[str, str]] = []
    notice: str = ""
    error: str = ""
    count_correspondence: int = 0
    count_documents: int = 0
    count_delivered: int = 0
    count_unread: int = 0

    # progress
    steps: list[StepItem] = []
    rename_id: int = 0  # the step being renamed, 0 for none
    step_error: str = ""
    steps_saved: int = 0  # the new-step form empties its field when this goes up (clear_on_save)

    # documents of the open tab
    doc_rows: list[StaffDocumentRow] = []
    publish_kind: str = DocumentKind.DOCUMENT
    publish_title: str = ""
    publish_errors: list[str] = []
    publish_limit_text: str = ""
    attach_limit_text: str = ""
    # the per-file limit in bytes, for the drop zones to refuse a larger file before it is sent
    upload_max_bytes: int = 4096 * 1024 * 1024
    withdraw_open: bool = False
    withdraw_title: str = ""

    # access
    access_rows: list[AccessRow] = []
    access_candidates: list[staff_clients.ClientRow] = []
    access_query: str = ""

    # messages
    message_rows: list[MessageRow] = []
    open_message_id: int = 0
    open_attachments: list[AttachmentRow] = []
    composing: bool = False
    reply_to_id: str = ""
    compose_subject: str = ""
    compose_quote: str = ""
    subject_error: str = ""
    body_error: str = ""
    compose_error: str = ""
    attached_files: list[StagedFile] = []
    attach_errors: list[str] = []

    _dossier_id: int = 0
    _withdraw_id: int = 0
    _submit_key: str = ""
    _attached: list[dict] = []
    _attach_errors_at: float = 0.0
    _attachments: dict[int, list[AttachmentRow]] = {}

    # ---- loading ----
    def _forget(self) -> None:
        self.found = False
        self.header, self.steps, self.doc_rows, self.access_rows, self.message_rows = {}, [], [], [], []
        self.access_candidates, self.open_attachments = [], []

    def _reload_header(self, actor: Account) -> None:
        with session_scope() as db:
            self.header = staff_dossiers.dossier_header(
                session=db, actor=actor, dossier_id=self._dossier_id, language=self.lang
            )
            counts = staff_dossiers.document_counts(session=db, actor=actor, dossier_id=self._dossier_id)
            self.count_unread = staff_messages.unread_count(session=db, actor=actor, dossier_id=self._dossier_id)
        self.count_correspondence = counts[DocumentKind.CORRESPONDENCE]
        self.count_documents = counts[DocumentKind.DOCUMENT]
        self.count_delivered = counts[DocumentKind.DELIVERED]

    def _receipts_text(self, receipts: list[Receipt]) -> str:
        lines = []
        for receipt in receipts:
            if receipt.downloaded:
                state = self._t("staff.doc.downloaded_on", date=receipt.downloaded)
            elif receipt.read:
                state = self._t("staff.doc.read_on", date=receipt.read)
            else:
                state = self._t("staff.doc.not_read")
            lines.append(f"{receipt.name}: {state}")
        return "\n".join(lines)

    def _reload_tab(self, actor: Account) -> None:
        with session_scope() as db:
            if self.tab == "voortgang":
                self.steps = staff_dossiers.progress_steps(session=db, actor=actor, dossier_id=self._dossier_id)
            elif self.tab in DOC_TABS:
                rows = staff_dossiers.document_list(
                    session=db, actor=actor, dossier_id=self._dossier_id, kind=self.tab, language=self.lang
                )
                self.doc_rows = [
                    StaffDocumentRow(
                        id=row.id,
                        title=row.title,
                        filename=row.filename,
                        size=row.size,
                        date=row.date,
                        by=row.by,
                        withdrawn=row.withdrawn,
                        receipts=self._receipts_text(row.receipts),
                    )
                    for row in rows
                ]
            elif self.tab == "berichten":
                thread = staff_messages.thread(session=db, actor=actor, dossier_id=self._dossier_id)
                self._attachments = {message.id: attachment_rows(message.attachments, self.lang) for message in thread}
                self.message_rows = [
                    MessageRow(
                        id=message.id,
                        subject=message.subject,
                        body=message.body,
                        from_office=message.from_office,
                        author=message.author,
                        date=message.date,
                        unread=message.unread,
                        attachment_count=len(message.attachments),
                        staff_read=message.staff_read,
                        read_by=message.read_by,
                    )
                    for message in thread
                ]
                self.open_attachments = self._attachments.get(self.open_message_id, [])
            elif self.tab == "toegang":
                self.access_rows = staff_dossiers.access_list(session=db, actor=actor, dossier_id=self._dossier_id)

    def _refresh(self, actor: Account) -> bool:
        try:
            self._reload_header(actor)
            self._reload_tab(actor)
        except NotFound:
            self._forget()
            return False
        return True

    def _run(self, action, *, notice_key: str = "") -> bool:
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                action(db)
        except ServiceError as error:
            self.error = self._err(error)
            return False
        if notice_key:
            self.notice = self._t(notice_key)
        return True

    @handler(Access.STAFF, loads_page=True)
    def load_dossier(self, viewer: Viewer):
        self._dossier_id = self._path_id()
        self.notice = self.error = self.step_error = ""
        self.rename_id = 0
        self.reply_to_id = ""
        self.open_message_id = 0
        self.composing = self.withdraw_open = False
        self.publish_errors, self.access_candidates, self.attach_errors = [], [], []
        self._discard_attachments()
        wanted = self.router.url.query_parameters.get("tab", "")
        self.tab = wanted if wanted in TABS else "voortgang"
        if self.tab in staff_dossiers.PUBLISH_KINDS:
            self.publish_kind = self.tab
        self.status_options = _status_options(self.lang)
        office = office_settings.profile()
        self.publish_limit_text = self._t("staff.publish.limits", max_mb=office.staff_max_upload_mb)
        self.attach_limit_text = self._t(
            "staff.msg.attach_limits", max_mb=office.staff_max_upload_mb, count=messages.MAX_ATTACHMENTS
        )
        self.upload_max_bytes = office.staff_max_upload_bytes
        try:
            with session_scope() as db:
                self.handler_options = staff_dossiers.staff_choices(session=db, actor=viewer.account)
        except ServiceError:
            return rx.redirect("/404")
        if not self._refresh(viewer.account):
            return rx.redirect("/404")
        self.found = True

    @handler(Access.STAFF)
    def set_tab(self, viewer: Viewer, tab: str):
        if tab not in TABS:
            return
        self.tab = tab
        self.notice = self.error = ""
        self.publish_errors = []
        if tab in (DocumentKind.CORRESPONDENCE, DocumentKind.DOCUMENT):
            self.publish_kind = tab
        self._refresh(viewer.account)

    # ---- status and handler ----
    @handler(Access.STAFF)
    def set_status(self, viewer: Viewer, value: str):
        self._run(
            lambda db: staff_dossiers.update_dossier(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, status=value
            ),
            notice_key="staff.dossier.status_saved",
        )
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def set_handler(self, viewer: Viewer, value: str):
        self._run(
            lambda db: staff_dossiers.update_dossier(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, handler_id=value, change_handler=True
            ),
            notice_key="staff.dossier.handler_saved",
        )
        self._refresh(viewer.account)

    # ---- progress ----
    @handler(Access.STAFF)
    def add_step(self, viewer: Viewer, form_data: dict):
        title = form_data.get("title", "") if isinstance(form_data, dict) else ""
        self.step_error = ""
        try:
            with session_scope() as db:
                staff_dossiers.add_step(session=db, actor=viewer.account, dossier_id=self._dossier_id, title=title)
        except ServiceError as error:
            self.step_error = self._err(error)
            return
        self._refresh(viewer.account)
        self.steps_saved += 1

    @handler(Access.STAFF)
    def start_rename(self, viewer: Viewer, step_id: int):
        if any(step.id == step_id for step in self.steps):
            self.rename_id = step_id
            self.step_error = ""

    @handler(Access.STAFF)
    def cancel_rename(self, viewer: Viewer):
        self.rename_id = 0
        self.step_error = ""

    @handler(Access.STAFF)
    def rename_step(self, viewer: Viewer, form_data: dict):
        title = form_data.get("title", "") if isinstance(form_data, dict) else ""
        self.step_error = ""
        try:
            with session_scope() as db:
                staff_dossiers.rename_step(
                    session=db, actor=viewer.account, dossier_id=self._dossier_id, step_id=self.rename_id, title=title
                )
        except ServiceError as error:
            self.step_error = self._err(error)
            return
        self.rename_id = 0
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def move_step_up(self, viewer: Viewer, step_id: int):
        self._run(
            lambda db: staff_dossiers.move_step(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, step_id=step_id, direction="up"
            )
        )
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def move_step_down(self, viewer: Viewer, step_id: int):
        self._run(
            lambda db: staff_dossiers.move_step(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, step_id=step_id, direction="down"
            )
        )
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def toggle_step(self, viewer: Viewer, step_id: int):
        current = next((step for step in self.steps if step.id == step_id), None)
        if current is None:
            return
        done = not current.done
        self._run(
            lambda db: staff_dossiers.set_step_done(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, step_id=step_id, done=done
            )
        )
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def delete_step(self, viewer: Viewer, step_id: int):
        self._run(
            lambda db: staff_dossiers.delete_step(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, step_id=step_id
            )
        )
        self._refresh(viewer.account)

    # ---- publishing and withdrawing ----
    @handler(Access.STAFF)
    def set_publish_kind(self, viewer: Viewer, value: str):
        if value in staff_dossiers.PUBLISH_KINDS:
            self.publish_kind = value

    @handler(Access.STAFF)
    def set_publish_title(self, viewer: Viewer, value: str):
        self.publish_title = " ".join(value.split())[:200] if isinstance(value, str) else ""

    @handler(Access.STAFF)
    async def publish(self, viewer: Viewer, files: list[rx.UploadFile]):
        """Publish the picked files to the chosen tab with the title; the clients get a notification."""
        uploads = list(files or []) if isinstance(files, list) else []
        return await run_db(self._publish, viewer.account, uploads)

    def _publish(self, actor: Account, uploads: list):
        """Store and publish the uploads and show the outcome (blocking: runs in the database pool).

        `staff_dossiers.publish_files` is a coroutine that streams each file into
        the store between its database steps. Here it reads the uploads' own
        synchronous files, so it runs to the end on a loop of its own in this
        worker thread and the event loop never waits for the database.
        """
        self.notice = self.error = ""
        self.publish_errors = []
        settings = get_settings()
        store = FileStore(settings.files_dir)
        named = [(_upload_name(upload), iter_file(_upload_file(upload))) for upload in uploads]
        try:
            with session_scope() as db:
                result = asyncio.run(
                    staff_dossiers.publish_files(
                        session=db,
                        store=store,
                        actor=actor,
                        dossier_id=self._dossier_id,
                        kind=self.publish_kind,
                        title=self.publish_title,
                        files=named,
                        settings=settings,
                        ip=self._client_ip(),
                    )
                )
                commit_or_discard(db, store, *result.documents)
        except ServiceError as error:
            self.error = self._err(error)
            return None
        self.publish_errors = [
            f"{name[:80]}: " + self._err(UploadRefused(code), max_mb=office_settings.profile().staff_max_upload_mb)
            for name, code in result.refused
        ]
        if result.documents:
            self.notice = self._t("staff.publish.done", count=len(result.documents), clients=result.notified)
            self.publish_title = ""
            self.tab = self.publish_kind
        self._refresh(actor)
        return rx.set_value("publish-title", "")

    @handler(Access.STAFF)
    def ask_withdraw(self, viewer: Viewer, document_id: int):
        row = next((r for r in self.doc_rows if r.id == document_id and not r.withdrawn), None)
        if row is None:
            return
        self._withdraw_id = row.id
        self.withdraw_title = row.title
        self.withdraw_open = True

    @handler(Access.STAFF)
    def set_withdraw_open(self, viewer: Viewer, value: bool):
        self.withdraw_open = value is True
        if not self.withdraw_open:
            self._withdraw_id = 0

    @handler(Access.STAFF)
    def confirm_withdraw(self, viewer: Viewer):
        document_id, self._withdraw_id = self._withdraw_id, 0
        self.withdraw_open = False
        if not document_id:
            return
        self._run(
            lambda db: staff_dossiers.withdraw_document(
                session=db,
                actor=viewer.account,
                dossier_id=self._dossier_id,
                document_id=document_id,
                ip=self._client_ip(),
            ),
            notice_key="staff.doc.withdrawn_notice",
        )
        self._refresh(viewer.account)

    # ---- access ----
    @handler(Access.STAFF)
    def search_access(self, viewer: Viewer, form_data: dict):
        query = form_data.get("q", "") if isinstance(form_data, dict) else ""
        self.access_query = " ".join(query.split())[:MAX_QUERY] if isinstance(query, str) else ""
        with session_scope() as db:
            self.access_candidates = staff_clients.find_clients_for_access(
                session=db, actor=viewer.account, query=self.access_query, dossier_id=self._dossier_id
            )

    @handler(Access.STAFF)
    def grant_access(self, viewer: Viewer, account_id: int):
        if self._run(
            lambda db: staff_dossiers.grant_access(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, account_id=account_id
            ),
            notice_key="staff.access.granted",
        ):
            granted = valid_id(account_id)
            self.access_candidates = [c for c in self.access_candidates if c.id != granted]
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def revoke_access(self, viewer: Viewer, account_id: int):
        self._run(
            lambda db: staff_dossiers.revoke_access(
                session=db, actor=viewer.account, dossier_id=self._dossier_id, account_id=account_id
            ),
            notice_key="staff.access.revoked",
        )
        self._refresh(viewer.account)

    # ---- messages ----
    @handler(Access.STAFF)
    def open_message(self, viewer: Viewer, message_id: str):
        if self.open_message_id and self.open_message_id == message_id_of(message_id):
            self.open_message_id = 0
            self.open_attachments = []
            return
        try:
            with session_scope() as db:
                message = staff_messages.open_message(
                    session=db, actor=viewer.account, dossier_id=self._dossier_id, message_id=message_id
                )
                opened = message.id
        except ServiceError:
            return
        self.open_message_id = opened
        self._refresh(viewer.account)

    def _discard_attachments(self) -> None:
        """Delete the composer's files and their staging rows (blocking: call from a plain handler)."""
        if self._attached:
            with session_scope() as db:
                attachments.discard(FileStore(get_settings().files_dir), self._attached, session=db)
        self._attached = []
        self.attached_files = []

    def _start_composer(self) -> None:
        self._discard_attachments()
        self.composing = True
        self.subject_error = self.body_error = self.compose_error = ""
        self.attach_errors = []
        self._submit_key = secrets.token_urlsafe(24)

    @handler(Access.STAFF)
    def new_message(self, viewer: Viewer):
        self._start_composer()
        self.reply_to_id = ""
        self.compose_subject = ""
        self.compose_quote = ""

    @handler(Access.STAFF)
    def reply(self, viewer: Viewer, message_id: str):
        try:
            with session_scope() as db:
                message = staff_messages.open_message(
                    session=db, actor=viewer.account, dossier_id=self._dossier_id, message_id=message_id
                )
                subject, body, parent = message.subject, message.body, str(message.id)
        except ServiceError:
            return
        self._start_composer()
        self.reply_to_id = parent
        self.compose_subject = messages.reply_subject(subject)
        self.compose_quote = body

    @handler(Access.STAFF)
    def cancel_composer(self, viewer: Viewer):
        self._discard_attachments()
        self.composing = False
        self.reply_to_id = ""
        self._submit_key = ""

    @handler(Access.STAFF)
    async def stage_attachments(self, viewer: Viewer, files: list[rx.UploadFile]):
        if not self.composing or not files:
            return  # nothing picked, or all of it refused in the browser (refuse_attachments says why)
        office = await run_db(office_settings.profile)
        # the same staging rows, quota and expiry as a client's picked files (documents/services/staging.py)
        quota_left = await run_db(staged_quota_left, viewer.account_id, office.staging_quota_bytes)
        store = FileStore(get_settings().files_dir)
        before = len(self._attached)
        refused = await attachments.stage(
            files,
            store=store,
            pending=self._attached,
            max_bytes=office.staff_max_upload_bytes,
            quota_bytes_left=quota_left,
        )
        added = self._attached[before:]
        if added and not await run_db(record_staged, viewer.account_id, added, office.staging_expiry_hours):
            await run_db(attachments.discard, store, added)
            del self._attached[before:]
            refused.extend(
                attachments.Refusal(data["filename"][: attachments.NAME_CHARS], "upload.failed") for data in added
            )
        self.attach_errors = self._same_pick_errors() + [
            self._t("staff.err.too_many_files", name=refusal.name)
            if refusal.code == attachments.TOO_MANY
            else f"{refusal.name}: "
            + (
                self._t(refusal.code, quota_mb=office.staging_quota_mb)
                if refusal.code in (attachments.QUOTA_EXCEEDED, "upload.failed")
                else self._err(UploadRefused(refusal.code), max_mb=office.staff_max_upload_mb)
            )
            for refusal in refused
        ]
        self.attached_files = staged_rows(self._attached, self.lang)

    @handler(Access.STAFF)
    def refuse_attachments(self, viewer: Viewer, rejections: list[dict]):
        """Files the composer's drop zone refused in the browser, worded in the user's language."""
        office = office_settings.profile()
        texts = attachments.browser_refusal_texts(
            rejections,
            self.lang,
            max_mb=office.staff_max_upload_mb,
            max_files=attachments.MAX_FILES_PER_BATCH,
            allowed=self._t("staff.upload.allowed") + " " + self.attach_limit_text,
        )
        self.attach_errors = self._same_pick_errors() + texts

    def _same_pick_errors(self) -> list[str]:
        """The errors to keep: one pick sends the accepted files and the browser's refusals as two
        events, and the second must not wipe out the first's lines; an older pick's lines go."""
        now = time.monotonic()
        keep = list(self.attach_errors) if 0 <= now - self._attach_errors_at < SAME_PICK_SECONDS else []
        self._attach_errors_at = now
        return keep

    @handler(Access.STAFF)
    def refuse_publish_files(self, viewer: Viewer, rejections: list[dict]):
        """Files the publish drop zone refused in the browser, worded in the user's language."""
        office = office_settings.profile()
        self.publish_errors = attachments.browser_refusal_texts(
            rejections,
            self.lang,
            max_mb=office.staff_max_upload_mb,
            max_files=PUBLISH_MAX_FILES,
            allowed=self._t("staff.upload.allowed") + " " + self.publish_limit_text,
        )

    @handler(Access.STAFF)
    def remove_attachment(self, viewer: Viewer, index: str):
        with session_scope() as db:
            removed = attachments.remove(FileStore(get_settings().files_dir), self._attached, index, session=db)
        if removed:
            self.attached_files = staged_rows(self._attached, self.lang)

    @handler(Access.STAFF)
    def send_message(self, viewer: Viewer, form_data: dict):
        if not self.composing or not self._submit_key:
            return  # a second click after the message went out
        data = form_data if isinstance(form_data, dict) else {}
        subject = data.get("subject", "") if not self.reply_to_id else self.compose_subject
        body = data.get("body", "")
        self.subject_error = self.body_error = self.compose_error = ""
        settings = get_settings()
        try:
            # a message held for another IBAN is stored as held, not sent (payments/services/iban_guard.py)
            with session_scope(keep_on=(MessageHeld,)) as db:
                staff_messages.send_office_message(
                    session=db,
                    actor=viewer.account,
                    dossier_id=self._dossier_id,
                    subject=subject,
                    body=body,
                    settings=settings,
                    store=FileStore(settings.files_dir),
                    parent_id=self.reply_to_id or None,
                    attachments=[PendingFile.from_dict(d) for d in self._attached],
                    submit_key=self._submit_key,
                    ip=self._client_ip(),
                )
        except MessageHeld as error:
            self._submit_key = ""
            self.composing = False
            self.reply_to_id = ""
            self.notice = self._err(error)
            return
        except ValidationFailed as error:
            text = self._err(error)
            if error.field == "subject":
                self.subject_error = text
            elif error.field == "body":
                self.body_error = text
            else:
                self.compose_error = text
            return
        except ServiceError as error:
            self.compose_error = self._err(error)
            return
        self._attached = []  # they are documents now
        self.attached_files = []
        self._submit_key = ""
        self.composing = False
        self.reply_to_id = ""
        self.notice = self._t("staff.msg.sent")
        self._refresh(viewer.account)
