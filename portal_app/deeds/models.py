"""Draft deeds (concept-akte): one draft per deed, published in numbered versions.

Each version's file is an ordinary `Document` of the dossier (stored, checked and
downloaded like every publication); the version row adds its number and the text
extracted once at publish time, so a comparison never reads the files again.
Comments and approvals belong to one version: a new version starts without approvals.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class DeedDraft(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    title: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class DeedVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("draft_id", "number", name="uq_deedversion_draft_number"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="deeddraft.id", index=True)
    number: int  # 1, 2, ... per draft
    document_id: int = Field(foreign_key="document.id", unique=True)
    # Plain text of the file, extracted at publish time ("" when the file has no text layer).
    text: str = ""
    published_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class DeedComment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="deedversion.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    quote: str = Field(default="", max_length=1000)  # the passage the comment is about, may be ""
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)


class DeedApproval(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("version_id", "account_id", name="uq_deedapproval_version_account"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="deedversion.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
