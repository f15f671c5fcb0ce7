"""Questionnaire templates: the definition format, its parsing and which questions show.

Plain Python, no Reflex import, no database access.

Template definition (the `definition_json` of a QuestionnaireTemplate)
----------------------------------------------------------------------

    {
      "title": {"nl": "...", "en": "..."},
      "intro": {"nl": "...", "en": "..."},                  # optional
      "pages": [
        {
          "key": "persoonlijk",
          "title": {"nl": "...", "en": "..."},
          "intro": {"nl": "...", "en": "..."},              # optional
          "questions": [
            {
              "key": "voornamen",                           # [a-z][a-z0-9_]*, unique in the template
              "type": "short_text",                         # see QUESTION_TYPES
              "label": {"nl": "...", "en": "..."},
              "help": {"nl": "...", "en": "..."},           # optional
              "required": true,                             # default false
              "max_length": 200,                            # texts; at most the type's cap
              "options": [{"value": "a", "label": {...}}],  # single_choice / multiple_choice
              "min": 0, "max": 10,                          # number / amount (optional)
              "integer": true,                              # number (optional)
              "date_min": "today", "date_max": "today",     # date: "today" or YYYY-MM-DD (optional)
              "show_if": {"question": "heeft_partner", "equals": "ja"}
                      # or {"question": "...", "in": ["a", "b"]}: only shown when that
                      # (earlier) yes_no / single_choice / multiple_choice question has
                      # one of these answers (for multiple choice: one of them ticked)
            }
          ]
        }
      ]
    }

A question with `show_if` is shown only while its condition is met
(`visible_keys`); a condition on a hidden question is unmet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from portal_app.core.services import i18n
from portal_app.core.services.errors import ValidationFailed
from portal_app.questionnaires.models import (
    QuestionnaireTemplate,
)

QUESTION_TYPES = (
    "short_text",
    "long_text",
    "number",
    "amount",
    "date",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "email",
    "phone",
    "iban",
)
CHOICE_TYPES = ("yes_no", "single_choice", "multiple_choice")
YES, NO = "ja", "nee"

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 4000
TYPE_MAX_LENGTH = {"short_text": SHORT_TEXT_MAX, "long_text": LONG_TEXT_MAX}
INPUT_MAX_CHARS = 100  # number, amount, date, e-mail, phone, IBAN as typed
NUMBER_LIMIT = Decimal("1e15")
MAX_PAGES = 50
MAX_QUESTIONS = 400
MAX_OPTIONS = 50
MAX_LABEL_CHARS = 500
MAX_HELP_CHARS = 2000

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,79}")
OPTION_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


# --------------------------------------------------------------------------- errors


class TemplateInvalid(ValidationFailed):
    """A template definition does not follow the format; the message says where."""

    code = "questionnaire.template_invalid"

    def __init__(self, message: str):
        super().__init__(message, code=self.code)


# --------------------------------------------------------------------------- definition


@dataclass(frozen=True)
class Text:
    nl: str
    en: str

    def get(self, language: str) -> str:
        return self.en if i18n.normalize_language(language) == "en" and self.en else self.nl


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class Condition:
    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    label: Text
    help: Text | None
    required: bool
    options: tuple[Option, ...]
    show_if: Condition | None
    max_length: int
    minimum: Decimal | None
    maximum: Decimal | None
    integer: bool
    date_min: str | None
    date_max: str | None
    page_index: int

    def option_label(self, value: str, language: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label.get(language)
        return value


@dataclass(frozen=True)
class Page:
    key: str
    title: Text
    intro: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Definition:
    title: Text
    intro: Text | None
    pages: tuple[Page, ...]
    _index: dict[str, Question] = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.key: q for page in self.pages for q in page.questions})

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for page in self.pages for q in page.questions)

    def question(self, key: str) -> Question | None:
        return self._index.get(key)


YES_NO_OPTIONS = (
    Option(YES, Text("Ja", "Yes")),
    Option(NO, Text("Nee", "No")),
)


def _optional_text(raw: Any, where: str, *, limit: int) -> Text | None:
    return None if raw is None else _text(raw, where, limit=limit)


def _text(raw: Any, where: str, *, limit: int = MAX_LABEL_CHARS) -> Text:
    if isinstance(raw, str):  # one text for both languages
        raw = {"nl": raw, "en": raw}
    if not isinstance(raw, dict):
        raise TemplateInvalid(f"{where}: needs a text with 'nl' and 'en'")
    nl, en = raw.get("nl"), raw.get("en")
    if not isinstance(nl, str) or not isinstance(en, str) or not nl.strip() or not en.strip():
        raise TemplateInvalid(f"{where}: needs a Dutch ('nl') and an English ('en') text")
    if len(nl) > limit or len(en) > limit:
        raise TemplateInvalid(f"{where}: text longer than {limit} characters")
    return Text(nl.strip(), en.strip())


def _decimal(raw: Any, where: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise TemplateInvalid(f"{where}: must be a number")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise TemplateInvalid(f"{where}: must be a number") from None
    if not value.is_finite():
        raise TemplateInvalid(f"{where}: must be a number")
    return value


def _date_bound(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    if raw == "today":
        return "today"
    if isinstance(raw, str) and ISO_DATE_RE.fullmatch(raw):
        try:
            date.fromisoformat(raw)
            return raw
        except ValueError:
            pass
    raise TemplateInvalid(f"{where}: must be 'today' or a date YYYY-MM-DD")


def _parse_question(raw: Any, where: str, page_index: int, known: dict[str, Question]) -> Question:
    if not isinstance(raw, dict):
        raise TemplateInvalid(f"{where}: must be an object")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise TemplateInvalid(f"{where}: key must be lower-case letters, digits and _ (max 80)")
    where = f"{where} ({key})"
    if key in known:
        raise TemplateInvalid(f"{where}: key is used twice")
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise TemplateInvalid(f"{where}: unknown type {qtype!r}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise TemplateInvalid(f"{where}: required must be true or false")
    options: tuple[Option, ...] = ()
    if qtype == "yes_no":
        options = YES_NO_OPTIONS
    elif qtype in ("single_choice", "multiple_choice"):
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= MAX_OPTIONS:
            raise TemplateInvalid(f"{where}: needs 2 to {MAX_OPTIONS} options")
        seen: set[str] = set()
        parsed = []
        for number, option in enumerate(raw_options, start=1):
            if not isinstance(option, dict):
                raise TemplateInvalid(f"{where}, option {number}: must be an object")
            value = option.get("value")
            if not isinstance(value, str) or not OPTION_RE.fullmatch(value) or value in seen:
                raise TemplateInvalid(
                    f"{where}, option {number}: value must be unique lower-case letters, digits, - and _"
                )
            seen.add(value)
            parsed.append(Option(value, _text(option.get("label"), f"{where}, option {number}")))
        options = tuple(parsed)
    elif "options" in raw:
        raise TemplateInvalid(f"{where}: only choice questions have options")
    cap = TYPE_MAX_LENGTH.get(qtype, INPUT_MAX_CHARS)
    max_length = raw.get("max_length", cap)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= cap:
        raise TemplateInvalid(f"{where}: max_length must be 1 to {cap}")
    minimum = _decimal(raw.get("min"), f"{where}: min")
    maximum = _decimal(raw.get("max"), f"{where}: max")
    if (minimum is not None or maximum is not None) and qtype not in ("number", "amount"):
        raise TemplateInvalid(f"{where}: min and max are for numbers and amounts")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise TemplateInvalid(f"{where}: min is above max")
    integer = raw.get("integer", False)
    if not isinstance(integer, bool) or (integer and qtype != "number"):
        raise TemplateInvalid(f"{where}: integer is true/false and only for numbers")
    date_min = _date_bound(raw.get("date_min"), f"{where}: date_min")
    date_max = _date_bound(raw.get("date_max"), f"{where}: date_max")
    if (date_min or date_max) and qtype != "date":
        raise TemplateInvalid(f"{where}: date_min and date_max are for dates")
    show_if = None
    raw_condition = raw.get("show_if")
    if raw_condition is not None:
        if not isinstance(raw_condition, dict):
            raise TemplateInvalid(f"{where}: show_if must be an object")
        source_key = raw_condition.get("question")
        source = known.get(source_key) if isinstance(source_key, str) else None
        if source is None:
            raise TemplateInvalid(f"{where}: show_if must name an earlier question")
        if source.type not in CHOICE_TYPES:
            raise TemplateInvalid(f"{where}: show_if must name a yes/no or choice question")
        if "equals" in raw_condition:
            values: Any = [raw_condition["equals"]]
        else:
            values = raw_condition.get("in")
        valid = {option.value for option in source.options}
        if (
            not isinstance(values, list)
            or not values
            or any(not isinstance(value, str) or value not in valid for value in values)
        ):
            raise TemplateInvalid(f"{where}: show_if needs 'equals' or 'in' with answers of {source.key}")
        show_if = Condition(source.key, tuple(dict.fromkeys(values)))
    return Question(
        key=key,
        type=qtype,
        label=_text(raw.get("label"), f"{where}: label"),
        help=_optional_text(raw.get("help"), f"{where}: help", limit=MAX_HELP_CHARS),
        required=required,
        options=options,
        show_if=show_if,
        max_length=max_length,
        minimum=minimum,
        maximum=maximum,
        integer=integer,
        date_min=date_min,
        date_max=date_max,
        page_index=page_index,
    )


def _load_raw(raw: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise TemplateInvalid("the definition is not valid JSON") from None
    if not isinstance(raw, dict):
        raise TemplateInvalid("the definition must be a JSON object")
    return raw


def _parse(raw: dict[str, Any]) -> Definition:
    pages_raw = raw.get("pages")
    if not isinstance(pages_raw, list) or not 1 <= len(pages_raw) <= MAX_PAGES:
        raise TemplateInvalid(f"a questionnaire needs 1 to {MAX_PAGES} pages")
    known: dict[str, Question] = {}
    page_keys: set[str] = set()
    pages = []
    for index, page_raw in enumerate(pages_raw):
        where = f"page {index + 1}"
        if not isinstance(page_raw, dict):
            raise TemplateInvalid(f"{where}: must be an object")
        page_key = page_raw.get("key", f"p{index + 1}")
        if not isinstance(page_key, str) or not KEY_RE.fullmatch(page_key) or page_key in page_keys:
            raise TemplateInvalid(f"{where}: key must be unique lower-case letters, digits and _")
        page_keys.add(page_key)
        questions_raw = page_raw.get("questions")
        if not isinstance(questions_raw, list) or not questions_raw:
            raise TemplateInvalid(f"{where}: needs at least one question")
        questions = []
        for number, question_raw in enumerate(questions_raw, start=1):
            question = _parse_question(question_raw, f"{where}, question {number}", index, known)
            known[question.key] = question
            questions.append(question)
            if len(known) > MAX_QUESTIONS:
                raise TemplateInvalid(f"a questionnaire has at most {MAX_QUESTIONS} questions")
        if all(q.show_if is not None for q in questions):
            raise TemplateInvalid(f"{where}: needs at least one question that is always shown")
        pages.append(
            Page(
                key=page_key,
                title=_text(page_raw.get("title"), f"{where}: title"),
                intro=_optional_text(page_raw.get("intro"), f"{where}: intro", limit=MAX_HELP_CHARS),
                questions=tuple(questions),
            )
        )
    return Definition(
        title=_text(raw.get("title"), "title"),
        intro=_optional_text(raw.get("intro"), "intro", limit=MAX_HELP_CHARS),
        pages=tuple(pages),
    )


@lru_cache(maxsize=64)
def _parse_cached(text: str) -> Definition:
    return _parse(_load_raw(text))


def parse_definition(raw: str | bytes | dict[str, Any]) -> Definition:
    """Parse and check a template definition; TemplateInvalid says what is wrong."""
    if isinstance(raw, str):
        return _parse_cached(raw)
    return _parse(_load_raw(raw))


def canonical_json(raw: str | dict[str, Any]) -> str:
    """The stored form of a definition: compact, keys sorted (list order kept)."""
    data = _load_raw(raw) if not isinstance(raw, dict) else raw
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def definition_of(template: QuestionnaireTemplate) -> Definition:
    return parse_definition(template.definition_json)


def _condition_met(source: Question, stored: str, condition: Condition) -> bool:
    if not stored:
        return False
    if source.type == "multiple_choice":
        try:
            chosen = json.loads(stored)
        except ValueError:
            return False
        return isinstance(chosen, list) and any(value in chosen for value in condition.values)
    return stored in condition.values


def visible_keys(definition: Definition, answers: Mapping[str, str]) -> set[str]:
    """Keys of the questions shown for these answers (a condition on a hidden question is unmet)."""
    visible: set[str] = set()
    for question in definition.questions:
        condition = question.show_if
        if condition is None:
            visible.add(question.key)
            continue
        source = definition.question(condition.question)
        # parsing makes every condition name an earlier question, so `source` is never None here
        if (
            source is not None
            and condition.question in visible
            and _condition_met(source, answers.get(condition.question, ""), condition)
        ):
            visible.add(question.key)
    return visible
