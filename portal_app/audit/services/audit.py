"""Append-only audit log. Never pass secrets (passwords, tokens, codes) in `detail`."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from portal_app.audit.models import AuditEvent

SECRET_WORDS = ("password", "token", "code", "secret", "wachtwoord")


def record(
    session: Session,
    event_type: str,
    *,
    actor_id: int | None = None,
    dossier_id: int | None = None,
    target: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    if detail:
        bad = [key for key in detail if any(word in key.lower() for word in SECRET_WORDS)]
        if bad:
            raise ValueError(f"audit detail may not hold secrets: {bad}")
    event = AuditEvent(
        event_type=event_type,
        actor_id=actor_id,
        dossier_id=dossier_id,
        target=(target or None) and target[:200],
        ip=ip,
        detail=json.dumps(detail, ensure_ascii=False)[:2000] if detail else None,
    )
    session.add(event)
    return event


# ---------------------------------------------------------------------------
# refused calls: one entry per caller and reason per window, so a flood of
# forged events cannot fill the disk
# ---------------------------------------------------------------------------

REFUSAL_WINDOW_SECONDS = 60.0
_REFUSALS_REMEMBERED = 10_000
_last_refusal: dict[tuple[str, str, str], float] = {}


def refusal_is_due(who: str, what: str, reason: str, *, now: float) -> bool:
    """Whether a refusal of (who, what, reason) should be written now (at most once per window)."""
    key = (who, what, reason)
    last = _last_refusal.get(key)
    if last is not None and now - last < REFUSAL_WINDOW_SECONDS:
        return False
    if len(_last_refusal) >= _REFUSALS_REMEMBERED:
        _last_refusal.clear()
    _last_refusal[key] = now
    return True


def record_refusal(
    session: Session, *, actor_id: int | None, what: str, reason: str, ip: str | None, now: float
) -> AuditEvent | None:
    """Write `access.refused` for a call that was not allowed, unless one was written just now."""
    who = str(actor_id) if actor_id is not None else f"ip:{ip or '?'}"
    if not refusal_is_due(who, what, reason, now=now):
        return None
    return record(session, "access.refused", actor_id=actor_id, target=what[:200], ip=ip, detail={"reason": reason})
