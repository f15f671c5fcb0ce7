"""The office's template editor: drafts, their problems and the preview (no database).

Plain Python, no Reflex import. Every value comes from a browser and is
validated here. The database side lives next door: `template_library` (list,
edit, copy, save templates) and `staff_requests` (per dossier: sending, the
status list, opening the result and sending back).

Editing works on a *draft*: a plain dict in the definition format of
`questionnaires/services/definition.py` that the staff screen keeps on the server. The
draft functions (`set_titles`, `add_page`, `save_question`, ...) take a draft
and return a new one (the argument is never changed); they clean and cap every
text. A draft may be unfinished (a page without questions, a condition that
points to a later question); `problems(draft)` lists what is still wrong in
words staff understand, and only a draft without problems can be saved or
previewed. Saving an edited template stores a NEW version of it
(`template_versions.save_template_version`): questionnaires already sent keep the
version they were sent with.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.text import fold
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import validation as qcheck

# A draft, one of its pages or one of its questions: JSON in the definition format.
Json = dict[str, Any]

# Limits of what the editor accepts (tighter than what the format allows).
MAX_PAGES = 30
MAX_QUESTIONS = 100
MAX_OPTIONS = qdef.MAX_OPTIONS
MAX_TITLE_CHARS = 200
MAX_LABEL_CHARS = 500
MAX_HELP_CHARS = 2000
MAX_CHOICE_CHARS = 200
MAX_REASON_CHARS = 500
MAX_FORM_FIELDS = 40
MAX_FIELD_CHARS = 20_000  # anything longer is refused before it is looked at
MAX_TEMPLATES_LISTED = 500
MAX_REQUESTS_LISTED = 200

TYPES = qdef.QUESTION_TYPES
CHOICE_TYPES = qdef.CHOICE_TYPES
OPTION_TYPES = ("single_choice", "multiple_choice")
TEXT_TYPES = ("short_text", "long_text")
NUMBER_TYPES = ("number", "amount")
DATE_RULES = ("", "not_future", "not_past")

_KEY_RE = qdef.KEY_RE
_NOT_KEY = re.compile(r"[^a-z0-9_]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_VALUE = re.compile(r"[^a-z0-9]+")


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a draft: an i18n code, its parameters and where it is."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    page: int = 0  # 1-based; 0: the questionnaire as a whole
    number: int = 0  # 1-based question number on the page; 0: the page itself

    def text(self, language: str) -> str:
        message = i18n.t(self.code, language, **self.params)
        if self.page and self.number:
            return i18n.t("staff.q.where_question", language, page=self.page, number=self.number) + ": " + message
        if self.page:
            return i18n.t("staff.q.where_page", language, page=self.page) + ": " + message
        return message


class DefinitionInvalid(ValidationFailed):
    """The draft cannot be saved or previewed yet; `problems` says why."""

    code = "staff.q.invalid"

    def __init__(self, found: list[Problem]):
        super().__init__("definition invalid", code=self.code)
        self.problems = found


class QuestionInvalid(ValidationFailed):
    """A question form has errors: `errors` maps form fields to (code, params)."""

    code = "staff.q.question_invalid"

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]):
        super().__init__("question invalid", code=self.code)
        self.errors = errors

    def texts(self, language: str) -> dict[str, str]:
        return {name: i18n.t(code, language, **params) for name, (code, params) in self.errors.items()}


def _refuse(code: str, **params: Any) -> ValidationFailed:
    return ValidationFailed(code, code=code, **params)


# --------------------------------------------------------------------------- cleaning


def _clean(value: Any, limit: int, *, multiline: bool = False) -> str | None:
    """The text cleaned (controls and bidi overrides out); None when longer than `limit`."""
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_FIELD_CHARS:
        return None
    text = qcheck._clean_text(value, multiline=multiline)
    return text if len(text) <= limit else None


def _form(data: Any) -> dict[str, Any]:
    """A browser form as a dict of at most MAX_FORM_FIELDS string keys; anything else: empty."""
    if not isinstance(data, dict) or len(data) > MAX_FORM_FIELDS:
        return {}
    return {key: value for key, value in data.items() if isinstance(key, str) and len(key) <= 40}


def _text(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


def _get_text(raw: Any, language: str) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict):
        value = raw.get(language)
        return value if isinstance(value, str) else ""
    return ""


def _index(value: Any, length: int) -> int | None:
    """A list position from a browser value ("2" or 2), None when not in 0..length-1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 6:
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < length:
        return None
    return value


