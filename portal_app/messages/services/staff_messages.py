"""Berichten from the office's side: the thread of a dossier, opening a client
message (marks it read by staff), and writing a new message or a reply.

The rules for subject, body (at most 4,000 characters), quoting and
idempotent submits are the ones of `services.messages`; office messages are
`from_office=True` and reach the clients through the notification service.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import local_text, optional_id, require_staff
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import PendingFile
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import DossierAccess, ReadReceipt
from portal_app.dossiers.services.staff_dossiers import get_dossier
from portal_app.messages.models import Message
from portal_app.messages.services import messages
from portal_app.notifications.services import notifications
from portal_app.payments.services import iban_guard
from portal_app.settings import Settings

THREAD_LIMIT = 100


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a dossier's thread as the office sees it."""

    id: int
    subject: str
    body: str
    from_office: bool
    author: str
    date: str
    unread: bool  # a client's message no staff member opened yet
    staff_read: str  # when staff first opened a client's message ("" if not yet)
    read_by: str  # which clients read an office message, with when
    attachments: list[messages.AttachmentView] = field(default_factory=list)


def thread(*, session: Session, actor: Account, dossier_id: object, limit: int = THREAD_LIMIT) -> list[ThreadMessage]:
    """The dossier's messages, newest first, with attachments (withdrawn ones too); office
    messages say which clients read them, client messages whether staff opened them."""
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    rows = session.exec(
        select(Message, Account.name)
        .join(Account, col(Account.id) == Message.author_id)
        .where(Message.dossier_id == dossier.id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    ).all()
    ids = [message.id for message, _ in rows]
    attachments: dict[int, list[messages.AttachmentView]] = {}
    readers: dict[int, list[str]] = {}
    if ids:
        for document in session.exec(
            select(Document).where(col(Document.message_id).in_(ids)).order_by(col(Document.id))
        ).all():
            # matched by message id, and stored (see portal_app/core/models.py)
            assert document.message_id is not None and document.id is not None
            attachments.setdefault(document.message_id, []).append(
                messages.AttachmentView(
                    document_id=document.id,
                    filename=document.filename,
                    size=document.size,
                    withdrawn=document.withdrawn_at is not None,
                )
            )
        client_ids = select(col(DossierAccess.account_id)).where(DossierAccess.dossier_id == dossier.id)
        for message_id, name, read_at in session.exec(
            select(ReadReceipt.message_id, Account.name, ReadReceipt.read_at)
            .join(Account, col(Account.id) == ReadReceipt.account_id)
            .where(col(ReadReceipt.message_id).in_(ids), col(ReadReceipt.account_id).in_(client_ids))
            .order_by(col(ReadReceipt.read_at))
        ).all():
            assert message_id is not None  # matched by message id above
            readers.setdefault(message_id, []).append(f"{name} ({local_text(read_at)})")
    views: list[ThreadMessage] = []
    for message, author in rows:
        assert message.id is not None  # read from the database (see portal_app/core/models.py)
        views.append(
            ThreadMessage(
                id=message.id,
                subject=message.subject,
                body=message.body,
                from_office=message.from_office,
                author=author,
                date=local_text(message.created_at),
                unread=not message.from_office and message.staff_read_at is None,
                staff_read=local_text(message.staff_read_at),
                read_by=", ".join(readers.get(message.id, [])),
                attachments=attachments.get(message.id, []),
            )
        )
    return views


def unread_count(*, session: Session, actor: Account, dossier_id: object) -> int:
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    return (
        session.exec(
            select(func.count(col(Message.id))).where(
                Message.dossier_id == dossier.id,
                col(Message.from_office).is_(False),
                col(Message.staff_read_at).is_(None),
            )
        ).one()
        or 0
    )


def open_message(*, session: Session, actor: Account, dossier_id: object, message_id: object) -> Message:
    """The message of this dossier; a client message is marked read by staff (first time audited)."""
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    message = session.get(Message, parse_id(message_id))
    if message is None or message.dossier_id != dossier.id:
        raise NotFound()
    assert message.id is not None  # read from the database (see portal_app/core/models.py)
    first_time = not message.from_office and message.staff_read_at is None
    messages.mark_read(session, account=actor, message_id=message.id)
    if first_time:
        audit.record(
            session, "message.read_by_staff", actor_id=actor.id, dossier_id=dossier.id, target=f"message:{message.id}"
        )
    session.flush()
    return message


def send_office_message(
    *,
    session: Session,
    actor: Account,
    dossier_id: object,
    subject: object,
    body: object,
    settings: Settings,
    store: FileStore,
    parent_id: object = None,
    attachments: list[PendingFile] | None = None,
    submit_key: str | None = None,
    ip: str | None = None,
    iban_checked: bool = False,
) -> Message:
    """A message from the office to the dossier's clients (a reply quotes the original).

    Attachments become Correspondentie documents of the dossier. Every client with
    access gets a notification mail (if they want one). A double submit with the
    same `submit_key` stores one message.
    """
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    subject, body, attachments = messages.validate_draft(subject, body, attachments)
    submit_key = submit_key[:64] if isinstance(submit_key, str) and submit_key else None
    if submit_key:
        existing = session.exec(select(Message).where(Message.submit_key == submit_key)).first()
        if existing is not None:
            if existing.author_id != actor.id or existing.dossier_id != dossier.id:
                raise NotFound()
            return existing
    stored_body = body
    parent_id = optional_id(parent_id)
    if parent_id is not None:
        parent = session.get(Message, parent_id)
        if parent is None or parent.dossier_id != dossier.id:
            raise NotFound()
        stored_body = messages.quoted(body, parent.body)
        if not parent.from_office and parent.staff_read_at is None:
            parent.staff_read_at = utcnow()
            session.add(parent)
    # stored rows (see portal_app/core/models.py)
    assert dossier.id is not None and actor.id is not None
    if not iban_checked:
        # IBAN fraud (issue 17): another account number than the office's waits for an admin;
        # raises MessageHeld (the caller commits on it, so the held row is kept)
        iban_guard.hold_office_message(
            session,
            actor=actor,
            dossier_id=dossier.id,
            subject=subject,
            body=body,
            parent_id=parent_id,
            submit_key=submit_key,
            attachments=len(attachments),
            ip=ip,
            settings=settings,  # the admins get a mail that a message waits for them
        )
    message = Message(
        dossier_id=dossier.id,
        author_id=actor.id,
        from_office=True,
        subject=subject,
        body=stored_body,
        parent_id=parent_id,
        submit_key=submit_key,
    )
    stored = messages.store_with_attachments(
        session, message, store=store, attachments=attachments, kind=DocumentKind.CORRESPONDENCE
    )
    if stored is not message:
        return stored  # the same submit key raced in from another worker
    audit.record(
        session,
        "message.sent",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"message:{message.id}",
        ip=ip,
        detail={"from_office": True, "attachments": len(attachments), "reply": parent_id is not None},
    )
    notifications.notify_dossier_clients(session, dossier=dossier, kind="message", settings=settings)
    session.flush()
    return message
