"""The staff overview: what needs the office's attention, a few rows each.

Every function reads at most `limit` rows and counts with SQL; nothing loads a
whole table. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from portal_app.accounts.models import Account, AccountKind, AuthToken, TokenPurpose
from portal_app.core.models import utcnow
from portal_app.core.services.staff_access import aware, local_text, require_staff
from portal_app.documents.models import Document, DocumentKind
from portal_app.dossiers.models import Dossier
from portal_app.messages.models import Message
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireStatus, QuestionnaireTemplate

CLIENT_KINDS = (AccountKind.PERSON, AccountKind.COMPANY, AccountKind.COMPANY_EXTRA)
DEFAULT_LIMIT = 10


_Row = TypeVar("_Row")


@dataclass(frozen=True, kw_only=True)
class UnreadMessageRow:
    """A client message no staff member opened yet."""

    id: int
    subject: str
    date: str
    dossier_id: int
    dossier_number: str
    author: str


@dataclass(frozen=True, kw_only=True)
class DeliveryRow:
    """A file a client handed in; `id` is the document's."""

    id: int
    title: str
    filename: str
    date: str
    dossier_id: int
    dossier_number: str
    author: str


@dataclass(frozen=True, kw_only=True)
class CompletedQuestionnaireRow:
    """A questionnaire a client completed; `id` is the request's."""

    id: int
    date: str
    title: str
    dossier_id: int
    dossier_number: str
    author: str


@dataclass(frozen=True, kw_only=True)
class FailedSendRow:
    """A mail or SMS that failed for good."""

    id: int
    channel: str  # "mail" or "sms"
    recipient: str
    kind: str
    date: str
    error: str


@dataclass(frozen=True, kw_only=True)
class InvitationRow:
    """A client account that never set a password."""

    id: int
    name: str
    company: str
    email: str
    sent: str
    expired: bool


@dataclass(frozen=True)
class Rows(Generic[_Row]):
    rows: list[_Row]
    total: int


def unread_client_messages(
    *, session: Session, actor: Account, mine: bool, limit: int = DEFAULT_LIMIT
) -> Rows[UnreadMessageRow]:
    """Client messages no staff member opened yet; `mine`: in dossiers the actor handles."""
    actor = require_staff(session, actor)
    conditions: list[ColumnElement[bool]] = [col(Message.from_office).is_(False), col(Message.staff_read_at).is_(None)]
    if mine:
        conditions.append(col(Dossier.handler_id) == actor.id)
    total = session.exec(
        select(func.count(col(Message.id))).join(Dossier, col(Dossier.id) == Message.dossier_id).where(*conditions)
    ).one()
    # sqlmodel's select() is typed for at most four columns; for more, the
    # statement is built with Select (what select() returns at runtime) and the
    # row shape is written out. Ids are not None in rows read back.
    columns: Select[int, str, datetime, int, str, str] = Select(
        col(Message.id),
        col(Message.subject),
        col(Message.created_at),
        col(Dossier.id),
        col(Dossier.number),
        col(Account.name),
    )
    rows = session.exec(
        columns.join(Dossier, col(Dossier.id) == Message.dossier_id)
        .join(Account, col(Account.id) == Message.author_id)
        .where(*conditions)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    ).all()
    return Rows(
        rows=[
            UnreadMessageRow(
                id=message_id,
                subject=subject,
                date=local_text(created_at),
                dossier_id=dossier_id,
                dossier_number=number,
                author=author,
            )
            for message_id, subject, created_at, dossier_id, number, author in rows
        ],
        total=total or 0,
    )


