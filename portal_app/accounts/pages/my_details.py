"""Mijn gegevens: personal details, 'Instellen taal', '2-staps verificatie',
'Notificaties' and, for a company's main account, 'Accounts' -> 'Extra accounts'.
Also the page the e-mail change link opens (/e-mail-bevestigen)."""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.components import password_rule
from portal_app.accounts.states.my_details import EmailConfirmState
from portal_app.accounts.states.my_details import MyDetailsState as S
from portal_app.core.components.layout import page_frame
from portal_app.core.components.live_region import announce, skeleton
from portal_app.core.components.plain_form import plain_form
from portal_app.core.components.text import tr


def detail_row(label, value, row_id: str) -> rx.Component:
    # Label and value side by side, also on a phone (a long address wraps inside its column).
    return rx.hstack(
        rx.text(label, weight="medium", min_width=rx.breakpoints(initial="8.75rem", sm="10rem"), flex="none"),
        rx.text(value, id=row_id, class_name="wrap-anywhere", min_width="0"),
        wrap="nowrap",
        width="100%",
    )


def section(title, *children, section_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        margin_top="1rem",
        id=section_id,
    )


def error_lines(errors, list_id: str) -> rx.Component:
    """Every problem on its own line (the password rules can give several)."""
    return rx.cond(
        errors.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.el.ul(rx.foreach(errors, lambda line: rx.el.li(line)), class_name="error-lines"),
            color_scheme="red",
            role="alert",
            id=list_id,
            width="100%",
        ),
    )


def field(label, field_id: str, **props) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.input(id=field_id, width="100%", **props),
        spacing="1",
        width="100%",
        max_width="24rem",
    )


def form_buttons(submit_label, submit_id: str) -> rx.Component:
    return rx.hstack(
        rx.button(submit_label, type="submit", id=submit_id),
        rx.button(
            tr("details.cancel"), type="button", variant="soft", color_scheme="gray", on_click=S.close_details_step
        ),
        wrap="wrap",
        spacing="2",
    )


def email_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("details.change_email"), size="3", as_="h3"),
            rx.text(tr("details.email_intro"), size="2", color="var(--gray-11)"),
            field(
                tr("details.new_email"),
                "new-email",
                name="new_email",
                type="email",
                auto_complete="email",
                required=True,
                max_length=254,
            ),
            field(
                tr("login.password"),
                "email-password",
                name="password",
                type="password",
                auto_complete="current-password",
                required=True,
                max_length=128,
            ),
            error_lines(S.details_errors, "details-errors"),
            form_buttons(tr("details.email_send"), "email-change-submit"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.request_email_change,
        reset_on_submit=False,
        id="email-change-form",
        class_name="inline-form",
    )


def password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("details.change_password"), size="3", as_="h3"),
            rx.text(tr("details.password_intro"), size="2", color="var(--gray-11)"),
            field(
                tr("details.current_password"),
                "current-password",
                name="current_password",
                type="password",
                auto_complete="current-password",
                required=True,
                max_length=128,
            ),
            password_rule(size="2"),
            field(
                tr("setpw.new"),
                "new-password",
                name="password",
                type="password",
                auto_complete="new-password",
                required=True,
                max_length=128,
                aria_describedby="password-rule",
            ),
            field(
                tr("setpw.repeat"),
                "repeat-password",
                name="password_repeat",
                type="password",
                auto_complete="new-password",
                required=True,
                max_length=128,
            ),
            error_lines(S.details_errors, "details-errors"),
            form_buttons(tr("details.change_password"), "password-change-submit"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.change_password,
        reset_on_submit=False,
        id="password-change-form",
        class_name="inline-form",
    )


