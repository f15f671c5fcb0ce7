"""Cliënten (/staff/clienten) and one client (/staff/clienten/<id>)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_layout import CLIENTS, DOSSIERS, staff_frame
from portal_app.core.components.staff_widgets import (
    confirm_dialog,
    empty,
    form_dialog,
    label,
    notices,
    pager,
    section,
    state_badge,
    static_select,
    status_badge,
    table,
)
from portal_app.core.components.text import tr
from portal_app.office.components.notes import notes_section
from portal_app.office.states.staff_clients import StaffClientsState as L
from portal_app.office.states.staff_clients import StaffClientState as C

# --------------------------------------------------------------------------- list


def client_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(
                rx.cond(row.company != "", row.company, row.name),
                href=CLIENTS + "/" + row.id.to_string(),
                weight="medium",
                class_name="staff-wrap",
            ),
            rx.cond(row.company != "", rx.text(row.name, size="1", color="var(--gray-11)", class_name="staff-wrap")),
        ),
        rx.table.cell(rx.text(row.email, class_name="staff-wrap")),
        rx.table.cell(row.kind_label),
        rx.table.cell(state_badge(row.state, row.state_label)),
        rx.table.cell(row.last_login, white_space="nowrap"),
        data_client_id=row.id,
    )


def contact_fields(prefix: str, name_label) -> tuple[rx.Component, ...]:
    """Name, e-mail address and language of a new client account (invited by mail)."""
    return (
        label(name_label, f"{prefix}-name"),
        rx.input(id=f"{prefix}-name", name="name", max_length=200, width="100%", required=True),
        label(tr("staff.clients.email"), f"{prefix}-email"),
        rx.input(id=f"{prefix}-email", name="email", type="email", max_length=254, width="100%", required=True),
        label(tr("staff.clients.language"), f"{prefix}-language"),
        static_select(
            [("nl", tr("lang.nl")), ("en", tr("lang.en"))],
            select_id=f"{prefix}-language",
            name="language",
            default_value="nl",
        ),
    )


def create_dialog() -> rx.Component:
    is_company = L.create_kind == "company"
    return form_dialog(
        tr("staff.clients.new"),
        rx.cond(
            is_company,
            rx.fragment(
                label(tr("staff.clients.company_name"), "new-company"),
                rx.input(id="new-company", name="company_name", max_length=200, width="100%", required=True),
            ),
        ),
        *contact_fields("new", rx.cond(is_company, tr("staff.clients.contact_name"), tr("staff.clients.name"))),
        trigger=rx.button(rx.icon("user-plus", size=16, aria_hidden="true"), tr("staff.clients.new"), id="new-client"),
        description=rx.dialog.description(tr("staff.clients.new_help"), size="2", color="var(--gray-11)"),
        before=rx.segmented_control.root(
            rx.segmented_control.item(tr("staff.kind.person"), value="person"),
            rx.segmented_control.item(tr("staff.kind.company"), value="company"),
            value=L.create_kind,
            on_change=L.set_create_kind,
            margin_y="0.75rem",
            id="new-client-kind",
        ),
        error=L.create_error,
        error_id="new-client-error",
        submit_label=tr("staff.clients.create_and_invite"),
        submit_id="create-client",
        actions_margin_top="0.5rem",
        on_submit=L.create_client,
        open=L.create_open,
        on_open_change=L.set_create_open,
    )


def staff_clients_page() -> rx.Component:
    return staff_frame(
        rx.vstack(
            notices(L.notice, rx.Var.create(""), prefix="clients"),
            rx.hstack(
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="q",
                            default_value=L.query,
                            placeholder=tr("staff.clients.search_placeholder"),
                            aria_label=tr("staff.clients.search_label"),
                            max_length=100,
                            id="client-search",
                            width="20rem",
                            max_width="100%",
                        ),
                        rx.button(
                            rx.icon("search", size=16, aria_hidden="true"),
                            tr("staff.search"),
                            type="submit",
                            id="client-search-submit",
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                    on_submit=L.search,
                    reset_on_submit=False,
                    width="auto",
                ),
                rx.spacer(),
                static_select(
                    [
                        ("all", tr("staff.clients.filter_all")),
                        ("active", tr("staff.client_state.active")),
                        ("invited", tr("staff.client_state.invited")),
                        ("blocked", tr("staff.client_state.blocked")),
                    ],
                    select_id="client-status-filter",
                    value=L.status_filter,
                    on_change=L.set_status_filter,
                    aria_label=tr("staff.clients.filter_label"),
                ),
                width="100%",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            rx.text(L.total_text, " ", tr("staff.clients.found"), size="2", color="var(--gray-11)", id="client-count"),
            rx.cond(
                L.rows.length() > 0,
                table(
                    [
                        tr("staff.clients.col_name"),
                        tr("staff.clients.col_email"),
                        tr("staff.clients.col_kind"),
                        tr("staff.clients.col_state"),
                        tr("staff.clients.col_last_login"),
                    ],
                    L.rows,
                    client_row,
                    table_id="client-table",
                ),
                empty(tr("staff.clients.none")),
            ),
            pager(L, L.prev_page, L.next_page, pager_id="clients-pager"),
            spacing="3",
            width="100%",
        ),
        title=tr("staff.clients.title"),
        active="clients",
        actions=create_dialog(),
    )


# --------------------------------------------------------------------------- one client


def fact(label_var, value) -> rx.Component:
    return rx.fragment(
        rx.el.dt(label_var, class_name="staff-dt"),
        rx.el.dd(value, class_name="staff-dd"),
    )


def reset_dialog() -> rx.Component:
    return form_dialog(
        tr("staff.client.reset_title"),
        label(tr("staff.client.reset_reason"), "reset-reason"),
        rx.text_area(id="reset-reason", name="reason", max_length=500, rows="3", width="100%", required=True),
        description=rx.dialog.description(tr("staff.client.reset_help"), size="2"),
        error=C.reset_error,
        error_id="reset-error",
        submit_label=tr("staff.client.reset_confirm"),
        submit_id="reset-confirm",
        submit_color="red",
        on_submit=C.reset_two_factor,
        open=C.reset_open,
        on_open_change=C.set_reset_open,
    )


def block_dialog() -> rx.Component:
    return confirm_dialog(
        tr("staff.client.block_title"),
        tr("staff.client.block_help"),
        tr("staff.client.block"),
        on_confirm=C.block,
        confirm_id="block-confirm",
        open=C.block_open,
        on_open_change=C.set_block_open,
    )


def extra_dialog() -> rx.Component:
    return form_dialog(
        tr("staff.client.extra_new"),
        *contact_fields("extra", tr("staff.clients.name")),
        description=rx.dialog.description(tr("staff.client.extra_help"), size="2", color="var(--gray-11)"),
        error=C.extra_error,
        error_id="extra-error",
        submit_label=tr("staff.clients.create_and_invite"),
        submit_id="extra-create",
        on_submit=C.add_extra_account,
        open=C.extra_open,
        on_open_change=C.set_extra_open,
    )


def edit_dialog() -> rx.Component:
    """Name, e-mail address, phone (and company name of a main account), filled with today's values."""
    row = C.client
    return form_dialog(
        tr("staff.client.edit"),
        rx.cond(
            row.kind == "company",
            rx.fragment(
                label(tr("staff.clients.company_name"), "edit-company"),
                rx.input(
                    id="edit-company",
                    name="company_name",
                    default_value=row.company,
                    max_length=200,
                    width="100%",
                    required=True,
                ),
            ),
        ),
        label(rx.cond(row.kind == "company", tr("staff.clients.contact_name"), tr("staff.clients.name")), "edit-name"),
        rx.input(id="edit-name", name="name", default_value=row.name, max_length=200, width="100%", required=True),
        label(tr("staff.clients.email"), "edit-email"),
        rx.input(
            id="edit-email",
            name="email",
            type="email",
            default_value=row.email,
            max_length=254,
            width="100%",
            required=True,
        ),
        label(tr("staff.client.phone"), "edit-phone"),
        rx.input(
            id="edit-phone",
            name="phone",
            type="tel",
            default_value=C.phone,
            max_length=40,
            width="100%",
            aria_describedby="edit-phone-help",
        ),
        rx.text(tr("staff.client.phone_help"), size="1", color="var(--gray-11)", id="edit-phone-help"),
        description=rx.dialog.description(
            tr("staff.client.edit_help"), size="2", color="var(--gray-11)", margin_bottom="0.75rem"
        ),
        error=C.edit_error,
        error_id="edit-error",
        submit_label=tr("staff.save"),
        submit_id="edit-save",
        on_submit=C.save_details,
        open=C.edit_open,
        on_open_change=C.set_edit_open,
    )


