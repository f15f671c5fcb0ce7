"""Append-only audit log. Never pass secrets (passwords, tokens, codes) in `detail`."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from portal_app.models import AuditEvent

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
