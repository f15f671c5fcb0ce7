"""Instellingen (/staff/instellingen): staff and office settings (admins only)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.drop_zone import drop_zone, on_refused
from portal_app.core.components.staff_layout import staff_frame
from portal_app.core.components.staff_widgets import (
    confirm_dialog,
    field_error,
    form_dialog,
    label,
    notices,
    section,
    static_select,
    table,
)
from portal_app.core.components.text import tr
from portal_app.office.services import office_settings
from portal_app.office.states.staff_settings import LOGO_MAX_BYTES
from portal_app.office.states.staff_settings import StaffSettingsState as S
from portal_app.payments.components.payments import admin_payment_sections

LOGO_UPLOAD_ID = "logo-upload"
LOGO_ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"]}


def role_select(select_id: str, default_value=None) -> rx.Component:
    props = {"default_value": default_value} if default_value is not None else {"default_value": "behandelaar"}
    return static_select(
        [("behandelaar", tr("staff.role.behandelaar")), ("admin", tr("staff.role.admin"))],
        select_id=select_id,
        name="role",
        **props,
    )


def staff_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(
                row.name,
                rx.cond(
                    row.me,
                    rx.text(" (", tr("staff.settings.you"), ")", as_="span", color="var(--gray-11)", weight="regular"),
                ),
                weight="medium",
                class_name="staff-wrap",
            )
        ),
        rx.table.cell(rx.text(row.email, class_name="staff-wrap")),
        rx.table.cell(
            rx.badge(row.role_label, color_scheme=rx.cond(row.role == "admin", "indigo", "gray"), variant="soft")
        ),
        rx.table.cell(
            rx.cond(
                row.two_factor,
                rx.badge(tr("staff.client.2fa_on"), color_scheme="green"),
                rx.badge(tr("staff.client.2fa_off"), color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.cond(row.active, row.last_login, rx.badge(tr("staff.client_state.invited"), color_scheme="amber"))
        ),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    rx.icon("pencil", size=14, aria_hidden="true"),
                    tr("staff.settings.edit"),
                    on_click=S.start_edit(row.id),
                    size="1",
                    variant="soft",
                    type="button",
                    aria_label=tr("staff.settings.edit") + " " + row.name,
                ),
                rx.cond(
                    ~row.me,
                    rx.button(
                        rx.icon("trash-2", size=14, aria_hidden="true"),
                        tr("staff.settings.remove"),
                        on_click=S.ask_remove(row.id),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        type="button",
                        aria_label=tr("staff.settings.remove") + " " + row.name,
                    ),
                ),
                spacing="1",
            )
        ),
        data_staff_id=row.id,
    )


def add_dialog() -> rx.Component:
    return form_dialog(
        tr("staff.settings.add"),
        label(tr("staff.clients.name"), "staff-name"),
        rx.input(id="staff-name", name="name", max_length=200, width="100%", required=True),
        label(tr("staff.clients.email"), "staff-email"),
        rx.input(id="staff-email", name="email", type="email", max_length=254, width="100%", required=True),
        label(tr("staff.settings.role"), "staff-role"),
        role_select("staff-role"),
        trigger=rx.button(
            rx.icon("user-plus", size=14, aria_hidden="true"), tr("staff.settings.add"), size="2", id="add-staff"
        ),
        description=rx.dialog.description(tr("staff.settings.add_help"), size="2", color="var(--gray-11)"),
        error=S.add_error,
        error_id="add-staff-error",
        submit_label=tr("staff.clients.create_and_invite"),
        submit_id="add-staff-submit",
        on_submit=S.add_staff,
        open=S.add_open,
        on_open_change=S.set_add_open,
    )


def edit_dialog() -> rx.Component:
    return form_dialog(
        (tr("staff.settings.edit"), " ", S.edit_row.name),
        label(tr("staff.clients.name"), "edit-name"),
        rx.input(
            id="edit-name", name="name", default_value=S.edit_row.name, max_length=200, width="100%", required=True
        ),
        label(tr("staff.settings.role"), "edit-role"),
        rx.el.select(
            rx.el.option(tr("staff.role.behandelaar"), value="behandelaar"),
            rx.el.option(tr("staff.role.admin"), value="admin"),
            id="edit-role",
            name="role",
            default_value=S.edit_row.role,
            class_name="staff-select",
            key=S.edit_row.id,
        ),
        description=rx.dialog.description(S.edit_row.email, size="2", color="var(--gray-11)"),
        error=S.edit_error,
        error_id="edit-staff-error",
        submit_label=tr("staff.save"),
        submit_id="edit-staff-submit",
        on_submit=S.save_edit,
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )


def remove_dialog() -> rx.Component:
    return confirm_dialog(
        tr("staff.settings.remove_title"),
        (rx.text(tr("staff.settings.remove_help")), rx.text(S.remove_name, weight="bold")),
        tr("staff.settings.remove"),
        on_confirm=S.confirm_remove,
        confirm_id="remove-confirm",
        open=S.remove_open,
        on_open_change=S.set_remove_open,
    )


def config_fact(key: str, value) -> rx.Component:
    return rx.fragment(rx.el.dt(tr(key), class_name="staff-dt"), rx.el.dd(value, class_name="staff-dd"))


# --------------------------------------------------------------------------- office settings


def _field_ids(key: str) -> tuple[str, str, str]:
    """(input id, help id, error id) of an office setting's field."""
    base = key.replace("_", "-")
    return base, f"{base}-help", f"{base}-error"


