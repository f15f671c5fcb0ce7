"""The portal frame: header with Home and Uitloggen, the Acties bar, the content.

The header takes the office's brand colour (office settings, white text on it:
the colour is validated to contrast at least 4.5:1 with white) and shows the
office's logo, when there is one, on a white tile so any logo stays visible.
"""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.components import idle_warning
from portal_app.core.components.live_region import live_announcer, skeleton
from portal_app.core.components.plain_form import plain_form
from portal_app.core.components.text import tr
from portal_app.core.pages import routes
from portal_app.core.states.base import PortalState

# The default brand colour; the pages use PortalState.brand_colour (office settings).
BRAND = "#1f3a5f"
# The logo's tile in the headers: white so a logo made for paper stays visible on the colour.
LOGO_TILE = {
    "background": "white",
    "padding": "2px 4px",
    "border_radius": "4px",
    "display": "block",
    "width": "auto",
    "object_fit": "contain",
    "flex_shrink": "0",
}


def office_logo(state=PortalState, *, height: str = "40px", max_width: str = "min(40vw, 200px)") -> rx.Component:
    """<img id="office-logo"> of the office's logo (only rendered when there is one)."""
    return rx.el.img(
        id="office-logo",
        src=state.logo_url,
        alt=state.office_name,
        style={**LOGO_TILE, "height": height, "max_width": max_width},
    )


def brand_mark(state=PortalState, *extra: rx.Component) -> rx.Component:
    """Logo (or the landmark icon) and the office name, for a header link.

    Beside a logo the name is hidden from screen readers (the logo's alt text
    says it) and from narrow screens (the logo carries it there).
    """
    return rx.cond(
        state.logo_url != "",
        rx.hstack(
            office_logo(state),
            rx.text(
                state.office_name,
                weight="bold",
                color="white",
                size="3",
                aria_hidden="true",
                display=rx.breakpoints(initial="none", sm="inline"),
            ),
            *extra,
            align="center",
            spacing="2",
        ),
        rx.hstack(
            rx.icon("landmark", size=22, color="white", aria_hidden="true"),
            rx.text(state.office_name, weight="bold", color="white", size="3"),
            *extra,
            align="center",
            spacing="2",
        ),
    )


def logout_button() -> rx.Component:
    """A real form POST: works without JavaScript state and ends the session on the server."""
    return plain_form(
        rx.button(
            rx.icon("log-out", size=16, aria_hidden="true"),
            tr("nav.logout"),
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
                brand_mark(PortalState),
                href=routes.HOME,
                underline="none",
                id="office-home-link",
            ),
            rx.spacer(),
            rx.el.nav(
                rx.hstack(
                    rx.link(
                        rx.hstack(
                            rx.icon("house", size=16, aria_hidden="true"), tr("nav.home"), align="center", spacing="1"
                        ),
                        href=routes.HOME,
                        color="white",
                        weight="medium",
                    ),
                    logout_button(),
                    align="center",
                    spacing="4",
                ),
                aria_label=tr("nav.main"),
            ),
            align="center",
            width="100%",
            max_width="72rem",
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.75rem",
            wrap="wrap",
        ),
        id="portal-header",
        style={"background": PortalState.brand_colour, "color": "white"},
    )


def actions_bar() -> rx.Component:
    """The manual: 'Acties' is shown on every page, whatever tile is active.

    The whole bar is one link to the Acties page (issue 14): its accessible name is
    its visible text ("Acties 2"), with the count kept in #actions-count.
    """
    return rx.link(
        rx.hstack(
            rx.icon("clipboard-list", size=16, aria_hidden="true"),
            rx.text(tr("actions.bar"), weight="medium", class_name="actions-bar-text"),
            # no "0" before the frame has loaded (issue 14): a badge-sized skeleton instead
            rx.cond(
                PortalState.signed_in,
                rx.badge(
                    PortalState.open_actions,
                    color_scheme=rx.cond(PortalState.open_actions > 0, "orange", "gray"),
                    id="actions-count",
                ),
                skeleton("badge"),
            ),
            rx.spacer(),
            rx.icon("chevron-right", size=16, aria_hidden="true"),
            align="center",
            spacing="2",
            max_width="72rem",
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.4rem",
        ),
        href="/acties",
        id="actions-bar",
        class_name="actions-bar-link",
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )


def page_frame(*children: rx.Component, title: rx.Var | str) -> rx.Component:
    return rx.box(
        rx.el.a(tr("nav.skip"), href="#inhoud", class_name="skip-link"),
        live_announcer(),
        header(),
        actions_bar(),
        idle_warning(),
        rx.el.main(
            rx.heading(title, size="6", margin_bottom="1rem", as_="h1"),
            *children,
            id="inhoud",
            # focusable from the skip link only: after "Naar de inhoud" the next Tab starts here
            tab_index=-1,
            max_width="72rem",
            margin_x="auto",
            padding="1rem",
        ),
        min_height="100vh",
        background="var(--gray-1)",
        # the office's colour for everything below (portal.css uses var(--brand))
        style={"--brand": PortalState.brand_colour},
        # the user's language for screen readers; assets/client_ux.js copies it to <html lang>
        custom_attrs={"lang": PortalState.lang, "data-portal-frame": "client"},
    )


def public_frame(*children: rx.Component) -> rx.Component:
    """Pages before sign-in: the office's logo (when set) over a centred card in its colour, no navigation."""
    return rx.center(
        rx.el.main(
            rx.vstack(
                rx.cond(
                    PortalState.logo_url != "",
                    office_logo(PortalState, height="64px", max_width="min(80vw, 300px)"),
                ),
                rx.card(
                    rx.box(
                        class_name="public-brand-bar",
                        style={
                            "background": PortalState.brand_colour,
                            "height": "6px",
                            "margin": "calc(-1 * var(--card-padding)) calc(-1 * var(--card-padding)) var(--space-4)",
                        },
                    ),
                    *children,
                    width="100%",
                    size="3",
                ),
                align="center",
                spacing="4",
                width="100%",
                max_width="26rem",
            ),
            width="100%",
            display="flex",
            justify_content="center",
            padding="1rem",
        ),
        live_announcer(),
        min_height="100vh",
        background="var(--gray-2)",
        style={"--brand": PortalState.brand_colour},
        custom_attrs={"lang": PortalState.lang, "data-portal-frame": "public"},
    )
