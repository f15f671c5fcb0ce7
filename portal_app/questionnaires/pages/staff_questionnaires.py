"""Vragenlijsten (/staff/vragenlijsten): the templates, the editor and the preview."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_layout import staff_frame
from portal_app.core.components.staff_widgets import empty, notices, table
from portal_app.core.components.text import tr
from portal_app.questionnaires.components.staff_questionnaire_editor import editor_view
from portal_app.questionnaires.components.staff_questionnaire_preview import preview_view
from portal_app.questionnaires.states.staff_questionnaires import StaffQuestionnairesState as S


def template_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(row.title, weight="medium", class_name="staff-wrap template-title"),
            rx.text(row.slug, size="1", color="var(--gray-11)", class_name="staff-wrap"),
            rx.cond(row.broken, rx.badge(tr("staff.q.broken"), color_scheme="red")),
        ),
        rx.table.cell(rx.badge("v", row.version, variant="soft", color_scheme="indigo"), class_name="template-version"),
        rx.table.cell(row.pages, " / ", row.questions, white_space="nowrap"),
        rx.table.cell(row.sent, class_name="template-sent"),
        rx.table.cell(
            rx.cond(
                row.open > 0,
                rx.badge(row.open, color_scheme="amber", variant="soft"),
                rx.text("0", color="var(--gray-11)"),
            ),
            class_name="template-open",
        ),
        rx.table.cell(
            rx.cond(
                row.completed > 0,
                rx.badge(row.completed, color_scheme="green", variant="soft"),
                rx.text("0", color="var(--gray-11)"),
            ),
            class_name="template-completed",
        ),
        rx.table.cell(row.saved, white_space="nowrap"),
        rx.table.cell(_actions(row, wrap="nowrap"), white_space="nowrap"),
        data_slug=row.slug,
        data_template_id=row.id,
    )


def _actions(row: rx.Var, *, wrap: str) -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("eye", size=14, aria_hidden="true"),
            tr("staff.q.preview"),
            on_click=S.preview_template(row.id),
            size="1",
            variant="soft",
            type="button",
            aria_label=tr("staff.q.preview") + " " + row.title,
            class_name="template-preview",
        ),
        rx.button(
            rx.icon("pencil", size=14, aria_hidden="true"),
            tr("staff.q.edit"),
            on_click=S.edit_template(row.id),
            size="1",
            variant="soft",
            type="button",
            aria_label=tr("staff.q.edit") + " " + row.title,
            class_name="template-edit",
        ),
        rx.button(
            rx.icon("copy", size=14, aria_hidden="true"),
            tr("staff.q.copy"),
            on_click=S.copy_template(row.id),
            size="1",
            variant="soft",
            color_scheme="gray",
            type="button",
            aria_label=tr("staff.q.copy") + " " + row.title,
            class_name="template-copy",
        ),
        spacing="2",
        wrap=wrap,
    )


def template_card(row: rx.Var) -> rx.Component:
    """The same row for a phone: a list item instead of a wide table row."""
    return rx.el.li(
        rx.vstack(
            rx.flex(
                rx.text(row.title, weight="medium", class_name="staff-wrap"),
                rx.badge("v", row.version, variant="soft", color_scheme="indigo"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                row.pages,
                " / ",
                row.questions,
                " · ",
                tr("staff.q.col_sent"),
                " ",
                row.sent,
                " · ",
                tr("staff.q.col_open"),
                " ",
                row.open,
                " · ",
                tr("staff.q.col_completed"),
                " ",
                row.completed,
                size="1",
                color="var(--gray-11)",
            ),
            _actions(row, wrap="wrap"),
            spacing="1",
            width="100%",
        ),
        class_name="staff-list-item",
        data_slug=row.slug,
    )


def list_view() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.has_draft,
            rx.callout(
                rx.flex(
                    rx.text(
                        tr("staff.q.draft_waiting"),
                        " ",
                        rx.cond(S.draft_name != "", "“" + S.draft_name + "”", ""),
                        class_name="staff-wrap",
                    ),
                    rx.spacer(),
                    rx.button(
                        tr("staff.q.draft_resume"), on_click=S.resume_draft, size="1", type="button", id="draft-resume"
                    ),
                    rx.button(
                        tr("staff.q.draft_discard"),
                        on_click=S.discard_draft,
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        type="button",
                        id="draft-discard",
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                    width="100%",
                ),
                icon="pencil",
                color_scheme="amber",
                size="1",
                width="100%",
                id="draft-waiting",
            ),
        ),
        rx.text(tr("staff.q.list_intro"), size="2", color="var(--gray-11)"),
        rx.cond(
            S.rows.length() > 0,
            rx.el.ul(rx.foreach(S.rows, template_card), class_name="staff-list phone-only", id="template-cards"),
        ),
        rx.cond(
            S.rows.length() > 0,
            rx.box(
                table(
                    [
                        tr("staff.q.col_title"),
                        tr("staff.q.col_version"),
                        tr("staff.q.col_pages"),
                        tr("staff.q.col_sent"),
                        tr("staff.q.col_open"),
                        tr("staff.q.col_completed"),
                        tr("staff.q.col_saved"),
                        tr("staff.doc.actions"),
                    ],
                    S.rows,
                    template_row,
                    table_id="template-table",
                ),
                class_name="desktop-only",
                width="100%",
            ),
            rx.cond(S.loaded, empty(tr("staff.q.none")), rx.spinner()),
        ),
        spacing="3",
        width="100%",
    )


def staff_questionnaires_page() -> rx.Component:
    return staff_frame(
        rx.vstack(
            notices(S.notice, S.error, prefix="templates"),
            rx.match(
                S.view,
                ("edit", editor_view()),
                ("preview", preview_view()),
                list_view(),
            ),
            spacing="3",
            width="100%",
        ),
        title=tr("staff.q.title"),
        active="questionnaires",
        actions=rx.cond(
            S.view == "list",
            rx.button(
                rx.icon("file-plus", size=16, aria_hidden="true"),
                tr("staff.q.new"),
                on_click=S.new_template,
                type="button",
                id="new-template",
            ),
        ),
    )