def _described(key: str, help_key: str | None) -> dict:
    """aria-describedby / aria-invalid linking a field to its help text and its error."""
    field_id, help_id, error_id = _field_ids(key)
    error = S.office_errors[key]
    described = (help_id + " " if help_key else "") + error_id
    return {
        "aria_describedby": rx.cond(error != "", described, help_id if help_key else ""),
        "aria_invalid": rx.cond(error != "", "true", "false"),
    }


def _help(key: str, help_key: str | None) -> rx.Component:
    if help_key is None:
        return rx.fragment()
    return rx.text(tr(help_key), size="1", color="var(--gray-11)", id=_field_ids(key)[1])


def number_field(key: str, label_key: str, help_key: str | None) -> rx.Component:
    """A whole-number office setting; its bounds are the ones the server enforces."""
    spec = office_settings.SPECS[key]
    minimum, maximum = spec.minimum, spec.maximum
    field_id, _, error_id = _field_ids(key)
    return rx.vstack(
        label(tr(label_key), field_id),
        rx.input(
            id=field_id,
            name=key,
            type="number",
            min=minimum,
            max=maximum,
            step=1,
            input_mode="numeric",
            default_value=getattr(S.office, key).to_string(),
            required=True,
            width="9rem",
            **_described(key, help_key),
        ),
        _help(key, help_key),
        field_error(S.office_errors[key], error_id),
        spacing="1",
        width="100%",
        max_width="26rem",
    )


