"""The preview of a questionnaire as the client sees it (read-only), in Dutch or English.

It follows the client's page (questionnaires/pages/questionnaire.py and
questionnaires/components/questionnaire_fields.py): the same card, progress, labels, help
texts, required marks and controls, with the fields read-only. A conditional
question shows a staff-only note saying when the client gets to see it.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.text import tr
from portal_app.questionnaires.states.staff_questionnaires import OptionItem, PreviewQuestion
from portal_app.questionnaires.states.staff_questionnaires import StaffQuestionnairesState as S


def _required_mark(q: PreviewQuestion) -> rx.Component:
    return rx.cond(
        q.required,
        rx.el.span(
            rx.el.span("\u00a0*", aria_hidden="true"),
            rx.el.span(" (", S.pv_tr["questionnaire.required_mark"], ")", class_name="sr-only"),
            class_name="required-mark",
        ),
        rx.fragment(),
    )


def _help(q: PreviewQuestion) -> rx.Component:
    return rx.cond(q.help != "", rx.text(q.help, size="2", class_name="field-help"), rx.fragment())


def _width(q: PreviewQuestion):
    return rx.match(
        q.kind,
        ("date", "13rem"),
        ("number", "10rem"),
        ("amount", "14rem"),
        ("phone", "16rem"),
        ("iban", "22rem"),
        "100%",
    )


def _text_input(q: PreviewQuestion) -> rx.Component:
    field = rx.input(
        id="pv-" + q.key,
        type=rx.match(q.kind, ("email", "email"), ("phone", "tel"), ("date", "date"), "text"),
        read_only=True,
        width="100%",
        size="3",
        tab_index=-1,
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


def _long_text(q: PreviewQuestion) -> rx.Component:
    return rx.vstack(
        rx.text_area(id="pv-" + q.key, read_only=True, rows="5", width="100%", size="3", tab_index=-1),
        rx.text("0 / ", q.max_length, size="1", color="var(--gray-11)", class_name="char-counter", aria_hidden="true"),
        spacing="1",
        align="end",
        width="100%",
    )


def _radio(option: OptionItem) -> rx.Component:
    return rx.el.label(rx.radio_group.item(value=option.value), rx.text(option.label), class_name="choice-label")


def _radios(q: PreviewQuestion) -> rx.Component:
    return rx.radio_group.root(
        rx.flex(
            rx.foreach(q.options, _radio),
            direction=rx.cond(q.kind == "yes_no", "row", "column"),
            gap=rx.cond(q.kind == "yes_no", "1.5rem", "0.5rem"),
            wrap="wrap",
        ),
        disabled=True,
        size="3",
        id="pv-" + q.key,
    )


def _checkboxes(q: PreviewQuestion) -> rx.Component:
    return rx.flex(
        rx.foreach(
            q.options,
            lambda option: rx.el.label(
                rx.checkbox(disabled=True, size="3"), rx.text(option.label), class_name="choice-label"
            ),
        ),
        direction="column",
        gap="0.5rem",
        id="pv-" + q.key,
    )


def _text_question(q: PreviewQuestion, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(q.label, _required_mark(q), html_for="pv-" + q.key, class_name="question-label"),
        _help(q),
        control,
        spacing="1",
        width="100%",
    )


def _group_question(q: PreviewQuestion, control: rx.Component) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(q.label, _required_mark(q), class_name="question-label"),
        rx.vstack(_help(q), control, spacing="1", width="100%"),
        class_name="question-group",
    )


def preview_question(q: PreviewQuestion) -> rx.Component:
    body = rx.match(
        q.kind,
        ("long_text", _text_question(q, _long_text(q))),
        ("yes_no", _group_question(q, _radios(q))),
        ("single_choice", _group_question(q, _radios(q))),
        ("multiple_choice", _group_question(q, _checkboxes(q))),
        _text_question(q, _text_input(q)),
    )
    return rx.box(
        rx.cond(
            q.condition != "",
            rx.text(
                rx.icon("git-branch", size=14, aria_hidden="true"),
                q.condition,
                size="1",
                class_name="preview-condition",
            ),
            rx.fragment(),
        ),
        body,
        class_name=rx.cond(q.condition != "", "question preview-conditional", "question"),
        id="preview-question-" + q.key,
        width="100%",
    )


def _nav() -> rx.Component:
    last = S.pv_page_index >= S.pv_page_count - 1
    return rx.flex(
        rx.cond(
            S.pv_page_index > 0,
            rx.button(
                rx.icon("chevron-left", size=18, aria_hidden="true"),
                S.pv_tr["questionnaire.previous"],
                type="button",
                variant="soft",
                color_scheme="gray",
                size="3",
                on_click=S.preview_previous,
                id="preview-previous",
            ),
            rx.box(),
        ),
        rx.cond(
            last,
            rx.button(
                rx.icon("check", size=18, aria_hidden="true"),
                S.pv_tr["questionnaire.finish"],
                type="button",
                size="3",
                disabled=True,
                id="preview-finish",
            ),
            rx.button(
                S.pv_tr["questionnaire.next"],
                rx.icon("chevron-right", size=18, aria_hidden="true"),
                type="button",
                size="3",
                on_click=S.preview_next,
                id="preview-next",
            ),
        ),
        justify="between",
        align="center",
        spacing="3",
        width="100%",
        margin_top="0.5rem",
    )


def preview_view() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.text(tr("staff.q.preview_of"), size="2", color="var(--gray-11)"),
                rx.text(S.pv_source, size="2", color="var(--gray-11)", id="preview-source"),
                spacing="0",
            ),
            rx.spacer(),
            rx.segmented_control.root(
                rx.segmented_control.item("Nederlands", value="nl"),
                rx.segmented_control.item("English", value="en"),
                value=S.pv_lang,
                on_change=S.set_preview_lang,
                id="preview-lang",
                aria_label=tr("staff.q.preview_language"),
            ),
            rx.button(
                rx.icon("arrow-left", size=14, aria_hidden="true"),
                rx.cond(S.pv_from_editor, tr("staff.q.back_to_editor"), tr("staff.q.back_to_list")),
                on_click=S.close_preview,
                variant="soft",
                color_scheme="gray",
                type="button",
                id="preview-close",
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.callout(tr("staff.q.preview_help"), icon="eye", color_scheme="blue", size="1", width="100%"),
        rx.box(
            rx.vstack(
                rx.heading(S.pv_title, size="7", as_="h2", id="preview-title", class_name="staff-wrap"),
                rx.cond(
                    (S.pv_page_index == 0) & (S.pv_intro != ""),
                    rx.text(S.pv_intro, size="3", class_name="questionnaire-intro", white_space="pre-line"),
                    rx.fragment(),
                ),
                rx.card(
                    rx.vstack(
                        rx.vstack(
                            rx.text(S.pv_progress, id="preview-progress", weight="medium", size="2"),
                            rx.progress(value=S.pv_percent, max=100, size="2", width="100%"),
                            spacing="1",
                            width="100%",
                        ),
                        rx.heading(
                            S.pv_page_title,
                            size="5",
                            as_="h3",
                            id="preview-page-title",
                            margin_top="0.5rem",
                            class_name="staff-wrap",
                        ),
                        rx.cond(
                            S.pv_page_intro != "",
                            rx.text(S.pv_page_intro, size="3", color="var(--gray-11)", white_space="pre-line"),
                            rx.fragment(),
                        ),
                        rx.text(S.pv_tr["questionnaire.required_note"], size="2", color="var(--gray-11)"),
                        rx.vstack(
                            rx.foreach(S.pv_questions, preview_question),
                            spacing="5",
                            width="100%",
                            id="preview-questions",
                        ),
                        _nav(),
                        spacing="3",
                        width="100%",
                    ),
                    size=rx.breakpoints(initial="2", sm="3"),
                    width="100%",
                    class_name="questionnaire-card",
                ),
                rx.text(S.pv_tr["questionnaire.save_hint"], size="2", color="var(--gray-11)"),
                spacing="4",
                width="100%",
            ),
            class_name="preview-frame",
            lang=S.pv_lang,
            id="questionnaire-preview",
        ),
        spacing="3",
        width="100%",
    )
