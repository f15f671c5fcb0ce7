"""How many messages a client may send (issue 13): enough for anyone, too few for a flood.

A client writes a handful of messages about a dossier; a script that sends
hundreds fills the handler's inbox and the outbox with notifications. Counted
from the stored messages themselves (Message.author_id and created_at are
indexed), so the limit holds across tabs, sessions and workers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import ValidationFailed
from portal_app.messages.models import Message

# (window, most messages in it): a burst limit and a daily one.
LIMITS: tuple[tuple[timedelta, int], ...] = ((timedelta(minutes=10), 10), (timedelta(days=1), 60))


def check_send_rate(session: Session, account_id: int, *, now: datetime | None = None, ip: str | None = None) -> None:
    """Raise ValidationFailed(code="messages.too_many") when the client reached a limit (audited)."""
    moment = now or utcnow()
    for window, most in LIMITS:
        if _count_since(session, account_id, moment - window) >= most:
            audit.record(
                session,
                "message.rate_limited",
                actor_id=account_id,
                ip=ip,
                detail={"window_minutes": window // timedelta(minutes=1)},
            )
            raise ValidationFailed("too many messages", code="messages.too_many")


def _count_since(session: Session, account_id: int, since: datetime) -> int:
    return session.exec(
        select(func.count(col(Message.id))).where(
            Message.author_id == account_id, col(Message.from_office).is_(False), Message.created_at >= since
        )
    ).one()