def save_row(form: str, button_id: str) -> rx.Component:
    """The form's own Opslaan button, with its success notice beside it."""
    notice = S.office_notices[form]
    return rx.hstack(
        rx.button(rx.icon("save", size=14, aria_hidden="true"), tr("staff.save"), type="submit", id=button_id),
        rx.cond(
            notice != "",
            rx.text(
                rx.icon("circle-check", size=14, aria_hidden="true"),
                " ",
                notice,
                color="green",
                size="2",
                id=f"{button_id}-notice",
                role="status",
                class_name="radio-label",
            ),
        ),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def office_form(form_id: str, on_submit, *children: rx.Component) -> rx.Component:
    """A form of office settings. The browser's own checks are off: the server's messages
    (in the admin's language) appear next to the fields. Mounted anew on each page load
    (key) so the fields show the stored values; a refused value stays as typed."""
    return rx.form(
        rx.vstack(*children, spacing="3", width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        no_validate=True,
        id=form_id,
        key=S.forms_key,
        width="100%",
    )


def header_preview() -> rx.Component:
    """How the portal's header looks with the colour (and logo) being chosen."""
    return rx.vstack(
        rx.text(tr("staff.settings.preview"), size="1", color="var(--gray-11)", id="brand-preview-label"),
        rx.hstack(
            rx.cond(
                S.office.logo_url != "",
                # like the portal's header: the logo on a white tile
                rx.el.img(
                    src=S.office.logo_url,
                    alt="",
                    style={
                        "height": "28px",
                        "maxWidth": "8rem",
                        "objectFit": "contain",
                        "background": "white",
                        "padding": "2px 4px",
                        "borderRadius": "4px",
                        "display": "block",
                    },
                ),
            ),
            rx.text(S.office.office_name, weight="bold", size="3", class_name="staff-wrap"),
            align="center",
            spacing="2",
            padding="0.6rem 1rem",
            border_radius="6px",
            width="100%",
            max_width="26rem",
            style={"background": S.colour_preview, "color": "#ffffff"},
            id="brand-preview",
            role="group",
            aria_labelledby="brand-preview-label",
        ),
        spacing="1",
        width="100%",
    )


def office_details_form() -> rx.Component:
    name_id, _, name_error = _field_ids("office_name")
    colour_id, _, colour_error = _field_ids("brand_colour")
    return office_form(
        "office-form",
        S.save_office_details,
        rx.vstack(
            label(tr("staff.settings.office_name"), name_id),
            rx.input(
                id=name_id,
                name="office_name",
                default_value=S.office.office_name,
                max_length=120,
                required=True,
                width="100%",
                max_width="26rem",
                **_described("office_name", None),
            ),
            field_error(S.office_errors["office_name"], name_error),
            spacing="1",
            width="100%",
        ),
        rx.vstack(
            label(tr("staff.settings.brand_colour"), colour_id),
            rx.hstack(
                rx.debounce_input(
                    rx.el.input(
                        type="color",
                        value=S.colour_preview,
                        on_change=S.set_colour_draft,
                        aria_label=tr("staff.settings.brand_colour_pick"),
                        class_name="colour-picker",
                        style={
                            "width": "3rem",
                            "height": "2rem",
                            "padding": "0",
                            "border": "1px solid var(--gray-7)",
                            "borderRadius": "4px",
                            "background": "none",
                            "cursor": "pointer",
                        },
                    ),
                    debounce_timeout=250,
                ),
                rx.input(
                    id=colour_id,
                    name="brand_colour",
                    value=S.colour_draft,
                    on_change=S.set_colour_draft,
                    max_length=7,
                    width="8rem",
                    spell_check=False,
                    auto_complete="off",
                    **_described("brand_colour", "staff.settings.brand_colour_help"),
                ),
                align="center",
                spacing="2",
            ),
            _help("brand_colour", "staff.settings.brand_colour_help"),
            field_error(S.office_errors["brand_colour"], colour_error),
            spacing="1",
            width="100%",
        ),
        header_preview(),
        save_row("office", "office-save"),
    )


def office_address_form() -> rx.Component:
    """Where clients come to sign: a new signing appointment starts with this place."""
    field_id, _, error_id = _field_ids("office_address")
    return office_form(
        "address-form",
        S.save_office_address,
        rx.vstack(
            label(tr("staff.settings.office_address"), field_id),
            rx.input(
                id=field_id,
                name="office_address",
                default_value=S.office.office_address,
                max_length=office_settings.SPECS["office_address"].max_length,
                auto_complete="street-address",
                width="100%",
                max_width="26rem",
                **_described("office_address", "staff.settings.office_address_help"),
            ),
            _help("office_address", "staff.settings.office_address_help"),
            field_error(S.office_errors["office_address"], error_id),
            spacing="1",
            width="100%",
        ),
        save_row("address", "address-save"),
    )


def mail_block() -> rx.Component:
    """Outgoing mail: is it working, and a test mail to the admin's own address with the server's answer."""
    return rx.vstack(
        rx.cond(
            S.mail.text != "",
            rx.callout(
                S.mail.text, icon="mail-warning", color_scheme="amber", size="1", id="mail-status", width="100%"
            ),
            rx.text(
                rx.icon("circle-check", size=14, aria_hidden="true"),
                " ",
                tr("staff.settings.mail_ok"),
                size="2",
                color="green",
                id="mail-status",
                class_name="radio-label",
            ),
        ),
        rx.el.dl(
            config_fact(
                "staff.settings.mail_server",
                rx.cond(S.mail_server != "", S.mail_server, tr("staff.settings.mail_server_none")),
            ),
            class_name="staff-dl",
            id="mail-config",
        ),
        rx.hstack(
            rx.button(
                rx.icon("send", size=14, aria_hidden="true"),
                tr("staff.settings.test_mail"),
                on_click=S.send_test_mail,
                loading=S.test_mail_busy,
                type="button",
                variant="soft",
                id="test-mail",
                aria_describedby="test-mail-help",
            ),
            rx.text(tr("staff.settings.test_mail_help"), size="1", color="var(--gray-11)", id="test-mail-help"),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.box(
            rx.cond(
                S.test_mail_busy,
                rx.text(tr("staff.settings.test_mail_busy"), size="2"),
                rx.cond(
                    S.test_mail_text != "",
                    rx.cond(
                        S.test_mail_ok,
                        rx.callout(S.test_mail_text, icon="circle-check", color_scheme="green", size="1"),
                        rx.callout(S.test_mail_text, icon="circle-alert", color_scheme="red", size="1"),
                    ),
                ),
            ),
            id="test-mail-result",
            role="status",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def template_form(view: rx.Var) -> rx.Component:
    """One kind of dossier: its steps, one per line, with its own Opslaan."""
    field_id = "template-" + view.dossier_type
    return rx.form(
        rx.vstack(
            rx.el.label(
                view.label,
                " ",
                rx.text("(", view.count, ")", as_="span", color="var(--gray-11)", weight="regular"),
                html_for=field_id,
                class_name="field-label",
            ),
            rx.el.input(type="hidden", name="dossier_type", value=view.dossier_type),
            rx.text_area(
                id=field_id,
                name="steps",
                default_value=view.steps_text,
                rows="7",
                width="100%",
                aria_describedby="templates-help",
            ),
            rx.cond(
                S.template_error_type == view.dossier_type,
                rx.text(S.template_error, color="red", size="2", role="alert"),
            ),
            rx.hstack(
                rx.button(
                    rx.icon("save", size=14, aria_hidden="true"),
                    tr("staff.save"),
                    type="submit",
                    size="2",
                    aria_label=tr("staff.save") + ": " + view.label,
                ),
                rx.cond(
                    S.template_saved == view.dossier_type,
                    rx.text(
                        rx.icon("circle-check", size=14, aria_hidden="true"),
                        " ",
                        tr("staff.settings.saved"),
                        color="green",
                        size="2",
                        role="status",
                        class_name="radio-label",
                    ),
                ),
                align="center",
                spacing="3",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.save_step_template,
        reset_on_submit=False,
        key=view.dossier_type + "-" + S.forms_key.to_string(),
        data_template=view.dossier_type,
        width="100%",
    )


def templates_section() -> rx.Component:
    return section(
        tr("staff.settings.templates"),
        rx.text(tr("staff.settings.templates_help"), size="2", color="var(--gray-11)", id="templates-help"),
        rx.grid(
            rx.foreach(S.step_templates, template_form),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        section_id="templates-section",
    )


def remove_logo_dialog() -> rx.Component:
    return confirm_dialog(
        tr("staff.settings.logo_remove_title"),
        tr("staff.settings.logo_remove_help"),
        tr("staff.settings.logo_remove"),
        on_confirm=S.confirm_remove_logo,
        confirm_id="logo-remove-confirm",
        open=S.remove_logo_open,
        on_open_change=S.set_remove_logo_open,
        max_width="28rem",
    )


def logo_block() -> rx.Component:
    notice = S.office_notices["logo"]
    return rx.vstack(
        rx.heading(tr("staff.settings.logo"), size="3", as_="h3", id="logo-heading"),
        rx.cond(
            S.office.logo_url != "",
            rx.box(
                rx.el.img(
                    src=S.office.logo_url,
                    alt=tr("staff.settings.logo_current"),
                    id="logo-preview",
                    style={"maxHeight": "60px", "maxWidth": "100%", "objectFit": "contain", "display": "block"},
                ),
                padding="0.5rem",
                border="1px solid var(--gray-6)",
                border_radius="6px",
                max_width="100%",
            ),
            rx.text(tr("staff.settings.logo_none"), size="2", color="var(--gray-11)", id="logo-none"),
        ),
        drop_zone(
            rx.hstack(
                rx.icon("image-up", size=18, aria_hidden="true"),
                rx.text(tr("staff.settings.logo_drop"), size="2"),
                rx.button(tr("staff.settings.logo_browse"), type="button", variant="soft", size="1", id="logo-browse"),
                align="center",
                justify="center",
                spacing="2",
                wrap="wrap",
            ),
            id=LOGO_UPLOAD_ID,
            label=tr("staff.settings.logo_drop"),
            multiple=False,
            max_files=1,
            accept=LOGO_ACCEPT,
            # refused in the browser (type, size) and said in the user's language, not Reflex's toast
            max_size=LOGO_MAX_BYTES,
            on_drop_rejected=on_refused(S.refuse_logo),
            on_drop=[S.upload_logo(rx.upload_files(upload_id=LOGO_UPLOAD_ID)), rx.clear_selected_files(LOGO_UPLOAD_ID)],
            class_name="drop-zone",
            padding="0.75rem",
            border="2px dashed var(--gray-7)",
            border_radius="8px",
            width="100%",
            max_width="26rem",
            aria_describedby="logo-limit",
        ),
        rx.text(S.logo_limit_text, size="1", color="var(--gray-11)", id="logo-limit"),
        field_error(S.logo_error, "logo-error"),
        rx.hstack(
            rx.cond(
                S.office.logo_url != "",
                rx.button(
                    rx.icon("trash-2", size=14, aria_hidden="true"),
                    tr("staff.settings.logo_remove"),
                    type="button",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.set_remove_logo_open(True),
                    id="logo-remove",
                ),
            ),
            rx.cond(
                notice != "",
                rx.text(
                    rx.icon("circle-check", size=14, aria_hidden="true"),
                    " ",
                    notice,
                    color="green",
                    size="2",
                    id="logo-notice",
                    role="status",
                    class_name="radio-label",
                ),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        spacing="2",
        width="100%",
        id="logo-block",
    )


def password_policy_form() -> rx.Component:
    symbol_id, _, symbol_error = _field_ids("password_require_symbol")
    return office_form(
        "password-form",
        S.save_password_policy,
        number_field(
            "password_min_length", "staff.settings.password_min_length", "staff.settings.password_min_length_help"
        ),
        rx.vstack(
            rx.el.label(
                rx.el.input(
                    type="checkbox",
                    id=symbol_id,
                    name="password_require_symbol",
                    default_checked=S.office.password_require_symbol,
                    style={"width": "1.1rem", "height": "1.1rem"},
                ),
                tr("staff.settings.password_require_symbol"),
                html_for=symbol_id,
                class_name="radio-label",
            ),
            field_error(S.office_errors["password_require_symbol"], symbol_error),
            spacing="1",
        ),
        save_row("password", "password-save"),
    )


def upload_limits_form() -> rx.Component:
    return office_form(
        "uploads-form",
        S.save_upload_limits,
        rx.flex(
            number_field("client_max_upload_mb", "staff.settings.client_upload_mb", None),
            number_field("staff_max_upload_mb", "staff.settings.staff_upload_mb", None),
            number_field(
                "client_max_message_mb", "staff.settings.client_message_mb", "staff.settings.client_message_mb_help"
            ),
            number_field(
                "staging_expiry_hours", "staff.settings.staging_expiry_hours", "staff.settings.staging_expiry_help"
            ),
            number_field("staging_quota_mb", "staff.settings.staging_quota_mb", "staff.settings.staging_quota_help"),
            spacing="4",
            wrap="wrap",
            width="100%",
        ),
        save_row("uploads", "uploads-save"),
    )


def session_lengths_form() -> rx.Component:
    return office_form(
        "sessions-form",
        S.save_session_lengths,
        rx.flex(
            number_field("session_idle_minutes", "staff.settings.idle_minutes", "staff.settings.idle_minutes_help"),
            number_field(
                "session_absolute_hours", "staff.settings.absolute_hours", "staff.settings.absolute_hours_help"
            ),
            spacing="4",
            wrap="wrap",
            width="100%",
        ),
        save_row("sessions", "sessions-save"),
    )


def intro(key: str) -> rx.Component:
    return rx.text(tr(key), size="2", color="var(--gray-11)")


def office_sections() -> rx.Component:
    """The editable office settings; shown once the stored values have arrived."""
    return rx.cond(
        S.office.office_name,
        rx.fragment(
            section(
                tr("staff.settings.office_details"),
                intro("staff.settings.office_details_help"),
                office_details_form(),
                rx.separator(size="4"),
                office_address_form(),
                rx.separator(size="4"),
                logo_block(),
                section_id="office-details-section",
            ),
            section(
                tr("staff.settings.password_policy"),
                intro("staff.settings.password_policy_help"),
                password_policy_form(),
                section_id="password-policy-section",
            ),
            section(
                tr("staff.settings.upload_limits"),
                intro("staff.settings.upload_limits_help"),
                upload_limits_form(),
                section_id="upload-limits-section",
            ),
            section(
                tr("staff.settings.sessions"),
                intro("staff.settings.sessions_help"),
                session_lengths_form(),
                section_id="sessions-section",
            ),
        ),
    )


def staff_settings_page() -> rx.Component:
    office = S.office
    return staff_frame(
        edit_dialog(),
        remove_dialog(),
        remove_logo_dialog(),
        rx.vstack(
            notices(S.notice, S.error, prefix="settings"),
            section(
                tr("staff.settings.staff"),
                table(
                    [
                        tr("staff.clients.col_name"),
                        tr("staff.clients.col_email"),
                        tr("staff.settings.role"),
                        tr("staff.client.two_factor"),
                        tr("staff.clients.col_last_login"),
                        tr("staff.doc.actions"),
                    ],
                    S.staff_rows,
                    staff_row,
                    table_id="staff-table",
                ),
                section_id="staff-section",
                actions=add_dialog(),
            ),
            office_sections(),
            templates_section(),
            section(
                tr("staff.settings.mail"),
                intro("staff.settings.mail_help"),
                mail_block(),
                section_id="mail-section",
            ),
            admin_payment_sections(),
            section(
                tr("staff.settings.security"),
                rx.el.label(
                    rx.switch(checked=office.staff_require_2fa, on_change=S.set_require_2fa, id="require-2fa"),
                    tr("staff.settings.require_2fa"),
                    class_name="radio-label",
                ),
                rx.text(tr("staff.settings.require_2fa_help"), size="1", color="var(--gray-11)"),
                rx.heading(tr("staff.settings.config"), size="3", as_="h3", margin_top="0.5rem"),
                rx.text(tr("staff.settings.config_help"), size="1", color="var(--gray-11)"),
                rx.el.dl(
                    config_fact("staff.settings.public_url", office.public_url),
                    config_fact("staff.settings.invite_valid", office.invite_valid_hours.to_string() + " h"),
                    config_fact("staff.settings.reset_valid", office.reset_valid_minutes.to_string() + " min"),
                    class_name="staff-dl",
                    id="office-config",
                ),
                section_id="office-section",
            ),
            spacing="4",
            width="100%",
        ),
        title=tr("staff.settings.title"),
        active="settings",
    )
