"""404: the same text for missing pages and for things this user may not see."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.layout import public_frame
from portal_app.core.components.text import tr
from portal_app.core.pages import routes


def not_found_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            rx.heading(tr("notfound.title"), size="6", as_="h1"),
            rx.link(tr("notfound.back"), href=routes.HOME),
            spacing="3",
        )
    )
