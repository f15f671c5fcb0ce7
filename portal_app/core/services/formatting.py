"""Dates, times, sizes and amounts as the reader's language writes them (Babel).

The one place that turns a moment, a byte count or an amount into text. Times are
shown in the office's time zone (setting OFFICE_TIMEZONE, default Europe/Amsterdam)
whatever the server runs in, with the summer/winter offset of that very day; SQLite
hands back naive datetimes, which are UTC here. Plain Python, no Reflex import.

    format_date(moment, "nl")                    -> "28-11-2026"         ("en": "28/11/2026")
    format_date(moment, "en", style="numeric")   -> "28-11-2026"         (the portal's day format)
    format_datetime(moment, "nl")                -> "28-11-2026 14:05"   ("en": "28/11/2026 14:05")
    format_size(1_572_864, "nl")                 -> "1,5 MB"             ("en": "1.5 MB")
    format_amount(1250.5, "nl")                  -> "€ 1.250,50"         ("en": "€1,250.50")
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, cast
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from portal_app.core.services.i18n import normalize_language
from portal_app.settings import get_settings

# English readers of a Dutch office: British conventions (day before month).
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
# The day as the portal has always written it on its pages, in both languages.
NUMERIC_DATE = "dd-MM-yyyy"
DATE_STYLES = ("short", "medium", "long", "numeric")


def office_tz() -> ZoneInfo:
    """The office's time zone (ZoneInfo keeps one instance per name, so this is cheap)."""
    return ZoneInfo(get_settings().office_timezone)


def locale_for(language: str | None) -> Locale:
    return _locale(normalize_language(language))


@functools.cache
def _locale(language: str) -> Locale:
    # one parsed Locale per language: given the name, Babel parses it again on every call, a
    # third of the cost of each date on a staff list of 25 or 50 rows
    return Locale.parse(LOCALES[language])


def aware(moment: datetime) -> datetime:
    """`moment` with a time zone: naive values (SQLite) are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    """`moment` in office time (naive values are taken as UTC)."""
    return aware(moment).astimezone(office_tz())


def now_local() -> datetime:
    return datetime.now(office_tz())


def _date_pattern(style: str) -> str:
    if style not in DATE_STYLES:
        raise ValueError(f"unknown date style {style!r}")
    return NUMERIC_DATE if style == "numeric" else style


# Babel date fields that are plain numbers, as strftime writes them.
_NUMERIC_FIELDS = {"dd": "%d", "MM": "%m", "y": "%Y", "yyyy": "%Y"}
# the time as both languages write it (Babel's "HH:mm")
TIME_FORMAT = "%H:%M"


@functools.cache
def _strftime_for(language: str, pattern: str) -> str | None:
    """The strftime form of the language's `pattern` (a style name or a Babel pattern) when it is
    made of numbers and separators only ('dd-MM-y' -> '%d-%m-%Y'), else None (month names: Babel).

    A staff list writes 50 to 100 dates per page; strftime does in 1 µs what Babel's pattern
    parser does in 15, with the same text (tests/unit/core/test_formatting.py compares both)."""
    if pattern in ("short", "medium", "long"):
        pattern = babel_dates.get_date_format(
            cast(Literal["short", "medium", "long"], pattern), _locale(language)
        ).pattern
    out = []
    for token in re.findall(r"[A-Za-z]+|[^A-Za-z]+", pattern):
        if token[0].isalpha():
            if token not in _NUMERIC_FIELDS:
                return None
            out.append(_NUMERIC_FIELDS[token])
        elif "'" in token or "%" in token:
            return None
        else:
            out.append(token)
    return "".join(out)


def format_date(value: date | datetime | None, language: str, *, style: str = "short") -> str:
    """A day: 'short' (28-11-2026 / 28/11/2026), 'medium' (28 nov 2026), 'long' (28 november 2026)
    or 'numeric' (28-11-2026 in both languages). A datetime counts in office time. "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    language = normalize_language(language)
    pattern = _date_pattern(style)
    fast = _strftime_for(language, pattern)
    if fast is not None:
        return value.strftime(fast)
    return babel_dates.format_date(value, pattern, locale=_locale(language))


def format_time(value: datetime | None, language: str) -> str:
    """'14:05' in office time (24 hours in both languages). "" for None."""
    if value is None:
        return ""
    return local(value).strftime(TIME_FORMAT)


def format_datetime(value: datetime | None, language: str, *, style: str = "short", joiner: str = " ") -> str:
    """Day and time in office time, e.g. '28-11-2026 14:05'. "" for None."""
    if value is None:
        return ""
    moment = local(value)  # once: the office time zone's conversion is most of a date's cost
    return f"{format_date(moment.date(), language, style=style)}{joiner}{moment.strftime(TIME_FORMAT)}"


def file_stamp(value: datetime | None = None) -> str:
    """'20261128-1405': office time for file names (default now), the same in every language."""
    return (local(value) if value is not None else now_local()).strftime("%Y%m%d-%H%M")


def format_number(value: int | float | Decimal, language: str) -> str:
    return babel_numbers.format_decimal(value, locale=locale_for(language))


def format_count(value: int, language: str, *, more: bool = False) -> str:
    """'1.234', or '1.000+' for a count that stopped at its limit (staff_access.COUNT_LIMIT)."""
    return format_number(value, language) + ("+" if more else "")


def format_amount(value: int | float | Decimal, language: str, *, currency: str = "EUR") -> str:
    """A money amount with its currency sign, e.g. '€ 1.250,50'."""
    return babel_numbers.format_currency(Decimal(str(value)), currency, locale=locale_for(language))


def format_size(size: int, language: str) -> str:
    """A file size: '820 kB', '1,5 MB' ('1.5 MB' in English); at least '1 kB'."""
    size = max(0, int(size))
    if size >= 1024 * 1024:
        number = babel_numbers.format_decimal(
            round(size / (1024 * 1024), 1), format="#,##0.0", locale=locale_for(language)
        )
        return f"{number} MB"
    return f"{max(1, round(size / 1024))} kB"
