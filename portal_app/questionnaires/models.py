"""Questionnaire tables (filled in by the questionnaire issue)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.core.models import utcnow


class QuestionnaireTemplate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, index=True)
    version: int = 1
    title_nl: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    definition_json: str  # pages and questions, see questionnaires/services/definition.py
    created_at: datetime = Field(default_factory=utcnow)


class QuestionnaireStatus(StrEnum):
    """A request's status; the column stores the plain value ("open" / "completed")."""

    OPEN = "open"
    COMPLETED = "completed"


class QuestionnaireRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="questionnairetemplate.id")
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    status: str = Field(default=QuestionnaireStatus.OPEN, max_length=20, index=True)
    current_page: int = 0
    sent_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


class QuestionnaireAnswer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("request_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="questionnairerequest.id", index=True)
    question_key: str = Field(max_length=80)
    value: str = Field(default="", max_length=10000)
    updated_at: datetime = Field(default_factory=utcnow)
