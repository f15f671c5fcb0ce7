"""Instellingen (/staff/instellingen): staff and office settings (admins only)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.staff_widgets import dialog_actions, field_error, label, notices, section, static_select, table
from portal_app.components.staff_layout import staff_frame
from portal_app.states.staff_settings import StaffSettingsState as S


def role_select(select_id: str, default_value=None) -> rx.Component:
    props = {"default_value": default_value} if default_value is not None else {"default_value": "behandelaar"}
    return static_select(
        [("behandelaar", S.tr["staff.role.behandelaar"]), ("admin", S.tr["staff.role.admin"])],
        select_id=select_id,
        name="role",
        **props,
    )


def staff_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], rx.cond(row["me"] != "", rx.text(" (", S.tr["staff.settings.you"], ")", as_="span", color="gray", weight="regular")), weight="medium", class_name="staff-wrap")),
        rx.table.cell(rx.text(row["email"], class_name="staff-wrap")),
        rx.table.cell(rx.badge(row["role_label"], color_scheme=rx.cond(row["role"] == "admin", "indigo", "gray"), variant="soft")),
        rx.table.cell(rx.cond(row["two_factor"] != "", rx.badge(S.tr["staff.client.2fa_on"], color_scheme="green"), rx.badge(S.tr["staff.client.2fa_off"], color_scheme="gray"))),
        rx.table.cell(rx.cond(row["active"] != "", row["last_login"], rx.badge(S.tr["staff.client_state.invited"], color_scheme="amber"))),
        rx.table.cell(
            rx.hstack(
                rx.button(rx.icon("pencil", size=14, aria_hidden="true"), S.tr["staff.settings.edit"], on_click=S.start_edit(row["id"]), size="1", variant="soft", type="button",
                          aria_label=S.tr["staff.settings.edit"] + " " + row["name"]),
                rx.cond(
                    row["me"] == "",
                    rx.button(rx.icon("trash-2", size=14, aria_hidden="true"), S.tr["staff.settings.remove"], on_click=S.ask_remove(row["id"]), size="1", variant="soft",
                              color_scheme="red", type="button", aria_label=S.tr["staff.settings.remove"] + " " + row["name"]),
                ),
                spacing="1",
            )
        ),
        data_staff_id=row["id"],
    )


def add_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("user-plus", size=14, aria_hidden="true"), S.tr["staff.settings.add"], size="2", id="add-staff")),
        rx.dialog.content(
            rx.dialog.title(S.tr["staff.settings.add"]),
            rx.dialog.description(S.tr["staff.settings.add_help"], size="2", color="gray"),
            rx.form(
                rx.vstack(
                    label(S.tr["staff.clients.name"], "staff-name"),
                    rx.input(id="staff-name", name="name", max_length=200, width="100%", required=True),
                    label(S.tr["staff.clients.email"], "staff-email"),
                    rx.input(id="staff-email", name="email", type="email", max_length=254, width="100%", required=True),
                    label(S.tr["staff.settings.role"], "staff-role"),
                    role_select("staff-role"),
                    field_error(S.add_error, "add-staff-error"),
                    dialog_actions(S.tr["staff.clients.create_and_invite"], submit_id="add-staff-submit"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.add_staff,
                reset_on_submit=False,
            ),
            max_width="30rem",
        ),
        open=S.add_open,
        on_open_change=S.set_add_open,
    )


def edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.tr["staff.settings.edit"], " ", S.edit_row["name"]),
            rx.dialog.description(S.edit_row["email"], size="2", color="gray"),
            rx.form(
                rx.vstack(
                    label(S.tr["staff.clients.name"], "edit-name"),
                    rx.input(id="edit-name", name="name", default_value=S.edit_row["name"], max_length=200, width="100%", required=True),
                    label(S.tr["staff.settings.role"], "edit-role"),
                    rx.el.select(
                        rx.el.option(S.tr["staff.role.behandelaar"], value="behandelaar"),
                        rx.el.option(S.tr["staff.role.admin"], value="admin"),
                        id="edit-role",
                        name="role",
                        default_value=S.edit_row["role"],
                        class_name="staff-select",
                        key=S.edit_row["id"],
                    ),
                    field_error(S.edit_error, "edit-staff-error"),
                    dialog_actions(S.tr["staff.save"], submit_id="edit-staff-submit"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.save_edit,
                reset_on_submit=False,
            ),
            max_width="30rem",
        ),
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )


def remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.tr["staff.settings.remove_title"]),
            rx.alert_dialog.description(rx.text(S.tr["staff.settings.remove_help"]), rx.text(S.remove_name, weight="bold")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(S.tr["staff.cancel"], variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(S.tr["staff.settings.remove"], color_scheme="red", on_click=S.confirm_remove, id="remove-confirm")),
                justify="end",
                spacing="2",
                margin_top="1rem",
            ),
        ),
        open=S.remove_open,
        on_open_change=S.set_remove_open,
    )


def config_fact(key: str, value) -> rx.Component:
    return rx.fragment(rx.el.dt(S.tr[key], class_name="staff-dt"), rx.el.dd(value, class_name="staff-dd"))


def staff_settings_page() -> rx.Component:
    office = S.office
    return staff_frame(
        edit_dialog(),
        remove_dialog(),
        rx.vstack(
            notices(S.notice, S.error, prefix="settings"),
            section(
                S.tr["staff.settings.staff"],
                table(
                    [S.tr["staff.clients.col_name"], S.tr["staff.clients.col_email"], S.tr["staff.settings.role"], S.tr["staff.client.two_factor"],
                     S.tr["staff.clients.col_last_login"], S.tr["staff.doc.actions"]],
                    S.staff_rows,
                    staff_row,
                    table_id="staff-table",
                ),
                section_id="staff-section",
                actions=add_dialog(),
            ),
            section(
                S.tr["staff.settings.office"],
                rx.el.label(
                    rx.switch(checked=office["staff_require_2fa"] != "", on_change=S.set_require_2fa, id="require-2fa"),
                    S.tr["staff.settings.require_2fa"],
                    class_name="radio-label",
                ),
                rx.text(S.tr["staff.settings.require_2fa_help"], size="1", color="gray"),
                rx.heading(S.tr["staff.settings.config"], size="3", as_="h3", margin_top="0.5rem"),
                rx.text(S.tr["staff.settings.config_help"], size="1", color="gray"),
                rx.el.dl(
                    config_fact("staff.settings.office_name", office["office_name"]),
                    config_fact("staff.settings.public_url", office["public_url"]),
                    config_fact("staff.settings.max_upload", office["max_upload_mb"] + " MB"),
                    config_fact("staff.settings.staff_max_upload", office["staff_max_upload_mb"] + " MB"),
                    config_fact("staff.settings.idle", office["session_idle_minutes"] + " min"),
                    config_fact("staff.settings.absolute", office["session_absolute_hours"] + " h"),
                    config_fact("staff.settings.invite_valid", office["invite_valid_hours"] + " h"),
                    config_fact("staff.settings.reset_valid", office["reset_valid_minutes"] + " min"),
                    class_name="staff-dl",
                    id="office-config",
                ),
                section_id="office-section",
            ),
            spacing="4",
            width="100%",
        ),
        title=S.tr["staff.settings.title"],
        active="settings",
    )
