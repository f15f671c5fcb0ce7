"""The "Vragenlijsten" tab of a staff dossier: send a template to a client of the
dossier, the status of every questionnaire, the result (answers as plain text,
never HTML), the PDF and "Terugsturen voor correctie"."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_layout import QUESTIONNAIRES
from portal_app.core.components.staff_widgets import empty, field_error, file_link, label, notices
from portal_app.core.components.text import tr
from portal_app.dossiers.states.staff_dossiers import StaffDossierState as D
from portal_app.questionnaires.services.questionnaire_admin import MAX_REASON_CHARS
from portal_app.questionnaires.states.staff_dossier_questionnaires import AnswerGroup, AnswerItem
from portal_app.questionnaires.states.staff_dossier_questionnaires import StaffDossierQuestionnairesState as Q


def send_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("staff.q.send_title"), size="3", as_="h3"),
            rx.cond(
                Q.client_options.length() > 0,
                rx.form(
                    rx.flex(
                        rx.vstack(
                            label(tr("staff.q.send_template"), "send-template"),
                            rx.el.select(
                                rx.el.option(tr("staff.q.send_pick_template"), value=""),
                                rx.foreach(Q.template_options, lambda o: rx.el.option(o.label, value=o.id)),
                                name="template",
                                id="send-template",
                                class_name="staff-select",
                            ),
                            spacing="1",
                            min_width="0",
                        ),
                        rx.vstack(
                            label(tr("staff.q.send_client"), "send-client"),
                            rx.el.select(
                                rx.cond(
                                    Q.client_options.length() > 1,
                                    rx.el.option(tr("staff.q.send_pick_client"), value=""),
                                ),
                                rx.foreach(Q.client_options, lambda o: rx.el.option(o.label, value=o.id)),
                                name="account",
                                id="send-client",
                                class_name="staff-select",
                            ),
                            spacing="1",
                            min_width="0",
                        ),
                        rx.button(
                            rx.icon("send", size=14, aria_hidden="true"),
                            tr("staff.q.send_button"),
                            type="submit",
                            id="send-questionnaire",
                        ),
                        spacing="3",
                        align="end",
                        wrap="wrap",
                        width="100%",
                        class_name="send-fields",
                    ),
                    on_submit=Q.send_questionnaire,
                    reset_on_submit=False,
                    width="100%",
                ),
                rx.text(tr("staff.q.send_no_clients"), size="2", color="var(--gray-11)"),
            ),
            field_error(Q.send_error, "send-error"),
            rx.text(
                tr("staff.q.send_help"),
                " ",
                rx.link(tr("staff.q.manage_templates"), href=QUESTIONNAIRES, size="2"),
                size="1",
                color="var(--gray-11)",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="send-panel",
    )


def request_item(row: rx.Var) -> rx.Component:
    completed = row.status == "completed"
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.text(row.title, weight="medium", class_name="staff-wrap"),
                rx.text(
                    row.client,
                    " · ",
                    tr("staff.q.version"),
                    " ",
                    row.version,
                    " · ",
                    tr("staff.q.col_sent_on"),
                    " ",
                    row.sent,
                    size="1",
                    color="var(--gray-11)",
                    class_name="staff-wrap",
                ),
                rx.flex(
                    rx.badge(
                        rx.cond(completed, tr("staff.q.state_completed"), tr("staff.q.state_open")),
                        color_scheme=rx.cond(completed, "green", "amber"),
                        variant="soft",
                    ),
                    rx.text(row.status_text, size="1", color="var(--gray-11)", class_name="request-status"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.flex(
                rx.button(
                    rx.icon("eye", size=14, aria_hidden="true"),
                    tr("staff.q.open_result"),
                    on_click=Q.open_result(row.id),
                    size="1",
                    variant="soft",
                    type="button",
                    aria_label=tr("staff.q.open_result") + " " + row.title,
                    class_name="request-open",
                ),
                rx.cond(
                    row.pdf_id != "",
                    file_link(
                        rx.icon("file-down", size=14, aria_hidden="true"),
                        "PDF",
                        href="/files/" + row.pdf_id,
                        class_name="request-pdf",
                        aria_label="PDF " + row.title,
                    ),
                ),
                rx.cond(
                    completed,
                    rx.button(
                        rx.icon("undo-2", size=14, aria_hidden="true"),
                        tr("staff.q.send_back"),
                        on_click=Q.ask_reopen(row.id),
                        size="1",
                        variant="soft",
                        color_scheme="orange",
                        type="button",
                        class_name="request-reopen",
                        aria_label=tr("staff.q.send_back") + " " + row.title,
                    ),
                ),
                spacing="3",
                align="center",
                wrap="wrap",
                class_name="request-actions",
            ),
            spacing="3",
            align="center",
            width="100%",
            class_name="request-line",
        ),
        class_name="staff-list-item request-item",
        data_request_id=row.id,
        data_status=row.status,
    )


def _answer(item: AnswerItem) -> rx.Component:
    # plain text children: whatever the client typed is shown literally, never as HTML
    return rx.box(
        rx.el.dt(item.label, class_name="result-question"),
        rx.el.dd(
            rx.cond(
                item.answer != "", item.answer, rx.el.span(tr("questionnaire.not_answered"), class_name="result-empty")
            ),
            class_name="result-answer",
        ),
        class_name="result-row",
    )


def _group(group: AnswerGroup) -> rx.Component:
    return rx.el.section(
        rx.heading(group.title, size="3", as_="h4", class_name="result-section-title"),
        rx.el.dl(rx.foreach(group.rows, _answer), class_name="result-list"),
        class_name="result-section",
    )


def result_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading(Q.result_title, size="4", as_="h3", class_name="staff-wrap"),
                    rx.text(
                        tr("questionnaire.client"),
                        ": ",
                        Q.result_client,
                        " · ",
                        Q.result_status,
                        size="2",
                        color="var(--gray-11)",
                        class_name="staff-wrap",
                    ),
                    spacing="1",
                    min_width="0",
                    flex="1",
                ),
                rx.flex(
                    rx.cond(
                        Q.result_pdf != "",
                        file_link(
                            rx.icon("file-down", size=14, aria_hidden="true"),
                            " ",
                            tr("questionnaire.pdf"),
                            href=Q.result_pdf,
                            id="result-pdf",
                            class_name="staff-button-link",
                        ),
                    ),
                    rx.cond(
                        Q.result_completed,
                        rx.button(
                            rx.icon("undo-2", size=14, aria_hidden="true"),
                            tr("staff.q.send_back"),
                            on_click=Q.ask_reopen(Q.result_id),
                            variant="soft",
                            color_scheme="orange",
                            size="2",
                            type="button",
                            id="result-reopen",
                        ),
                    ),
                    rx.button(
                        rx.icon("x", size=14, aria_hidden="true"),
                        tr("staff.q.close"),
                        on_click=Q.close_result,
                        variant="soft",
                        color_scheme="gray",
                        size="2",
                        type="button",
                        id="result-close",
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="3",
                align="start",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(
                Q.result_groups.length() > 0,
                rx.box(rx.foreach(Q.result_groups, _group), width="100%"),
                empty(tr("staff.q.no_answers")),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="questionnaire-result-panel",
        class_name="result-card",
    )


def reopen_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("staff.q.send_back_title")),
            rx.alert_dialog.description(
                rx.text(tr("staff.q.send_back_help")), rx.text(Q.reopen_title, weight="bold", class_name="staff-wrap")
            ),
            rx.form(
                rx.vstack(
                    label(tr("staff.q.send_back_reason"), "reopen-reason"),
                    rx.text_area(
                        id="reopen-reason", name="reason", max_length=MAX_REASON_CHARS, rows="3", width="100%"
                    ),
                    field_error(Q.reopen_error, "reopen-error"),
                    rx.hstack(
                        rx.alert_dialog.cancel(
                            rx.button(tr("staff.cancel"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(tr("staff.q.send_back"), color_scheme="orange", type="submit", id="reopen-confirm"),
                        justify="end",
                        spacing="2",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                    margin_top="0.75rem",
                ),
                on_submit=Q.confirm_reopen,
                reset_on_submit=True,
            ),
        ),
        open=Q.reopen_open,
        on_open_change=Q.set_reopen_open,
    )


def questionnaires_tab() -> rx.Component:
    """Loads itself when the tab opens (the tab's content mounts then)."""
    return rx.vstack(
        reopen_dialog(),
        notices(Q.notice, Q.error, prefix="questionnaires"),
        rx.cond(Q.result_open, result_panel()),
        send_card(),
        rx.flex(
            rx.heading(tr("staff.q.dossier_list"), size="3", as_="h3"),
            rx.spacer(),
            rx.button(
                rx.icon("refresh-cw", size=14, aria_hidden="true"),
                tr("staff.refresh"),
                on_click=Q.refresh_questionnaires,
                variant="ghost",
                size="1",
                type="button",
                id="questionnaires-refresh",
            ),
            align="center",
            width="100%",
        ),
        rx.cond(
            Q.rows.length() > 0,
            rx.el.ul(rx.foreach(Q.rows, request_item), class_name="staff-list", id="dossier-questionnaire-list"),
            rx.cond(Q.loaded, empty(tr("staff.q.dossier_none")), rx.spinner()),
        ),
        spacing="3",
        width="100%",
        on_mount=Q.load_dossier_questionnaires,
        key=D.header["id"],  # another dossier in the same page: mounted (and loaded) afresh
        id="questionnaires-tab",
    )
