"""Outboxes and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from portal_app.models.base import utcnow


class OutboxStatus:
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


class OutboxMail(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str
    kind: str = Field(max_length=40)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    status: str = Field(default=OutboxStatus.QUEUED, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: Optional[str] = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None


class OutboxSms(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    to_phone: str = Field(max_length=32, index=True)
    body: str = Field(max_length=500)
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    status: str = Field(default=OutboxStatus.QUEUED, max_length=20, index=True)
    attempts: int = 0
    last_error: Optional[str] = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = None


class AuditEvent(SQLModel, table=True):
    """Append-only: services/audit.py refuses updates and deletes."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    event_type: str = Field(max_length=60, index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    dossier_id: Optional[int] = Field(default=None, index=True)
    target: Optional[str] = Field(default=None, max_length=200)
    ip: Optional[str] = Field(default=None, max_length=64)
    detail: Optional[str] = Field(default=None, max_length=2000)


class OfficeSetting(SQLModel, table=True):
    """Office-wide settings that staff change at run time (name, colour, policies)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="account.id")
