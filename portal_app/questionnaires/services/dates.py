"""Dates as the questionnaire screens and PDFs show them, in the office's time zone.

Its own module so that the answering service (questionnaires.py) and the PDF
(pdf.py) both use it without importing each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal_app.core.services import i18n

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def local_datetime(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def format_datetime(moment: datetime, language: str) -> str:
    local = local_datetime(moment)
    if i18n.normalize_language(language) == "nl":
        return local.strftime("%d-%m-%Y om %H:%M")
    return f"{local.day} {local.strftime('%B')} {local.year}, {local.strftime('%H:%M')}"
