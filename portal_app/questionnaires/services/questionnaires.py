"""Questionnaires ("Acties" / "Vragenlijst"): templates, answers, completion.

Plain Python, no Reflex import. Every function takes a keyword-only `session`
(or a positional one where the brief names it so) and never commits: callers
commit (after `complete`, with `documents.commit_or_discard`, so a failed
commit leaves no stray PDF behind).

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

Stored answers (QuestionnaireAnswer.value) are canonical strings: yes/no
"ja"/"nee"; choices the option value; multiple choice a JSON list of option
values in option order; amounts and numbers a plain decimal ("425000.00",
"2.5"); dates ISO "YYYY-MM-DD"; IBAN upper case without spaces. A hidden
(conditional) question is never validated, stored or shown; an answer it had
before stays in the database, so flipping the condition back restores it.

Rules
-----
- A client sees only requests addressed to its own account (a company extra
  account only its own) in dossiers it may see; anything else is NotFound with
  an "access.denied" audit event, the same for missing ids.
- `save_page` validates one page, upserts its answers one row per question
  (the unique constraint request+question makes two tabs saving the same page
  at once keep every answer: last writer wins per question, nothing else is
  touched) and stores `current_page`.
- Nothing changes after completion (QuestionnaireLocked) until staff reopen it.
- A request keeps the template row (version) it was sent with; the shipped
  templates are installed as new versions when their JSON changes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import dialect_insert, store_document
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.dossiers.services.dossiers import can_see
from portal_app.notifications.services import mail
from portal_app.office.services import office_settings
from portal_app.questionnaires.models import (
    QuestionnaireAnswer,
    QuestionnaireRequest,
    QuestionnaireStatus,
    QuestionnaireTemplate,
)
from portal_app.questionnaires.services.dates import LOCAL_TZ, format_datetime, local_datetime  # noqa: F401  (part of this module's API)

TEMPLATES_DIR = Path(__file__).resolve().parent / "questionnaire_templates"
MAX_ID = 2**63 - 1

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
EMAIL_MAX = 254
AMOUNT_MAX = Decimal("1000000000000")  # one trillion euro
NUMBER_LIMIT = Decimal("1e15")
MAX_PAGES = 50
MAX_QUESTIONS = 400
MAX_OPTIONS = 50
MAX_LABEL_CHARS = 500
MAX_HELP_CHARS = 2000
MAX_SUBMITTED_KEYS = 500

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,79}")
OPTION_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DMY_DATE_RE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
EMAIL_RE = re.compile(
    r"[^@\s<>(),;:\"\[\]\\]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,63}"
)
# Bidirectional overrides and isolates: they can make a stored answer read differently.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])

# IBAN lengths per country (SWIFT IBAN registry); other countries: 15 to 34.
IBAN_LENGTHS = {
    "AD": 24,
    "AT": 20,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TR": 26,
    "VA": 22,
}
NL_BBAN_RE = re.compile(r"[A-Z]{4}\d{10}")


# --------------------------------------------------------------------------- errors


class TemplateInvalid(ValidationFailed):
    """A template definition does not follow the format; the message says where."""

    code = "questionnaire.template_invalid"

    def __init__(self, message: str):
        super().__init__(message, code=self.code)


class QuestionnaireLocked(ValidationFailed):
    """The questionnaire was completed: nothing can be changed any more."""

    code = "questionnaire.locked"

    def __init__(self):
        super().__init__("questionnaire is completed", code=self.code)


@dataclass(frozen=True)
class FieldError:
    code: str
    params: dict = field(default_factory=dict)

    def text(self, language: str) -> str:
        return i18n.t(self.code, language, **self.params)


class PageInvalid(ValidationFailed):
    """Answers of one or more questions are missing or wrong.

    `errors` maps question keys to FieldError; `page_index` is the (first)
    page they are on.
    """

    code = "questionnaire.error.page"

    def __init__(self, errors: dict[str, FieldError], page_index: int, *, code: str | None = None):
        super().__init__("answers invalid", code=code or self.code)
        self.errors = errors
        self.page_index = page_index


class _Invalid(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.error = FieldError(f"questionnaire.error.{code}", params)


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
    _index: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    def __post_init__(self):
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


def _text(raw: Any, where: str, *, limit: int = MAX_LABEL_CHARS, optional: bool = False) -> Text | None:
    if raw is None and optional:
        return None
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
        return raw
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
            values = [raw_condition["equals"]]
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
        help=_text(raw.get("help"), f"{where}: help", limit=MAX_HELP_CHARS, optional=True),
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


def _load_raw(raw: str | bytes | dict) -> dict:
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise TemplateInvalid("the definition is not valid JSON") from None
    if not isinstance(raw, dict):
        raise TemplateInvalid("the definition must be a JSON object")
    return raw


def _parse(raw: dict) -> Definition:
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
                intro=_text(page_raw.get("intro"), f"{where}: intro", limit=MAX_HELP_CHARS, optional=True),
                questions=tuple(questions),
            )
        )
    return Definition(
        title=_text(raw.get("title"), "title"),
        intro=_text(raw.get("intro"), "intro", limit=MAX_HELP_CHARS, optional=True),
        pages=tuple(pages),
    )


@lru_cache(maxsize=64)
def _parse_cached(text: str) -> Definition:
    return _parse(_load_raw(text))


def parse_definition(raw: str | bytes | dict) -> Definition:
    """Parse and check a template definition; TemplateInvalid says what is wrong."""
    if isinstance(raw, str):
        return _parse_cached(raw)
    return _parse(_load_raw(raw))


def canonical_json(raw: str | dict) -> str:
    """The stored form of a definition: compact, keys sorted (list order kept)."""
    data = _load_raw(raw) if not isinstance(raw, dict) else raw
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def definition_of(template: QuestionnaireTemplate) -> Definition:
    return parse_definition(template.definition_json)


# --------------------------------------------------------------------------- answers


def _clean_text(value: str, *, multiline: bool) -> str:
    value = unicodedata.normalize("NFC", value).translate(_BIDI_CONTROLS)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in value:
        if ch == "\n" and multiline:
            kept.append(ch)
        elif ch in "\n\t":
            kept.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufeff\ufffe\uffff":
            continue
        else:
            kept.append(ch)
    value = "".join(kept)
    if multiline:
        lines = [line.rstrip() for line in value.split("\n")]
        return "\n".join(lines).strip()
    return " ".join(value.split())


def _parse_decimal(text: str, *, amount: bool) -> Decimal:
    """Dutch or plain notation: '425.000', '425.000,50', '1250,5', '2.5', '€ 1.000'."""
    value = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if amount:
        value = value.replace("€", "").removeprefix("EUR").removeprefix("eur")
        if value.endswith(",-"):
            value = value[:-2]
    negative = value.startswith("-")
    if negative or value.startswith("+"):
        value = value[1:]
    if not value or not re.fullmatch(r"[0-9.,]+", value):
        raise ValueError(text)
    if "," in value and "." in value:
        decimal_sep = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        whole, _, fraction = value.rpartition(decimal_sep)
        if not re.fullmatch(r"\d{1,3}(" + re.escape(thousands) + r"\d{3})*", whole):
            raise ValueError(text)
        whole = whole.replace(thousands, "")
    elif "," in value:
        if value.count(",") > 1:
            raise ValueError(text)
        whole, _, fraction = value.partition(",")
    elif "." in value:
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", value):  # Dutch thousands: 425.000
            whole, fraction = value.replace(".", ""), ""
        elif value.count(".") == 1:
            whole, _, fraction = value.partition(".")
        else:
            raise ValueError(text)
    else:
        whole, fraction = value, ""
    if not whole:
        whole = "0"
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(text)
    if amount and len(fraction) > 2:
        raise ValueError(text)
    result = Decimal(f"{whole}.{fraction}" if fraction else whole)
    return -result if negative else result


def _date_limit(bound: str | None, today: date) -> date | None:
    if bound is None:
        return None
    return today if bound == "today" else date.fromisoformat(bound)


def _parse_date(text: str) -> date:
    match = ISO_DATE_RE.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = DMY_DATE_RE.fullmatch(text)
        if not match:
            raise ValueError(text)
        day, month, year = (int(part) for part in match.groups())
    if not 1900 <= year <= 2199:
        raise ValueError(text)
    return date(year, month, day)


def iban_is_valid(value: str) -> bool:
    """Country code, length for the country, and the ISO 7064 mod-97 check."""
    iban = re.sub(r"[\s-]", "", value or "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    if iban[:2] == "NL" and not NL_BBAN_RE.fullmatch(iban[4:]):
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def _as_text(raw: Any, limit: int) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise _Invalid("invalid")
    text = str(raw)
    if len(text) > max(limit * 2, 200) + 100:  # far too long: do not even look at it
        raise _Invalid("too_long", max=limit)
    return text


def clean_answer(question: Question, raw: Any, *, today: date | None = None) -> str:
    """The canonical stored string for `raw`, "" for no answer; _Invalid when wrong.

    Does not check `required` (that depends on visibility, see `validate_page`).
    """
    qtype = question.type
    if qtype == "multiple_choice":
        if raw in (None, ""):
            return ""
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise _Invalid("choice") from None
        if not isinstance(raw, (list, tuple)) or len(raw) > MAX_OPTIONS:
            raise _Invalid("choice")
        valid = [option.value for option in question.options]
        if any(not isinstance(value, str) or value not in valid for value in raw):
            raise _Invalid("choice")
        chosen = [value for value in valid if value in raw]
        return json.dumps(chosen) if chosen else ""

    if qtype in ("short_text", "long_text"):
        text = _clean_text(_as_text(raw, question.max_length), multiline=qtype == "long_text")
        if len(text) > question.max_length:
            raise _Invalid("too_long", max=question.max_length)
        return text

    text = _clean_text(_as_text(raw, INPUT_MAX_CHARS), multiline=False)
    if not text:
        return ""
    if len(text) > INPUT_MAX_CHARS:
        raise _Invalid("too_long", max=INPUT_MAX_CHARS)

    if qtype in ("yes_no", "single_choice"):
        if text not in {option.value for option in question.options}:
            raise _Invalid("choice")
        return text

    if qtype in ("number", "amount"):
        amount = qtype == "amount"
        try:
            value = _parse_decimal(text, amount=amount)
        except (ValueError, InvalidOperation):
            raise _Invalid("amount" if amount else "number") from None
        if question.integer and value != value.to_integral_value():
            raise _Invalid("integer")
        minimum = question.minimum if question.minimum is not None else (Decimal(0) if amount else None)
        maximum = question.maximum if question.maximum is not None else (AMOUNT_MAX if amount else NUMBER_LIMIT)
        if minimum is not None and value < minimum:
            raise _Invalid("min", min=format_number(minimum, "nl"))
        if value > maximum or (minimum is None and value < -NUMBER_LIMIT):
            raise _Invalid("max", max=format_number(maximum, "nl"))
        if amount:
            return str(value.quantize(Decimal("0.01")))
        normalized = value.normalize()
        return format(normalized, "f") if normalized != 0 else "0"

    if qtype == "date":
        try:
            day = _parse_date(text)
        except ValueError:
            raise _Invalid("date") from None
        today = today or datetime.now(LOCAL_TZ).date()
        lowest = _date_limit(question.date_min, today)
        highest = _date_limit(question.date_max, today)
        if lowest is not None and day < lowest:
            raise _Invalid(
                "date_past" if question.date_min == "today" else "date_min", min=format_date(lowest.isoformat(), "nl")
            )
        if highest is not None and day > highest:
            raise _Invalid(
                "date_future" if question.date_max == "today" else "date_max",
                max=format_date(highest.isoformat(), "nl"),
            )
        return day.isoformat()

    if qtype == "email":
        if len(text) > EMAIL_MAX or not EMAIL_RE.fullmatch(text):
            raise _Invalid("email")
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"

    if qtype == "phone":
        digits = re.sub(r"[\s().-]", "", text)
        if digits.startswith("+"):
            digits_only = digits[1:]
        elif digits.startswith("00"):
            digits_only = digits[2:]
        else:
            digits_only = digits
        if not digits_only.isdigit() or not 8 <= len(digits_only) <= 15 or not re.fullmatch(r"\+?[\d\s().-]+", text):
            raise _Invalid("phone")
        return text

    if qtype == "iban":
        if not iban_is_valid(text):
            raise _Invalid("iban")
        return re.sub(r"[\s-]", "", text).upper()

    raise _Invalid("invalid")  # pragma: no cover - types are checked when parsing


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
        if condition.question in visible and _condition_met(source, answers.get(condition.question, ""), condition):
            visible.add(question.key)
    return visible


@dataclass(frozen=True)
class PageCheck:
    clean: dict[str, str]  # submitted answers of visible questions, canonical
    errors: dict[str, FieldError]
    merged: dict[str, str]  # stored answers with the valid submitted ones on top
    visible: set[str]


def check_page(
    definition: Definition,
    page_index: int,
    submitted: Mapping[str, Any],
    stored: Mapping[str, str],
    *,
    today: date | None = None,
) -> PageCheck:
    """Validate the submitted answers of one page against the stored ones.

    Keys of other pages or unknown keys are ignored. Questions of the page that
    are not submitted keep their stored answer (a tab sends what it changed).
    """
    page = definition.pages[page_index]
    merged = dict(stored)
    clean: dict[str, str] = {}
    errors: dict[str, FieldError] = {}
    for question in page.questions:
        if question.key not in submitted:
            continue
        try:
            value = clean_answer(question, submitted[question.key], today=today)
        except _Invalid as invalid:
            errors[question.key] = invalid.error
            merged.pop(question.key, None)
            continue
        clean[question.key] = value
        merged[question.key] = value
    visible = visible_keys(definition, merged)
    for question in page.questions:
        if question.key not in visible:
            errors.pop(question.key, None)
            clean.pop(question.key, None)
        elif question.key not in errors and question.required and not merged.get(question.key):
            errors[question.key] = FieldError("questionnaire.error.required")
    return PageCheck(clean=clean, errors=errors, merged=merged, visible=visible)


def check_all(
    definition: Definition, stored: Mapping[str, str], *, today: date | None = None
) -> tuple[int, dict[str, FieldError]] | None:
    """(first page with a problem, its errors), or None when every page is complete.

    Stored answers are checked again (a template edit or a forged row cannot
    slip through); dates are only checked for format here, not against today
    (an answer given yesterday with date_min 'today' stays valid).
    """
    for index, page in enumerate(definition.pages):
        submitted = {q.key: stored[q.key] for q in page.questions if q.key in stored and q.type != "date"}
        result = check_page(definition, index, submitted, stored, today=today)
        for question in page.questions:
            if question.type == "date" and question.key in result.visible and stored.get(question.key):
                try:
                    _parse_date(stored[question.key])
                except ValueError:
                    result.errors[question.key] = FieldError("questionnaire.error.date")
        if result.errors:
            return index, result.errors
    return None


# --------------------------------------------------------------------------- display


def format_number(value: Decimal | str, language: str, *, decimals: int | None = None) -> str:
    number = Decimal(value)
    if decimals is not None:
        text = f"{number:,.{decimals}f}"
    else:
        normalized = number.normalize()
        places = max(0, -normalized.as_tuple().exponent) if normalized != 0 else 0
        text = f"{number:,.{places}f}"
    if i18n.normalize_language(language) == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_date(iso: str, language: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    if i18n.normalize_language(language) == "nl":
        return day.strftime("%d-%m-%Y")
    return f"{day.day} {day.strftime('%B')} {day.year}"


def format_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def display_answer(question: Question, stored: str, language: str) -> str:
    """The answer as the client reads it; "" for no answer."""
    if not stored:
        return ""
    try:
        if question.type in ("yes_no", "single_choice"):
            return question.option_label(stored, language)
        if question.type == "multiple_choice":
            chosen = json.loads(stored)
            return ", ".join(question.option_label(value, language) for value in chosen)
        if question.type == "amount":
            return "€ " + format_number(stored, language, decimals=2)
        if question.type == "number":
            return format_number(stored, language)
        if question.type == "date":
            return format_date(stored, language)
        if question.type == "iban":
            return format_iban(stored)
    except (ValueError, InvalidOperation, TypeError):
        return stored
    return stored


def input_value(question: Question, stored: str, language: str) -> str | list[str]:
    """A stored answer as it goes back into its form field (Dutch number notation for nl)."""
    if question.type == "multiple_choice":
        try:
            chosen = json.loads(stored) if stored else []
        except ValueError:
            return []
        return [value for value in chosen if isinstance(value, str)] if isinstance(chosen, list) else []
    if not stored:
        return ""
    if question.type in ("amount", "number"):
        # no thousands separators here: "1,234" would be ambiguous when read back
        try:
            text = format(Decimal(stored), "f")
        except (ValueError, InvalidOperation):
            return stored
        return text.replace(".", ",") if i18n.normalize_language(language) == "nl" else text
    if question.type == "iban":
        return format_iban(stored)
    return stored


@dataclass(frozen=True)
class AnswerRow:
    key: str
    label: str
    answer: str  # "" when not answered


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: list[AnswerRow]


def answer_sections(definition: Definition, answers: Mapping[str, str], language: str) -> list[AnswerSection]:
    """Every shown question and its answer, page by page (hidden questions left out)."""
    visible = visible_keys(definition, answers)
    sections = []
    for page in definition.pages:
        rows = [
            AnswerRow(q.key, q.label.get(language), display_answer(q, answers.get(q.key, ""), language))
            for q in page.questions
            if q.key in visible
        ]
        sections.append(AnswerSection(page.title.get(language), rows))
    return sections


# --------------------------------------------------------------------------- requests


def _valid_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str) and 0 < len(value) <= 19 and value.isascii() and value.isdigit():
        number = int(value)
        return number if 0 < number <= MAX_ID else None
    return None


def get_request_for_account(
    session: Session, account: Account, request_id: Any, *, ip: str | None = None
) -> QuestionnaireRequest:
    """The request if it is addressed to `account` in a dossier it may see; else NotFound (audited).

    Missing ids, other clients' ids, ids of other accounts of the same company
    and ids of dossiers the account lost access to all give the same NotFound.
    """
    wanted = _valid_id(request_id)
    request = session.get(QuestionnaireRequest, wanted) if wanted is not None else None
    if (
        request is None
        or account.is_staff
        or request.account_id != account.id
        or not can_see(session, account, request.dossier_id)
    ):
        audit.record(
            session,
            "access.denied",
            actor_id=account.id,
            target=f"questionnaire:{str(request_id)[:40]}",
            ip=ip,
        )
        raise NotFound()
    return request


@dataclass(frozen=True)
class RequestSummary:
    request_id: int
    status: str
    title_nl: str
    title_en: str
    dossier_id: int
    dossier_number: str
    dossier_description: str
    sent_at: datetime
    completed_at: datetime | None
    current_page: int
    page_count: int

    def title(self, language: str) -> str:
        return self.title_en if i18n.normalize_language(language) == "en" and self.title_en else self.title_nl


def _summaries(session: Session, account: Account, status: str) -> list[RequestSummary]:
    visible = select(DossierAccess.dossier_id).where(DossierAccess.account_id == account.id)
    order = (
        (QuestionnaireRequest.created_at.desc(), QuestionnaireRequest.id.desc())
        if status == QuestionnaireStatus.OPEN
        else (QuestionnaireRequest.completed_at.desc(), QuestionnaireRequest.id.desc())
    )
    rows = session.exec(
        select(QuestionnaireRequest, QuestionnaireTemplate, Dossier)
        .join(QuestionnaireTemplate, QuestionnaireTemplate.id == QuestionnaireRequest.template_id)
        .join(Dossier, Dossier.id == QuestionnaireRequest.dossier_id)
        .where(
            QuestionnaireRequest.account_id == account.id,
            QuestionnaireRequest.status == status,
            QuestionnaireRequest.dossier_id.in_(visible),
        )
        .order_by(*order)
        .limit(200)
    ).all()
    result = []
    for request, template, dossier in rows:
        try:
            page_count = definition_of(template).page_count
        except TemplateInvalid:
            page_count = 0
        result.append(
            RequestSummary(
                request_id=request.id,
                status=request.status,
                title_nl=template.title_nl,
                title_en=template.title_en,
                dossier_id=dossier.id,
                dossier_number=dossier.number,
                dossier_description=dossier.description,
                sent_at=request.created_at,
                completed_at=request.completed_at,
                current_page=min(request.current_page, max(0, page_count - 1)),
                page_count=page_count,
            )
        )
    return result


def list_open(session: Session, account: Account) -> list[RequestSummary]:
    """The account's questionnaires still to fill in (the "Acties" list), newest first.

    Counts the same rows as `dossiers.home_counts(...).open_actions`.
    """
    if account.is_staff:
        return []
    return _summaries(session, account, QuestionnaireStatus.OPEN)


def list_completed(session: Session, account: Account) -> list[RequestSummary]:
    if account.is_staff:
        return []
    return _summaries(session, account, QuestionnaireStatus.COMPLETED)


def stored_answers(session: Session, request_id: int) -> dict[str, str]:
    rows = session.exec(
        select(QuestionnaireAnswer.question_key, QuestionnaireAnswer.value).where(
            QuestionnaireAnswer.request_id == request_id
        )
    ).all()
    return {key: value for key, value in rows}


@dataclass(frozen=True)
class QuestionnaireView:
    request: QuestionnaireRequest
    template: QuestionnaireTemplate
    definition: Definition
    dossier: Dossier
    answers: dict[str, str]
    pdf_document_id: int | None

    @property
    def completed(self) -> bool:
        return self.request.status == QuestionnaireStatus.COMPLETED

    def title(self, language: str) -> str:
        return self.template.title_en if i18n.normalize_language(language) == "en" else self.template.title_nl

    @property
    def current_page(self) -> int:
        return min(max(0, self.request.current_page), self.definition.page_count - 1)


def _pdf_document_id(session: Session, request: QuestionnaireRequest) -> int | None:
    return session.exec(
        select(Document.id)
        .where(Document.questionnaire_request_id == request.id, Document.withdrawn_at.is_(None))
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(1)
    ).first()


def load(session: Session, account: Account, request_id: Any, *, ip: str | None = None) -> QuestionnaireView:
    """Everything a client screen needs for one of its questionnaires (NotFound otherwise)."""
    request = get_request_for_account(session, account, request_id, ip=ip)
    template = session.get(QuestionnaireTemplate, request.template_id)
    dossier = session.get(Dossier, request.dossier_id)
    return QuestionnaireView(
        request=request,
        template=template,
        definition=definition_of(template),
        dossier=dossier,
        answers=stored_answers(session, request.id),
        pdf_document_id=_pdf_document_id(session, request) if request.status == QuestionnaireStatus.COMPLETED else None,
    )


def _check_submitted(answers: Any) -> dict[str, Any]:
    if not isinstance(answers, dict) or len(answers) > MAX_SUBMITTED_KEYS:
        raise ValidationFailed("answers must be a mapping", code="error.invalid")
    return {key: value for key, value in answers.items() if isinstance(key, str) and len(key) <= 80}


def _lock_open(session: Session, request_id: int, **values) -> None:
    """Take the request's row (write lock) if it is still open, else QuestionnaireLocked.

    One conditional UPDATE: on PostgreSQL it holds the row lock until commit,
    on SQLite the database write lock, so a save and a completion of the same
    request never interleave.
    """
    values = values or {"current_page": QuestionnaireRequest.current_page}
    result = session.exec(
        update(QuestionnaireRequest)
        .where(QuestionnaireRequest.id == request_id, QuestionnaireRequest.status == QuestionnaireStatus.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise QuestionnaireLocked()


def _upsert_answers(session: Session, request_id: int, values: Mapping[str, str]) -> None:
    now = utcnow()
    insert = dialect_insert(session)
    for key, value in values.items():
        if insert is not None:
            statement = insert(QuestionnaireAnswer).values(
                request_id=request_id, question_key=key, value=value, updated_at=now
            )
            session.exec(
                statement.on_conflict_do_update(
                    index_elements=["request_id", "question_key"],
                    set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
                )
            )
            continue
        for _attempt in range(3):  # pragma: no cover - databases without ON CONFLICT
            existing = session.exec(
                select(QuestionnaireAnswer).where(
                    QuestionnaireAnswer.request_id == request_id, QuestionnaireAnswer.question_key == key
                )
            ).first()
            try:
                with session.begin_nested():
                    if existing is None:
                        session.add(
                            QuestionnaireAnswer(request_id=request_id, question_key=key, value=value, updated_at=now)
                        )
                    else:
                        existing.value, existing.updated_at = value, now
                        session.add(existing)
                break
            except IntegrityError:
                continue


def save_page(
    session: Session,
    account: Account,
    request_id: Any,
    page_index: Any,
    answers: Any,
    *,
    ip: str | None = None,
    today: date | None = None,
) -> int:
    """Validate and save one page; returns the index of the next page.

    The returned index equals the page count after the last page. Raises
    NotFound (foreign id, audited), QuestionnaireLocked (completed), PageInvalid
    (errors per question; nothing is saved then) or ValidationFailed (bad page).
    """
    request = get_request_for_account(session, account, request_id, ip=ip)
    if request.status != QuestionnaireStatus.OPEN:
        raise QuestionnaireLocked()
    definition = definition_of(session.get(QuestionnaireTemplate, request.template_id))
    if isinstance(page_index, bool) or not isinstance(page_index, int) or not 0 <= page_index < definition.page_count:
        raise ValidationFailed("no such page", code="questionnaire.invalid_page", field="page")
    submitted = _check_submitted(answers)
    check = check_page(definition, page_index, submitted, stored_answers(session, request.id), today=today)
    if check.errors:
        raise PageInvalid(check.errors, page_index)
    next_index = page_index + 1
    _lock_open(session, request.id, current_page=min(next_index, definition.page_count - 1))
    _upsert_answers(session, request.id, check.clean)
    session.flush()
    session.expire(request)
    return next_index


@dataclass(frozen=True)
class Completion:
    request: QuestionnaireRequest
    document: Document


def complete(
    session: Session,
    account: Account,
    request_id: Any,
    *,
    store: FileStore,
    settings,
    ip: str | None = None,
    now: datetime | None = None,
) -> Completion:
    """Finish a questionnaire: check every page, lock it, store the PDF, tell the handler.

    The PDF becomes a "aangeleverd" (delivered) document of the dossier with
    `questionnaire_request_id` set. The handler gets a mail that names the
    dossier number only (professional secrecy: never an answer). The caller
    commits with `documents.commit_or_discard(session, store, completion.document)`.
    Raises NotFound, QuestionnaireLocked, or PageInvalid (code
    "questionnaire.incomplete") with the first page that needs work.
    """
    from portal_app.questionnaires.services import pdf  # fpdf2 is only needed here

    request = get_request_for_account(session, account, request_id, ip=ip)
    if request.status != QuestionnaireStatus.OPEN:
        raise QuestionnaireLocked()
    _lock_open(session, request.id)  # serialise with saves from other tabs first
    session.refresh(request)
    template = session.get(QuestionnaireTemplate, request.template_id)
    definition = definition_of(template)
    answers = stored_answers(session, request.id)
    problem = check_all(definition, answers)
    if problem is not None:
        page_index, errors = problem
        raise PageInvalid(errors, page_index, code="questionnaire.incomplete")
    moment = now or utcnow()
    request.status = QuestionnaireStatus.COMPLETED
    request.completed_at = moment
    session.add(request)
    dossier = session.get(Dossier, request.dossier_id)
    language = i18n.normalize_language(account.language)
    title = template.title_en if language == "en" else template.title_nl
    data = pdf.questionnaire_pdf(
        office_name=office_settings.profile(session).office_name,
        title=title,
        dossier_number=dossier.number,
        dossier_description=dossier.description,
        client_name=account.display_name,
        completed_at=moment,
        language=language,
        sections=answer_sections(definition, answers, language),
        brand_colour=office_settings.profile(session).brand_colour,
        logo_path=pdf.office_logo_path(office_settings.profile(session), settings),
    )
    stamp = local_datetime(moment)
    document = store_document(
        session=session,
        store=store,
        dossier_id=dossier.id,
        kind=DocumentKind.DELIVERED,
        title=f"{title} ({stamp.strftime('%d-%m-%Y %H:%M')})",
        filename=f"{template.slug}-{dossier.number}-{stamp.strftime('%Y%m%d-%H%M')}.pdf",
        chunks=[data],
        max_bytes=len(data) + 1,
        uploaded_by_id=account.id,
        questionnaire_request_id=request.id,
    )
    audit.record(
        session,
        "questionnaire.completed",
        actor_id=account.id,
        dossier_id=dossier.id,
        target=f"questionnaire:{request.id}",
        ip=ip,
        detail={"document_id": document.id, "template": template.slug, "version": template.version},
    )
    _notify_handler(session, dossier, settings)
    session.flush()
    return Completion(request=request, document=document)


def _notify_handler(session: Session, dossier: Dossier, settings) -> None:
    """The handler hears that a questionnaire came in (never what was answered)."""
    if dossier.handler_id is None:
        return
    handler = session.get(Account, dossier.handler_id)
    if handler is None or not handler.is_active:
        return
    mail.queue_mail(
        session=session,
        to=handler.email,
        kind="staff_questionnaire_completed",
        language=handler.language,
        context={
            "name": handler.name,
            "dossier_number": dossier.number,
            "link": f"{settings.public_url}/staff",
        },
        account_id=handler.id,
    )


def reopen_by_staff(
    session: Session, staff: Account, request_id: Any, *, ip: str | None = None
) -> QuestionnaireRequest:
    """Send a completed questionnaire back to the client for correction; answers are kept.

    The client starts again at the first page; the earlier PDF stays in the
    dossier as the record of what was handed in then.
    """
    wanted = _valid_id(request_id)
    request = session.get(QuestionnaireRequest, wanted) if wanted is not None else None
    if request is None or not staff.is_staff or not staff.is_active:
        audit.record(session, "access.denied", actor_id=staff.id, target=f"questionnaire:{str(request_id)[:40]}", ip=ip)
        raise NotFound()
    result = session.exec(
        update(QuestionnaireRequest)
        .where(QuestionnaireRequest.id == request.id, QuestionnaireRequest.status == QuestionnaireStatus.COMPLETED)
        .values(status=QuestionnaireStatus.OPEN, completed_at=None, current_page=0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ValidationFailed("questionnaire is not completed", code="questionnaire.not_completed")
    audit.record(
        session,
        "questionnaire.reopened",
        actor_id=staff.id,
        dossier_id=request.dossier_id,
        target=f"questionnaire:{request.id}",
        ip=ip,
    )
    session.flush()
    session.refresh(request)
    return request


def send_request(
    session: Session,
    staff: Account,
    *,
    template_id: Any,
    dossier_id: Any,
    account_id: Any,
    ip: str | None = None,
) -> QuestionnaireRequest:
    """Staff send a questionnaire (a template version) to a client of a dossier."""
    template_key, dossier_key, account_key = _valid_id(template_id), _valid_id(dossier_id), _valid_id(account_id)
    if not staff.is_staff or not staff.is_active or None in (template_key, dossier_key, account_key):
        raise NotFound()
    template = session.get(QuestionnaireTemplate, template_key)
    client = session.get(Account, account_key)
    if template is None or client is None or client.is_staff or not client.is_active:
        raise NotFound()
    definition_of(template)  # refuse a broken template
    if not can_see(session, client, dossier_key):
        raise ValidationFailed("client has no access to the dossier", code="questionnaire.no_access", field="account")
    request = QuestionnaireRequest(
        template_id=template.id, dossier_id=dossier_key, account_id=client.id, sent_by_id=staff.id
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        "questionnaire.sent",
        actor_id=staff.id,
        dossier_id=dossier_key,
        target=f"questionnaire:{request.id}",
        ip=ip,
        detail={"template": template.slug, "version": template.version, "account_id": client.id},
    )
    return request


# --------------------------------------------------------------------------- templates


def latest_template(session: Session, slug: str) -> QuestionnaireTemplate | None:
    return session.exec(
        select(QuestionnaireTemplate)
        .where(QuestionnaireTemplate.slug == slug)
        .order_by(QuestionnaireTemplate.version.desc())
        .limit(1)
    ).first()


def save_template_version(
    session: Session, *, slug: str, definition: dict | str, actor_id: int | None = None
) -> QuestionnaireTemplate:
    """Store `definition` as the newest version of `slug`, unless it equals the newest already.

    Existing versions are never changed: requests keep the version they were sent with.
    """
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise TemplateInvalid("slug must be lower-case letters, digits and -")
    data = _load_raw(definition) if not isinstance(definition, dict) else definition
    parsed = _parse(data)
    stored = canonical_json(data)
    latest = latest_template(session, slug)
    if latest is not None:
        try:
            same = canonical_json(latest.definition_json) == stored
        except TemplateInvalid:
            same = False
        if same:
            return latest
    template = QuestionnaireTemplate(
        slug=slug,
        version=(latest.version + 1) if latest is not None else 1,
        title_nl=parsed.title.nl[:200],
        title_en=parsed.title.en[:200],
        definition_json=stored,
    )
    session.add(template)
    session.flush()
    audit.record(
        session,
        "questionnaire.template_saved",
        actor_id=actor_id,
        target=f"questionnaire_template:{template.id}",
        detail={"slug": slug, "version": template.version},
    )
    return template


def shipped_template_files() -> list[Path]:
    return sorted(TEMPLATES_DIR.glob("*.json"))


def install_shipped_templates(session: Session) -> dict[str, QuestionnaireTemplate]:
    """Install the templates shipped in questionnaire_templates/*.json (new version when changed).

    Each file is {"slug": ..., <definition>}. Returns the newest version per slug.
    """
    installed = {}
    for path in shipped_template_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        slug = data.pop("slug", path.stem)
        installed[slug] = save_template_version(session, slug=slug, definition=data)
    return installed
