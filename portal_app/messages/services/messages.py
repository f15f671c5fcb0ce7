"""Berichten: the messages between a client and the office in a dossier.

Rules from the manual: subject and body are required, at most 4,000 characters
in a message (the server refuses more, whatever the browser sends), replies
quote the original under '--- Oorspronkelijk bericht ---', attachments are
delivered documents ("Door mij aangeleverd"). A double submit stores one message.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import PendingFile, attach_pending, dialect_insert
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import DossierAccess, ReadReceipt
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.messages.services import rate_limit
from portal_app.settings import Settings

MAX_BODY_CHARS = 4000
MAX_SUBJECT_CHARS = 200
MAX_ATTACHMENTS = 20
QUOTE_HEADER = "--- Oorspronkelijk bericht ---"
PAGE_SIZE = 50


@dataclass(frozen=True)
class AttachmentView:
    document_id: int
    filename: str
    size: int
    withdrawn: bool = False  # only the office sees withdrawn attachments (marked as such)


@dataclass(frozen=True)
class MessageView:
    id: int
    subject: str
    body: str
    from_office: bool
    author_name: str
    created_at: datetime
    unread: bool
    parent_id: int | None
    attachments: list[AttachmentView] = field(default_factory=list)


def reply_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if subject.upper().startswith("RE:"):
        return subject[:MAX_SUBJECT_CHARS]
    return f"RE: {subject}"[:MAX_SUBJECT_CHARS]


def quoted(body: str, original: str) -> str:
    return f"{body}\n\n{QUOTE_HEADER}\n{original}"


def validate(subject: object, body: object) -> tuple[str, str]:
    """Clean subject and body or raise ValidationFailed naming the field."""
    subject = " ".join(str(subject or "").split()) if isinstance(subject, str) else ""
    body = str(body or "").replace("\r\n", "\n") if isinstance(body, str) else ""
    # The limit counts characters (code points) in composed form: an "é" typed as e + accent is one.
    body = unicodedata.normalize("NFC", body)
    if not subject:
        raise ValidationFailed("subject required", field="subject", code="message.subject_required")
    if len(subject) > MAX_SUBJECT_CHARS:
        raise ValidationFailed("subject too long", field="subject", code="message.subject_too_long")
    if not body.strip():
        raise ValidationFailed("body required", field="body", code="message.body_required")
    if len(body) > MAX_BODY_CHARS:
        raise ValidationFailed("body too long", field="body", code="message.body_too_long")
    return subject, body


def validate_draft(
    subject: object, body: object, attachments: list[PendingFile] | None
) -> tuple[str, str, list[PendingFile]]:
    """`validate` plus the attachment limit: what a client and an office message must both pass."""
    subject, body = validate(subject, body)
    files = list(attachments or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed("too many attachments", field="attachments", code="message.too_many_attachments")
    return subject, body, files


def list_for_dossier(
    session: Session, account: Account, dossier_id: int, *, limit: int = PAGE_SIZE
) -> list[MessageView]:
    """Newest first; the caller checked access. Two queries: messages, then their attachments."""
    read = and_(ReadReceipt.message_id == Message.id, ReadReceipt.account_id == account.id)
    rows = session.exec(
        select(Message, Account.name, ReadReceipt.id)
        .join(Account, col(Account.id) == Message.author_id)
        .outerjoin(ReadReceipt, read)
        .where(Message.dossier_id == dossier_id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    ).all()
    ids = [message.id for message, _, _ in rows]
    attachments: dict[int, list[AttachmentView]] = {}
    if ids:
        for document in session.exec(
            select(Document)
            .where(col(Document.message_id).in_(ids), col(Document.withdrawn_at).is_(None))
            .order_by(col(Document.id))
        ).all():
            # matched by message id, and stored (see portal_app/core/models.py)
            assert document.message_id is not None and document.id is not None
            attachments.setdefault(document.message_id, []).append(
                AttachmentView(document_id=document.id, filename=document.filename, size=document.size)
            )
    views: list[MessageView] = []
    for message, author_name, receipt_id in rows:
        assert message.id is not None  # read from the database (see portal_app/core/models.py)
        views.append(
            MessageView(
                id=message.id,
                subject=message.subject,
                body=message.body,
                from_office=message.from_office,
                author_name=author_name,
                created_at=message.created_at,
                unread=message.from_office != account.is_staff and receipt_id is None,
                parent_id=message.parent_id,
                attachments=attachments.get(message.id, []),
            )
        )
    return views


def get_for_account(session: Session, account: Account, message_id: object, *, ip: str | None = None) -> Message:
    """The message when the account may see its dossier; NotFound (audited) otherwise.

    One query for a client: the message joined to the client's access row of its dossier.
    """
    message: Message | None = None
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        if account.is_staff:
            message = session.get(Message, message_id)
        else:
            message = session.exec(
                select(Message)
                .join(DossierAccess, col(DossierAccess.dossier_id) == col(Message.dossier_id))
                .where(Message.id == message_id, DossierAccess.account_id == account.id)
            ).first()
    if message is None or (account.is_staff and not dossiers.can_see(session, account, message.dossier_id)):
        audit.record(session, "access.denied", actor_id=account.id, target=f"message:{str(message_id)[:40]}", ip=ip)
        raise NotFound()
    return message


def mark_read(session: Session, *, account: Account, message_id: int) -> None:
    """Idempotent: a second call (another tab, a double click) changes nothing."""
    insert = dialect_insert(session)
    assert insert is not None, "the portal runs on SQLite or PostgreSQL"
    statement = insert(ReadReceipt).values(account_id=account.id, message_id=message_id, read_at=utcnow())
    session.exec(statement.on_conflict_do_nothing(index_elements=["account_id", "message_id"]))
    if account.is_staff:
        message = session.get(Message, message_id)
        if message is not None and not message.from_office and message.staff_read_at is None:
            message.staff_read_at = utcnow()
            session.add(message)


def send_client_message(
    session: Session,
    *,
    account: Account,
    dossier_id: object,
    subject: object,
    body: object,
    settings: Settings,
    store: FileStore,
    parent_id: object = None,
    attachments: list[PendingFile] | None = None,
    submit_key: str | None = None,
    ip: str | None = None,
) -> Message:
    """A message from a client to the office, with its attachments. Flushes; the caller commits.

    Raises NotFound for a dossier or parent the account may not see, ValidationFailed
    for a missing subject/body or a body over 4,000 characters.
    """
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    subject, body, attachments = validate_draft(subject, body, attachments)
    if submit_key:
        existing = session.exec(select(Message).where(Message.submit_key == submit_key)).first()
        if existing is not None:
            if existing.author_id != account.id:
                raise NotFound()
            return existing
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    rate_limit.check_send_rate(session, account.id, ip=ip)  # after the double-submit check: a repeat is free
    stored_body = body
    parent_ref: int | None = None  # the checked parent's id (the same number as parent_id)
    if parent_id is not None:
        parent = get_for_account(session, account, parent_id, ip=ip)
        if parent.dossier_id != dossier.id:
            raise NotFound()
        stored_body = quoted(body, parent.body)
        parent_ref = parent.id
    # stored rows (see portal_app/core/models.py)
    assert dossier.id is not None and account.id is not None
    message = Message(
        dossier_id=dossier.id,
        author_id=account.id,
        from_office=False,
        subject=subject,
        body=stored_body,
        parent_id=parent_ref,
        submit_key=submit_key[:64] if submit_key else None,
    )
    stored = store_with_attachments(session, message, store=store, attachments=attachments, kind=DocumentKind.DELIVERED)
    if stored is not message:
        return stored  # the same submit key raced in from another worker
    audit.record(
        session,
        "message.sent",
        actor_id=account.id,
        dossier_id=dossier.id,
        target=f"message:{message.id}",
        ip=ip,
        detail={"attachments": len(attachments)},
    )
    dossiers.notify_handler(session, dossier, settings, kind="staff_new_message")
    return message


def store_with_attachments(
    session: Session, message: Message, *, store: FileStore, attachments: list[PendingFile], kind: str
) -> Message:
    """Insert `message` and give its pending files their documents (client and office alike).

    The insert runs in a savepoint: when the same submit key raced in from another
    worker, the message already stored is returned and nothing else is undone.
    """
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        existing = (
            session.exec(select(Message).where(Message.submit_key == message.submit_key)).first()
            if message.submit_key
            else None
        )
        if existing is None:
            raise
        return existing
    for pending in attachments:
        attach_pending(
            session=session,
            store=store,
            pending=pending,
            dossier_id=message.dossier_id,
            kind=kind,
            uploaded_by_id=message.author_id,
            message_id=message.id,
        )
    return message