def slugify(text: str, *, fallback: str = "vragenlijst", limit: int = 60) -> str:
    slug = _NOT_SLUG.sub("-", fold(text)).strip("-")[:limit].strip("-")
    return slug if slug and qdef.SLUG_RE.fullmatch(slug) else fallback


def _key_from(label: str, taken: set[str]) -> str:
    base = _NOT_KEY.sub("_", fold(label)).strip("_")[:40].strip("_")
    if not base or not base[0].isalpha():
        base = "vraag" + (f"_{base}" if base else "")
    base = base[:40]
    key, number = base, 2
    while key in taken:
        key = f"{base}_{number}"
        number += 1
    return key


def _value_from(label: str, taken: set[str]) -> str:
    base = _NOT_VALUE.sub("-", fold(label)).strip("-")[:40].strip("-") or "keuze"
    value, number = base, 2
    while value in taken:
        value = f"{base}-{number}"
        number += 1
    return value


# --------------------------------------------------------------------------- drafts


def new_draft() -> Json:
    """An empty questionnaire: one page without questions."""
    return {"title": _text("", ""), "pages": [{"key": "p1", "title": _text("Pagina 1", "Page 1"), "questions": []}]}


def _pages(draft: Json) -> list[Json]:
    pages = draft.get("pages") if isinstance(draft, dict) else None
    return pages if isinstance(pages, list) else []


def _questions(page: Json) -> list[Json]:
    questions = page.get("questions") if isinstance(page, dict) else None
    return questions if isinstance(questions, list) else []


def all_questions(draft: Json) -> list[tuple[int, int, Json]]:
    """(page index, position, question) of every question, in order."""
    return [(p, i, question) for p, page in enumerate(_pages(draft)) for i, question in enumerate(_questions(page))]


def question_count(draft: Json) -> int:
    return sum(len(_questions(page)) for page in _pages(draft))


def _copy(draft: Json) -> Json:
    return copy.deepcopy(draft) if isinstance(draft, dict) else new_draft()


def _put_titles(target: Json, form: Any) -> None:
    """Set the title and introduction (both languages) of the questionnaire or a page from
    the form; an empty introduction is removed. Raises QuestionInvalid before it changes anything."""
    data = _form(form)
    values = {}
    for name, limit, multiline in (
        ("title_nl", MAX_TITLE_CHARS, False),
        ("title_en", MAX_TITLE_CHARS, False),
        ("intro_nl", MAX_HELP_CHARS, True),
        ("intro_en", MAX_HELP_CHARS, True),
    ):
        value = _clean(data.get(name, ""), limit, multiline=multiline)
        if value is None:
            raise QuestionInvalid({name: ("staff.q.err.too_long", {"max": limit})})
        values[name] = value
    target["title"] = _text(values["title_nl"], values["title_en"])
    if values["intro_nl"] or values["intro_en"]:
        target["intro"] = _text(values["intro_nl"], values["intro_en"])
    else:
        target.pop("intro", None)


def set_titles(draft: Json, form: Any) -> Json:
    """Title and introduction of the questionnaire (both languages)."""
    result = _copy(draft)
    _put_titles(result, form)
    return result


def add_page(draft: Json) -> Json:
    result = _copy(draft)
    pages = result.setdefault("pages", [])
    if len(pages) >= MAX_PAGES:
        raise _refuse("staff.q.err.too_many_pages", max=MAX_PAGES)
    taken = {page.get("key") for page in pages if isinstance(page, dict)}
    number = len(pages) + 1
    key = f"p{number}"
    while key in taken:
        number += 1
        key = f"p{number}"
    pages.append({"key": key, "title": _text(f"Pagina {len(pages) + 1}", f"Page {len(pages) + 1}"), "questions": []})
    return result


def update_page(draft: Json, page_index: Any, form: Any) -> Json:
    result = _copy(draft)
    pages = _pages(result)
    index = _index(page_index, len(pages))
    if index is None:
        raise NotFound()
    _put_titles(pages[index], form)
    return result


