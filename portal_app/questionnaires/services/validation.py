"""Checking answers: one answer (`clean_answer`), one page (`check_page`), all (`check_all`).

Plain Python, no Reflex import, no database access.

Stored answers (QuestionnaireAnswer.value) are canonical strings: yes/no
"ja"/"nee"; choices the option value; multiple choice a JSON list of option
values in option order; amounts and numbers a plain decimal ("425000.00",
"2.5"); dates ISO "YYYY-MM-DD"; IBAN upper case without spaces. A hidden
(conditional) question is never validated, stored or shown; an answer it had
before stays in the database, so flipping the condition back restores it.

"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from portal_app.core.services import formatting, i18n
from portal_app.core.services.errors import ValidationFailed
from portal_app.questionnaires.services.answer_text import format_date, format_number
from portal_app.questionnaires.services.definition import (
    INPUT_MAX_CHARS,
    ISO_DATE_RE,
    MAX_OPTIONS,
    NUMBER_LIMIT,
    Definition,
    Question,
    visible_keys,
)

EMAIL_MAX = 254
AMOUNT_MAX = Decimal("1000000000000")  # one trillion euro
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


@dataclass(frozen=True)
class FieldError:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

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
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.error = FieldError(f"questionnaire.error.{code}", params)


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
        today = today or formatting.now_local().date()
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
