"""Dossiers, their progress steps, who may see them (DossierAccess) and read receipts of their documents and messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, nonmember

from sqlalchemy import Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.core.models import keep_trigram_index, sqlite_trigram_ddl, utcnow


class DossierStatus(StrEnum):
    IN_PROGRESS = "in_behandeling"
    WAITING = "wacht_op_klant"
    EXECUTED = "gepasseerd"
    CLOSED = "afgesloten"
    # The filter and label order; nonmember keeps it out of the enum's members.
    ALL = nonmember((IN_PROGRESS, WAITING, EXECUTED, CLOSED))


class Dossier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True, index=True)
    description: str = Field(max_length=300)
    # accent- and case-folded "number description", for search
    search_text: str = Field(default="", max_length=400, index=True)
    # the staff search box: folded number, description and each client's name, company and e-mail
    # (kept by dossiers/services/search_index.py; clients never search it)
    staff_search_text: str = Field(default="", max_length=1000, index=True, sa_column_kwargs={"server_default": ""})
    status: str = Field(default=DossierStatus.IN_PROGRESS, max_length=30, index=True)
    handler_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


# The staff search box's trigram index of `staff_search_text` (core/models.py): SQLite's FTS5
# table `dossier_trigram` finds "straat" among 20,000 dossiers in a fraction of a millisecond,
# where a LIKE reads every search text (staff_dossiers.list_dossiers chooses); PostgreSQL's
# pg_trgm index serves its LIKE. Migration 0006 created the SQLite one with this SQL.
STAFF_SEARCH_TRIGRAM_DDL = sqlite_trigram_ddl("dossier", "staff_search_text")
keep_trigram_index(SQLModel.metadata.tables["dossier"], "staff_search_text")


class ProgressStep(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    position: int = 0
    title: str = Field(max_length=200)
    done_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ReadReceipt(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("account_id", "document_id"),
        UniqueConstraint("account_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    read_at: datetime = Field(default_factory=utcnow)
    downloaded_at: datetime | None = None


class DossierAccess(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("dossier_id", "account_id"),
        # The client's dossier list, newest first (services/dossiers.py list_for_account): read
        # in this order from the index, a page of a client with 700 dossiers needs only its rows
        # instead of sorting them all (issue 19).
        Index("ix_dossieraccess_account_id_dossier_created_at", "account_id", "dossier_created_at", "dossier_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # a copy of Dossier.created_at (never changed after creation), written by grant_access
    dossier_created_at: datetime = Field(default_factory=utcnow)