def remove_page(draft: Json, page_index: Any) -> Json:
    result = _copy(draft)
    pages = _pages(result)
    index = _index(page_index, len(pages))
    if index is None:
        raise NotFound()
    if len(pages) == 1:
        raise _refuse("staff.q.err.last_page")
    removed = {question.get("key") for question in _questions(pages[index])}
    users = [
        question for p, _i, question in all_questions(result) if p != index and _condition_source(question) in removed
    ]
    if users:
        raise _refuse("staff.q.err.page_in_use", name=str(users[0].get("key", "")))
    del pages[index]
    return result


def move_page(draft: Json, page_index: Any, direction: Any) -> Json:
    result = _copy(draft)
    pages = _pages(result)
    index = _index(page_index, len(pages))
    if index is None or direction not in ("up", "down"):
        raise NotFound()
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(pages):
        return result
    pages[index], pages[target] = pages[target], pages[index]
    return result


def _condition_source(question: Json) -> str | None:
    condition = question.get("show_if") if isinstance(question, dict) else None
    source = condition.get("question") if isinstance(condition, dict) else None
    return source if isinstance(source, str) else None


def _condition_values(question: Json) -> list[str]:
    condition = question.get("show_if") if isinstance(question, dict) else None
    if not isinstance(condition, dict):
        return []
    if "equals" in condition:
        return [condition["equals"]] if isinstance(condition["equals"], str) else []
    values = condition.get("in")
    return [value for value in values if isinstance(value, str)] if isinstance(values, list) else []


def remove_question(draft: Json, page_index: Any, position: Any) -> Json:
    result = _copy(draft)
    pages = _pages(result)
    p = _index(page_index, len(pages))
    if p is None:
        raise NotFound()
    questions = _questions(pages[p])
    i = _index(position, len(questions))
    if i is None:
        raise NotFound()
    key = questions[i].get("key")
    users = [question for _p, _i, question in all_questions(result) if _condition_source(question) == key]
    if users:
        raise _refuse("staff.q.err.question_in_use", name=str(users[0].get("key", "")))
    del questions[i]
    return result


def move_question(draft: Json, page_index: Any, position: Any, direction: Any) -> Json:
    """Up or down within its page; past the top or bottom to the previous or next page."""
    result = _copy(draft)
    pages = _pages(result)
    p = _index(page_index, len(pages))
    if p is None or direction not in ("up", "down"):
        raise NotFound()
    questions = pages[p].setdefault("questions", [])
    i = _index(position, len(questions))
    if i is None:
        raise NotFound()
    if direction == "up":
        if i > 0:
            questions[i - 1], questions[i] = questions[i], questions[i - 1]
        elif p > 0:
            pages[p - 1].setdefault("questions", []).append(questions.pop(i))
    else:
        if i < len(questions) - 1:
            questions[i + 1], questions[i] = questions[i], questions[i + 1]
        elif p < len(pages) - 1:
            pages[p + 1].setdefault("questions", []).insert(0, questions.pop(i))
    return result


@dataclass(frozen=True)
class Source:
    """An earlier yes/no or choice question a condition may point to."""

    key: str
    label: str
    options: list[tuple[str, str]]  # (value, label)


def _options_of(question: Json, language: str) -> list[tuple[str, str]]:
    if question.get("type") == "yes_no":
        return [(option.value, option.label.get(language)) for option in qdef.YES_NO_OPTIONS]
    options = question.get("options")
    if not isinstance(options, list):
        return []
    return [
        (option["value"], _get_text(option.get("label"), language) or option["value"])
        for option in options
        if isinstance(option, dict) and isinstance(option.get("value"), str)
    ]


def condition_sources(draft: Json, page_index: Any, position: Any, language: str) -> list[Source]:
    """The yes/no and choice questions before (page, position); position -1: a new question at the end."""
    pages = _pages(draft)
    p = _index(page_index, len(pages))
    if p is None:
        return []
    count = len(_questions(pages[p]))
    i = count if position in (-1, "-1") else _index(position, count)
    if i is None:
        return []
    found = []
    for page_number, position_number, question in all_questions(draft):
        if (page_number, position_number) >= (p, i):
            break
        if question.get("type") in CHOICE_TYPES and isinstance(question.get("key"), str):
            label = _get_text(question.get("label"), language) or question["key"]
            found.append(Source(question["key"], label, _options_of(question, language)))
    return found


