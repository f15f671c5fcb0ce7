"""The manual's chapter 1: invitation link, 'wachtwoord vergeten', set password, 2-step code."""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.components import password_rule
from portal_app.accounts.pages.login import language_switch
from portal_app.accounts.states.onboarding import OnboardingState as S
from portal_app.core.components.layout import public_frame
from portal_app.core.components.plain_form import plain_form
from portal_app.core.components.text import tr


def error_list() -> rx.Component:
    return rx.cond(
        S.errors.length() > 0,
        rx.callout(
            rx.foreach(S.errors, lambda text: rx.text(text)),
            color_scheme="red",
            role="alert",
            id="form-errors",
            width="100%",
        ),
    )


def invalid_link() -> rx.Component:
    return rx.vstack(
        rx.callout(tr("link.invalid"), color_scheme="orange", role="alert", id="link-invalid", width="100%"),
        rx.link(tr("login.forgot"), href="/wachtwoord-vergeten"),
        spacing="3",
        width="100%",
    )


def email_step() -> rx.Component:
    """'Vul uw e-mailadres in en klik op verstuur ...' (with or without an invitation)."""
    return rx.cond(
        S.sent,
        rx.callout(tr("link.sent"), color_scheme="green", role="status", id="link-sent", width="100%"),
        plain_form(
            rx.vstack(
                rx.text(tr("link.instruction")),
                rx.el.label(tr("login.email"), html_for="email", class_name="field-label"),
                rx.input(
                    id="email",
                    name="email",
                    type="email",
                    auto_complete="username",
                    required=True,
                    width="100%",
                    size="3",
                ),
                rx.el.input(type="hidden", name="invite", value=S.token),
                rx.button(tr("link.submit"), type="submit", size="3", width="100%"),
                spacing="2",
                width="100%",
            ),
            action="/auth/request-link",
            method="post",
            width="100%",
        ),
    )


def invitation_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            language_switch(S),
            rx.heading(tr("invite.title"), size="6", as_="h1"),
            rx.cond(S.link_valid | S.sent, email_step(), invalid_link()),
            spacing="3",
            width="100%",
        )
    )


def forgot_password_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            language_switch(S),
            rx.heading(tr("forgot.title"), size="6", as_="h1"),
            email_step(),
            rx.link(tr("link.back_to_login"), href="/login", size="2"),
            spacing="3",
            width="100%",
        )
    )


def set_password_form() -> rx.Component:
    return plain_form(
        rx.vstack(
            password_rule(size="3"),
            rx.el.label(tr("setpw.new"), html_for="new-password", class_name="field-label"),
            rx.input(
                id="new-password",
                name="password",
                type="password",
                auto_complete="new-password",
                required=True,
                max_length=128,
                width="100%",
                size="3",
                aria_describedby="password-rule",
            ),
            rx.el.label(tr("setpw.repeat"), html_for="repeat-password", class_name="field-label"),
            rx.input(
                id="repeat-password",
                name="password_repeat",
                type="password",
                auto_complete="new-password",
                required=True,
                max_length=128,
                width="100%",
                size="3",
            ),
            rx.el.input(type="hidden", name="token", value=S.token),
            rx.button(tr("setpw.submit"), type="submit", size="3", width="100%", id="set-password-submit"),
            spacing="2",
            width="100%",
        ),
        action="/auth/set-password",
        method="post",
        width="100%",
    )


def set_password_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            language_switch(S),
            rx.heading(tr("setpw.title"), size="6", as_="h1"),
            error_list(),
            rx.cond(S.link_valid, set_password_form(), invalid_link()),
            spacing="3",
            width="100%",
        )
    )


def verify_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            rx.heading(tr("verify.title"), size="6", as_="h1"),
            rx.cond(S.method == "sms", rx.text(tr("verify.sms_sent")), rx.text(tr("verify.app"))),
            rx.cond(S.resent, rx.callout(tr("verify.resent"), color_scheme="green", role="status")),
            error_list(),
            plain_form(
                rx.vstack(
                    rx.el.label(tr("verify.code"), html_for="code", class_name="field-label"),
                    rx.input(
                        id="code",
                        name="code",
                        auto_complete="one-time-code",
                        input_mode="text",
                        required=True,
                        max_length=20,
                        width="100%",
                        size="3",
                    ),
                    rx.text(tr("verify.recovery_hint"), size="2", color="var(--gray-11)"),
                    rx.el.input(type="hidden", name="next", value=S.next_path),
                    rx.button(tr("verify.submit"), type="submit", size="3", width="100%", id="verify-submit"),
                    spacing="2",
                    width="100%",
                ),
                action="/auth/verify",
                method="post",
                width="100%",
            ),
            rx.cond(
                S.method == "sms",
                plain_form(
                    rx.button(tr("verify.resend"), type="submit", variant="ghost", size="2"),
                    action="/auth/resend-code",
                    method="post",
                ),
            ),
            rx.link(tr("link.back_to_login"), href="/login", size="2"),
            spacing="3",
            width="100%",
        )
    )
