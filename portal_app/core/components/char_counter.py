"""The live character counter under a message field ("123 van 4000 tekens", "Maximum bereikt").

The count follows every keystroke in the browser itself (assets/client_ux.js: a field
with data-counter="<counter id>" updates the counter on each input event), without a
trip to the server; the field's maxLength stops typing at the limit and the server keeps
enforcing it. The fields are uncontrolled, and the count never comes from the state: an
answer to an earlier keystroke would bring an older count back.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.text import tr


def counter_attrs(counter_id: str, limit: int) -> dict[str, str]:
    """What the field needs to drive the counter (spread into custom_attrs): client_ux.js counts
    and stops at `limit` characters as the server counts them (code points after NFC)."""
    return {"data-counter": counter_id, "data-max-chars": str(limit)}


def field_max_length(limit: int) -> int:
    """The field's maxLength for a limit in characters. The browser counts maxLength in UTF-16
    units (an emoji is two), the server in code points: twice the limit never stops a text of
    `limit` characters; client_ux.js stops typing at `limit` characters itself."""
    return 2 * limit


def char_counter(counter_id: str, limit: int) -> rx.Component:
    """Rendered at 0 of `limit`; client_ux.js counts the field's text from then on, also when the
    field mounts with text in it (a composer opened again)."""
    return rx.el.div(
        rx.el.span(
            rx.el.span("0", class_name="counter-count"),
            " ",
            tr("msg.counter_of"),
            f" {limit} ",
            tr("msg.counter_chars"),
            id=counter_id,
        ),
        # shown by CSS at data-full="1"; client_ux.js announces it once when it appears
        rx.el.span(tr("msg.counter_full"), class_name="counter-full", id=f"{counter_id}-full"),
        class_name="char-counter",
        custom_attrs={"data-full": "0"},
    )
