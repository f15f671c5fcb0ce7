"""Plain descriptions of audit event kinds, for the audit log staff read.

The log stores a dotted kind ("password_link.sent"); staff read a sentence in their
language from the catalog entry `audit.event.<kind>`. Every kind the code writes has
one (tests/unit/audit/test_event_descriptions.py scans the code for them); a kind
without one (an old row of a kind since renamed) shows its code. The CSV export
keeps the codes: they are what a script filters on. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core.services import i18n

KEY_PREFIX = "audit.event."


@dataclass(frozen=True)
class EventKind:
    """An event kind for the filter list: its code (the value sent) and its description."""

    code: str
    label: str


def has_description(event_type: str, language: str) -> bool:
    return (KEY_PREFIX + event_type) in i18n.TRANSLATIONS[i18n.normalize_language(language)]


def known_codes() -> list[str]:
    """Every kind the portal writes (each has a description: the catalog is the list), sorted."""
    return sorted(
        key[len(KEY_PREFIX) :] for key in i18n.TRANSLATIONS[i18n.DEFAULT_LANGUAGE] if key.startswith(KEY_PREFIX)
    )


def describe(event_type: str, language: str) -> str:
    """The kind's description in `language`, or the code itself when the catalog has none."""
    if not has_description(event_type, language):
        return event_type
    return i18n.t(KEY_PREFIX + event_type, language)


def kinds(codes: list[str], language: str) -> list[EventKind]:
    """The kinds of `codes` with their descriptions, in the order staff look them up: by description."""
    found = [EventKind(code, describe(code, language)) for code in codes]
    return sorted(found, key=lambda kind: kind.label.lower())
