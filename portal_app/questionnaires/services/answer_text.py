"""Answers as text: for the form's inputs, the result page, the staff result and the PDF.

Plain Python, no Reflex import, no database access. Numbers and dates follow
the language (Dutch "1.234,50", English "1,234.50").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from portal_app.core.services import formatting, i18n
from portal_app.questionnaires.services.definition import Definition, Question, visible_keys


def format_number(value: Decimal | str, language: str, *, decimals: int | None = None) -> str:
    number = Decimal(value)
    if decimals is not None:
        text = f"{number:,.{decimals}f}"
    else:
        normalized = number.normalize()
        exponent = normalized.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or infinity: display_answer shows the stored text
            raise TypeError(f"not a finite number: {value}")
        places = max(0, -exponent) if normalized != 0 else 0
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
        return formatting.format_date(day, "nl", style="numeric")
    return formatting.format_date(day, "en", style="long")


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
