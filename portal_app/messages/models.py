"""Messages between a client and the office about a dossier (the Berichten tab)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class Message(SQLModel, table=True):
    # a dossier's unread office messages (the client's dossier list counts them per row) and its
    # unread client messages (the staff dossier list): without it SQLite walks ix_message_from_office,
    # half the table, once per dossier, or every unread client message of the office (migration 0006)
    __table_args__ = (
        Index("ix_message_dossier_id_from_office_staff_read_at", "dossier_id", "from_office", "staff_read_at"),
        # client messages no staff member opened (the staff home): only the unread ones, not every client message
        Index("ix_message_from_office_staff_read_at", "from_office", "staff_read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    author_id: int = Field(foreign_key="account.id", index=True)
    from_office: bool = Field(index=True)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=20000)
    parent_id: int | None = Field(default=None, foreign_key="message.id")
    # client-generated idempotency key: a double submit stores one message
    submit_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    staff_read_at: datetime | None = None
