"""Notifications waiting for the next calm digest mail (notifications/services/notifications.py), and the mail and SMS outboxes.

One row per client account and item (a published document, an office message,
a questionnaire). A digest run takes all waiting rows of an account at once
(`batch`, `handled_at`) and records what became of each (`outcome`): sent in
the mail, already read, switched off, or gone (item withdrawn, access ended).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class PendingNotification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    kind: str = Field(max_length=20)  # document | questionnaire | message
    document_id: int | None = Field(default=None, foreign_key="document.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")
    questionnaire_request_id: int | None = Field(default=None, foreign_key="questionnairerequest.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    batch: str | None = Field(default=None, max_length=32, index=True)
    handled_at: datetime | None = Field(default=None, index=True)
    outcome: str | None = Field(default=None, max_length=10)  # sent | read | off | gone


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


class OutboxMail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str
    kind: str = Field(max_length=40)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    status: str = Field(default=OutboxStatus.QUEUED, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, index=True)  # the outbox page: newest first
    sent_at: datetime | None = None


class OutboxSms(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    to_phone: str = Field(max_length=32, index=True)
    body: str = Field(max_length=500)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    status: str = Field(default=OutboxStatus.QUEUED, max_length=20, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    # the SMS list (staff outbox) is ordered and filtered by it
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None