def question_form(draft: Json, page_index: Any, position: Any) -> dict[str, str]:
    """The editor form's values for a question (position -1: a new, empty question)."""
    pages = _pages(draft)
    p = _index(page_index, len(pages))
    if p is None:
        raise NotFound()
    if position in (-1, "-1"):
        return {
            "key": "",
            "type": "short_text",
            "label_nl": "",
            "label_en": "",
            "help_nl": "",
            "help_en": "",
            "required": "",
            "choices_nl": "",
            "choices_en": "",
            "max_length": "",
            "min": "",
            "max": "",
            "integer": "",
            "date_rule": "",
            "cond_question": "",
            "cond_values": "[]",
        }
    questions = _questions(pages[p])
    i = _index(position, len(questions))
    if i is None:
        raise NotFound()
    question = questions[i]
    raw_options, raw_type = question.get("options"), question.get("type")
    options: list[Any] = raw_options if isinstance(raw_options, list) else []
    qtype: str = raw_type if isinstance(raw_type, str) and raw_type in TYPES else "short_text"
    date_rule = ""
    if question.get("date_max") == "today" and "date_min" not in question:
        date_rule = "not_future"
    elif question.get("date_min") == "today" and "date_max" not in question:
        date_rule = "not_past"
    elif "date_min" in question or "date_max" in question:
        date_rule = "custom"
    cap = qdef.TYPE_MAX_LENGTH.get(qtype)
    max_length = question.get("max_length")
    return {
        "key": str(question.get("key", "")),
        "type": qtype,
        "label_nl": _get_text(question.get("label"), "nl"),
        "label_en": _get_text(question.get("label"), "en"),
        "help_nl": _get_text(question.get("help"), "nl"),
        "help_en": _get_text(question.get("help"), "en"),
        "required": "1" if question.get("required") is True else "",
        "choices_nl": "\n".join(_get_text(o.get("label"), "nl") for o in options if isinstance(o, dict)),
        "choices_en": "\n".join(_get_text(o.get("label"), "en") for o in options if isinstance(o, dict)),
        "max_length": str(max_length) if isinstance(max_length, int) and cap and max_length != cap else "",
        "min": _number_text(question.get("min")),
        "max": _number_text(question.get("max")),
        "integer": "1" if question.get("integer") is True else "",
        "date_rule": date_rule,
        "cond_question": _condition_source(question) or "",
        "cond_values": json.dumps(_condition_values(question)),
    }


def _number_text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).replace(".", ",")


