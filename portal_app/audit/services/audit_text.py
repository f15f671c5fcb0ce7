"""The audit log in plain words: whom or what an event is about, and its details.

The log stores codes: a target such as "account:3", "document:9" or "setting:office_address"
and a JSON detail such as {"kind": "conceptakte", "size": 1688}. Staff read names and
labels instead: "Jan Jansen (jansen@example.nl)", "Document: Koopakte", "Instelling: Adres
van het kantoor", "Soort: Conceptakte; Grootte: 1,6 kB". The names of one page come from
one query (`lookup`), whatever the number of rows. Labels live in the catalogs
(`audit.target.<kind>`, `audit.detail.<key>`, `audit.value.<key>.<value>`); a key or value
without one shows as stored. Dates, times and sizes go through core/services/formatting.py
(office time zone). The CSV export keeps the codes. Plain Python, no Reflex import.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, literal, union_all
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import event_kinds
from portal_app.core.services import formatting, i18n
from portal_app.documents.models import Document
from portal_app.dossiers.models import Dossier, ProgressStep
from portal_app.questionnaires.models import QuestionnaireTemplate

MAX_DETAIL_CHARS = 500
# target kinds whose id names a row this module looks up (the others show "<label> <id>")
LOOKED_UP = ("account", "document", "dossier", "questionnaire_template", "step")
# detail keys whose value is the id of an account or a document
ID_KEYS = {"account_id": "account", "document_id": "document"}
# detail keys whose value reads "<old> -> <new>" with account ids on both sides (staff_dossiers)
ACCOUNT_CHANGE_KEYS = ("handler",)
AMOUNT_KEYS = ("price", "costs")  # euro cents
# detail keys whose values share the labels of another key
VALUE_LABELS_OF = {"second_factor": "method"}
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CHANGE = " -> "


@dataclass
class Names:
    """What the rows of one page refer to, by kind and id: the text to show."""

    texts: dict[tuple[str, int], str] = field(default_factory=dict)

    def get(self, kind: str, number: int) -> str | None:
        return self.texts.get((kind, number))


def person(name: str | None, email: str | None) -> str:
    """'Jan Jansen (jansen@example.nl)', as the outbox writes a recipient."""
    if name and email:
        return f"{name} ({email})"
    return name or email or ""


def _split(target: str) -> tuple[str, str]:
    kind, _, rest = target.partition(":")
    return kind, rest


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _target_refs(target: str | None) -> Iterable[tuple[str, int]]:
    while target:
        kind, rest = _split(target)
        number = _int(rest)
        if number is not None and kind in LOOKED_UP:
            yield kind, number
            return
        target = rest if ":" in rest else None  # "checklist:dossier:5": the dossier


def _detail_refs(detail: object) -> Iterable[tuple[str, int]]:
    if not isinstance(detail, dict):
        return
    for key, value in detail.items():
        if key in ID_KEYS and (number := _int(value)) is not None:
            yield ID_KEYS[key], number
        elif key in ACCOUNT_CHANGE_KEYS and isinstance(value, str):
            for side in value.split(_CHANGE):
                if (number := _int(side.strip())) is not None:
                    yield "account", number


def parse_detail(detail: str | None) -> object:
    """The stored JSON detail, or the text itself when it is no JSON (None when empty)."""
    if not detail:
        return None
    try:
        return json.loads(detail)
    except ValueError:
        return detail


def lookup(session: Session, rows: Iterable[tuple[str | None, object]], language: str) -> Names:
    """The names the (target, parsed detail) pairs of one page refer to: one query, none when
    nothing is referred to."""
    wanted: dict[str, set[int]] = {}
    for target, detail in rows:
        for kind, number in (*_target_refs(target), *_detail_refs(detail)):
            wanted.setdefault(kind, set()).add(number)
    if not wanted:
        return Names()
    template_title = QuestionnaireTemplate.title_en if language == "en" else QuestionnaireTemplate.title_nl
    sources = {
        "account": (Account.id, Account.name, Account.email),
        "document": (Document.id, Document.title, None),
        "dossier": (Dossier.id, Dossier.number, None),
        "questionnaire_template": (QuestionnaireTemplate.id, template_title, None),
        "step": (ProgressStep.id, ProgressStep.title, None),
    }
    parts: list[Select[str, int, str, str]] = []
    for kind, ids in sorted(wanted.items()):
        key, text, extra = sources[kind]
        parts.append(
            select(
                literal(kind).label("kind"),
                col(key).label("id"),
                col(text).label("text"),
                (col(extra) if extra is not None else literal("")).label("extra"),
            ).where(col(key).in_(sorted(ids)))
        )
    together = union_all(*parts).subquery()
    found = session.exec(select(together.c.kind, together.c.id, together.c.text, together.c.extra)).all()
    names = Names()
    for kind, number, text, extra in found:
        names.texts[(str(kind), int(number))] = person(text, extra) if kind == "account" else str(text or "")
    return names


def _label(prefix: str, key: str, language: str) -> str | None:
    full = f"{prefix}{key}"
    if full in i18n.TRANSLATIONS[i18n.normalize_language(language)]:
        return i18n.t(full, language)
    return None


def target_text(target: str | None, names: Names, language: str) -> str:
    """Whom or what the event is about, in words."""
    if not target:
        return ""
    kind, rest = _split(target)
    label = _label("audit.target.", kind, language)
    if kind == "setting":
        setting = _label("audit.setting.", rest, language) or rest
        return f"{label}: {setting}" if label else setting
    if kind == "email" and rest:
        return f"{label}: {rest}" if label else rest
    number = _int(rest)
    if number is not None:
        found = names.get(kind, number)
        if kind == "account" and found:
            return found
        if kind == "dossier" and found:
            return f"{label or kind} {found}"
        if found:
            return f"{label or kind}: {found}"
        return f"{label or kind} {number}"
    if label is None:
        return target  # a kind this module does not know (an access refusal names the handler)
    if not rest:
        return label
    return f"{label} ({target_text(rest, names, language)})" if ":" in rest else f"{label}: {rest}"


def _yes_no(value: bool, language: str) -> str:
    return i18n.t("audit.value.yes" if value else "audit.value.no", language)


def _moment(text: str, language: str) -> str | None:
    try:
        if _DATETIME_RE.match(text):
            return formatting.format_datetime(datetime.fromisoformat(text), language, style="numeric")
        if _DATE_RE.fullmatch(text):
            return formatting.format_date(date.fromisoformat(text), language, style="numeric")
    except (ValueError, OverflowError):
        return None
    return None


def _mime(text: str) -> str:
    extension = mimetypes.guess_extension(text.split(";")[0].strip().lower())
    return extension.lstrip(".").upper() if extension else text


def value_text(key: str, value: Any, names: Names, language: str) -> str:
    """One detail value, formatted for its key."""
    if value is None:
        return "-"
    if isinstance(value, bool) or value in ("true", "false"):
        return _yes_no(value is True or value == "true", language)
    if isinstance(value, list):
        return ", ".join(value_text(key, item, names, language) for item in value)
    if isinstance(value, dict):
        return "(" + _pairs(value, names, language) + ")"
    if key in ID_KEYS and (number := _int(value)) is not None:
        return names.get(ID_KEYS[key], number) or str(number)
    if isinstance(value, int | float):
        if key == "size":
            return formatting.format_size(int(value), language)
        if key in AMOUNT_KEYS:
            return formatting.format_amount(value / 100, language)
        return formatting.format_number(value, language)
    text = str(value)
    if _CHANGE in text:
        sides = [value_text(key, side.strip(), names, language) for side in text.split(_CHANGE, 1)]
        return " → ".join(sides)
    if key in ACCOUNT_CHANGE_KEYS and (number := _int(text)) is not None:
        return names.get("account", number) or text
    if key == "mime":
        return _mime(text)
    if key == "event_type":
        return event_kinds.describe(text, language)
    moment = _moment(text, language)
    if moment is not None:
        return moment
    labelled = _label(f"audit.value.{VALUE_LABELS_OF.get(key, key)}.", text, language)
    if labelled is not None:
        return labelled
    if text == "changed":
        return i18n.t("audit.value.changed", language)
    if key == "reason" and text in i18n.TRANSLATIONS[i18n.normalize_language(language)]:
        return i18n.t(text, language).rstrip(".")  # an error code: the text the user got
    return text


def _pairs(data: dict[str, Any], names: Names, language: str) -> str:
    return "; ".join(
        f"{_label('audit.detail.', key, language) or key}: {value_text(key, value, names, language)}"
        for key, value in data.items()
    )


def detail_text(detail: object, names: Names, language: str) -> str:
    """The parsed detail (parse_detail) in words: 'Soort: Conceptakte; Grootte: 1,6 kB'."""
    if detail is None or detail == "":
        return ""
    if isinstance(detail, dict):
        text = _pairs(detail, names, language)
    elif isinstance(detail, str):
        text = detail
    else:
        text = value_text("", detail, names, language)
    return text[:MAX_DETAIL_CHARS]
