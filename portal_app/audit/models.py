"""The append-only audit log (audit/services/audit.py refuses updates and deletes)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class AuditEvent(SQLModel, table=True):
    """Append-only: audit/services/audit.py refuses updates and deletes."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    event_type: str = Field(max_length=60, index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    dossier_id: Optional[int] = Field(default=None, index=True)
    target: Optional[str] = Field(default=None, max_length=200)
    ip: Optional[str] = Field(default=None, max_length=64)
    detail: Optional[str] = Field(default=None, max_length=2000)
