"""Dates as the questionnaire screens and PDFs show them, in the office's time zone.

Its own module so that the client's questionnaire screen and the PDF (pdf.py)
show the moment of completion the same way, without the PDF importing the
answering service.
"""

from __future__ import annotations

from datetime import datetime

from portal_app.core.services import formatting, i18n


def local_datetime(moment: datetime) -> datetime:
    return formatting.local(moment)


def format_datetime(moment: datetime, language: str) -> str:
    """'28-11-2026 om 14:05' in Dutch, '28 November 2026, 14:05' in English (office time)."""
    if i18n.normalize_language(language) == "nl":
        return formatting.format_datetime(moment, "nl", style="numeric", joiner=" om ")
    return formatting.format_datetime(moment, "en", style="long", joiner=", ")
