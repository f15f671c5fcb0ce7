"""The signing appointment as an iCalendar file (RFC 5545) for the client's own calendar.

Times are written in UTC ("...Z"), so no VTIMEZONE is needed and every calendar shows
the office time correctly in its own zone. The UID stays the same for the life of the
appointment and SEQUENCE counts the office's changes, so downloading again updates the
entry instead of adding a second one. Lines are folded at 75 octets without splitting a
UTF-8 character, and end in CRLF. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal_app.core.services import formatting, i18n

MAX_OCTETS = 75
PRODID = "-//Klantenportaal//Passeerafspraak//NL"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # the appointment's stable uid; "@<host>" is added here
    sequence: int
    starts_at: datetime
    duration_minutes: int
    dossier_number: str
    location: str
    video_url: str
    notary_name: str
    office_name: str
    dossier_url: str
    updated_at: datetime


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    text = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in text if ch == "\t" or ord(ch) >= 32 and ord(ch) != 127)


def fold(line: str) -> str:
    """Fold one content line at 75 octets (continuation lines start with one space)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    limit = MAX_OCTETS
    for ch in line:
        if len((current + ch).encode("utf-8")) > limit:
            parts.append(current)
            current = ""
            limit = MAX_OCTETS - 1  # the leading space counts
        current += ch
    parts.append(current)
    return "\r\n ".join(parts)


def utc_stamp(moment: datetime) -> str:
    return formatting.aware(moment).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build(event: CalendarEvent, language: str, *, host: str, now: datetime) -> bytes:
    """The .ics file for one appointment, in `language` ('nl' or 'en')."""
    summary = i18n.t("signing.ics_summary", language, number=event.dossier_number, office=event.office_name)
    description_lines = [i18n.t("signing.ics_description", language, number=event.dossier_number)]
    if event.notary_name:
        description_lines.append(i18n.t("signing.ics_notary", language, name=event.notary_name))
    if event.video_url:
        description_lines.append(i18n.t("signing.ics_video", language, link=event.video_url))
    description_lines.append(event.dossier_url)
    ends_at = formatting.aware(event.starts_at) + timedelta(minutes=event.duration_minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}@{host}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"LAST-MODIFIED:{utc_stamp(event.updated_at)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(event.location or event.video_url)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description_lines))}",
    ]
    if event.video_url:
        lines.append(f"URL:{escape_text(event.video_url)}")
    lines += [
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{escape_text(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
