"""Office-wide settings that admins change at run time (office/services/office_settings.py), and staff notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class OfficeSetting(SQLModel, table=True):
    """Office-wide settings that staff change at run time (name, colour, policies)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class StaffNote(SQLModel, table=True):
    """An internal note of the office on a client account or on a dossier (exactly one of the two).

    Staff only: no client service, route or page reads this table (office/services/notes.py)."""

    # a client's or a dossier's notes, newest first: each list reads only its index
    __table_args__ = (
        Index("ix_staffnote_account_id_created_at", "account_id", "created_at"),
        Index("ix_staffnote_dossier_id_created_at", "dossier_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    dossier_id: int | None = Field(default=None, foreign_key="dossier.id")
    author_id: int = Field(foreign_key="account.id")
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class StepTemplate(SQLModel, table=True):
    """One progress step of the template for a kind of dossier (office/services/step_templates.py).

    A kind without rows uses the built-in steps; an admin's edit stores the whole list."""

    __table_args__ = (Index("ix_steptemplate_dossier_type_position", "dossier_type", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_type: str = Field(max_length=40)
    position: int = 0
    title: str = Field(max_length=200)
