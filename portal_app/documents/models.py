"""Documents of a dossier: letters and documents the office publishes, and what clients hand in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, nonmember

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class DocumentKind(StrEnum):
    CORRESPONDENCE = "correspondentie"
    DOCUMENT = "document"
    DELIVERED = "aangeleverd"
    # A version of a draft deed (deeds domain): shown in the dossier's Concept-akte section, not in a tab.
    DEED_DRAFT = "conceptakte"
    # The tab order of a dossier page; nonmember keeps it out of the enum's members.
    ALL = nonmember((CORRESPONDENCE, DOCUMENT, DELIVERED))


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    kind: str = Field(max_length=20, index=True)
    title: str = Field(max_length=200)
    filename: str = Field(max_length=255)  # sanitised display name, never a path
    storage_key: str = Field(max_length=64, unique=True)
    size: int
    sha256: str = Field(max_length=64)
    mime: str = Field(max_length=100)
    uploaded_by_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    questionnaire_request_id: int | None = Field(default=None, foreign_key="questionnairerequest.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    withdrawn_at: datetime | None = None


class StagedUpload(SQLModel, table=True):
    """A file picked for a message that is not sent yet (documents/services/staging.py).

    The file is in the store under `storage_key` without a Document; the row
    keeps it from `FileStore.cleanup`, counts towards the account's staging
    quota, and lets the background worker purge it after `expires_at`.
    """

    id: int | None = Field(default=None, primary_key=True)
    storage_key: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    size: int
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
