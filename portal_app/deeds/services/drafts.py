"""Draft deed versions: staff publish, clients compare, comment and approve.

A version's file is stored as an ordinary publication in Documenten through
`documents.store_document` (the same type, content and size checks as every
publication, and the same authenticated download at /files/<id>). Its text is
extracted once, here, and stored with the version.

Who may do what (every id from the browser is checked again here):
- staff publish versions and read every comment and approval;
- a client with access to the dossier reads the versions, comments on any
  of them and approves the newest version, always as itself (there is no
  parameter naming another account). Approvals belong to one version, so a
  new version starts without any: that is the reset the clients are told about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.ids import parse_id, valid_id
from portal_app.core.services.staff_access import one_line, require_staff
from portal_app.deeds.models import DeedApproval, DeedComment, DeedDraft, DeedVersion
from portal_app.deeds.services.text import DRAFT_EXTENSIONS, Passage, compare, extract_text
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused, extension_of, sanitize_filename
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.dossiers.services import dossiers
from portal_app.notifications.services import notifications
from portal_app.office.services import office_settings
from portal_app.payments.services import iban_guard
from portal_app.settings import Settings

MAX_TITLE_CHARS = 150
MAX_COMMENT_CHARS = 4000
MAX_QUOTE_CHARS = 1000
MAX_COMMENTS_PER_VERSION = 500


@dataclass(frozen=True)
class Approval:
    account_id: int
    name: str
    at: datetime


@dataclass(frozen=True)
class Comment:
    id: int
    name: str
    at: datetime
    quote: str
    body: str
    by_me: bool


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    document_id: int
    filename: str
    published_at: datetime
    latest: bool
    has_text: bool
    approvals: tuple[Approval, ...]
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class DraftView:
    id: int
    title: str
    versions: tuple[VersionView, ...]  # in order: version 1 first
    # The clients who have to approve (every active client account with access) and who did not yet.
    required: tuple[str, ...]
    pending: tuple[str, ...]
    # For a client: it approved an earlier version but not the newest (its approval was reset).
    approval_reset: bool = False
    approved_latest: bool = False


@dataclass(frozen=True)
class Published:
    version: DeedVersion
    document: Document
    notified: int


def _stored(value: int | None) -> int:
    assert value is not None  # a stored row (see portal_app/core/models.py)
    return value


# --------------------------------------------------------------------------- staff: publishing


def publish_version(
    *,
    session: Session,
    store: FileStore,
    actor: Account,
    dossier_id: object,
    draft_id: object,
    title: object,
    filename: str,
    chunks: Iterable[bytes],
    ip: str | None = None,
    notify: bool = True,
) -> Published:
    """Publish a PDF or DOCX as the next version of a draft (a new draft when `draft_id` is empty).

    Flushes; the caller commits with `documents.commit_or_discard(session, store, result.document)`.
    The clients with access get a calm notification of the new document. A file whose text names
    an account number other than the office's raises `iban_guard.PublishedTextRefused`: the caller
    rolls back and records it with `iban_guard.record_refusal`.
    """
    actor = require_staff(session, actor)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    dossier_key = _stored(dossier.id)
    if valid_id(draft_id) is not None:
        draft = session.get(DeedDraft, valid_id(draft_id))
        if draft is None or draft.dossier_id != dossier_key:
            raise NotFound()
    else:
        clean_title = one_line(title, MAX_TITLE_CHARS)
        if not clean_title:
            raise ValidationFailed("title required", field="title", code="deeds.title_required")
        iban_guard.refuse_published_text(
            session, actor=actor, dossier_id=dossier_key, what="deed_draft", texts=(clean_title,), ip=ip
        )
        draft = DeedDraft(dossier_id=dossier_key, title=clean_title)
        session.add(draft)
        session.flush()
    draft_key = _stored(draft.id)
    safe_name = sanitize_filename(filename)
    if extension_of(safe_name) not in DRAFT_EXTENSIONS:
        raise UploadRefused("deeds.pdf_or_docx")
    latest = session.exec(select(func.max(DeedVersion.number)).where(DeedVersion.draft_id == draft_key)).one()
    number = int(latest or 0) + 1
    document = documents.store_document(
        session=session,
        store=store,
        dossier_id=dossier_key,
        kind=DocumentKind.DEED_DRAFT,
        title=f"{draft.title} (versie {number})",
        filename=safe_name,
        chunks=chunks,
        max_bytes=office_settings.profile(session).staff_max_upload_bytes,
        uploaded_by_id=actor.id,
    )
    try:
        with store.open(document.storage_key) as handle:
            text = extract_text(handle.read(), document.mime)
        # IBAN fraud (issue 17): a draft naming another account number is not published. The file
        # is already written, so the caller rolls back and records the refusal (record=False).
        iban_guard.refuse_published_text(
            session, actor=actor, dossier_id=dossier_key, what="deed_version", texts=(text,), record=False
        )
        version = DeedVersion(
            draft_id=draft_key,
            number=number,
            document_id=_stored(document.id),
            text=text,
            published_by_id=actor.id,
        )
        session.add(version)
        session.flush()
        audit.record(
            session,
            "deed.version_published",
            actor_id=actor.id,
            dossier_id=dossier_key,
            target=f"deedversion:{version.id}",
            ip=ip,
            detail={"draft": draft_key, "number": number, "text_chars": len(text)},
        )
        notified = (
            notifications.notify_dossier_clients(
                session, dossier=dossier, kind="document", item_ids=[_stored(document.id)]
            )
            if notify
            else 0
        )
    except BaseException:
        store.delete(document.storage_key)
        raise
    return Published(version=version, document=document, notified=notified)


# --------------------------------------------------------------------------- reading


def _required_accounts(session: Session, dossier_id: int) -> list[Account]:
    """Every active client account with access to the dossier: each has to approve."""
    rows = session.exec(
        select(Account)
        .join(DossierAccess, col(DossierAccess.account_id) == Account.id)
        .where(DossierAccess.dossier_id == dossier_id)
        .order_by(col(Account.id))
    ).all()
    return [account for account in rows if account.is_active and not account.is_staff]


def draft_views(session: Session, dossier_id: int, viewer_id: int | None) -> list[DraftView]:
    """Every draft of the dossier with its versions, approvals and comments (four queries)."""
    drafts = session.exec(select(DeedDraft).where(DeedDraft.dossier_id == dossier_id).order_by(col(DeedDraft.id))).all()
    if not drafts:
        return []
    draft_ids = [_stored(draft.id) for draft in drafts]
    version_rows = session.exec(
        select(DeedVersion, Document)
        .join(Document, col(Document.id) == DeedVersion.document_id)
        .where(col(DeedVersion.draft_id).in_(draft_ids), col(Document.withdrawn_at).is_(None))
        .order_by(col(DeedVersion.draft_id), col(DeedVersion.number))
    ).all()
    version_ids = [_stored(version.id) for version, _ in version_rows]
    approvals: dict[int, list[Approval]] = {}
    comments: dict[int, list[Comment]] = {}
    if version_ids:
        for approval, account in session.exec(
            select(DeedApproval, Account)
            .join(Account, col(Account.id) == DeedApproval.account_id)
            .where(col(DeedApproval.version_id).in_(version_ids))
            .order_by(col(DeedApproval.created_at))
        ).all():
            approvals.setdefault(approval.version_id, []).append(
                Approval(account_id=approval.account_id, name=account.display_name, at=approval.created_at)
            )
        for comment, account in session.exec(
            select(DeedComment, Account)
            .join(Account, col(Account.id) == DeedComment.account_id)
            .where(col(DeedComment.version_id).in_(version_ids))
            .order_by(col(DeedComment.created_at), col(DeedComment.id))
        ).all():
            comments.setdefault(comment.version_id, []).append(
                Comment(
                    id=_stored(comment.id),
                    name=account.display_name,
                    at=comment.created_at,
                    quote=comment.quote,
                    body=comment.body,
                    by_me=comment.account_id == viewer_id,
                )
            )
    required = _required_accounts(session, dossier_id)
    views: list[DraftView] = []
    for draft in drafts:
        rows = [(v, d) for v, d in version_rows if v.draft_id == draft.id]
        if not rows:
            continue
        latest_id = rows[-1][0].id
        versions = tuple(
            VersionView(
                id=_stored(version.id),
                number=version.number,
                document_id=_stored(document.id),
                filename=document.filename,
                published_at=version.created_at,
                latest=version.id == latest_id,
                has_text=bool(version.text),
                approvals=tuple(approvals.get(_stored(version.id), [])),
                comments=tuple(comments.get(_stored(version.id), [])),
            )
            for version, document in rows
        )
        approved_latest_ids = {approval.account_id for approval in versions[-1].approvals}
        approved_earlier = any(
            approval.account_id == viewer_id for version in versions[:-1] for approval in version.approvals
        )
        views.append(
            DraftView(
                id=_stored(draft.id),
                title=draft.title,
                versions=versions,
                required=tuple(account.display_name for account in required),
                pending=tuple(account.display_name for account in required if account.id not in approved_latest_ids),
                approval_reset=approved_earlier and viewer_id not in approved_latest_ids,
                approved_latest=viewer_id in approved_latest_ids,
            )
        )
    return views


def drafts_for_client(
    session: Session, account: Account, dossier_id: object, *, ip: str | None = None
) -> list[DraftView]:
    """The drafts of a dossier the client may see; NotFound (audited) otherwise."""
    if account.is_staff:
        raise PermissionDenied("clients only")
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    return draft_views(session, _stored(dossier.id), account.id)


def drafts_for_staff(session: Session, actor: Account, dossier_id: object) -> list[DraftView]:
    actor = require_staff(session, actor)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    return draft_views(session, _stored(dossier.id), actor.id)


def _version_for(
    session: Session, account: Account, dossier_id: object, version_id: object, *, ip: str | None
) -> tuple[DeedVersion, DeedDraft]:
    """The version when it belongs to this dossier and the account may see it; NotFound (audited) otherwise."""
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    wanted = valid_id(version_id)
    row = (
        session.exec(
            select(DeedVersion, DeedDraft)
            .join(DeedDraft, col(DeedDraft.id) == DeedVersion.draft_id)
            .join(Document, col(Document.id) == DeedVersion.document_id)
            .where(DeedVersion.id == wanted, DeedDraft.dossier_id == dossier.id, col(Document.withdrawn_at).is_(None))
        ).first()
        if wanted is not None
        else None
    )
    if row is None:
        audit.record(session, "access.denied", actor_id=account.id, target=f"deedversion:{str(version_id)[:40]}", ip=ip)
        raise NotFound()
    return row[0], row[1]


def compare_versions(
    session: Session, account: Account, dossier_id: object, old_id: object, new_id: object, *, ip: str | None = None
) -> list[Passage]:
    """The comparison of two versions of the same draft (older first), from the stored texts."""
    old, old_draft = _version_for(session, account, dossier_id, old_id, ip=ip)
    new, new_draft = _version_for(session, account, dossier_id, new_id, ip=ip)
    if old_draft.id != new_draft.id:
        raise NotFound()
    if old.number > new.number:
        old, new = new, old
    return compare(old.text, new.text)


# --------------------------------------------------------------------------- client: comments and approval


def _client(account: Account) -> Account:
    if account is None or account.is_staff or not account.is_active:
        raise PermissionDenied("clients only")
    return account


def add_comment(
    session: Session,
    account: Account,
    dossier_id: object,
    version_id: object,
    *,
    body: object,
    quote: object = "",
    ip: str | None = None,
    settings: Settings | None = None,
) -> DeedComment:
    """A client's comment on a version, with an optional quoted passage. Flushes.

    With `settings`, the dossier's handler gets a mail that a comment came in (never its text).
    """
    account = _client(account)
    version, draft = _version_for(session, account, dossier_id, version_id, ip=ip)
    text = str(body).strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationFailed("empty comment", field="body", code="deeds.comment_required")
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationFailed("comment too long", field="body", code="deeds.comment_too_long", max=MAX_COMMENT_CHARS)
    count = session.exec(select(func.count()).where(DeedComment.version_id == version.id)).one()
    if count >= MAX_COMMENTS_PER_VERSION:
        raise ValidationFailed("too many comments", field="body", code="deeds.comment_limit")
    comment = DeedComment(
        version_id=_stored(version.id),
        account_id=_stored(account.id),
        quote=one_line(quote, MAX_QUOTE_CHARS),
        body=text,
    )
    session.add(comment)
    session.flush()
    audit.record(
        session,
        "deed.commented",
        actor_id=account.id,
        dossier_id=draft.dossier_id,
        target=f"deedversion:{version.id}",
        ip=ip,
    )
    _tell_handler(session, draft.dossier_id, settings, "staff_draft_comment")
    return comment


def _tell_handler(session: Session, dossier_id: int, settings: Settings | None, kind: str) -> None:
    dossier = session.get(Dossier, dossier_id) if settings is not None else None
    if dossier is not None and settings is not None:
        dossiers.notify_handler(session, dossier, settings, kind=kind)


def approve(
    session: Session,
    account: Account,
    dossier_id: object,
    version_id: object,
    *,
    ip: str | None = None,
    settings: Settings | None = None,
) -> bool:
    """ "Akkoord met deze versie" by the signed-in client itself; only the newest version. True when new.

    With `settings`, the dossier's handler gets a mail of a new approval.
    """
    account = _client(account)
    version, draft = _version_for(session, account, dossier_id, version_id, ip=ip)
    newest = session.exec(
        select(func.max(DeedVersion.number))
        .join(Document, col(Document.id) == DeedVersion.document_id)
        .where(DeedVersion.draft_id == draft.id, col(Document.withdrawn_at).is_(None))
    ).one()
    if version.number != newest:
        raise ValidationFailed("not the newest version", code="deeds.not_latest")
    exists = session.exec(
        select(DeedApproval.id).where(DeedApproval.version_id == version.id, DeedApproval.account_id == account.id)
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(DeedApproval(version_id=_stored(version.id), account_id=_stored(account.id)))
    except IntegrityError:  # a double click that raced: approved once
        return False
    audit.record(
        session,
        "deed.approved",
        actor_id=account.id,
        dossier_id=draft.dossier_id,
        target=f"deedversion:{version.id}",
        ip=ip,
        detail={"number": version.number},
    )
    _tell_handler(session, draft.dossier_id, settings, "staff_draft_approved")
    return True
