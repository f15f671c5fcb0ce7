"""Notifications waiting for the next calm digest mail (services/notifications.py).

One row per client account and item (a published document, an office message,
a questionnaire). A digest run takes all waiting rows of an account at once
(`batch`, `handled_at`) and records what became of each (`outcome`): sent in
the mail, already read, switched off, or gone (item withdrawn, access ended).
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from portal_app.models.base import utcnow


class PendingNotification(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    kind: str = Field(max_length=20)  # document | questionnaire | message
    document_id: Optional[int] = Field(default=None, foreign_key="document.id")
    message_id: Optional[int] = Field(default=None, foreign_key="message.id")
    questionnaire_request_id: Optional[int] = Field(default=None, foreign_key="questionnairerequest.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    batch: Optional[str] = Field(default=None, max_length=32, index=True)
    handled_at: Optional[datetime] = Field(default=None, index=True)
    outcome: Optional[str] = Field(default=None, max_length=10)  # sent | read | off | gone
