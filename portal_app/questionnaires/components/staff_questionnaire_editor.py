"""The template editor: titles, pages (add, remove, reorder, rename) and questions
(a dialog per question: type, key, texts in both languages, required, choices,
limits and the condition "alleen tonen als vraag X antwoord Y heeft").

Everything typed goes to the server, which keeps the draft; what is shown here
is rebuilt from it after every change.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_widgets import dialog_actions, field_error, label
from portal_app.core.components.text import tr
from portal_app.questionnaires.services.questionnaire_admin import (
    MAX_CHOICE_CHARS,
    MAX_HELP_CHARS,
    MAX_LABEL_CHARS,
    MAX_TITLE_CHARS,
)
from portal_app.questionnaires.states.staff_questionnaires import EditorPage, EditorQuestion
from portal_app.questionnaires.states.staff_questionnaires import StaffQuestionnairesState as S


def _icon_button(
    icon: str, on_click, aria, *, disabled=False, color: str | None = None, button_id=None
) -> rx.Component:
    props = {"color_scheme": color} if color else {}
    if button_id is not None:
        props["id"] = button_id
    return rx.icon_button(
        rx.icon(icon, size=14),
        on_click=on_click,
        variant="ghost",
        size="1",
        disabled=disabled,
        aria_label=aria,
        title=aria,
        type="button",
        **props,
    )


# ---- titles


def titles_card() -> rx.Component:
    def field(name: str, value, text_key: str, *, area: bool = False, limit: int) -> rx.Component:
        control = (
            rx.text_area(
                id="ed-" + name,
                default_value=value,
                on_blur=lambda v: S.set_title_field(name, v),
                max_length=limit,
                rows="2",
                width="100%",
                resize="vertical",
            )
            if area
            else rx.input(
                id="ed-" + name,
                default_value=value,
                on_blur=lambda v: S.set_title_field(name, v),
                max_length=limit,
                width="100%",
            )
        )
        return rx.vstack(label(tr(text_key), "ed-" + name), control, spacing="1", width="100%")

    return rx.card(
        rx.vstack(
            rx.heading(tr("staff.q.general"), size="3", as_="h2"),
            rx.grid(
                field("title_nl", S.ed_title_nl, "staff.q.title_nl", limit=MAX_TITLE_CHARS),
                field("title_en", S.ed_title_en, "staff.q.title_en", limit=MAX_TITLE_CHARS),
                field("intro_nl", S.ed_intro_nl, "staff.q.intro_nl", area=True, limit=MAX_HELP_CHARS),
                field("intro_en", S.ed_intro_en, "staff.q.intro_en", area=True, limit=MAX_HELP_CHARS),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            field_error(S.title_error, "title-error"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="editor-titles",
        key=S.ed_rev,
    )


# ---- questions


def question_row(q: EditorQuestion) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.text(q.number, class_name="editor-number", aria_hidden="true"),
            rx.vstack(
                rx.text(q.label_nl, weight="medium", class_name="staff-wrap"),
                rx.text(q.label_en, size="1", color="var(--gray-11)", class_name="staff-wrap", lang="en"),
                rx.flex(
                    rx.badge(q.kind_label, variant="soft", color_scheme="indigo"),
                    rx.cond(q.required, rx.badge(tr("staff.q.required"), variant="soft", color_scheme="gray")),
                    rx.text(tr("staff.q.key"), ": ", rx.el.code(q.key), size="1", color="var(--gray-11)"),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                rx.cond(
                    q.choices != "",
                    rx.text(
                        tr("staff.q.choices"),
                        ": ",
                        q.choices,
                        size="1",
                        color="var(--gray-11)",
                        class_name="staff-wrap",
                    ),
                ),
                rx.cond(
                    q.condition != "",
                    rx.text(
                        rx.icon("git-branch", size=12, aria_hidden="true"),
                        " ",
                        q.condition,
                        size="1",
                        class_name="editor-condition staff-wrap",
                    ),
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.flex(
                _icon_button(
                    "arrow-up",
                    S.move_question_up(q.page, q.pos),
                    tr("staff.q.move_up") + " " + q.number,
                    disabled=q.first,
                ),
                _icon_button(
                    "arrow-down",
                    S.move_question_down(q.page, q.pos),
                    tr("staff.q.move_down") + " " + q.number,
                    disabled=q.last,
                ),
                _icon_button(
                    "pencil",
                    S.edit_question(q.page, q.pos),
                    tr("staff.q.edit_question") + " " + q.number,
                    button_id="edit-q-" + q.key,
                ),
                _icon_button(
                    "trash-2",
                    S.remove_question(q.page, q.pos),
                    tr("staff.q.remove_question") + " " + q.number,
                    color="red",
                ),
                spacing="2",
                align="center",
                class_name="editor-row-actions",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        class_name="staff-list-item editor-question",
        data_key=q.key,
    )


def page_form(page: EditorPage) -> rx.Component:
    def input_field(name: str, value, text_key: str, *, area: bool = False, limit: int) -> rx.Component:
        control = (
            rx.text_area(id="pf-" + name, name=name, default_value=value, max_length=limit, rows="2", width="100%")
            if area
            else rx.input(id="pf-" + name, name=name, default_value=value, max_length=limit, width="100%")
        )
        return rx.vstack(label(tr(text_key), "pf-" + name), control, spacing="1", width="100%")

    return rx.form(
        rx.vstack(
            rx.grid(
                input_field("title_nl", page.title_nl, "staff.q.page_title_nl", limit=MAX_TITLE_CHARS),
                input_field("title_en", page.title_en, "staff.q.page_title_en", limit=MAX_TITLE_CHARS),
                input_field("intro_nl", page.intro_nl, "staff.q.page_intro_nl", area=True, limit=MAX_HELP_CHARS),
                input_field("intro_en", page.intro_en, "staff.q.page_intro_en", area=True, limit=MAX_HELP_CHARS),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            field_error(S.pf_error, "page-form-error"),
            rx.hstack(
                rx.button(
                    tr("staff.cancel"), type="button", variant="soft", color_scheme="gray", on_click=S.cancel_page_edit
                ),
                rx.button(tr("staff.save"), type="submit", id="page-form-save"),
                spacing="2",
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.save_page_edit,
        reset_on_submit=False,
        width="100%",
        id="page-form",
    )


def page_card(page: EditorPage) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading(
                        tr("staff.q.page"),
                        " ",
                        page.number,
                        ": ",
                        page.title_nl,
                        size="3",
                        as_="h3",
                        class_name="staff-wrap",
                    ),
                    rx.text(page.title_en, size="1", color="var(--gray-11)", class_name="staff-wrap", lang="en"),
                    spacing="0",
                    min_width="0",
                    flex="1",
                ),
                rx.flex(
                    _icon_button(
                        "arrow-up",
                        S.move_page_up(page.index),
                        tr("staff.q.page_up") + " " + page.number.to_string(),
                        disabled=page.index == 0,
                    ),
                    _icon_button(
                        "arrow-down",
                        S.move_page_down(page.index),
                        tr("staff.q.page_down") + " " + page.number.to_string(),
                        disabled=page.index == S.ed_pages.length() - 1,
                    ),
                    _icon_button(
                        "pencil", S.start_page_edit(page.index), tr("staff.q.page_edit") + " " + page.number.to_string()
                    ),
                    _icon_button(
                        "trash-2",
                        S.remove_page(page.index),
                        tr("staff.q.page_remove") + " " + page.number.to_string(),
                        color="red",
                    ),
                    spacing="2",
                    align="center",
                    class_name="editor-row-actions",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            rx.cond(S.pf_index == page.index, page_form(page)),
            rx.cond(
                page.questions.length() > 0,
                rx.el.ol(rx.foreach(page.questions, question_row), class_name="staff-list editor-questions"),
                rx.text(tr("staff.q.page_no_questions"), size="2", color="var(--gray-11)"),
            ),
            rx.button(
                rx.icon("plus", size=14, aria_hidden="true"),
                tr("staff.q.add_question"),
                on_click=S.new_question(page.index),
                variant="soft",
                size="2",
                type="button",
                id="add-question-" + page.number.to_string(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="editor-page",
        id="editor-page-" + page.number.to_string(),
    )


# ---- the question dialog


def _error(name: str) -> rx.Component:
    return field_error(S.qf_errors[name], "qf-" + name + "-error")


def _input(name: str, text_key: str, *, limit: int, placeholder=None, width="100%", input_type="text") -> rx.Component:
    props = {"placeholder": placeholder} if placeholder is not None else {}
    return rx.vstack(
        label(tr(text_key), "qf-" + name),
        rx.input(
            id="qf-" + name,
            name=name,
            default_value=S.qf[name],
            max_length=limit,
            width=width,
            max_width="100%",
            type=input_type,
            **props,
        ),
        _error(name),
        spacing="1",
        width="100%",
    )


def _area(name: str, text_key: str, *, limit: int, rows: str = "3", help_key: str | None = None) -> rx.Component:
    return rx.vstack(
        label(tr(text_key), "qf-" + name),
        rx.text(tr(help_key), size="1", color="var(--gray-11)") if help_key else rx.fragment(),
        rx.text_area(
            id="qf-" + name,
            name=name,
            default_value=S.qf[name],
            max_length=limit,
            rows=rows,
            width="100%",
            resize="vertical",
        ),
        _error(name),
        spacing="1",
        width="100%",
    )


def _checkbox(name: str, text_key: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox", name=name, id="qf-" + name, default_checked=S.qf[name] != "", class_name="native-checkbox"
        ),
        rx.text(tr(text_key), size="2"),
        class_name="choice-label",
        html_for="qf-" + name,
    )


def _condition() -> rx.Component:
    return rx.vstack(
        label(tr("staff.q.condition"), "qf-condition"),
        rx.text(tr("staff.q.condition_help"), size="1", color="var(--gray-11)"),
        rx.el.select(
            rx.el.option(tr("staff.q.condition_none"), value=""),
            rx.foreach(S.qf_sources, lambda source: rx.el.option(source.label, value=source.key)),
            value=S.qf_cond_question,
            on_change=S.set_condition_question,
            name="cond_question",
            id="qf-condition",
            class_name="staff-select",
            disabled=S.qf_sources.length() == 0,
        ),
        rx.cond(
            S.qf_sources.length() == 0,
            rx.text(tr("staff.q.condition_no_sources"), size="1", color="var(--gray-11)"),
        ),
        rx.cond(
            S.qf_cond_question != "",
            rx.vstack(
                rx.text(tr("staff.q.condition_answer"), size="2", weight="medium"),
                rx.flex(
                    rx.foreach(
                        S.qf_cond_options,
                        lambda option: rx.el.label(
                            rx.checkbox(
                                checked=S.qf_cond_values.contains(option.value),
                                on_change=lambda checked: S.toggle_condition_value(option.value, checked),
                                id="qf-cond-" + option.value,
                            ),
                            rx.text(option.label, size="2"),
                            class_name="choice-label",
                        ),
                    ),
                    direction="column",
                    spacing="1",
                    id="qf-condition-values",
                ),
                spacing="1",
                width="100%",
            ),
        ),
        _error("condition"),
        spacing="1",
        width="100%",
        class_name="editor-condition-box",
    )


def question_dialog() -> rx.Component:
    is_choice = (S.qf_type == "single_choice") | (S.qf_type == "multiple_choice")
    is_text = (S.qf_type == "short_text") | (S.qf_type == "long_text")
    is_number = (S.qf_type == "number") | (S.qf_type == "amount")
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.qf_heading),
            rx.dialog.description(
                tr("staff.q.question_help"), size="2", color="var(--gray-11)", margin_bottom="0.75rem"
            ),
            rx.form(
                rx.vstack(
                    rx.vstack(
                        label(tr("staff.q.type"), "qf-type"),
                        rx.el.select(
                            rx.foreach(S.qf_types, lambda option: rx.el.option(option.label, value=option.value)),
                            value=S.qf_type,
                            on_change=S.set_question_type,
                            name="type",
                            id="qf-type",
                            class_name="staff-select",
                        ),
                        _error("type"),
                        spacing="1",
                    ),
                    rx.grid(
                        _input("label_nl", "staff.q.label_nl", limit=MAX_LABEL_CHARS),
                        _input("label_en", "staff.q.label_en", limit=MAX_LABEL_CHARS),
                        _area("help_nl", "staff.q.help_nl", limit=MAX_HELP_CHARS, rows="2"),
                        _area("help_en", "staff.q.help_en", limit=MAX_HELP_CHARS, rows="2"),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        is_choice,
                        rx.grid(
                            _area(
                                "choices_nl",
                                "staff.q.choices_nl",
                                limit=50 * (MAX_CHOICE_CHARS + 1),
                                rows="5",
                                help_key="staff.q.choices_help",
                            ),
                            _area(
                                "choices_en",
                                "staff.q.choices_en",
                                limit=50 * (MAX_CHOICE_CHARS + 1),
                                rows="5",
                                help_key="staff.q.choices_help_en",
                            ),
                            columns=rx.breakpoints(initial="1", sm="2"),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.grid(
                        _input("key", "staff.q.key_label", limit=80, placeholder=tr("staff.q.key_auto")),
                        rx.cond(
                            is_text,
                            _input(
                                "max_length",
                                "staff.q.max_length",
                                limit=5,
                                placeholder=tr("staff.q.max_length_default"),
                            ),
                        ),
                        rx.cond(is_number, _input("min", "staff.q.min", limit=30)),
                        rx.cond(is_number, _input("max", "staff.q.max", limit=30)),
                        rx.cond(
                            S.qf_type == "date",
                            rx.vstack(
                                label(tr("staff.q.date_rule"), "qf-date_rule"),
                                rx.el.select(
                                    rx.el.option(tr("staff.q.date_any"), value=""),
                                    rx.el.option(tr("staff.q.date_not_future"), value="not_future"),
                                    rx.el.option(tr("staff.q.date_not_past"), value="not_past"),
                                    rx.cond(
                                        S.qf["date_rule"] == "custom",
                                        rx.el.option(tr("staff.q.date_custom"), value="custom"),
                                    ),
                                    name="date_rule",
                                    id="qf-date_rule",
                                    default_value=S.qf["date_rule"],
                                    class_name="staff-select",
                                ),
                                spacing="1",
                            ),
                        ),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.flex(
                        _checkbox("required", "staff.q.required_label"),
                        rx.cond(S.qf_type == "number", _checkbox("integer", "staff.q.integer")),
                        spacing="4",
                        wrap="wrap",
                    ),
                    _condition(),
                    _error("form"),
                    dialog_actions(tr("staff.q.question_save"), submit_id="qf-save"),
                    spacing="4",
                    width="100%",
                ),
                on_submit=S.save_question_form,
                reset_on_submit=False,
            ),
            max_width="46rem",
            id="question-dialog",
        ),
        open=S.qf_open,
        on_open_change=S.set_question_open,
    )


# ---- the editor


def editor_view() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.heading(S.ed_heading, size="5", as_="h2", class_name="staff-wrap", id="editor-heading"),
                rx.text(S.ed_version_note, size="2", color="var(--gray-11)"),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.flex(
                rx.button(
                    rx.icon("arrow-left", size=14, aria_hidden="true"),
                    tr("staff.q.back_to_list"),
                    on_click=S.back_to_list,
                    variant="soft",
                    color_scheme="gray",
                    type="button",
                    id="editor-back",
                ),
                rx.button(
                    rx.icon("eye", size=14, aria_hidden="true"),
                    tr("staff.q.preview"),
                    on_click=S.preview_draft,
                    variant="soft",
                    type="button",
                    id="editor-preview",
                ),
                rx.button(
                    rx.icon("save", size=14, aria_hidden="true"),
                    tr("staff.q.save"),
                    on_click=S.save_template,
                    type="button",
                    id="editor-save",
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            align="start",
            wrap="wrap",
            width="100%",
        ),
        titles_card(),
        rx.cond(
            S.ed_problems.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text(tr("staff.q.problems"), weight="medium"),
                    rx.el.ul(rx.foreach(S.ed_problems, lambda text: rx.el.li(text)), class_name="editor-problems"),
                    spacing="1",
                ),
                icon="list-checks",
                color_scheme="amber",
                size="1",
                width="100%",
                id="editor-problems",
            ),
            rx.callout(
                tr("staff.q.ready"),
                icon="circle-check",
                color_scheme="green",
                size="1",
                width="100%",
                id="editor-ready",
            ),
        ),
        rx.foreach(S.ed_pages, page_card),
        rx.flex(
            rx.button(
                rx.icon("file-plus", size=14, aria_hidden="true"),
                tr("staff.q.add_page"),
                on_click=S.add_page,
                variant="soft",
                type="button",
                id="add-page",
            ),
            rx.spacer(),
            rx.text(S.ed_counts, size="2", color="var(--gray-11)", id="editor-counts"),
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        question_dialog(),
        spacing="3",
        width="100%",
        id="template-editor",
    )
