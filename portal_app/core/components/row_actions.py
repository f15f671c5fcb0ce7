"""The red button on one row of a list (a note, a document, a step, an attached file, a client's access).

One look for removing or withdrawing something, on the client and the staff side: small, red,
never a submit button, and its accessible name says which row it acts on ("Verwijder
paspoort.pdf", "Intrekken Concept akte"), since a screen reader's button list shows every
row's button under one label otherwise.
"""

from __future__ import annotations

import reflex as rx


def remove_icon_button(label, name, on_click, **props) -> rx.Component:
    """A trash can: no text, so `label` + `name` is its whole accessible name."""
    return rx.icon_button(
        rx.icon("trash-2", size=14),
        on_click=on_click,
        variant="ghost",
        size="1",
        color_scheme="red",
        aria_label=label + " " + name,
        type="button",
        **props,
    )


def row_danger_button(label, name, on_click, *, icon: str | None = None, **props) -> rx.Component:
    """A small red button with its text (and an icon when given)."""
    children = [rx.icon(icon, size=14, aria_hidden="true")] if icon else []
    return rx.button(
        *children,
        label,
        on_click=on_click,
        size="1",
        variant="soft",
        color_scheme="red",
        aria_label=label + " " + name,
        type="button",
        **props,
    )
