"""formatting.py: office time across summer/winter time, sizes and amounts by Babel's rules."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal_app.core.services import formatting
from portal_app.settings import SettingsError, get_settings, load_settings


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        # Summer time starts on 29 March 2026 at 01:00 UTC (02:00 -> 03:00 in Amsterdam).
        (datetime(2026, 3, 29, 0, 59), "29-03-2026 01:59"),
        (datetime(2026, 3, 29, 1, 0), "29-03-2026 03:00"),
        # It ends on 25 October 2026 at 01:00 UTC (03:00 -> 02:00): 02:30 happens twice.
        (datetime(2026, 10, 25, 0, 30), "25-10-2026 02:30"),
        (datetime(2026, 10, 25, 1, 30), "25-10-2026 02:30"),
        (datetime(2026, 10, 25, 2, 0), "25-10-2026 03:00"),
        # Winter: UTC+1; a late evening in UTC is already the next day in the office.
        (datetime(2026, 12, 31, 23, 30), "01-01-2027 00:30"),
        (datetime(2026, 7, 1, 22, 15), "02-07-2026 00:15"),
    ],
)
def test_naive_sqlite_times_are_utc_and_shown_in_office_time(utc, shown):
    assert formatting.format_datetime(utc, "nl") == shown
    assert formatting.format_datetime(utc.replace(tzinfo=UTC), "nl") == shown  # aware: the same moment
    assert formatting.format_date(utc, "en", style="numeric") == shown[:10]


def test_an_aware_time_in_another_zone_is_converted():
    new_york = datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo("America/New_York"))  # 12:00 UTC
    assert formatting.format_time(new_york, "en") == "14:00"


def test_date_styles_per_language():
    day = date(2026, 11, 28)
    assert formatting.format_date(day, "nl") == "28-11-2026"
    assert formatting.format_date(day, "en") == "28/11/2026"
    assert formatting.format_date(day, "en", style="numeric") == "28-11-2026"
    assert formatting.format_date(day, "nl", style="long") == "28 november 2026"
    assert formatting.format_date(day, "en", style="long") == "28 November 2026"
    assert formatting.format_date(None, "nl") == formatting.format_datetime(None, "en") == ""
    with pytest.raises(ValueError):
        formatting.format_date(day, "nl", style="%d-%m")


def test_file_stamp_is_office_time():
    assert formatting.file_stamp(datetime(2026, 7, 1, 22, 15)) == "20260702-0015"
    assert len(formatting.file_stamp()) == len("20260702-0015")


@pytest.mark.parametrize(
    ("size", "nl", "en"),
    [
        (0, "1 kB", "1 kB"),
        (1, "1 kB", "1 kB"),
        (820 * 1024, "820 kB", "820 kB"),
        (1024 * 1024, "1,0 MB", "1.0 MB"),
        (1024 * 1024 * 3 // 2, "1,5 MB", "1.5 MB"),
        (25 * 1024 * 1024 - 1, "25,0 MB", "25.0 MB"),
        (1500 * 1024 * 1024, "1.500,0 MB", "1,500.0 MB"),
    ],
)
def test_sizes_follow_the_language(size, nl, en):
    assert formatting.format_size(size, "nl") == nl
    assert formatting.format_size(size, "en") == en


@pytest.mark.parametrize(
    ("amount", "nl", "en"),
    [
        (1250.5, "€\xa01.250,50", "€1,250.50"),
        (Decimal("0.05"), "€\xa00,05", "€0.05"),
        (1_000_000, "€\xa01.000.000,00", "€1,000,000.00"),
        (-12, "€\xa0-12,00", "-€12.00"),
    ],
)
def test_amounts_in_euro(amount, nl, en):
    assert formatting.format_amount(amount, "nl") == nl
    assert formatting.format_amount(amount, "en") == en


def test_numbers_follow_the_language():
    assert formatting.format_number(Decimal("1234.5"), "nl") == "1.234,5"
    assert formatting.format_number(Decimal("1234.5"), "en") == "1,234.5"
    assert formatting.format_number(7, "de") == "7"  # unknown language: Dutch


def test_the_office_time_zone_is_a_setting(monkeypatch):
    assert get_settings().office_timezone == "Europe/Amsterdam"
    london = dataclasses.replace(get_settings(), office_timezone="Europe/London")
    monkeypatch.setattr(formatting, "get_settings", lambda: london)
    assert formatting.format_datetime(datetime(2026, 7, 1, 22, 15), "nl") == "01-07-2026 23:15"
    assert formatting.format_datetime(datetime(2026, 1, 1, 22, 15), "nl") == "01-01-2026 22:15"


def test_a_bad_office_time_zone_stops_start_up(tmp_path):
    env = {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    assert load_settings({**env, "OFFICE_TIMEZONE": "America/Curacao"}).office_timezone == "America/Curacao"
    with pytest.raises(SettingsError, match="OFFICE_TIMEZONE"):
        load_settings({**env, "OFFICE_TIMEZONE": "Europe/Atlantis"})


def test_numeric_dates_written_without_babel_read_as_babel_writes_them():
    """The strftime shortcut for numeric patterns (formatting._strftime_for) gives Babel's text."""
    from datetime import timedelta

    from babel import dates as babel_dates

    for language, locale in formatting.LOCALES.items():
        for style in ("short", "numeric"):
            assert formatting._strftime_for(language, formatting._date_pattern(style)) is not None
            for offset in range(0, 40_000, 997):  # 1990 to 2099
                day = date(1990, 1, 1) + timedelta(days=offset)
                expected = babel_dates.format_date(day, formatting._date_pattern(style), locale=locale)
                assert formatting.format_date(day, language, style=style) == expected
        # names of months stay Babel's
        assert formatting._strftime_for(language, "long") is None
    moment = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)  # the night the clocks go forward
    assert formatting.format_time(moment, "nl") == babel_dates.format_time(
        formatting.local(moment), "HH:mm", locale="nl_NL"
    )
