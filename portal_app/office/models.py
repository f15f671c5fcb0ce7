"""Office-wide settings that admins change at run time (office/services/office_settings.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class OfficeSetting(SQLModel, table=True):
    """Office-wide settings that staff change at run time (name, colour, policies)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", max_length=2000)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")