def _parse_number(text: str) -> Decimal:
    """Dutch or plain notation, as clients type answers: '1.000' is a thousand, '12,5' and '2.5' halves."""
    value = qcheck._parse_decimal(text, amount=False)
    exponent = value.as_tuple().exponent  # an int: the value passed the limit, so it is finite
    if abs(value) > qdef.NUMBER_LIMIT or not isinstance(exponent, int) or exponent < -6:
        raise ValueError(text)
    return value


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def save_question(draft: Json, page_index: Any, position: Any, form: Any, *, condition: Any = None) -> tuple[Json, int]:
    """Add (position -1) or change a question from the editor form; (new draft, its position).

    `condition` is {"question": key, "values": [...]} chosen in the editor (kept on
    the server, not taken from the form). Raises QuestionInvalid with errors per field.
    """
    result = _copy(draft)
    pages = _pages(result)
    p = _index(page_index, len(pages))
    if p is None:
        raise NotFound()
    questions = pages[p].setdefault("questions", [])
    is_new = position in (-1, "-1")
    i = len(questions) if is_new else _index(position, len(questions))
    if i is None:
        raise NotFound()
    if is_new and question_count(result) >= MAX_QUESTIONS:
        raise QuestionInvalid({"form": ("staff.q.err.too_many_questions", {"max": MAX_QUESTIONS})})
    old = {} if is_new else questions[i]
    data = _form(form)
    errors: dict[str, tuple[str, dict[str, Any]]] = {}

    def text(name: str, limit: int, *, multiline: bool = False, required: bool = False) -> str:
        value = _clean(data.get(name, ""), limit, multiline=multiline)
        if value is None:
            errors[name] = ("staff.q.err.too_long", {"max": limit})
            return ""
        if required and not value:
            errors[name] = ("staff.q.err.required", {})
        return value

    qtype = data.get("type")
    if qtype not in TYPES:
        errors["type"] = ("staff.q.err.type", {})
        qtype = "short_text"
    label_nl = text("label_nl", MAX_LABEL_CHARS, required=True)
    label_en = text("label_en", MAX_LABEL_CHARS, required=True)
    help_nl = text("help_nl", MAX_HELP_CHARS, multiline=True)
    help_en = text("help_en", MAX_HELP_CHARS, multiline=True)
    if bool(help_nl) != bool(help_en) and "help_nl" not in errors and "help_en" not in errors:
        errors["help_nl" if not help_nl else "help_en"] = ("staff.q.err.both_languages", {})

    keys = (question.get("key") for _p, _i, question in all_questions(result))
    old_key = old.get("key")
    taken = {k for k in keys if isinstance(k, str)} - {old_key}  # only text keys can clash with a typed one
    key = text("key", 80)
    if not key and "key" not in errors:
        key = old_key if isinstance(old_key, str) and old_key not in taken else _key_from(label_nl, taken)
    elif key and not _KEY_RE.fullmatch(key):
        errors["key"] = ("staff.q.err.key_format", {})
    elif key in taken:
        errors["key"] = ("staff.q.err.key_taken", {"name": key})

    question: dict[str, Any] = {
        "key": key,
        "type": qtype,
        "label": _text(label_nl, label_en),
        "required": data.get("required") in ("1", "on", "true", True),
    }
    if help_nl and help_en:
        question["help"] = _text(help_nl, help_en)

    if qtype in OPTION_TYPES:
        nl_lines = _lines(text("choices_nl", MAX_OPTIONS * (MAX_CHOICE_CHARS + 1), multiline=True))
        en_lines = _lines(text("choices_en", MAX_OPTIONS * (MAX_CHOICE_CHARS + 1), multiline=True))
        if "choices_nl" in errors or "choices_en" in errors:
            pass
        elif not 2 <= len(nl_lines) <= MAX_OPTIONS:
            errors["choices_nl"] = ("staff.q.err.choices_count", {"max": MAX_OPTIONS})
        elif len(en_lines) != len(nl_lines):
            errors["choices_en"] = ("staff.q.err.choices_mismatch", {"count": len(nl_lines)})
        elif any(len(line) > MAX_CHOICE_CHARS for line in nl_lines + en_lines):
            errors["choices_nl"] = ("staff.q.err.choice_too_long", {"max": MAX_CHOICE_CHARS})
        elif len({fold(line) for line in nl_lines}) != len(nl_lines):
            errors["choices_nl"] = ("staff.q.err.choice_duplicate", {})
        else:
            # keep the stored value of a choice whose Dutch text did not change (conditions use it)
            previous: dict[str, str] = {}
            for option in old.get("options", []) if isinstance(old.get("options"), list) else []:
                if isinstance(option, dict) and isinstance(option.get("value"), str):
                    previous.setdefault(fold(_get_text(option.get("label"), "nl")), option["value"])
            used: set[str] = set()
            options = []
            for nl, en in zip(nl_lines, en_lines):
                value = previous.get(fold(nl))
                if value is None or value in used or not qdef.OPTION_RE.fullmatch(value):
                    value = _value_from(nl, used | set(previous.values()))
                used.add(value)
                options.append({"value": value, "label": _text(nl, en)})
            question["options"] = options

    if qtype in TEXT_TYPES:
        cap = qdef.TYPE_MAX_LENGTH[qtype]
        raw = text("max_length", 10)
        if raw:
            if not raw.isdigit() or not 1 <= int(raw) <= cap:
                errors["max_length"] = ("staff.q.err.max_length", {"max": cap})
            elif int(raw) != cap:
                question["max_length"] = int(raw)

    if qtype in NUMBER_TYPES:
        bounds: dict[str, Decimal] = {}
        for name in ("min", "max"):
            raw = text(name, 30)
            if not raw:
                continue
            try:
                bounds[name] = _parse_number(raw)
            except (ValueError, InvalidOperation):
                errors[name] = ("staff.q.err.number", {})
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            errors["max"] = ("staff.q.err.min_max", {})
        for name, bound in bounds.items():
            question[name] = int(bound) if bound == bound.to_integral_value() else float(bound)
        if qtype == "number" and data.get("integer") in ("1", "on", "true", True):
            question["integer"] = True

    if qtype == "date":
        rule = data.get("date_rule", "")
        if rule == "not_future":
            question["date_max"] = "today"
        elif rule == "not_past":
            question["date_min"] = "today"
        elif rule == "custom":
            for name in ("date_min", "date_max"):
                if name in old:
                    question[name] = old[name]
        elif rule not in DATE_RULES:
            errors["date_rule"] = ("staff.q.err.type", {})

    chosen = condition if isinstance(condition, dict) else {}
    source_key = chosen.get("question")
    if isinstance(source_key, str) and source_key:
        sources = {source.key: source for source in condition_sources(result, p, -1 if is_new else i, "nl")}
        source = sources.get(source_key)
        raw_values = chosen.get("values")
        values = [value for value in raw_values if isinstance(value, str)] if isinstance(raw_values, list) else []
        if source is None:
            errors["condition"] = ("staff.q.err.condition_source", {})
        else:
            valid = [value for value, _label in source.options]
            picked = [value for value in valid if value in values]
            if not picked:
                errors["condition"] = ("staff.q.err.condition_values", {})
            else:
                question["show_if"] = (
                    {"question": source_key, "equals": picked[0]}
                    if len(picked) == 1
                    else {"question": source_key, "in": picked}
                )

    if errors:
        raise QuestionInvalid(errors)
    if is_new:
        questions.append(question)
    else:
        old_key = old.get("key")
        questions[i] = question
        if isinstance(old_key, str) and old_key != key:  # a renamed key: conditions follow it
            for _p, _i, other in all_questions(result):
                condition_data = other.get("show_if")
                if isinstance(condition_data, dict) and condition_data.get("question") == old_key:
                    condition_data["question"] = key
    return result, i


