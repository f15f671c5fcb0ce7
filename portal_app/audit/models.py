"""The append-only audit log (audit/services/audit.py refuses updates and deletes)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class AuditEvent(SQLModel, table=True):
    """Append-only: audit/services/audit.py refuses updates and deletes."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    event_type: str = Field(max_length=60, index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    dossier_id: int | None = Field(default=None, index=True)
    target: str | None = Field(default=None, max_length=200)
    ip: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=2000)
