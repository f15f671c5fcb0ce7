"""Dates, times, numbers and amounts as the reader's language writes them (Babel).

Times are shown in the office's time zone (Europe/Amsterdam) whatever the
server runs in; SQLite hands back naive datetimes, which are UTC here.
Plain Python, no Reflex import.

    format_date(moment, "nl")      -> "28-11-2026"        ("en": "28/11/2026")
    format_datetime(moment, "nl")  -> "28-11-2026 14:05"  ("en": "28/11/2026 14:05")
    format_amount(1250.5, "nl")    -> "€ 1.250,50"        ("en": "€1,250.50")
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from portal_app.core.services.i18n import normalize_language

OFFICE_TZ = ZoneInfo("Europe/Amsterdam")
# English readers of a Dutch office: British conventions (day before month).
LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def locale_for(language: str | None) -> str:
    return LOCALES[normalize_language(language)]


def local(moment: datetime) -> datetime:
    """`moment` in office time (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(OFFICE_TZ)


def format_date(value: date | datetime | None, language: str, *, style: str = "short") -> str:
    """A day: 'short' (28-11-2026), 'medium' (28 nov. 2026) or 'long' (28 november 2026). "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return babel_dates.format_date(value, style, locale=locale_for(language))


def format_time(value: datetime | None, language: str) -> str:
    if value is None:
        return ""
    return babel_dates.format_time(local(value), "HH:mm", locale=locale_for(language))


def format_datetime(value: datetime | None, language: str, *, style: str = "short") -> str:
    """Day and time in office time, e.g. '28-11-2026 14:05'. "" for None."""
    if value is None:
        return ""
    return f"{format_date(value, language, style=style)} {format_time(value, language)}"


def format_number(value: int | float | Decimal, language: str) -> str:
    return babel_numbers.format_decimal(value, locale=locale_for(language))


def format_amount(value: int | float | Decimal, language: str, *, currency: str = "EUR") -> str:
    """A money amount with its currency sign, e.g. '€ 1.250,50'."""
    return babel_numbers.format_currency(Decimal(str(value)), currency, locale=locale_for(language))


def format_size(size: int, language: str) -> str:
    """A file size: '820 kB', '1,4 MB' ('1.4 MB' in English)."""
    size = max(0, int(size))
    if size >= 1024 * 1024:
        number = babel_numbers.format_decimal(
            round(size / (1024 * 1024), 1), format="#,##0.0", locale=locale_for(language)
        )
        return f"{number} MB"
    return f"{max(1, round(size / 1024))} kB"
