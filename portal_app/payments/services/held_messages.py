"""Staff messages held by the IBAN guard: admins see them and choose Vrijgeven or Weigeren.

Releasing sends the message as its author wrote it, through the messages domain's own
send path (quote, notifications, audit), marked as checked so it is not held again.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import local_text, require_staff
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier
from portal_app.messages.services import staff_messages
from portal_app.payments.models import HeldMessage, HeldStatus
from portal_app.payments.services import iban as iban_rules
from portal_app.settings import Settings

LIST_LIMIT = 50


@dataclass(frozen=True)
class HeldRow:
    id: int
    dossier_number: str
    author: str
    subject: str
    body: str
    ibans: str  # grouped, comma-separated
    date: str


def list_held(*, session: Session, actor: Account) -> list[HeldRow]:
    """The messages waiting for an admin, oldest first (admins only)."""
    require_staff(session, actor, admin=True)
    rows = session.exec(
        select(HeldMessage, Dossier.number, Account.name)
        .join(Dossier, col(Dossier.id) == HeldMessage.dossier_id)
        .join(Account, col(Account.id) == HeldMessage.author_id)
        .where(HeldMessage.status == HeldStatus.HELD)
        .order_by(col(HeldMessage.created_at), col(HeldMessage.id))
        .limit(LIST_LIMIT)
    ).all()
    result: list[HeldRow] = []
    for held, number, author in rows:
        assert held.id is not None  # read from the database
        result.append(
            HeldRow(
                id=held.id,
                dossier_number=number,
                author=author,
                subject=held.subject,
                body=held.body,
                ibans=", ".join(iban_rules.grouped(iban) for iban in held.foreign_ibans.split()),
                date=local_text(held.created_at),
            )
        )
    return result


def _open(session: Session, held_id: object) -> HeldMessage:
    held = session.get(HeldMessage, parse_id(held_id))
    if held is None or held.status != HeldStatus.HELD:
        raise NotFound()
    return held


def release(
    *, session: Session, actor: Account, held_id: object, settings: Settings, ip: str | None = None
) -> HeldMessage:
    """Send the held message now (as its author); the decision is audited."""
    admin = require_staff(session, actor, admin=True)
    held = _open(session, held_id)
    author = session.get(Account, held.author_id)
    if author is None:
        raise NotFound()
    message = staff_messages.send_office_message(
        session=session,
        actor=author,
        dossier_id=held.dossier_id,
        subject=held.subject,
        body=held.body,
        settings=settings,
        store=FileStore(settings.files_dir),
        parent_id=held.parent_id,
        ip=ip,
        iban_checked=True,
    )
    held.status, held.decided_at, held.decided_by_id, held.message_id = (
        HeldStatus.RELEASED,
        utcnow(),
        admin.id,
        message.id,
    )
    session.add(held)
    audit.record(
        session,
        "payments.message_released",
        actor_id=admin.id,
        dossier_id=held.dossier_id,
        target=f"held_message:{held.id}",
        ip=ip,
        detail={"message_id": message.id},
    )
    session.flush()
    return held


def refuse(*, session: Session, actor: Account, held_id: object, ip: str | None = None) -> HeldMessage:
    """Never send the held message; the decision is audited."""
    admin = require_staff(session, actor, admin=True)
    held = _open(session, held_id)
    held.status, held.decided_at, held.decided_by_id = HeldStatus.REFUSED, utcnow(), admin.id
    session.add(held)
    audit.record(
        session,
        "payments.message_refused",
        actor_id=admin.id,
        dossier_id=held.dossier_id,
        target=f"held_message:{held.id}",
        ip=ip,
    )
    session.flush()
    return held
