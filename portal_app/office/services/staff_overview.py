"""The staff overview: what needs the office's attention, a few rows each.

Every function reads at most `limit` rows and counts with SQL; nothing loads a
whole table. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

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


@dataclass(frozen=True)
class Rows:
    rows: list[dict[str, str]]
    total: int


def unread_client_messages(*, session: Session, actor: Account, mine: bool, limit: int = DEFAULT_LIMIT) -> Rows:
    """Client messages no staff member opened yet; `mine`: in dossiers the actor handles."""
    actor = require_staff(session, actor)
    conditions = [Message.from_office.is_(False), Message.staff_read_at.is_(None)]
    if mine:
        conditions.append(Dossier.handler_id == actor.id)
    total = session.exec(
        select(func.count(Message.id)).join(Dossier, Dossier.id == Message.dossier_id).where(*conditions)
    ).one()
    rows = session.exec(
        select(Message.id, Message.subject, Message.created_at, Dossier.id, Dossier.number, Account.name)
        .join(Dossier, Dossier.id == Message.dossier_id)
        .join(Account, Account.id == Message.author_id)
        .where(*conditions)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return Rows(
        rows=[
            {
                "id": str(message_id),
                "subject": subject,
                "date": local_text(created_at),
                "dossier_id": str(dossier_id),
                "dossier_number": number,
                "author": author,
            }
            for message_id, subject, created_at, dossier_id, number, author in rows
        ],
        total=total or 0,
    )


def recent_deliveries(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows:
    """Files clients handed in ("Door mij aangeleverd"), newest first."""
    require_staff(session, actor)
    conditions = [
        Document.kind == DocumentKind.DELIVERED,
        Document.withdrawn_at.is_(None),
        Account.kind != AccountKind.STAFF,
    ]
    total = session.exec(
        select(func.count(Document.id)).join(Account, Account.id == Document.uploaded_by_id).where(*conditions)
    ).one()
    rows = session.exec(
        select(
            Document.id,
            Document.title,
            Document.filename,
            Document.created_at,
            Dossier.id,
            Dossier.number,
            Account.name,
        )
        .join(Dossier, Dossier.id == Document.dossier_id)
        .join(Account, Account.id == Document.uploaded_by_id)
        .where(*conditions)
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(limit)
    ).all()
    return Rows(
        rows=[
            {
                "id": str(document_id),
                "title": title,
                "filename": filename,
                "date": local_text(created_at),
                "dossier_id": str(dossier_id),
                "dossier_number": number,
                "author": author,
            }
            for document_id, title, filename, created_at, dossier_id, number, author in rows
        ],
        total=total or 0,
    )


def failed_outbox(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows:
    """Mail and SMS that failed for good (the outbox offers "retry")."""
    require_staff(session, actor)
    mail_total = session.exec(select(func.count(OutboxMail.id)).where(OutboxMail.status == OutboxStatus.FAILED)).one()
    sms_total = session.exec(select(func.count(OutboxSms.id)).where(OutboxSms.status == OutboxStatus.FAILED)).one()
    mails = session.exec(
        select(OutboxMail.id, OutboxMail.to_address, OutboxMail.kind, OutboxMail.created_at, OutboxMail.last_error)
        .where(OutboxMail.status == OutboxStatus.FAILED)
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(limit)
    ).all()
    sms = session.exec(
        select(OutboxSms.id, OutboxSms.to_phone, OutboxSms.created_at, OutboxSms.last_error)
        .where(OutboxSms.status == OutboxStatus.FAILED)
        .order_by(OutboxSms.created_at.desc(), OutboxSms.id.desc())
        .limit(limit)
    ).all()
    rows = [
        {
            "id": str(i),
            "channel": "mail",
            "to": to,
            "kind": kind,
            "date": local_text(at),
            "error": (error or "")[:200],
            "_at": aware(at),
        }
        for i, to, kind, at, error in mails
    ] + [
        {
            "id": str(i),
            "channel": "sms",
            "to": to,
            "kind": "sms",
            "date": local_text(at),
            "error": (error or "")[:200],
            "_at": aware(at),
        }
        for i, to, at, error in sms
    ]
    rows.sort(key=lambda row: row["_at"], reverse=True)
    for row in rows:
        del row["_at"]
    return Rows(rows=rows[:limit], total=(mail_total or 0) + (sms_total or 0))


def pending_invitations(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows:
    """Client accounts that never set a password: invited, not (yet) accepted."""
    require_staff(session, actor)
    conditions = [
        Account.kind.in_(CLIENT_KINDS),
        Account.password_hash.is_(None),
        Account.deleted_at.is_(None),
        Account.blocked.is_(False),
    ]
    total = session.exec(select(func.count(Account.id)).where(*conditions)).one()
    last_invite = (
        select(
            AuthToken.account_id,
            func.max(AuthToken.created_at).label("sent_at"),
            func.max(AuthToken.expires_at).label("expires_at"),
        )
        .where(AuthToken.purpose == TokenPurpose.INVITE)
        .group_by(AuthToken.account_id)
        .subquery()
    )
    rows = session.exec(
        select(
            Account.id,
            Account.name,
            Account.company_name,
            Account.kind,
            Account.email,
            Account.created_at,
            last_invite.c.sent_at,
            last_invite.c.expires_at,
        )
        .outerjoin(last_invite, last_invite.c.account_id == Account.id)
        .where(*conditions)
        .order_by(Account.created_at.desc(), Account.id.desc())
        .limit(limit)
    ).all()
    now = utcnow()
    return Rows(
        rows=[
            {
                "id": str(account_id),
                "name": name,
                "company": company or "",
                "email": email,
                "sent": local_text(sent_at or created_at),
                "expired": "1" if expires_at is not None and aware(expires_at) <= now else "",
            }
            for account_id, name, company, _kind, email, created_at, sent_at, expires_at in rows
        ],
        total=total or 0,
    )


def completed_questionnaires(*, session: Session, actor: Account, limit: int = DEFAULT_LIMIT) -> Rows:
    """Questionnaires clients completed, newest first (the questionnaire screens open the result)."""
    require_staff(session, actor)
    condition = QuestionnaireRequest.status == QuestionnaireStatus.COMPLETED
    total = session.exec(select(func.count(QuestionnaireRequest.id)).where(condition)).one()
    rows = session.exec(
        select(
            QuestionnaireRequest.id,
            QuestionnaireRequest.completed_at,
            QuestionnaireTemplate.title_nl,
            Dossier.id,
            Dossier.number,
            Account.name,
        )
        .join(QuestionnaireTemplate, QuestionnaireTemplate.id == QuestionnaireRequest.template_id)
        .join(Dossier, Dossier.id == QuestionnaireRequest.dossier_id)
        .join(Account, Account.id == QuestionnaireRequest.account_id)
        .where(condition)
        .order_by(QuestionnaireRequest.completed_at.desc(), QuestionnaireRequest.id.desc())
        .limit(limit)
    ).all()
    return Rows(
        rows=[
            {
                "id": str(i),
                "date": local_text(at),
                "title": title,
                "dossier_id": str(d),
                "dossier_number": number,
                "author": name,
            }
            for i, at, title, d, number, name in rows
        ],
        total=total or 0,
    )