# --------------------------------------------------------------------------- checking


def problems(draft: Json) -> list[Problem]:
    """Everything that keeps the draft from being saved, in order; [] when it can be saved."""
    found: list[Problem] = []
    if not isinstance(draft, dict):
        return [Problem("staff.q.problem.no_pages", {"max": MAX_PAGES})]
    title = draft.get("title")
    if not _get_text(title, "nl").strip() or not _get_text(title, "en").strip():
        found.append(Problem("staff.q.problem.title"))
    intro = draft.get("intro")
    if intro is not None and (not _get_text(intro, "nl").strip() or not _get_text(intro, "en").strip()):
        found.append(Problem("staff.q.problem.intro"))
    pages = draft.get("pages")
    if not isinstance(pages, list) or not pages:
        found.append(Problem("staff.q.problem.no_pages", {"max": MAX_PAGES}))
        return found
    if len(pages) > MAX_PAGES:
        found.append(Problem("staff.q.problem.too_many_pages", {"max": MAX_PAGES}))
    total = question_count(draft)
    if total > MAX_QUESTIONS:
        found.append(Problem("staff.q.problem.too_many_questions", {"max": MAX_QUESTIONS}))
    seen: dict[str, Json] = {}  # earlier questions by key
    page_keys: set[str] = set()
    for p, page in enumerate(pages, start=1):
        if not isinstance(page, dict):
            found.append(Problem("staff.q.problem.page_empty", page=p))
            continue
        page_key = page.get("key", f"p{p}")
        if not isinstance(page_key, str) or not _KEY_RE.fullmatch(page_key) or page_key in page_keys:
            found.append(Problem("staff.q.problem.page_key", page=p))
        page_keys.add(page_key if isinstance(page_key, str) else "")
        if not _get_text(page.get("title"), "nl").strip() or not _get_text(page.get("title"), "en").strip():
            found.append(Problem("staff.q.problem.page_title", page=p))
        questions = _questions(page)
        if not questions:
            found.append(Problem("staff.q.problem.page_empty", page=p))
            continue
        for n, question in enumerate(questions, start=1):
            found.extend(_question_problems(question, p, n, seen, pages))
            if isinstance(question, dict) and isinstance(question.get("key"), str) and question["key"] not in seen:
                seen[question["key"]] = question
        if all(isinstance(question, dict) and question.get("show_if") is not None for question in questions):
            found.append(Problem("staff.q.problem.page_all_conditional", page=p))
    if not found:
        try:
            qdef.parse_definition(json.dumps(draft, ensure_ascii=False, sort_keys=True))
        except qdef.TemplateInvalid as error:  # a rule the editor does not know by name
            found.append(Problem("staff.q.problem.other", {"detail": str(error)[:300]}))
    return found


