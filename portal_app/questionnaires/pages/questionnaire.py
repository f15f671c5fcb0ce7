"""Vragenlijst: the form page by page, and the result with Printen and the PDF."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.layout import page_frame
from portal_app.core.components.live_region import announce, skeleton
from portal_app.core.components.text import tr
from portal_app.questionnaires.components.questionnaire_fields import question_field
from portal_app.questionnaires.states.actions import ROUTE as ACTIONS_ROUTE
from portal_app.questionnaires.states.questionnaire import QuestionnaireState as S
from portal_app.questionnaires.states.questionnaire import ResultRow, ResultSection


def dossier_line() -> rx.Component:
    return rx.text(
        rx.text.strong(tr("questionnaire.dossier"), ": "),
        S.dossier_text,
        id="questionnaire-dossier",
        color="var(--gray-11)",
        size="3",
        class_name="wrap-anywhere",
    )


def progress() -> rx.Component:
    return rx.vstack(
        rx.text(S.progress_text, id="questionnaire-progress", weight="medium", size="2"),
        rx.progress(
            value=S.progress_percent,
            max=100,
            aria_label=tr("questionnaire.progress_label"),
            aria_valuetext=S.progress_text,
            size="2",
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def nav_buttons() -> rx.Component:
    last_page = S.page_index >= S.page_count - 1
    return rx.flex(
        rx.cond(
            S.page_index > 0,
            rx.button(
                rx.icon("chevron-left", size=18, aria_hidden="true"),
                tr("questionnaire.previous"),
                type="button",
                variant="soft",
                color_scheme="gray",
                size="3",
                id="questionnaire-previous",
                on_click=[S.previous_page, rx.scroll_to("inhoud")],
            ),
            rx.box(),
        ),
        rx.cond(
            last_page,
            rx.button(
                rx.icon("check", size=18, aria_hidden="true"),
                tr("questionnaire.finish"),
                type="button",
                size="3",
                id="questionnaire-finish",
                on_click=[S.finish, rx.scroll_to("inhoud")],
                custom_attrs={"data-saves-answers": "1"},
            ),
            rx.button(
                tr("questionnaire.next"),
                rx.icon("chevron-right", size=18, aria_hidden="true"),
                type="button",
                size="3",
                id="questionnaire-next",
                on_click=[S.next_page, rx.scroll_to("inhoud")],
                custom_attrs={"data-saves-answers": "1"},
            ),
        ),
        justify="between",
        align="center",
        gap="3",
        width="100%",
        margin_top="0.5rem",
    )


def form_view() -> rx.Component:
    return rx.vstack(
        dossier_line(),
        rx.cond(
            (S.page_index == 0) & (S.q_intro != ""),
            rx.text(S.q_intro, size="3", class_name="questionnaire-intro"),
            rx.fragment(),
        ),
        rx.card(
            rx.vstack(
                progress(),
                rx.heading(S.page_title, size="5", as_="h2", id="questionnaire-page-title", margin_top="0.5rem"),
                rx.cond(S.page_intro != "", rx.text(S.page_intro, size="3", color="var(--gray-11)"), rx.fragment()),
                rx.cond(
                    S.page_error != "",
                    rx.callout(
                        S.page_error,
                        icon="triangle-alert",
                        color_scheme="red",
                        role="alert",
                        id="questionnaire-error",
                        width="100%",
                    ),
                    rx.fragment(),
                ),
                rx.text(tr("questionnaire.required_note"), size="2", color="var(--gray-11)"),
                rx.vstack(
                    rx.foreach(S.questions, question_field),
                    spacing="5",
                    width="100%",
                    id="questionnaire-questions",
                ),
                nav_buttons(),
                spacing="3",
                width="100%",
            ),
            size=rx.breakpoints(initial="2", sm="3"),
            width="100%",
            class_name="questionnaire-card",
        ),
        rx.text(tr("questionnaire.save_hint"), size="2", color="var(--gray-11)"),
        spacing="4",
        width="100%",
        max_width="48rem",
        id="questionnaire-form",
        # assets/client_ux.js: leaving with unsaved answers asks first (tab close and links alike)
        custom_attrs={
            "data-guard-unsaved": "1",
            "data-unsaved": rx.cond(S.has_unsaved, "1", "0"),
            "data-unsaved-message": tr("questionnaire.unsaved_leave"),
        },
    )


def result_row(row: ResultRow) -> rx.Component:
    return rx.box(
        rx.el.dt(row.label, class_name="result-question"),
        rx.el.dd(
            rx.cond(
                row.answer != "", row.answer, rx.el.span(tr("questionnaire.not_answered"), class_name="result-empty")
            ),
            class_name="result-answer",
        ),
        class_name="result-row",
    )


def result_section(section: ResultSection) -> rx.Component:
    return rx.el.section(
        rx.heading(section.title, size="4", as_="h2", class_name="result-section-title"),
        rx.el.dl(rx.foreach(section.rows, result_row), class_name="result-list"),
        class_name="result-section",
    )


def result_view() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.just_completed,
            announce(
                rx.callout(
                    tr("questionnaire.done"),
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    id="questionnaire-done",
                    width="100%",
                    class_name="no-print",
                )
            ),
            rx.fragment(),
        ),
        rx.box(
            rx.text(S.office_name, weight="bold", class_name="print-only print-office"),
            dossier_line(),
            rx.text(
                rx.text.strong(tr("questionnaire.client"), ": "),
                S.display_name,
                color="var(--gray-11)",
                size="3",
                class_name="print-only",
            ),
            rx.text(S.completed_text, id="questionnaire-completed", color="var(--gray-11)", size="3"),
            width="100%",
        ),
        rx.flex(
            rx.button(
                rx.icon("printer", size=18, aria_hidden="true"),
                tr("questionnaire.print"),
                type="button",
                size="3",
                data_action="print",
                id="questionnaire-print",
            ),
            rx.cond(
                S.pdf_href != "",
                rx.button(
                    rx.el.a(
                        rx.icon("file-down", size=18, aria_hidden="true"),
                        tr("questionnaire.pdf"),
                        href=S.pdf_href,
                        id="questionnaire-pdf",
                    ),
                    as_child=True,
                    variant="soft",
                    size="3",
                ),
                rx.fragment(),
            ),
            rx.link(tr("questionnaire.to_actions"), href=ACTIONS_ROUTE, size="3", id="questionnaire-to-actions"),
            gap="3",
            align="center",
            wrap="wrap",
            class_name="no-print",
        ),
        rx.card(
            rx.foreach(S.result, result_section),
            size=rx.breakpoints(initial="2", sm="3"),
            width="100%",
            class_name="result-card",
            id="questionnaire-result",
        ),
        spacing="4",
        width="100%",
        max_width="48rem",
        class_name="questionnaire-result",
    )


def loading_view() -> rx.Component:
    """Until the questionnaire is there: grey blocks of about its size, no texts that change."""
    return rx.vstack(
        rx.el.span(tr("questionnaire.loading"), class_name="sr-only"),
        skeleton("line", style={"width": "60%"}),
        skeleton("block"),
        spacing="3",
        width="100%",
        max_width="48rem",
        id="questionnaire-loading",
    )


def questionnaire_page() -> rx.Component:
    return page_frame(
        # is_hydrated: the page's on_load has run. Before, the tab may still hold the questionnaire
        # of an earlier visit; typing into that would be wiped when the fresh one arrives.
        rx.match(
            rx.cond(rx.State.is_hydrated, S.view, "loading"),
            ("form", form_view()),
            ("result", result_view()),
            (
                "not_found",
                rx.callout(
                    tr("error.not_found"), icon="circle-alert", color_scheme="gray", id="questionnaire-not-found"
                ),
            ),
            (
                "unavailable",
                rx.callout(tr("questionnaire.unavailable"), icon="circle-alert", color_scheme="orange"),
            ),
            loading_view(),
        ),
        title=rx.cond(S.q_title != "", S.q_title, tr("questionnaire.title")),
    )
