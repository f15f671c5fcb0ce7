"""Mijn gegevens: details, 'Instellen taal' and '2-staps verificatie'."""

from __future__ import annotations

import reflex as rx

from portal_app.components.layout import page_frame
from portal_app.states.my_details import MyDetailsState as S


def detail_row(label, value, row_id: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, weight="medium", min_width="10rem"),
        rx.text(value, id=row_id),
        wrap="wrap",
    )


def section(title, *children, section_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        margin_top="1rem",
        id=section_id,
    )


def details_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            detail_row(S.tr["my_details.name"], S.name, "detail-name"),
            detail_row(S.tr["my_details.email"], S.email, "detail-email"),
            # An empty value would leave a bare label: show a dash instead.
            detail_row(S.tr["my_details.phone"], rx.cond(S.phone != "", S.phone, "—"), "detail-phone"),
            spacing="3",
        ),
        width="100%",
    )


def language_section() -> rx.Component:
    return section(
        S.tr["my_details.language"],
        rx.radio_group.root(
            rx.hstack(
                rx.el.label(rx.radio_group.item(value="nl"), S.tr["lang.nl"], class_name="radio-label"),
                rx.el.label(rx.radio_group.item(value="en"), S.tr["lang.en"], class_name="radio-label"),
                spacing="4",
            ),
            value=S.lang,
            on_change=S.choose_language,
            aria_label=S.tr["my_details.language"],
        ),
        section_id="language",
    )


def code_form(on_submit, submit_label, field_id: str) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.vstack(
                rx.el.label(S.tr["verify.code"], html_for=field_id, class_name="field-label"),
                rx.input(id=field_id, name="code", auto_complete="one-time-code", input_mode="numeric", max_length=12, required=True),
                spacing="1",
            ),
            rx.button(submit_label, type="submit"),
            rx.button(S.tr["tf.cancel"], type="button", variant="soft", color_scheme="gray", on_click=S.cancel_two_factor_step),
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
            rx.text(S.tr["tf.sms_intro"]),
            rx.el.label(S.tr["my_details.phone"], html_for="tf-phone", class_name="field-label"),
            rx.hstack(
                rx.input(id="tf-phone", name="phone", type="tel", auto_complete="tel", placeholder="06 12345678", required=True),
                rx.button(S.tr["tf.send_code"], type="submit"),
                rx.button(S.tr["tf.cancel"], type="button", variant="soft", color_scheme="gray", on_click=S.cancel_two_factor_step),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
        on_submit=S.send_sms_code,
    )


def totp_step() -> rx.Component:
    return rx.vstack(
        rx.text(S.tr["tf.totp_intro"]),
        rx.image(src=S.totp_qr, alt=S.tr["tf.qr_alt"], width="200px", height="200px", id="totp-qr"),
        rx.text(S.tr["tf.totp_secret"], size="2", color="gray"),
        rx.code(S.totp_secret_text, id="totp-secret", size="3"),
        code_form(S.confirm_totp, S.tr["tf.activate"], "totp-code"),
        spacing="3",
    )


def codes_step() -> rx.Component:
    return rx.vstack(
        rx.callout(S.tr["tf.codes_intro"], icon="key-round", color_scheme="green", role="status"),
        rx.el.ul(
            rx.foreach(S.recovery_codes, lambda code: rx.el.li(rx.code(code, size="3"))),
            id="recovery-codes",
            class_name="recovery-codes",
        ),
        rx.hstack(
            rx.button(rx.icon("download", size=16, aria_hidden="true"), S.tr["tf.codes_download"], on_click=S.download_codes, variant="soft"),
            rx.button(rx.icon("printer", size=16, aria_hidden="true"), S.tr["tf.codes_print"], variant="soft", data_action="print", type="button"),
            rx.button(S.tr["tf.codes_saved"], on_click=S.codes_saved, id="codes-saved"),
            wrap="wrap",
            spacing="2",
        ),
        spacing="3",
        class_name="print-area",
    )


def password_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(S.tr["tf.password_again"]),
            rx.el.label(S.tr["login.password"], html_for="tf-password", class_name="field-label"),
            rx.hstack(
                rx.input(id="tf-password", name="password", type="password", auto_complete="current-password", required=True),
                rx.button(S.tr["tf.confirm"], type="submit"),
                rx.button(S.tr["tf.cancel"], type="button", variant="soft", color_scheme="gray", on_click=S.cancel_two_factor_step),
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
                rx.badge(S.tr["tf.on"], color_scheme="green", size="2"),
                rx.cond(
                    S.tf_method == "sms",
                    rx.text(S.tr["tf.via_sms"], " ", S.tf_phone_masked),
                    rx.text(S.tr["tf.via_app"]),
                ),
                wrap="wrap",
                align="center",
                id="tf-status",
            ),
            rx.text(S.tr["tf.codes_left_label"], ": ", S.tf_recovery_left, size="2", color="gray", id="tf-codes-left"),
            rx.hstack(
                rx.cond(S.tf_method == "sms", rx.button(S.tr["tf.change_phone"], variant="soft", on_click=S.ask_password("change_phone"))),
                rx.button(S.tr["tf.new_codes"], variant="soft", on_click=S.ask_password("regenerate")),
                rx.button(S.tr["tf.disable"], variant="soft", color_scheme="red", on_click=S.ask_password("disable")),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
        rx.vstack(
            rx.text(S.tr["tf.intro"]),
            rx.hstack(
                rx.button(rx.icon("message-square", size=16, aria_hidden="true"), S.tr["tf.setup_sms"], on_click=S.start_sms, id="setup-sms"),
                rx.button(rx.icon("smartphone", size=16, aria_hidden="true"), S.tr["tf.setup_app"], on_click=S.start_totp, variant="soft", id="setup-app"),
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
        ),
    )


def two_factor_section() -> rx.Component:
    return section(
        S.tr["tf.title"],
        rx.cond(S.tf_error != "", rx.callout(S.tf_error, color_scheme="red", role="alert", id="tf-error")),
        rx.match(
            S.tf_step,
            ("sms_phone", sms_phone_step()),
            ("sms_code", rx.vstack(rx.text(S.tr["tf.sms_sent_to"], " ", S.tf_phone_shown), code_form(S.confirm_sms_code, S.tr["tf.activate"], "sms-code"))),
            ("totp", totp_step()),
            ("codes", codes_step()),
            ("confirm_password", password_step()),
            two_factor_overview(),
        ),
        section_id="two-factor",
    )


def my_details_page() -> rx.Component:
    return page_frame(
        rx.cond(S.first_visit, rx.callout(S.tr["my_details.first_login"], icon="info", margin_bottom="1rem", id="first-login-note")),
        rx.cond(S.recovery_notice != "", rx.callout(S.recovery_notice, icon="key-round", color_scheme="orange", margin_bottom="1rem", role="status")),
        details_section(),
        language_section(),
        two_factor_section(),
        title=S.tr["my_details.title"],
    )