def details_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("details.title"), size="4", as_="h2"),
            rx.cond(
                S.details_notice != "",
                announce(
                    rx.callout(
                        S.details_notice,
                        icon="circle-check",
                        color_scheme="green",
                        role="status",
                        id="details-notice",
                        width="100%",
                    )
                ),
            ),
            detail_row(tr("my_details.name"), S.name, "detail-name"),
            detail_row(tr("my_details.email"), S.email, "detail-email"),
            rx.cond(
                S.pending_email != "",
                rx.hstack(
                    rx.badge(
                        rx.icon("mail-question", size=14, aria_hidden="true"),
                        tr("details.email_pending"),
                        color_scheme="orange",
                        size="2",
                    ),
                    rx.text(S.pending_email, id="pending-email", class_name="wrap-anywhere"),
                    rx.button(
                        tr("details.email_cancel"),
                        variant="ghost",
                        size="1",
                        on_click=S.cancel_email_change,
                        id="cancel-email-change",
                    ),
                    rx.text(tr("details.email_pending_help"), size="2", color="var(--gray-11)", width="100%"),
                    wrap="wrap",
                    align="center",
                    spacing="2",
                    class_name="pending-email",
                    width="100%",
                ),
            ),
            # An empty value would leave a bare label: show a dash instead.
            detail_row(tr("my_details.phone"), rx.cond(S.phone != "", S.phone, "—"), "detail-phone"),
            rx.match(
                S.details_step,
                ("email", email_form()),
                ("password", password_form()),
                rx.hstack(
                    rx.button(
                        rx.icon("mail", size=16, aria_hidden="true"),
                        tr("details.change_email"),
                        variant="soft",
                        on_click=S.open_details_step("email"),
                        id="change-email",
                    ),
                    rx.button(
                        rx.icon("key-round", size=16, aria_hidden="true"),
                        tr("details.change_password"),
                        variant="soft",
                        on_click=S.open_details_step("password"),
                        id="change-password",
                    ),
                    wrap="wrap",
                    spacing="2",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="details",
    )


def language_section() -> rx.Component:
    return section(
        tr("my_details.language"),
        rx.radio_group.root(
            rx.hstack(
                rx.el.label(rx.radio_group.item(value="nl"), tr("lang.nl"), class_name="radio-label"),
                rx.el.label(rx.radio_group.item(value="en"), tr("lang.en"), class_name="radio-label"),
                spacing="4",
            ),
            value=S.lang,
            on_change=S.choose_language,
            aria_label=tr("my_details.language"),
        ),
        section_id="language",
    )


def code_form(on_submit, submit_label, field_id: str) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.vstack(
                rx.el.label(tr("verify.code"), html_for=field_id, class_name="field-label"),
                rx.input(
                    id=field_id,
                    name="code",
                    auto_complete="one-time-code",
                    input_mode="numeric",
                    max_length=12,
                    required=True,
                ),
                spacing="1",
            ),
            rx.button(submit_label, type="submit"),
            rx.button(
                tr("tf.cancel"), type="button", variant="soft", color_scheme="gray", on_click=S.cancel_two_factor_step
            ),
            align="end",
            wrap="wrap",
            spacing="2",
        ),
        on_submit=on_submit,
        reset_on_submit=True,
    )


