"""Dossiers (/staff/dossiers) and one dossier (/staff/dossiers/<id>)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.char_counter import char_counter, counter_attrs, field_max_length
from portal_app.core.components.clear_on_save import clear_on_save
from portal_app.core.components.drop_zone import drop_zone, on_refused
from portal_app.core.components.row_actions import remove_icon_button, row_danger_button
from portal_app.core.components.staff_layout import CLIENTS, DOSSIERS, staff_frame
from portal_app.core.components.staff_widgets import (
    confirm_dialog,
    empty,
    field_error,
    file_link,
    form_dialog,
    label,
    native_select,
    notices,
    pager,
    status_badge,
    table,
)
from portal_app.core.components.text import tr
from portal_app.deeds.components.drafts import staff_deed_drafts_section
from portal_app.documents.models import DocumentKind
from portal_app.documents.services.uploads import ACCEPT
from portal_app.dossiers.states.staff_dossiers import (
    ATTACH_UPLOAD_ID,
    DOSSIER_TYPES,
    PUBLISH_MAX_FILES,
    PUBLISH_UPLOAD_ID,
)
from portal_app.dossiers.states.staff_dossiers import StaffDossiersState as L
from portal_app.dossiers.states.staff_dossiers import StaffDossierState as D
from portal_app.messages.components import attached_files, message_thread, quote_box, upload_errors
from portal_app.messages.services.messages import MAX_BODY_CHARS, MAX_SUBJECT_CHARS
from portal_app.office.components.notes import notes_section
from portal_app.payments.components.payments import staff_payment_section
from portal_app.questionnaires.components.staff_questionnaire_dossier import questionnaires_tab
from portal_app.signing.components.staff_signing import staff_signing_section

# --------------------------------------------------------------------------- list


def dossier_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(row.number, href=DOSSIERS + "/" + row.id.to_string(), weight="medium"), white_space="nowrap"
        ),
        rx.table.cell(rx.text(row.description, class_name="staff-wrap")),
        rx.table.cell(status_badge(row.status, row.status_label)),
        rx.table.cell(rx.cond(row.handler != "", row.handler, "—")),
        rx.table.cell(row.clients),
        rx.table.cell(
            rx.cond(row.unread > 0, rx.badge(row.unread, color_scheme="orange"), rx.text("0", color="var(--gray-11)"))
        ),
        rx.table.cell(row.created, white_space="nowrap"),
        data_dossier_id=row.id,
    )


def create_dialog() -> rx.Component:
    return form_dialog(
        tr("staff.dossiers.new"),
        label(tr("staff.dossiers.number"), "new-number"),
        rx.input(id="new-number", name="number", max_length=40, required=True, width="100%", placeholder="2026-0001"),
        label(tr("staff.dossiers.description"), "new-description"),
        rx.input(id="new-description", name="description", max_length=300, required=True, width="100%"),
        label(tr("staff.dossiers.status"), "new-status"),
        native_select(L.status_options, select_id="new-status", name="status", default_value="in_behandeling"),
        label(tr("staff.dossiers.handler"), "new-handler"),
        rx.el.select(
            rx.el.option(tr("staff.dossiers.no_handler"), value=""),
            rx.foreach(L.handler_options, lambda o: rx.el.option(o["name"], value=o["id"])),
            id="new-handler",
            name="handler",
            class_name="staff-select",
        ),
        # the kind of dossier: its progress steps come from the template (office/services/step_templates.py)
        label(tr("staff.dossiers.dossier_type"), "new-dossier-type"),
        rx.el.select(
            rx.el.option(tr("staff.dossiers.no_template"), value=""),
            *[rx.el.option(tr(f"dossier_type.{kind}"), value=kind) for kind in DOSSIER_TYPES],
            id="new-dossier-type",
            name="dossier_type",
            class_name="staff-select",
        ),
        trigger=rx.button(
            rx.icon("folder-plus", size=16, aria_hidden="true"), tr("staff.dossiers.new"), id="new-dossier"
        ),
        error=L.create_error,
        error_id="new-dossier-error",
        submit_label=tr("staff.dossiers.create"),
        submit_id="create-dossier",
        actions_margin_top="0.5rem",
        on_submit=L.create_dossier,
        open=L.create_open,
        on_open_change=L.set_create_open,
    )


def filters() -> rx.Component:
    return rx.hstack(
        rx.form(
            rx.hstack(
                rx.input(
                    name="q",
                    default_value=L.query,
                    placeholder=tr("staff.dossiers.search_placeholder"),
                    aria_label=tr("staff.dossiers.search_placeholder"),
                    max_length=100,
                    id="dossier-search",
                    width="18rem",
                    max_width="100%",
                ),
                rx.button(
                    rx.icon("search", size=16, aria_hidden="true"),
                    tr("staff.search"),
                    type="submit",
                    id="dossier-search-submit",
                ),
                spacing="2",
            ),
            on_submit=L.search,
            reset_on_submit=False,
            width="auto",
        ),
        rx.el.select(
            rx.el.option(tr("staff.dossiers.all_statuses"), value="all"),
            rx.foreach(L.status_options, lambda o: rx.el.option(o["label"], value=o["value"])),
            value=L.status_filter,
            on_change=L.set_status_filter,
            aria_label=tr("staff.dossiers.status"),
            id="dossier-status-filter",
            class_name="staff-select",
        ),
        rx.el.select(
            rx.el.option(tr("staff.dossiers.all_handlers"), value="all"),
            rx.el.option(tr("staff.dossiers.no_handler"), value="none"),
            rx.foreach(L.handler_options, lambda o: rx.el.option(o["name"], value=o["id"])),
            value=L.handler_filter,
            on_change=L.set_handler_filter,
            aria_label=tr("staff.dossiers.handler"),
            id="dossier-handler-filter",
            class_name="staff-select",
            disabled=L.mine,
        ),
        rx.el.label(
            rx.checkbox(checked=L.mine, on_change=L.set_mine, id="mine", aria_label=tr("staff.dossiers.mine")),
            tr("staff.dossiers.mine"),
            class_name="radio-label",
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
    )


def staff_dossiers_page() -> rx.Component:
    return staff_frame(
        rx.vstack(
            filters(),
            notices(rx.Var.create(""), L.filter_error, prefix="dossiers"),
            rx.text(
                L.total_text, " ", tr("staff.dossiers.found"), size="2", color="var(--gray-11)", id="dossier-count"
            ),
            rx.cond(
                L.rows.length() > 0,
                table(
                    [
                        tr("staff.dossiers.number"),
                        tr("staff.dossiers.description"),
                        tr("staff.dossiers.status"),
                        tr("staff.dossiers.handler"),
                        tr("staff.dossiers.clients"),
                        tr("staff.dossiers.unread"),
                        tr("staff.dossiers.created"),
                    ],
                    L.rows,
                    dossier_row,
                    table_id="dossier-table",
                ),
                empty(tr("staff.dossiers.none")),
            ),
            pager(L, L.prev_page, L.next_page, pager_id="dossiers-pager"),
            spacing="3",
            width="100%",
        ),
        title=tr("staff.dossiers.title"),
        active="dossiers",
        actions=create_dialog(),
    )


# --------------------------------------------------------------------------- one dossier


def header_card() -> rx.Component:
    h = D.header
    return rx.card(
        rx.vstack(
            rx.text(h["description"], size="4", weight="medium", class_name="staff-wrap", id="dossier-description"),
            rx.hstack(
                rx.vstack(
                    label(tr("staff.dossiers.status"), "dossier-status"),
                    rx.el.select(
                        rx.foreach(D.status_options, lambda o: rx.el.option(o["label"], value=o["value"])),
                        value=h["status"],
                        on_change=D.set_status,
                        id="dossier-status",
                        class_name="staff-select",
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    label(tr("staff.dossiers.handler"), "dossier-handler"),
                    rx.el.select(
                        rx.el.option(tr("staff.dossiers.no_handler"), value=""),
                        rx.foreach(D.handler_options, lambda o: rx.el.option(o["name"], value=o["id"])),
                        value=h["handler_id"],
                        on_change=D.set_handler,
                        id="dossier-handler",
                        class_name="staff-select",
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    rx.text(tr("staff.dossiers.created"), class_name="field-label"),
                    rx.text(h["created"], size="2"),
                    spacing="1",
                ),
                spacing="5",
                wrap="wrap",
                align="end",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="dossier-header",
    )


# ---- progress


def step_item(step: rx.Var, index) -> rx.Component:
    renaming = D.rename_id == step.id
    return rx.el.li(
        rx.hstack(
            rx.checkbox(
                checked=step.done,
                on_change=lambda _value: D.toggle_step(step.id),
                aria_label=tr("staff.steps.done_label") + " " + step.title,
                id="step-done-" + step.id.to_string(),
            ),
            rx.cond(
                renaming,
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="title",
                            default_value=step.title,
                            max_length=200,
                            aria_label=tr("staff.steps.rename"),
                            id="rename-step",
                            width="20rem",
                            max_width="100%",
                            auto_focus=True,
                        ),
                        rx.button(tr("staff.save"), type="submit", size="1", id="rename-save"),
                        rx.button(
                            tr("staff.cancel"),
                            type="button",
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                            on_click=D.cancel_rename,
                        ),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                    on_submit=D.rename_step,
                    reset_on_submit=False,
                ),
                rx.vstack(
                    rx.text(
                        step.title,
                        weight=rx.cond(step.done, "regular", "medium"),
                        class_name="staff-wrap step-title",
                    ),
                    rx.cond(
                        step.done,
                        rx.text(tr("staff.steps.done_on"), " ", step.done_at, size="1", color="green"),
                    ),
                    spacing="0",
                ),
            ),
            rx.spacer(),
            rx.cond(
                ~renaming,
                rx.hstack(
                    rx.icon_button(
                        rx.icon("arrow-up", size=14),
                        on_click=D.move_step_up(step.id),
                        variant="ghost",
                        size="1",
                        disabled=index == 0,
                        aria_label=tr("staff.steps.up") + " " + step.title,
                        type="button",
                    ),
                    rx.icon_button(
                        rx.icon("arrow-down", size=14),
                        on_click=D.move_step_down(step.id),
                        variant="ghost",
                        size="1",
                        disabled=index == D.steps.length() - 1,
                        aria_label=tr("staff.steps.down") + " " + step.title,
                        type="button",
                    ),
                    rx.icon_button(
                        rx.icon("pencil", size=14),
                        on_click=D.start_rename(step.id),
                        variant="ghost",
                        size="1",
                        aria_label=tr("staff.steps.rename") + " " + step.title,
                        type="button",
                    ),
                    remove_icon_button(tr("staff.steps.delete"), step.title, D.delete_step(step.id)),
                    spacing="1",
                ),
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        class_name="staff-list-item step-item",
        data_done=rx.cond(step.done, "1", ""),
    )


def progress_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            D.steps.length() > 0,
            rx.el.ol(rx.foreach(D.steps, step_item), class_name="staff-list", id="step-list"),
            empty(tr("staff.steps.none")),
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="title",
                    placeholder=tr("staff.steps.new_placeholder"),
                    aria_label=tr("staff.steps.new_placeholder"),
                    max_length=200,
                    id="new-step",
                    width="22rem",
                    max_width="100%",
                ),
                rx.button(
                    rx.icon("plus", size=14, aria_hidden="true"), tr("staff.steps.add"), type="submit", id="add-step"
                ),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=D.add_step,
            reset_on_submit=False,
            custom_attrs=clear_on_save(D.steps_saved, "new-step"),
        ),
        field_error(D.step_error, "step-error"),
        spacing="3",
        width="100%",
    )


# ---- documents


def doc_row(row: rx.Var) -> rx.Component:
    withdrawn = row.withdrawn != ""
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                withdrawn,
                rx.text(row.title, class_name="staff-wrap withdrawn-title"),
                file_link(row.title, href="/files/" + row.id.to_string(), class_name="staff-wrap"),
            ),
            rx.text(row.filename, " · ", row.size, size="1", color="var(--gray-11)", class_name="staff-wrap"),
        ),
        rx.table.cell(row.date, white_space="nowrap"),
        rx.table.cell(rx.text(row.by, class_name="staff-wrap")),
        rx.table.cell(
            rx.cond(
                row.receipts != "",
                rx.text(row.receipts, size="1", white_space="pre-line", class_name="staff-wrap receipts"),
                rx.text("—", color="var(--gray-11)"),
            ),
        ),
        rx.table.cell(
            rx.cond(
                withdrawn,
                rx.badge(tr("staff.doc.withdrawn"), " ", row.withdrawn, color_scheme="gray"),
                row_danger_button(tr("staff.doc.withdraw"), row.title, D.ask_withdraw(row.id), icon="undo-2"),
            ),
        ),
        data_document_id=row.id,
        data_withdrawn=row.withdrawn,
    )


def documents_table() -> rx.Component:
    return rx.cond(
        D.doc_rows.length() > 0,
        table(
            [
                tr("staff.doc.title"),
                tr("staff.doc.date"),
                tr("staff.doc.by"),
                tr("staff.doc.read"),
                tr("staff.doc.actions"),
            ],
            D.doc_rows,
            doc_row,
            table_id="document-table",
        ),
        empty(tr("staff.doc.none")),
    )


def publish_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("staff.publish.title"), size="3", as_="h3"),
            rx.hstack(
                rx.vstack(
                    label(tr("staff.publish.to"), "publish-kind"),
                    rx.el.select(
                        rx.el.option(tr("staff.tab.correspondence"), value=DocumentKind.CORRESPONDENCE),
                        rx.el.option(tr("staff.tab.documents"), value=DocumentKind.DOCUMENT),
                        value=D.publish_kind,
                        on_change=D.set_publish_kind,
                        id="publish-kind",
                        class_name="staff-select",
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    label(tr("staff.publish.doc_title"), "publish-title"),
                    rx.input(
                        id="publish-title",
                        default_value=D.publish_title,
                        on_blur=D.set_publish_title,
                        max_length=200,
                        width="22rem",
                        max_width="100%",
                    ),
                    spacing="1",
                ),
                spacing="4",
                wrap="wrap",
                align="end",
                class_name="staff-publish-fields",
            ),
            drop_zone(
                rx.vstack(
                    rx.icon("upload", size=24, aria_hidden="true"),
                    rx.text(tr("staff.publish.drop"), size="2"),
                    rx.button(tr("staff.upload.browse"), type="button", variant="soft", size="1"),
                    align="center",
                    spacing="1",
                ),
                id=PUBLISH_UPLOAD_ID,
                label=tr("staff.publish.drop"),
                multiple=True,
                accept=ACCEPT,
                max_files=PUBLISH_MAX_FILES,
                # refused in the browser (type, size, count) and said in the user's language
                max_size=D.upload_max_bytes,
                on_drop_rejected=on_refused(D.refuse_publish_files),
                aria_describedby="publish-allowed",
                class_name="drop-zone",
                padding="1rem",
                border="2px dashed var(--gray-7)",
                border_radius="8px",
                width="100%",
            ),
            rx.text(
                tr("staff.upload.allowed"),
                " ",
                D.publish_limit_text,
                size="1",
                color="var(--gray-11)",
                id="publish-allowed",
            ),
            rx.vstack(
                rx.foreach(
                    rx.selected_files(PUBLISH_UPLOAD_ID),
                    lambda name: rx.hstack(
                        rx.icon("file", size=14, aria_hidden="true"),
                        rx.text(name, size="2", class_name="file-name"),
                        align="center",
                        spacing="1",
                    ),
                ),
                spacing="1",
                id="publish-selected",
            ),
            rx.cond(
                D.publish_errors.length() > 0,
                rx.callout(
                    rx.foreach(D.publish_errors, lambda text: rx.text(text)),
                    color_scheme="red",
                    role="alert",
                    id="publish-errors",
                    width="100%",
                ),
            ),
            rx.hstack(
                rx.button(
                    tr("staff.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=rx.clear_selected_files(PUBLISH_UPLOAD_ID),
                ),
                rx.button(
                    rx.icon("send", size=14, aria_hidden="true"),
                    tr("staff.publish.button"),
                    on_click=[
                        D.publish(rx.upload_files(upload_id=PUBLISH_UPLOAD_ID)),
                        rx.clear_selected_files(PUBLISH_UPLOAD_ID),
                    ],
                    type="button",
                    id="publish-button",
                ),
                justify="end",
                width="100%",
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="publish-panel",
    )


def withdraw_dialog() -> rx.Component:
    return confirm_dialog(
        tr("staff.doc.withdraw_title"),
        (rx.text(tr("staff.doc.withdraw_help")), rx.text(D.withdraw_title, weight="bold", class_name="staff-wrap")),
        tr("staff.doc.withdraw"),
        on_confirm=D.confirm_withdraw,
        confirm_id="withdraw-confirm",
        open=D.withdraw_open,
        on_open_change=D.set_withdraw_open,
    )


# ---- messages


def composer() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(D.reply_to_id != "", D.compose_subject, tr("staff.msg.new")),
                    size="4",
                    as_="h3",
                    class_name="staff-wrap",
                ),
                rx.text(tr("staff.msg.to_clients"), size="2", color="var(--gray-11)"),
                rx.cond(
                    D.reply_to_id == "",
                    rx.fragment(
                        label(tr("staff.msg.subject"), "compose-subject"),
                        rx.input(id="compose-subject", name="subject", max_length=MAX_SUBJECT_CHARS, width="100%"),
                        field_error(D.subject_error, "subject-error"),
                    ),
                ),
                label(tr("staff.msg.body"), "compose-body"),
                rx.text_area(
                    id="compose-body",
                    name="body",
                    max_length=field_max_length(MAX_BODY_CHARS),
                    rows="7",
                    width="100%",
                    aria_describedby="compose-counter",
                    custom_attrs=counter_attrs("compose-counter", MAX_BODY_CHARS),
                ),
                char_counter("compose-counter", MAX_BODY_CHARS),
                field_error(D.body_error, "body-error"),
                quote_box(D.compose_quote, tr("staff.msg.original")),
                drop_zone(
                    rx.hstack(
                        rx.icon("paperclip", size=14, aria_hidden="true"),
                        rx.text(tr("staff.msg.attach"), size="2"),
                        align="center",
                        spacing="1",
                    ),
                    id=ATTACH_UPLOAD_ID,
                    label=tr("staff.msg.attach"),
                    multiple=True,
                    accept=ACCEPT,
                    max_files=10,
                    max_size=D.upload_max_bytes,
                    on_drop_rejected=on_refused(D.refuse_attachments),
                    aria_describedby="attach-allowed",
                    on_drop=[
                        D.stage_attachments(rx.upload_files(upload_id=ATTACH_UPLOAD_ID)),
                        rx.clear_selected_files(ATTACH_UPLOAD_ID),
                    ],
                    class_name="drop-zone",
                    padding="0.5rem",
                    border="1px dashed var(--gray-7)",
                    border_radius="6px",
                    width="100%",
                ),
                rx.text(
                    tr("staff.upload.allowed"),
                    " ",
                    D.attach_limit_text,
                    size="1",
                    color="var(--gray-11)",
                    id="attach-allowed",
                ),
                attached_files(D.attached_files, D.remove_attachment, tr("staff.upload.remove")),
                upload_errors(D.attach_errors, width="100%", id="attach-errors"),
                field_error(D.compose_error, "compose-error"),
                rx.hstack(
                    rx.spacer(),
                    rx.button(
                        tr("staff.cancel"),
                        on_click=D.cancel_composer,
                        variant="soft",
                        color_scheme="gray",
                        type="button",
                    ),
                    rx.button(
                        rx.icon("send", size=14, aria_hidden="true"),
                        tr("staff.msg.send"),
                        type="submit",
                        id="send-message",
                    ),
                    width="100%",
                    spacing="2",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=D.send_message,
            reset_on_submit=False,
        ),
        width="100%",
        id="composer",
    )


def messages_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.spacer(),
            rx.cond(
                ~D.composing,
                rx.button(
                    rx.icon("plus", size=14, aria_hidden="true"),
                    tr("staff.msg.new"),
                    on_click=D.new_message,
                    id="new-message",
                ),
            ),
            width="100%",
        ),
        rx.cond(D.composing, composer()),
        message_thread(D, empty=empty(tr("staff.msg.none")), office=True),
        spacing="3",
        width="100%",
    )


# ---- access


def access_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            D.access_rows.length() > 0,
            rx.el.ul(
                rx.foreach(
                    D.access_rows,
                    lambda a: rx.el.li(
                        rx.hstack(
                            rx.vstack(
                                rx.link(
                                    rx.cond(a.company != "", a.name + " (" + a.company + ")", a.name),
                                    href=CLIENTS + "/" + a.id.to_string(),
                                    weight="medium",
                                    class_name="staff-wrap",
                                ),
                                rx.text(
                                    a.email,
                                    " · ",
                                    tr("staff.access.since"),
                                    " ",
                                    a.since,
                                    size="1",
                                    color="var(--gray-11)",
                                    class_name="staff-wrap",
                                ),
                                spacing="0",
                            ),
                            rx.cond(a.blocked, rx.badge(tr("staff.client_state.blocked"), color_scheme="red")),
                            rx.spacer(),
                            row_danger_button(tr("staff.access.revoke"), a.name, D.revoke_access(a.id)),
                            align="center",
                            width="100%",
                            spacing="2",
                        ),
                        class_name="staff-list-item",
                        data_account_id=a.id,
                    ),
                ),
                class_name="staff-list",
                id="access-list",
            ),
            empty(tr("staff.access.none")),
        ),
        rx.heading(tr("staff.access.add"), size="3", as_="h3", margin_top="0.5rem"),
        rx.form(
            rx.hstack(
                rx.input(
                    name="q",
                    placeholder=tr("staff.access.search_placeholder"),
                    aria_label=tr("staff.access.search_placeholder"),
                    max_length=100,
                    id="access-search",
                    width="20rem",
                    max_width="100%",
                ),
                rx.button(
                    rx.icon("search", size=14, aria_hidden="true"),
                    tr("staff.search"),
                    type="submit",
                    id="access-search-submit",
                ),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=D.search_access,
            reset_on_submit=False,
        ),
        rx.cond(
            D.access_candidates.length() > 0,
            rx.el.ul(
                rx.foreach(
                    D.access_candidates,
                    lambda c: rx.el.li(
                        rx.hstack(
                            rx.text(
                                rx.cond(c.company != "", c.name + " (" + c.company + ")", c.name),
                                " · ",
                                c.email,
                                size="2",
                                class_name="staff-wrap",
                            ),
                            rx.spacer(),
                            rx.button(
                                rx.icon("plus", size=14, aria_hidden="true"),
                                tr("staff.access.grant"),
                                on_click=D.grant_access(c.id),
                                size="1",
                                type="button",
                                aria_label=tr("staff.access.grant") + " " + c.name,
                            ),
                            align="center",
                            width="100%",
                        ),
                        class_name="staff-list-item",
                    ),
                ),
                class_name="staff-list",
                id="access-candidates",
            ),
            rx.cond(D.access_query != "", empty(tr("staff.access.no_match"))),
        ),
        spacing="3",
        width="100%",
    )


def tab_label(text, count) -> rx.Component:
    return rx.hstack(
        rx.text(text), rx.badge(count, color_scheme="gray", variant="soft", size="1"), spacing="1", align="center"
    )


def staff_dossier_page() -> rx.Component:
    return staff_frame(
        withdraw_dialog(),
        rx.vstack(
            rx.link(
                rx.hstack(
                    rx.icon("arrow-left", size=14, aria_hidden="true"),
                    tr("staff.dossier.back"),
                    align="center",
                    spacing="1",
                ),
                href=DOSSIERS,
                size="2",
            ),
            rx.cond(
                D.found,
                rx.vstack(
                    header_card(),
                    notices(D.notice, D.error, prefix="dossier"),
                    staff_deed_drafts_section(),
                    rx.tabs.root(
                        rx.tabs.list(
                            rx.tabs.trigger(tr("staff.tab.progress"), value="voortgang", id="tab-voortgang"),
                            rx.tabs.trigger(
                                tab_label(tr("staff.tab.correspondence"), D.count_correspondence),
                                value=DocumentKind.CORRESPONDENCE,
                                id="tab-correspondentie",
                            ),
                            rx.tabs.trigger(
                                tab_label(tr("staff.tab.documents"), D.count_documents),
                                value=DocumentKind.DOCUMENT,
                                id="tab-document",
                            ),
                            rx.tabs.trigger(
                                tab_label(tr("staff.tab.delivered"), D.count_delivered),
                                value=DocumentKind.DELIVERED,
                                id="tab-aangeleverd",
                            ),
                            rx.tabs.trigger(
                                rx.hstack(
                                    rx.text(tr("staff.tab.messages")),
                                    rx.cond(
                                        D.count_unread > 0, rx.badge(D.count_unread, color_scheme="orange", size="1")
                                    ),
                                    spacing="1",
                                    align="center",
                                ),
                                value="berichten",
                                id="tab-berichten",
                            ),
                            rx.tabs.trigger(
                                tr("staff.tab.questionnaires"), value="vragenlijsten", id="tab-vragenlijsten"
                            ),
                            rx.tabs.trigger(tr("staff.tab.access"), value="toegang", id="tab-toegang"),
                            class_name="staff-tabs-list",
                        ),
                        rx.tabs.content(
                            rx.vstack(
                                progress_tab(),
                                staff_signing_section(),
                                staff_payment_section(),
                                notes_section(),
                                spacing="3",
                                width="100%",
                            ),
                            value="voortgang",
                            padding_top="1rem",
                        ),
                        rx.tabs.content(
                            rx.vstack(publish_panel(), documents_table(), spacing="3", width="100%"),
                            value=DocumentKind.CORRESPONDENCE,
                            padding_top="1rem",
                        ),
                        rx.tabs.content(
                            rx.vstack(publish_panel(), documents_table(), spacing="3", width="100%"),
                            value=DocumentKind.DOCUMENT,
                            padding_top="1rem",
                        ),
                        rx.tabs.content(documents_table(), value=DocumentKind.DELIVERED, padding_top="1rem"),
                        rx.tabs.content(messages_tab(), value="berichten", padding_top="1rem"),
                        rx.tabs.content(questionnaires_tab(), value="vragenlijsten", padding_top="1rem"),
                        rx.tabs.content(access_tab(), value="toegang", padding_top="1rem"),
                        value=D.tab,
                        on_change=D.set_tab,
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.spinner(),
            ),
            spacing="3",
            width="100%",
        ),
        title=rx.cond(D.found, tr("staff.dossier.title") + " " + D.header["number"], tr("staff.dossier.title")),
        active="dossiers",
    )