def client_actions() -> rx.Component:
    state = C.client.state
    return rx.hstack(
        rx.button(
            rx.icon("pencil", size=14, aria_hidden="true"),
            tr("staff.client.edit"),
            on_click=C.set_edit_open(True),
            variant="soft",
            id="edit-details",
        ),
        rx.cond(
            state == "invited",
            rx.button(
                rx.icon("send", size=14, aria_hidden="true"),
                tr("staff.client.resend"),
                on_click=C.resend_invitation,
                variant="soft",
                id="resend-invite",
            ),
        ),
        rx.cond(
            state == "active",
            rx.button(
                rx.icon("key-round", size=14, aria_hidden="true"),
                tr("staff.client.password_link"),
                on_click=C.send_password_link,
                variant="soft",
                id="send-password-link",
            ),
        ),
        rx.cond(
            state == "blocked",
            rx.button(
                rx.icon("lock-open", size=14, aria_hidden="true"),
                tr("staff.client.unblock"),
                on_click=C.unblock,
                variant="soft",
                id="unblock",
            ),
            rx.button(
                rx.icon("lock", size=14, aria_hidden="true"),
                tr("staff.client.block"),
                on_click=C.set_block_open(True),
                variant="soft",
                color_scheme="red",
                id="block",
            ),
        ),
        rx.cond(
            C.two_factor != "",
            rx.button(
                rx.icon("shield-off", size=14, aria_hidden="true"),
                tr("staff.client.reset_2fa"),
                on_click=C.set_reset_open(True),
                variant="soft",
                color_scheme="orange",
                id="reset-2fa",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def staff_client_page() -> rx.Component:
    row = C.client
    return staff_frame(
        reset_dialog(),
        block_dialog(),
        extra_dialog(),
        edit_dialog(),
        rx.vstack(
            rx.link(
                rx.hstack(
                    rx.icon("arrow-left", size=14, aria_hidden="true"),
                    tr("staff.client.back"),
                    align="center",
                    spacing="1",
                ),
                href=CLIENTS,
                size="2",
            ),
            notices(C.notice, C.error, prefix="client"),
            rx.cond(
                C.found,
                rx.vstack(
                    section(
                        rx.cond(row.company != "", row.company, row.name),
                        rx.el.dl(
                            fact(tr("staff.clients.col_kind"), row.kind_label),
                            rx.cond(row.company != "", fact(tr("staff.clients.contact_name"), row.name)),
                            rx.cond(
                                C.parent_id,
                                fact(
                                    tr("staff.client.company_of"),
                                    rx.link(C.parent_name, href=CLIENTS + "/" + C.parent_id.to_string()),
                                ),
                            ),
                            fact(tr("staff.clients.email"), row.email),
                            fact(tr("staff.client.phone"), rx.cond(C.phone != "", C.phone, "—")),
                            fact(tr("staff.clients.col_state"), state_badge(row.state, row.state_label)),
                            fact(
                                tr("staff.client.two_factor"),
                                rx.cond(
                                    C.two_factor != "",
                                    rx.badge(tr("staff.client.2fa_on"), " (", C.two_factor, ")", color_scheme="green"),
                                    rx.badge(tr("staff.client.2fa_off"), color_scheme="gray"),
                                ),
                            ),
                            rx.cond(
                                C.invite_sent != "",
                                fact(tr("staff.client.invite"), C.invite_text),
                            ),
                            fact(tr("staff.clients.col_last_login"), row.last_login),
                            fact(tr("staff.client.created_on"), C.created),
                            class_name="staff-dl",
                            id="client-facts",
                        ),
                        client_actions(),
                        section_id="client-card",
                    ),
                    notes_section(),
                    section(
                        tr("staff.client.logins"),
                        rx.cond(
                            C.logins.length() > 0,
                            rx.el.ul(
                                rx.foreach(
                                    C.logins,
                                    lambda login: rx.el.li(
                                        rx.text(
                                            login.date,
                                            " · ",
                                            login.ip,
                                            rx.cond(
                                                ~login.complete,
                                                rx.text(
                                                    " · ",
                                                    tr("staff.client.login_incomplete"),
                                                    as_="span",
                                                    color="var(--gray-11)",
                                                ),
                                            ),
                                            size="2",
                                        ),
                                        class_name="staff-list-item",
                                    ),
                                ),
                                class_name="staff-list",
                                id="client-logins",
                            ),
                            empty(tr("staff.client.no_logins")),
                        ),
                        section_id="logins",
                    ),
                    section(
                        tr("staff.client.dossiers"),
                        rx.cond(
                            C.dossiers.length() > 0,
                            rx.el.ul(
                                rx.foreach(
                                    C.dossiers,
                                    lambda d: rx.el.li(
                                        rx.hstack(
                                            rx.link(d.number, href=DOSSIERS + "/" + d.id.to_string(), weight="medium"),
                                            rx.text(d.description, size="2", class_name="staff-wrap"),
                                            status_badge(d.status, d.status_label),
                                            spacing="2",
                                            align="center",
                                            wrap="wrap",
                                        ),
                                        class_name="staff-list-item",
                                    ),
                                ),
                                class_name="staff-list",
                                id="client-dossiers",
                            ),
                            empty(tr("staff.client.no_dossiers")),
                        ),
                        section_id="client-dossiers-section",
                        count=C.dossier_total,
                    ),
                    rx.cond(
                        row.kind == "company",
                        section(
                            tr("staff.client.extra_accounts"),
                            rx.cond(
                                C.extra_accounts.length() > 0,
                                rx.el.ul(
                                    rx.foreach(
                                        C.extra_accounts,
                                        lambda a: rx.el.li(
                                            rx.hstack(
                                                rx.link(a.name, href=CLIENTS + "/" + a.id.to_string(), weight="medium"),
                                                rx.text(a.email, size="2", color="var(--gray-11)"),
                                                state_badge(a.state, a.state_label),
                                                spacing="2",
                                                align="center",
                                                wrap="wrap",
                                            ),
                                            class_name="staff-list-item",
                                        ),
                                    ),
                                    class_name="staff-list",
                                ),
                                empty(tr("staff.client.no_extra")),
                            ),
                            section_id="extra-accounts",
                            actions=rx.button(
                                rx.icon("plus", size=14, aria_hidden="true"),
                                tr("staff.client.extra_new"),
                                on_click=C.set_extra_open(True),
                                variant="soft",
                                size="2",
                                id="extra-new",
                            ),
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                rx.spinner(),
            ),
            spacing="3",
            width="100%",
        ),
        title=rx.cond(C.found, rx.cond(row.company != "", row.company, row.name), tr("staff.client.title")),
        active="clients",
    )
