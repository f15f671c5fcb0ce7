"""Storing: the database cannot be reached (core/states/backend_errors.py sends tabs here).

No on_load and nothing from the database: the page must show while the database is down.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.layout import public_frame
from portal_app.core.components.text import tr
from portal_app.core.pages import routes


def unavailable_page() -> rx.Component:
    return public_frame(
        rx.vstack(
            rx.heading(tr("unavailable.title"), size="6", as_="h1"),
            rx.text(tr("unavailable.body")),
            # a plain link: a full page load, so the tab connects and loads again from the start
            rx.button(rx.el.a(tr("unavailable.retry"), href=routes.HOME, id="unavailable-retry"), as_child=True),
            spacing="3",
        )
    )
