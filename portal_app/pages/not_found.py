"""404: the same text for missing pages and for things this user may not see."""

from __future__ import annotations

import reflex as rx

from portal_app.components.layout import public_frame
from portal_app.pages import routes
from portal_app.states.base import PublicPageState


def not_found_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            rx.heading(PublicPageState.tr["notfound.title"], size="6", as_="h1"),
            rx.link(PublicPageState.tr["notfound.back"], href=routes.HOME),
            spacing="3",
        )
    )
