"""Login: 'Welkom op het klantenportaal van ...', e-mail, wachtwoord, Inloggen."""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.states.login import LoginState
from portal_app.core.components.layout import public_frame
from portal_app.core.components.plain_form import plain_form
from portal_app.core.components.text import tr
from portal_app.core.pages import routes


def language_switch(state=LoginState) -> rx.Component:
    return rx.hstack(
        rx.text(tr("login.language") + ":", size="2", color="var(--gray-11)"),
        rx.button("Nederlands", variant="ghost", size="1", on_click=state.switch_language("nl"), lang="nl"),
        rx.button("English", variant="ghost", size="1", on_click=state.switch_language("en"), lang="en"),
        spacing="2",
        align="center",
        justify="end",
        width="100%",
    )


def message(text, color: str, role: str, box_id: str) -> rx.Component:
    return rx.cond(
        text != "",
        rx.callout(text, color_scheme=color, role=role, id=box_id, width="100%"),
    )


def login_form() -> rx.Component:
    return plain_form(
        rx.vstack(
            rx.el.label(tr("login.email"), html_for="email", class_name="field-label"),
            rx.input(
                id="email", name="email", type="email", auto_complete="username", required=True, width="100%", size="3"
            ),
            rx.el.label(tr("login.password"), html_for="password", class_name="field-label"),
            rx.input(
                id="password",
                name="password",
                type="password",
                auto_complete="current-password",
                required=True,
                width="100%",
                size="3",
            ),
            rx.el.input(type="hidden", name="next", value=LoginState.next_path),
            rx.button(tr("login.submit"), type="submit", size="3", width="100%", id="login-submit"),
            spacing="2",
            width="100%",
        ),
        action=routes.LOGIN_ACTION,
        method="post",
        width="100%",
    )


def login_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            language_switch(),
            rx.cond(
                LoginState.logo_url == "",
                rx.icon("landmark", size=36, color="var(--brand, #1f3a5f)", aria_hidden="true"),
            ),
            rx.text(tr("login.welcome"), size="3", color="var(--gray-11)"),
            rx.heading(LoginState.office_name, size="6", as_="h1"),
            message(LoginState.error, "red", "alert", "login-error"),
            message(LoginState.notice, "blue", "status", "login-notice"),
            login_form(),
            rx.link(tr("login.forgot"), href="/wachtwoord-vergeten", size="2", id="forgot-link"),
            spacing="3",
            align="center",
            width="100%",
        )
    )
