"""The draft deed section of the client dossier page and of the staff dossier page.

Both states read the dossier id from the URL on load and keep it on the server;
every handler goes through the handler skeleton and the services check every id
again (a version of another dossier is "not found", an approval is always the
signed-in client's own). The comparison is computed in the database pool from the
texts stored at publish time.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.core.pages import routes
from portal_app.core.services import formatting, i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError
from portal_app.core.services.ids import valid_id
from portal_app.core.services.select_option import SelectOption
from portal_app.core.states.access import Access, Viewer, handler, run_db
from portal_app.core.states.base import PortalState
from portal_app.core.states.staff_base import StaffState, error_text
from portal_app.deeds.services import drafts
from portal_app.deeds.services.drafts import DraftView
from portal_app.deeds.services.text import has_changes
from portal_app.documents.services.documents import commit_or_discard
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused, iter_file
from portal_app.messages.services import attachments
from portal_app.office.services import office_settings
from portal_app.payments.services import iban_guard
from portal_app.settings import get_settings

UPLOAD_ID = "deed-version-file"


@dataclass(frozen=True, kw_only=True)
class VersionRow:
    id: int
    draft_title: str
    number: int
    label: str  # "Versie 2 – 06-12-2026"
    date: str
    filename: str
    document_id: int
    latest: bool
    approved_by_me: bool
    approvals: str  # "Jan Jansen (06-12-2026 11:02)", one line per client; "" for none
    comment_count: int


@dataclass(frozen=True, kw_only=True)
class CommentRow:
    id: int
    version: int
    name: str
    date: str
    quote: str
    body: str


@dataclass(frozen=True, kw_only=True)
class PassageRow:
    kind: str  # same | added | removed
    text: str


def _when(moment, language: str) -> str:
    # 28-11-2026 14:05 in both languages, as the messages and documents beside it
    return formatting.format_datetime(moment, language, style="numeric")


def _rows(views: list[DraftView], language: str, viewer_id: int | None) -> tuple[list[VersionRow], list[CommentRow]]:
    versions: list[VersionRow] = []
    comments: list[CommentRow] = []
    for draft in views:
        for version in draft.versions:
            date = formatting.format_date(version.published_at, language, style="numeric")
            versions.append(
                VersionRow(
                    id=version.id,
                    draft_title=draft.title,
                    number=version.number,
                    label=i18n.t("deeds.version_label", language, number=version.number, date=date),
                    date=date,
                    filename=version.filename,
                    document_id=version.document_id,
                    latest=version.latest,
                    approved_by_me=any(a.account_id == viewer_id for a in version.approvals),
                    approvals="\n".join(f"{a.name} ({_when(a.at, language)})" for a in version.approvals),
                    comment_count=len(version.comments),
                )
            )
            comments.extend(
                CommentRow(
                    id=comment.id,
                    version=version.number,
                    name=comment.name,
                    date=_when(comment.at, language),
                    quote=comment.quote,
                    body=comment.body,
                )
                for comment in version.comments
            )
    return versions, comments


class DeedDraftsState(PortalState):
    """The "Concept-akte" section of /dossiers/<id> for a client."""

    deed_versions: list[VersionRow] = []
    deed_comments: list[CommentRow] = []
    deed_pending: str = ""  # who still has to approve the newest version
    deed_reset_notice: bool = False
    compare_old: str = ""
    compare_new: str = ""
    passages: list[PassageRow] = []
    compare_done: bool = False
    compare_empty: bool = False
    comment_version: str = ""
    comment_error: str = ""
    comments_saved: int = 0  # the comment form empties its fields when this goes up (clear_on_save)
    deed_notice: str = ""
    deed_error: str = ""

    _deed_dossier_id: int = 0

    def _route_dossier(self) -> int:
        path = self.router.url.path or ""
        prefix = routes.DOSSIERS + "/"
        if not path.startswith(prefix):
            return 0
        rest = path[len(prefix) :]
        return valid_id(unquote(rest[:-1] if rest.endswith("/") else rest)[:40]) or 0

    def _load(self, account: Account) -> None:
        with session_scope(keep_on=(ServiceError,)) as db:
            views = drafts.drafts_for_client(db, account, self._deed_dossier_id, ip=self._client_ip())
        self.deed_versions, self.deed_comments = _rows(views, self.lang, account.id)
        latest = views[-1] if views else None
        self.deed_pending = ", ".join(latest.pending) if latest is not None else ""
        self.deed_reset_notice = any(view.approval_reset for view in views)

    @handler(Access.CLIENT)
    def load_drafts(self, viewer: Viewer):
        self.deed_versions, self.deed_comments, self.passages = [], [], []
        self.deed_notice = self.deed_error = self.comment_error = ""
        self.compare_done = self.compare_empty = False
        self._deed_dossier_id = self._route_dossier()
        if not self._deed_dossier_id:
            return
        try:
            self._load(viewer.account)
        except ServiceError:
            self._deed_dossier_id = 0
            self.deed_versions = []
            return
        numbers = [row.id for row in self.deed_versions]
        self.compare_old = str(numbers[-2]) if len(numbers) > 1 else ""
        self.compare_new = str(numbers[-1]) if numbers else ""
        self.comment_version = self.compare_new

    @handler(Access.CLIENT)
    def set_compare_old(self, viewer: Viewer, value: str):
        self.compare_old = str(value)[:20]

    @handler(Access.CLIENT)
    def set_compare_new(self, viewer: Viewer, value: str):
        self.compare_new = str(value)[:20]

    @handler(Access.CLIENT)
    def set_comment_version(self, viewer: Viewer, value: str):
        self.comment_version = str(value)[:20]

    @handler(Access.CLIENT)
    def compare(self, viewer: Viewer):
        self.deed_error = ""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                found = drafts.compare_versions(
                    db, viewer.account, self._deed_dossier_id, self.compare_old, self.compare_new, ip=self._client_ip()
                )
        except ServiceError as error:
            self.deed_error = error_text(error, self.lang)
            self.passages, self.compare_done = [], False
            return
        self.passages = [PassageRow(kind=str(p.kind), text=p.text) for p in found]
        self.compare_done = True
        self.compare_empty = not has_changes(found)

    @handler(Access.CLIENT)
    def add_comment(self, viewer: Viewer, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        self.comment_error = self.deed_notice = ""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                drafts.add_comment(
                    db,
                    viewer.account,
                    self._deed_dossier_id,
                    self.comment_version,
                    body=data.get("body", ""),
                    quote=data.get("quote", ""),
                    ip=self._client_ip(),
                    settings=get_settings(),
                )
        except ServiceError as error:
            self.comment_error = error_text(error, self.lang)
            return
        self.deed_notice = i18n.t("deeds.comment_saved", self.lang)
        self._load(viewer.account)
        self.comments_saved += 1

    @handler(Access.CLIENT)
    def quote_selection(self, viewer: Viewer, text: str):
        """Put the passage the client selected in the comparison into the quote field."""
        return rx.set_value("deed-comment-quote", " ".join(str(text).split())[: drafts.MAX_QUOTE_CHARS])

    @handler(Access.CLIENT)
    def approve(self, viewer: Viewer, version_id: int):
        self.deed_error = self.deed_notice = ""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                drafts.approve(
                    db, viewer.account, self._deed_dossier_id, version_id, ip=self._client_ip(), settings=get_settings()
                )
        except ServiceError as error:
            self.deed_error = error_text(error, self.lang)
            return
        self.deed_notice = i18n.t("deeds.approved_notice", self.lang)
        self._load(viewer.account)


class StaffDeedDraftsState(StaffState):
    """The "Concept-akte" card of /staff/dossiers/<id>: publish a new version, see approvals and comments."""

    deed_versions: list[VersionRow] = []
    deed_comments: list[CommentRow] = []
    deed_pending: str = ""
    draft_options: list[SelectOption] = []
    publish_draft: str = "new"
    publish_title: str = ""
    deed_notice: str = ""
    deed_error: str = ""
    deed_limit_text: str = ""
    # the per-file limit in bytes, for the drop zone to refuse a larger file before it is sent
    deed_max_bytes: int = 4096 * 1024 * 1024

    _deed_dossier_id: int = 0

    def _load(self, actor: Account) -> None:
        with session_scope() as db:
            views = drafts.drafts_for_staff(db, actor, self._deed_dossier_id)
        self.deed_versions, self.deed_comments = _rows(views, self.lang, None)
        latest = views[-1] if views else None
        self.deed_pending = ", ".join(latest.pending) if latest is not None else ""
        self.draft_options = [SelectOption(value=str(view.id), label=view.title) for view in views]
        if self.publish_draft != "new" and self.publish_draft not in {o.value for o in self.draft_options}:
            self.publish_draft = "new"

    @handler(Access.STAFF)
    def load_staff_drafts(self, viewer: Viewer):
        self.deed_notice = self.deed_error = ""
        self._deed_dossier_id = self._path_id()
        office = office_settings.profile()
        self.deed_limit_text = self._t("deeds.limits", max_mb=office.staff_max_upload_mb)
        self.deed_max_bytes = office.staff_max_upload_bytes
        self.publish_draft = "new"
        try:
            self._load(viewer.account)
        except ServiceError:
            self._deed_dossier_id = 0
            self.deed_versions, self.deed_comments, self.draft_options = [], [], []
            return
        if self.draft_options:
            self.publish_draft = self.draft_options[-1].value

    @handler(Access.STAFF)
    def set_publish_draft(self, viewer: Viewer, value: str):
        if value == "new" or value in {o.value for o in self.draft_options}:
            self.publish_draft = value

    @handler(Access.STAFF)
    def set_publish_title(self, viewer: Viewer, value: str):
        self.publish_title = " ".join(value.split())[: drafts.MAX_TITLE_CHARS] if isinstance(value, str) else ""

    @handler(Access.STAFF)
    def refuse_deed_file(self, viewer: Viewer, rejections: list[dict]):
        """A file the drop zone refused in the browser (type, size, more than one), in the user's language."""
        texts = attachments.browser_refusal_texts(
            rejections,
            self.lang,
            max_mb=office_settings.profile().staff_max_upload_mb,
            max_files=1,
            allowed=self._t("deeds.allowed") + " " + self.deed_limit_text,
        )
        self.deed_notice, self.deed_error = "", " ".join(texts)

    @handler(Access.STAFF)
    async def publish_version(self, viewer: Viewer, files: list[rx.UploadFile]):
        uploads = list(files or []) if isinstance(files, list) else []
        return await run_db(self._publish, viewer.account, uploads)

    def _publish(self, actor: Account, uploads: list):
        """Store the one picked file as the next version (blocking: runs in the database pool)."""
        self.deed_notice = self.deed_error = ""
        if len(uploads) != 1:
            self.deed_error = self._t("deeds.one_file")
            return None
        upload = uploads[0]
        name = str(getattr(upload, "name", None) or getattr(upload, "filename", "") or "bestand")
        file = getattr(upload, "file", None) or upload
        store = FileStore(get_settings().files_dir)
        try:
            with session_scope() as db:
                result = drafts.publish_version(
                    session=db,
                    store=store,
                    actor=actor,
                    dossier_id=self._deed_dossier_id,
                    draft_id=None if self.publish_draft == "new" else self.publish_draft,
                    title=self.publish_title,
                    filename=name,
                    chunks=iter_file(file),
                    ip=self._client_ip(),
                )
                commit_or_discard(db, store, result.document)
                number, notified = result.version.number, result.notified
        except UploadRefused as error:
            self.deed_error = f"{name[:80]}: " + self._err(error, max_mb=office_settings.profile().staff_max_upload_mb)
            return None
        except iban_guard.PublishedTextRefused as error:
            # the publication was rolled back; the refusal is kept (audit, admins' mail) on its own
            if not error.recorded:
                with session_scope() as db:
                    iban_guard.record_refusal(
                        db,
                        actor_id=actor.id,
                        dossier_id=error.dossier_id,
                        what=error.what,
                        foreign=error.foreign,
                        settings=get_settings(),
                        ip=self._client_ip(),
                    )
            self.deed_error = self._err(error)
            return None
        except ServiceError as error:
            self.deed_error = self._err(error)
            return None
        self.deed_notice = self._t("deeds.published", number=number, clients=notified)
        self.publish_title = ""
        self._load(actor)
        return rx.set_value("deed-title", "")
