"""The portal frame: header with Home and Uitloggen, the Acties bar, the content."""

from __future__ import annotations

import reflex as rx

from portal_app.components.plain_form import plain_form

from portal_app.pages import routes
from portal_app.states.base import PortalState

BRAND = "#1f3a5f"


def logout_button() -> rx.Component:
    """A real form POST: works without JavaScript state and ends the session on the server."""
    return plain_form(
        rx.button(
            rx.icon("log-out", size=16, aria_hidden="true"),
            PortalState.tr["nav.logout"],
            type="submit",
            variant="outline",
            id="logout-button",
            style={"color": "white", "box_shadow": "inset 0 0 0 1px rgba(255,255,255,.6)", "cursor": "pointer"},
        ),
        action=routes.LOGOUT_ACTION,
        method="post",
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("landmark", size=22, color="white", aria_hidden="true"),
                    rx.text(PortalState.office_name, weight="bold", color="white", size="3"),
                    align="center",
                    spacing="2",
                ),
                href=routes.HOME,
                underline="none",
            ),
            rx.spacer(),
            rx.el.nav(
                rx.hstack(
                    rx.link(
                        rx.hstack(rx.icon("house", size=16, aria_hidden="true"), PortalState.tr["nav.home"], align="center", spacing="1"),
                        href=routes.HOME,
                        color="white",
                        weight="medium",
                    ),
                    logout_button(),
                    align="center",
                    spacing="4",
                ),
                aria_label=PortalState.tr["nav.main"],
            ),
            align="center",
            width="100%",
            max_width="72rem",
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.75rem",
            wrap="wrap",
        ),
        style={"background": BRAND},
    )


def actions_bar() -> rx.Component:
    """The manual: 'Acties' is shown on every page, whatever tile is active."""
    return rx.box(
        rx.hstack(
            rx.icon("clipboard-list", size=16, aria_hidden="true"),
            rx.text(PortalState.tr["actions.bar"], weight="medium"),
            rx.badge(PortalState.open_actions, color_scheme=rx.cond(PortalState.open_actions > 0, "orange", "gray"), id="actions-count"),
            align="center",
            spacing="2",
            max_width="72rem",
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.4rem",
        ),
        background="var(--gray-3)",
        border_bottom="1px solid var(--gray-5)",
        role="status",
    )


def page_frame(*children: rx.Component, title: rx.Var | str) -> rx.Component:
    return rx.box(
        rx.el.a(PortalState.tr["nav.skip"], href="#inhoud", class_name="skip-link"),
        header(),
        actions_bar(),
        rx.el.main(
            rx.heading(title, size="6", margin_bottom="1rem", as_="h1"),
            *children,
            id="inhoud",
            max_width="72rem",
            margin_x="auto",
            padding="1rem",
        ),
        min_height="100vh",
        background="var(--gray-1)",
    )


def public_frame(*children: rx.Component) -> rx.Component:
    """Pages before sign-in: centred card, no navigation."""
    return rx.center(
        rx.el.main(
            rx.card(*children, width="100%", max_width="26rem", size="3"),
            width="100%",
            display="flex",
            justify_content="center",
            padding="1rem",
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
