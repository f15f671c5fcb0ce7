"""Small badges with screen-reader labels: unread counts and dossier status."""

from __future__ import annotations

import reflex as rx
from reflex.vars import StringVar

from portal_app.core.components.text import tr


def unread_badge(count: rx.Var, *, badge_id: str | None = None) -> rx.Component:
    """A round count badge read out as e.g. "2 ongelezen" (the visible digit alone says little).

    `count` is a number var, or a string var holding the digits.
    """
    text = count if isinstance(count, StringVar) else count.to_string()
    label = text + " " + tr("badge.unread")
    props = {"id": badge_id} if badge_id is not None else {}
    return rx.badge(
        count,
        color_scheme="red",
        variant="solid",
        radius="full",
        size="1",
        role="img",
        aria_label=label,
        class_name="unread-badge",
        **props,
    )


def status_badge(status, label) -> rx.Component:
    """The dossier status with a colour per status; the text itself says what it is."""
    return rx.badge(
        label,
        color_scheme=rx.match(
            status,
            ("in_behandeling", "blue"),
            ("wacht_op_klant", "orange"),
            ("gepasseerd", "green"),
            "gray",
        ),
        variant="soft",
        # step-12 text on the soft background: 4.5:1 or more for every status colour (WCAG 1.4.3)
        high_contrast=True,
        size="2",
        class_name="status-badge",
    )