def recent_deliveries(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows[DeliveryRow]:
    """Files clients handed in ("Door mij aangeleverd"), newest first."""
    require_staff(session, actor)
    conditions: list[ColumnElement[bool]] = [
        col(Document.kind) == DocumentKind.DELIVERED,
        col(Document.withdrawn_at).is_(None),
        col(Account.kind) != AccountKind.STAFF,
    ]
    total = session.exec(
        select(func.count(col(Document.id)))
        .join(Account, col(Account.id) == Document.uploaded_by_id)
        .where(*conditions)
    ).one()
    columns: Select[int, str, str, datetime, int, str, str] = Select(
        col(Document.id),
        col(Document.title),
        col(Document.filename),
        col(Document.created_at),
        col(Dossier.id),
        col(Dossier.number),
        col(Account.name),
    )
    rows = session.exec(
        columns.join(Dossier, col(Dossier.id) == Document.dossier_id)
        .join(Account, col(Account.id) == Document.uploaded_by_id)
        .where(*conditions)
        .order_by(col(Document.created_at).desc(), col(Document.id).desc())
        .limit(limit)
    ).all()
    return Rows(
        rows=[
            DeliveryRow(
                id=document_id,
                title=title,
                filename=filename,
                date=local_text(created_at),
                dossier_id=dossier_id,
                dossier_number=number,
                author=author,
            )
            for document_id, title, filename, created_at, dossier_id, number, author in rows
        ],
        total=total or 0,
    )


def failed_outbox(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows[FailedSendRow]:
    """Mail and SMS that failed for good (the outbox offers "retry")."""
    require_staff(session, actor)
    mail_total = session.exec(
        select(func.count(col(OutboxMail.id))).where(OutboxMail.status == OutboxStatus.FAILED)
    ).one()
    sms_total = session.exec(select(func.count(col(OutboxSms.id))).where(OutboxSms.status == OutboxStatus.FAILED)).one()
    mail_columns: Select[int, str, str, datetime, str | None] = Select(
        col(OutboxMail.id),
        col(OutboxMail.to_address),
        col(OutboxMail.kind),
        col(OutboxMail.created_at),
        col(OutboxMail.last_error),
    )
    mails = session.exec(
        mail_columns.where(OutboxMail.status == OutboxStatus.FAILED)
        .order_by(col(OutboxMail.created_at).desc(), col(OutboxMail.id).desc())
        .limit(limit)
    ).all()
    sms = session.exec(
        select(col(OutboxSms.id), col(OutboxSms.to_phone), col(OutboxSms.created_at), col(OutboxSms.last_error))
        .where(OutboxSms.status == OutboxStatus.FAILED)
        .order_by(col(OutboxSms.created_at).desc(), col(OutboxSms.id).desc())
        .limit(limit)
    ).all()
    dated = [
        (
            _utc(at),
            FailedSendRow(
                id=i, channel="mail", recipient=to, kind=kind, date=local_text(at), error=(error or "")[:200]
            ),
        )
        for i, to, kind, at, error in mails
    ] + [
        (
            _utc(at),
            FailedSendRow(
                id=i, channel="sms", recipient=to, kind="sms", date=local_text(at), error=(error or "")[:200]
            ),
        )
        for i, to, at, error in sms
        if i is not None  # read back from the table, so always set; this tells mypy
    ]
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return Rows(rows=[row for _at, row in dated[:limit]], total=(mail_total or 0) + (sms_total or 0))


def _utc(value: datetime) -> datetime:
    """`aware` for a NOT NULL column: the result is never None."""
    return aware(value) or value


def pending_invitations(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows[InvitationRow]:
    """Client accounts that never set a password: invited, not (yet) accepted."""
    require_staff(session, actor)
    conditions = [
        col(Account.kind).in_(CLIENT_KINDS),
        col(Account.password_hash).is_(None),
        col(Account.deleted_at).is_(None),
        col(Account.blocked).is_(False),
    ]
    total = session.exec(select(func.count(col(Account.id))).where(*conditions)).one()
    last_invite = (
        select(
            col(AuthToken.account_id),
            func.max(AuthToken.created_at).label("sent_at"),
            func.max(AuthToken.expires_at).label("expires_at"),
        )
        .where(AuthToken.purpose == TokenPurpose.INVITE)
        .group_by(col(AuthToken.account_id))
        .subquery()
    )
    columns: Select[int, str, str | None, str, str, datetime, datetime | None, datetime | None] = Select(
        col(Account.id),
        col(Account.name),
        col(Account.company_name),
        col(Account.kind),
        col(Account.email),
        col(Account.created_at),
        last_invite.c.sent_at,
        last_invite.c.expires_at,
    )
    rows = session.exec(
        columns.outerjoin(last_invite, last_invite.c.account_id == Account.id)
        .where(*conditions)
        .order_by(col(Account.created_at).desc(), col(Account.id).desc())
        .limit(limit)
    ).all()
    now = utcnow()
    return Rows(
        rows=[
            InvitationRow(
                id=account_id,
                name=name,
                company=company or "",
                email=email,
                sent=local_text(sent_at or created_at),
                expired=expires_at is not None and _utc(expires_at) <= now,
            )
            for account_id, name, company, _kind, email, created_at, sent_at, expires_at in rows
        ],
        total=total or 0,
    )


def completed_questionnaires(
    *, session: Session, actor: Account, limit: int = DEFAULT_LIMIT
) -> Rows[CompletedQuestionnaireRow]:
    """Questionnaires clients completed, newest first (the questionnaire screens open the result)."""
    require_staff(session, actor)
    condition = QuestionnaireRequest.status == QuestionnaireStatus.COMPLETED
    total = session.exec(select(func.count(col(QuestionnaireRequest.id))).where(condition)).one()
    columns: Select[int, datetime | None, str, int, str, str] = Select(
        col(QuestionnaireRequest.id),
        col(QuestionnaireRequest.completed_at),
        col(QuestionnaireTemplate.title_nl),
        col(Dossier.id),
        col(Dossier.number),
        col(Account.name),
    )
    rows = session.exec(
        columns.join(QuestionnaireTemplate, col(QuestionnaireTemplate.id) == QuestionnaireRequest.template_id)
        .join(Dossier, col(Dossier.id) == QuestionnaireRequest.dossier_id)
        .join(Account, col(Account.id) == QuestionnaireRequest.account_id)
        .where(condition)
        .order_by(col(QuestionnaireRequest.completed_at).desc(), col(QuestionnaireRequest.id).desc())
        .limit(limit)
    ).all()
    return Rows(
        rows=[
            CompletedQuestionnaireRow(
                id=i, date=local_text(at), title=title, dossier_id=d, dossier_number=number, author=name
            )
            for i, at, title, d, number, name in rows
        ],
        total=total or 0,
    )
