"""Screen-reader announcements and skeletons shared by every page.

`live_announcer()` is the one polite live region of a page (in the page frames). It is
on the page from the first render and stays empty in React: assets/client_ux.js copies
into it the text of any element marked `announce(...)` as soon as that text appears or
changes, so "Bericht verzonden", "Opgeslagen" or "Upload klaar" are read out once, even
when the notice itself is inserted with its text already in it (which screen readers
often skip).
"""

from __future__ import annotations

import reflex as rx

ANNOUNCER_ID = "live-announcer"


def live_announcer() -> rx.Component:
    return rx.el.div(
        id=ANNOUNCER_ID,
        role="status",
        aria_live="polite",
        aria_atomic="true",
        class_name="sr-only",
    )


def announce(component: rx.Component) -> rx.Component:
    """Mark a status notice so its text is announced (returns the same component)."""
    component.custom_attrs["data-announce"] = "1"
    return component


def skeleton(kind: str = "line", **props) -> rx.Component:
    """A grey placeholder of fixed size ("number", "line" or "block") while a page's data loads."""
    return rx.el.span(class_name=f"skeleton skeleton-{kind}", aria_hidden="true", **props)
