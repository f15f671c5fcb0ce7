"""A Home tile: a large link with an icon, a title and a line of counts."""

from __future__ import annotations

import reflex as rx


def tile(*, icon: str, title, body: rx.Component, href: str, tile_id: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon(icon, size=28, color="var(--brand, #1f3a5f)", aria_hidden="true"),
                    rx.heading(title, size="5", as_="h2"),
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
    )