def _question_problems(question: Any, p: int, n: int, seen: dict[str, Json], pages: list[Any]) -> list[Problem]:
    if not isinstance(question, dict):
        return [Problem("staff.q.problem.type", page=p, number=n)]
    found = []
    key = question.get("key")
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        found.append(Problem("staff.q.problem.key", page=p, number=n))
    elif key in seen:
        found.append(Problem("staff.q.problem.key_twice", {"name": key}, page=p, number=n))
    qtype = question.get("type")
    if qtype not in TYPES:
        found.append(Problem("staff.q.problem.type", page=p, number=n))
    label = question.get("label")
    if not _get_text(label, "nl").strip() or not _get_text(label, "en").strip():
        found.append(Problem("staff.q.problem.label", page=p, number=n))
    if qtype in OPTION_TYPES:
        options = question.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            found.append(Problem("staff.q.problem.choices", {"max": MAX_OPTIONS}, page=p, number=n))
        else:
            values = [option.get("value") for option in options if isinstance(option, dict)]
            labelled = all(
                isinstance(option, dict)
                and _get_text(option.get("label"), "nl").strip()
                and _get_text(option.get("label"), "en").strip()
                for option in options
            )
            if len(set(values)) != len(options) or not labelled:
                found.append(Problem("staff.q.problem.choices_text", page=p, number=n))
    source_key = _condition_source(question)
    if question.get("show_if") is not None:
        later_keys = {other.get("key") for page in pages for other in _questions(page) if isinstance(other, dict)}
        source = seen.get(source_key) if source_key else None
        if source is None:
            code = (
                "staff.q.problem.condition_later"
                if source_key in later_keys and source_key != key
                else "staff.q.problem.condition_missing"
            )
            found.append(Problem(code, {"name": str(source_key or "")[:80]}, page=p, number=n))
        elif source.get("type") not in CHOICE_TYPES:
            found.append(Problem("staff.q.problem.condition_type", {"name": source_key}, page=p, number=n))
        else:
            valid = {value for value, _label in _options_of(source, "nl")}
            chosen = _condition_values(question)
            if not chosen or any(value not in valid for value in chosen):
                found.append(Problem("staff.q.problem.condition_value", {"name": source_key}, page=p, number=n))
    return found


def check(draft: Json) -> qdef.Definition:
    """The parsed definition of a draft without problems; DefinitionInvalid otherwise."""
    found = problems(draft)
    if found:
        raise DefinitionInvalid(found)
    return qdef.parse_definition(json.dumps(draft, ensure_ascii=False, sort_keys=True))


# --------------------------------------------------------------------------- preview


def type_label(qtype: str, language: str) -> str:
    return i18n.t(f"staff.q.type.{qtype}", language) if qtype in TYPES else qtype


def condition_text(definition: qdef.Definition, question: qdef.Question, language: str) -> str:
    """'Alleen tonen als “Heeft u een partner?” = Ja' (empty for an unconditional question)."""
    if question.show_if is None:
        return ""
    source = definition.question(question.show_if.question)
    if source is None:
        return ""
    answers = " / ".join(source.option_label(value, language) for value in question.show_if.values)
    return i18n.t("staff.q.condition_text", language, question=source.label.get(language), answers=answers)


def preview_page(definition: qdef.Definition, page_index: int, language: str) -> Json:
    """One page as the client sees it, in `language`, with a note on conditional questions."""
    page = definition.pages[min(max(0, page_index), definition.page_count - 1)]
    return {
        "title": page.title.get(language),
        "intro": page.intro.get(language) if page.intro else "",
        "questions": [
            {
                "key": question.key,
                "kind": question.type,
                "label": question.label.get(language),
                "help": question.help.get(language) if question.help else "",
                "required": question.required,
                "max_length": question.max_length,
                "options": [(option.value, option.label.get(language)) for option in question.options],
                "condition": condition_text(definition, question, language),
            }
            for question in page.questions
        ],
    }
