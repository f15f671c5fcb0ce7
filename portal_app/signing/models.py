"""The signing appointment ("passeerafspraak") of a dossier and the checklist of what to bring.

One appointment per dossier, set and changed by staff only. `uid` stays the same for
the life of the appointment so a calendar updates its entry when the client downloads
the `.ics` again; `sequence` counts the changes (RFC 5545 SEQUENCE). The reminder
columns record which calm reminder (7 days, 1 day ahead) went out; a change of the
time clears them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow


class SigningAppointment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", unique=True, index=True)
    starts_at: datetime = Field(index=True)  # UTC
    duration_minutes: int = 60
    location: str = Field(default="", max_length=300)
    video_url: str = Field(default="", max_length=500)
    notary_id: int | None = Field(default=None, foreign_key="account.id")
    # which default checklist seeded this dossier's checklist (see services/checklist.py)
    dossier_kind: str = Field(default="general", max_length=20)
    uid: str = Field(max_length=64, unique=True)
    sequence: int = 0
    reminder_week_sent_at: datetime | None = None
    reminder_day_sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class SigningChecklistItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    position: int = 0
    label: str = Field(max_length=200)
    # a default item: its catalog key (signing.item.*), shown in the reader's language; "" for an
    # item typed by staff, which shows `label` as typed
    label_key: str = Field(default="", max_length=80)
    # ticked off by a client of the dossier (one tick for the dossier, not per person)
    done_at: datetime | None = None
    done_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
