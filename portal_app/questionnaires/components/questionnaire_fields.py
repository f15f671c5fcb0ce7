"""One question of a questionnaire page, rendered for its type.

Every field has a visible label (a <label> for text fields, a <fieldset> with
<legend> for yes/no and choices), its help text and its error next to it, tied
together with aria-describedby; a required question is marked with * and
aria-required. Answers are text only: nothing the client typed is ever
rendered as HTML.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.text import tr
from portal_app.questionnaires.states.questionnaire import OptionRow, QuestionRow
from portal_app.questionnaires.states.questionnaire import QuestionnaireState as S

AUTOCOMPLETE_OFF = "off"


def _ids(q: QuestionRow):
    field_id = "q-" + q.key
    help_id = "q-" + q.key + "-help"
    error_id = "q-" + q.key + "-error"
    described = rx.cond(
        q.error != "",
        rx.cond(q.help != "", help_id + " " + error_id, error_id),
        rx.cond(q.help != "", help_id, ""),
    )
    return field_id, help_id, error_id, described


def _required_mark(q: QuestionRow) -> rx.Component:
    return rx.cond(
        q.required,
        rx.el.span(
            rx.el.span("\u00a0*", aria_hidden="true"),
            rx.el.span(" (", tr("questionnaire.required_mark"), ")", class_name="sr-only"),
            class_name="required-mark",
        ),
        rx.fragment(),
    )


def _help(q: QuestionRow, help_id) -> rx.Component:
    return rx.cond(q.help != "", rx.text(q.help, id=help_id, size="2", class_name="field-help"), rx.fragment())


def _error(q: QuestionRow, error_id) -> rx.Component:
    return rx.cond(
        q.error != "",
        rx.text(
            rx.icon("circle-alert", size=14, aria_hidden="true"),
            q.error,
            id=error_id,
            size="2",
            class_name="field-error",
        ),
        rx.fragment(),
    )


def _invalid(q: QuestionRow):
    return rx.cond(q.error != "", "true", "false")


def _input_type(q: QuestionRow):
    return rx.match(q.kind, ("email", "email"), ("phone", "tel"), ("date", "date"), "text")


def _input_mode(q: QuestionRow):
    return rx.match(q.kind, ("number", "decimal"), ("amount", "decimal"), ("phone", "tel"), ("email", "email"), "text")


def _autocomplete(q: QuestionRow):
    return rx.match(q.kind, ("email", "email"), ("phone", "tel"), AUTOCOMPLETE_OFF)


def _width(q: QuestionRow):
    return rx.match(
        q.kind,
        ("date", "13rem"),
        ("number", "10rem"),
        ("amount", "14rem"),
        ("phone", "16rem"),
        ("iban", "22rem"),
        "100%",
    )


def _field_key(q: QuestionRow) -> rx.Var:
    """Text fields are uncontrolled (default_value): what the client types stays in the field even
    when an answer to an earlier keystroke arrives late, where a controlled field put the older text
    back. The key changes with every page shown, so the fields then show the stored answers."""
    return q.key + "-" + S.form_key.to_string()


def text_input(q: QuestionRow) -> rx.Component:
    field_id, _help_id, _error_id, described = _ids(q)
    field = rx.input(
        id=field_id,
        name=q.key,
        type=_input_type(q),
        input_mode=_input_mode(q),
        auto_complete=_autocomplete(q),
        key=_field_key(q),
        default_value=S.answers[q.key],
        on_change=lambda value: S.set_answer(q.key, value),
        max_length=rx.cond(q.kind == "short_text", q.max_length, 100),
        aria_invalid=_invalid(q),
        aria_required=rx.cond(q.required, "true", "false"),
        aria_describedby=described,
        width="100%",
        size="3",
    )
    return rx.box(
        rx.cond(
            q.kind == "amount",
            rx.hstack(rx.text("€", aria_hidden="true", weight="medium"), field, align="center", spacing="2"),
            field,
        ),
        width="100%",
        max_width=_width(q),
    )


def long_text(q: QuestionRow) -> rx.Component:
    field_id, _help_id, _error_id, described = _ids(q)
    return rx.vstack(
        rx.text_area(
            id=field_id,
            name=q.key,
            key=_field_key(q),
            default_value=S.answers[q.key],
            on_change=lambda value: S.set_answer(q.key, value),
            max_length=q.max_length,
            rows="5",
            aria_invalid=_invalid(q),
            aria_required=rx.cond(q.required, "true", "false"),
            aria_describedby=described,
            width="100%",
            size="3",
            resize="vertical",
        ),
        rx.text(
            S.answers[q.key].length(),
            " / ",
            q.max_length,
            size="1",
            color="var(--gray-11)",
            class_name="char-counter",
            aria_hidden="true",
        ),
        spacing="1",
        align="end",
        width="100%",
    )


def _radio(q: QuestionRow, option: OptionRow) -> rx.Component:
    return rx.el.label(
        rx.radio_group.item(value=option.value, id="q-" + q.key + "-" + option.value),
        rx.text(option.label),
        class_name="choice-label",
    )


def radios(q: QuestionRow) -> rx.Component:
    _field_id, _help_id, _error_id, described = _ids(q)
    return rx.radio_group.root(
        rx.flex(
            rx.foreach(q.options, lambda option: _radio(q, option)),
            direction=rx.cond(q.kind == "yes_no", "row", "column"),
            gap=rx.cond(q.kind == "yes_no", "1.5rem", "0.5rem"),
            wrap="wrap",
        ),
        value=S.answers[q.key],
        on_change=lambda value: S.set_answer(q.key, value),
        name=q.key,
        id="q-" + q.key,
        aria_invalid=_invalid(q),
        aria_required=rx.cond(q.required, "true", "false"),
        aria_describedby=described,
        aria_labelledby="q-" + q.key + "-legend",
        size="3",
    )


def _checkbox(q: QuestionRow, option: OptionRow) -> rx.Component:
    return rx.el.label(
        rx.checkbox(
            checked=S.choices[q.key].contains(option.value),
            on_change=lambda checked: S.toggle_choice(q.key, option.value, checked),
            id="q-" + q.key + "-" + option.value,
            size="3",
        ),
        rx.text(option.label),
        class_name="choice-label",
    )


def checkboxes(q: QuestionRow) -> rx.Component:
    _field_id, _help_id, _error_id, described = _ids(q)
    return rx.flex(
        rx.foreach(q.options, lambda option: _checkbox(q, option)),
        direction="column",
        gap="0.5rem",
        id="q-" + q.key,
        role="group",
        aria_labelledby="q-" + q.key + "-legend",
        aria_describedby=described,
    )


def _text_question(q: QuestionRow, control: rx.Component) -> rx.Component:
    field_id, help_id, error_id, _described = _ids(q)
    return rx.vstack(
        rx.el.label(q.label, _required_mark(q), html_for=field_id, class_name="question-label"),
        _help(q, help_id),
        control,
        _error(q, error_id),
        spacing="1",
        width="100%",
    )


def _group_question(q: QuestionRow, control: rx.Component) -> rx.Component:
    _field_id, help_id, error_id, _described = _ids(q)
    return rx.el.fieldset(
        rx.el.legend(q.label, _required_mark(q), id="q-" + q.key + "-legend", class_name="question-label"),
        rx.vstack(_help(q, help_id), control, _error(q, error_id), spacing="1", width="100%"),
        class_name="question-group",
    )


def question_field(q: QuestionRow) -> rx.Component:
    """The question with label, help, control and error; nothing when it is hidden."""
    body = rx.match(
        q.kind,
        ("long_text", _text_question(q, long_text(q))),
        ("yes_no", _group_question(q, radios(q))),
        ("single_choice", _group_question(q, radios(q))),
        ("multiple_choice", _group_question(q, checkboxes(q))),
        _text_question(q, text_input(q)),
    )
    return rx.cond(
        q.visible,
        rx.box(
            body,
            class_name=rx.cond(q.error != "", "question question-invalid", "question"),
            id="question-" + q.key,
            width="100%",
        ),
        rx.fragment(),
    )
