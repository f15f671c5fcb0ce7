"""A Home tile: a large link with an icon, a title and a line of counts.

The whole card is one link (issue 14): one tab stop, a visible focus ring on the card
(client_ux.css, .tile-link), and as accessible name its visible text.
"""

from __future__ import annotations

import reflex as rx


def tile(*, icon: str, title, body: rx.Component, href: str, tile_id: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon(icon, size=28, color="var(--brand, #1f3a5f)", aria_hidden="true"),
                    rx.heading(title, size="5", as_="h2", class_name="tile-title"),
                    align="center",
                    spacing="3",
                ),
                body,
                spacing="3",
            ),
            size="3",
            width="100%",
            height="100%",
            class_name="tile",
        ),
        href=href,
        underline="none",
        id=tile_id,
        width="100%",
        class_name="tile-link",
    )