def sms_phone_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("tf.sms_intro")),
            rx.el.label(tr("my_details.phone"), html_for="tf-phone", class_name="field-label"),
            rx.hstack(
                rx.input(
                    id="tf-phone",
                    name="phone",
                    type="tel",
                    auto_complete="tel",
                    placeholder="06 12345678",
                    required=True,
                ),
                rx.button(tr("tf.send_code"), type="submit"),
                rx.button(
                    tr("tf.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.cancel_two_factor_step,
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
        on_submit=S.send_sms_code,
    )


def totp_step() -> rx.Component:
    return rx.vstack(
        rx.text(tr("tf.totp_intro")),
        rx.image(src=S.totp_qr, alt=tr("tf.qr_alt"), width="200px", height="200px", id="totp-qr"),
        rx.text(tr("tf.totp_secret"), size="2", color="var(--gray-11)"),
        rx.code(S.totp_secret_text, id="totp-secret", size="3"),
        code_form(S.confirm_totp, tr("tf.activate"), "totp-code"),
        spacing="3",
    )


def codes_step() -> rx.Component:
    return rx.vstack(
        rx.callout(tr("tf.codes_intro"), icon="key-round", color_scheme="green", role="status"),
        rx.el.ul(
            rx.foreach(S.recovery_codes, lambda code: rx.el.li(rx.code(code, size="3"))),
            id="recovery-codes",
            class_name="recovery-codes",
        ),
        rx.hstack(
            rx.button(
                rx.icon("download", size=16, aria_hidden="true"),
                tr("tf.codes_download"),
                on_click=S.download_codes,
                variant="soft",
            ),
            rx.button(
                rx.icon("printer", size=16, aria_hidden="true"),
                tr("tf.codes_print"),
                variant="soft",
                data_action="print",
                type="button",
            ),
            rx.button(tr("tf.codes_saved"), on_click=S.codes_saved, id="codes-saved"),
            wrap="wrap",
            spacing="2",
        ),
        spacing="3",
        class_name="print-area",
    )


def password_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("tf.password_again")),
            rx.el.label(tr("login.password"), html_for="tf-password", class_name="field-label"),
            rx.hstack(
                rx.input(
                    id="tf-password", name="password", type="password", auto_complete="current-password", required=True
                ),
                rx.button(tr("tf.confirm"), type="submit"),
                rx.button(
                    tr("tf.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.cancel_two_factor_step,
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
        on_submit=S.confirm_password,
        reset_on_submit=True,
    )


def two_factor_overview() -> rx.Component:
    return rx.cond(
        S.tf_enabled,
        rx.vstack(
            rx.hstack(
                rx.badge(tr("tf.on"), color_scheme="green", size="2"),
                rx.cond(
                    S.tf_method == "sms",
                    rx.text(tr("tf.via_sms"), " ", S.tf_phone_masked),
                    rx.text(tr("tf.via_app")),
                ),
                wrap="wrap",
                align="center",
                id="tf-status",
            ),
            rx.text(
                tr("tf.codes_left_label"),
                ": ",
                S.tf_recovery_left,
                size="2",
                color="var(--gray-11)",
                id="tf-codes-left",
            ),
            rx.hstack(
                rx.cond(
                    S.tf_method == "sms",
                    rx.button(tr("tf.change_phone"), variant="soft", on_click=S.ask_password("change_phone")),
                ),
                rx.button(tr("tf.new_codes"), variant="soft", on_click=S.ask_password("regenerate")),
                rx.button(tr("tf.disable"), variant="soft", color_scheme="red", on_click=S.ask_password("disable")),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
        rx.vstack(
            rx.text(tr("tf.intro")),
            rx.hstack(
                rx.button(
                    rx.icon("message-square", size=16, aria_hidden="true"),
                    tr("tf.setup_sms"),
                    on_click=S.start_sms,
                    id="setup-sms",
                ),
                rx.button(
                    rx.icon("smartphone", size=16, aria_hidden="true"),
                    tr("tf.setup_app"),
                    on_click=S.start_totp,
                    variant="soft",
                    id="setup-app",
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
    )


def two_factor_section() -> rx.Component:
    return section(
        tr("tf.title"),
        rx.cond(S.tf_error != "", rx.callout(S.tf_error, color_scheme="red", role="alert", id="tf-error")),
        rx.match(
            S.tf_step,
            ("sms_phone", sms_phone_step()),
            (
                "sms_code",
                rx.vstack(
                    rx.text(tr("tf.sms_sent_to"), " ", S.tf_phone_shown),
                    code_form(S.confirm_sms_code, tr("tf.activate"), "sms-code"),
                ),
            ),
            ("totp", totp_step()),
            ("codes", codes_step()),
            ("confirm_password", password_step()),
            two_factor_overview(),
        ),
        section_id="two-factor",
    )


def notify_switch(kind: str, label_key: str) -> rx.Component:
    switch_id = f"notify-{kind}"
    return rx.hstack(
        rx.switch(
            checked=S.notify[kind],
            on_change=lambda value: S.set_notification(kind, value),
            id=switch_id,
            size="2",
        ),
        rx.el.label(tr(label_key), html_for=switch_id, class_name="switch-label"),
        align="center",
        spacing="3",
    )


def notifications_section() -> rx.Component:
    return section(
        tr("notify.title"),
        rx.text(S.notify_intro, size="2", color="var(--gray-11)", id="notify-intro"),
        rx.vstack(
            notify_switch("document", "notify.documents"),
            notify_switch("questionnaire", "notify.questionnaires"),
            notify_switch("message", "notify.messages"),
            spacing="3",
            role="group",
            aria_label=tr("notify.title"),
        ),
        rx.cond(
            S.notify_notice != "", rx.text(S.notify_notice, size="2", color="green", role="status", id="notify-notice")
        ),
        section_id="notifications",
    )


def accounts_section() -> rx.Component:
    return section(
        tr("company.section"),
        rx.hstack(
            rx.icon("users", size=18, aria_hidden="true"),
            rx.heading(tr("company.title"), size="3", as_="h3"),
            rx.badge(S.extra_account_count, color_scheme="gray", id="extra-account-count"),
            align="center",
            spacing="2",
        ),
        rx.text(tr("company.intro"), size="2", color="var(--gray-11)"),
        rx.link(
            rx.icon("user-cog", size=16, aria_hidden="true"),
            tr("company.manage"),
            href="/mijn-gegevens/extra-accounts",
            class_name="button-link",
            id="manage-extra-accounts",
            underline="none",
        ),
        section_id="accounts",
    )


def sessions_section() -> rx.Component:
    """The "Overal afmelden" button: a real form POST to accounts/api.py, which ends every session and the cookie."""
    return section(
        tr("sessions.title"),
        rx.text(tr("sessions.intro"), size="2", color="var(--gray-11)"),
        plain_form(
            rx.button(
                rx.icon("log-out", size=16, aria_hidden="true"),
                tr("sessions.logout_everywhere"),
                type="submit",
                variant="soft",
                color_scheme="red",
                id="logout-everywhere",
            ),
            action="/auth/logout-everywhere",
            method="post",
        ),
        section_id="sessions",
    )


def loading_skeleton() -> rx.Component:
    return rx.vstack(
        rx.el.span(tr("my_details.loading"), class_name="sr-only"),
        skeleton("line", style={"width": "40%"}),
        skeleton("block"),
        spacing="3",
        width="100%",
        id="my-details-loading",
    )


def my_details_page() -> rx.Component:
    return page_frame(
        rx.cond(
            S.first_visit,
            rx.callout(tr("my_details.first_login"), icon="info", margin_bottom="1rem", id="first-login-note"),
        ),
        rx.cond(
            S.recovery_notice != "",
            rx.callout(S.recovery_notice, icon="key-round", color_scheme="orange", margin_bottom="1rem", role="status"),
        ),
        # nothing of the sections before the account's data is there (issue 14: no flash of empty fields)
        rx.cond(
            S.loaded,
            rx.fragment(
                details_section(),
                language_section(),
                two_factor_section(),
                rx.cond(S.is_client, notifications_section()),
                rx.cond(S.can_manage_accounts, accounts_section()),
                sessions_section(),
                rx.cond(
                    S.company_note != "",
                    rx.callout(
                        S.company_note, icon="building-2", color_scheme="gray", margin_top="1rem", id="company-note"
                    ),
                ),
            ),
            loading_skeleton(),
        ),
        title=tr("my_details.title"),
    )


def email_confirm_page() -> rx.Component:
    C = EmailConfirmState
    return page_frame(
        rx.cond(
            C.confirm_done,
            rx.vstack(
                rx.cond(
                    C.confirm_ok,
                    rx.callout(
                        C.confirm_message,
                        icon="circle-check",
                        color_scheme="green",
                        role="status",
                        id="email-confirm-result",
                        width="100%",
                    ),
                    rx.callout(
                        C.confirm_message,
                        icon="triangle-alert",
                        color_scheme="red",
                        role="alert",
                        id="email-confirm-result",
                        width="100%",
                    ),
                ),
                rx.link(tr("details.to_my_details"), href="/mijn-gegevens", id="to-my-details"),
                spacing="3",
                width="100%",
            ),
            rx.text(tr("details.email_confirming"), color="var(--gray-11)"),
        ),
        title=tr("details.email_confirm_title"),
    )
