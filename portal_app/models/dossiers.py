"""Dossiers, their progress steps, documents and read receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class DossierStatus:
    IN_PROGRESS = "in_behandeling"
    WAITING = "wacht_op_klant"
    EXECUTED = "gepasseerd"
    CLOSED = "afgesloten"
    ALL = (IN_PROGRESS, WAITING, EXECUTED, CLOSED)


class Dossier(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True, index=True)
    description: str = Field(max_length=300)
    # accent- and case-folded "number description", for search
    search_text: str = Field(default="", max_length=400, index=True)
    status: str = Field(default=DossierStatus.IN_PROGRESS, max_length=30, index=True)
    handler_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ProgressStep(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    position: int = 0
    title: str = Field(max_length=200)
    done_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


class DocumentKind:
    CORRESPONDENCE = "correspondentie"
    DOCUMENT = "document"
    DELIVERED = "aangeleverd"
    ALL = (CORRESPONDENCE, DOCUMENT, DELIVERED)


class Document(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    kind: str = Field(max_length=20, index=True)
    title: str = Field(max_length=200)
    filename: str = Field(max_length=255)  # sanitised display name, never a path
    storage_key: str = Field(max_length=64, unique=True)
    size: int
    sha256: str = Field(max_length=64)
    mime: str = Field(max_length=100)
    uploaded_by_id: Optional[int] = Field(default=None, foreign_key="account.id", index=True)
    message_id: Optional[int] = Field(default=None, foreign_key="message.id", index=True)
    questionnaire_request_id: Optional[int] = Field(default=None, foreign_key="questionnairerequest.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    withdrawn_at: Optional[datetime] = None


class Message(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    author_id: int = Field(foreign_key="account.id", index=True)
    from_office: bool = Field(index=True)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=20000)
    parent_id: Optional[int] = Field(default=None, foreign_key="message.id")
    # client-generated idempotency key: a double submit stores one message
    submit_key: Optional[str] = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    staff_read_at: Optional[datetime] = None


class ReadReceipt(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("account_id", "document_id"),
        UniqueConstraint("account_id", "message_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    document_id: Optional[int] = Field(default=None, foreign_key="document.id", index=True)
    message_id: Optional[int] = Field(default=None, foreign_key="message.id", index=True)
    read_at: datetime = Field(default_factory=utcnow)
    downloaded_at: Optional[datetime] = None
