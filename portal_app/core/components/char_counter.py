"""The live character counter under a message field ("123 van 4000 tekens", "Maximum bereikt").

The count follows every keystroke in the browser itself (assets/client_ux.js: a field
with data-counter="<counter id>" updates the counter on each input event), without a
trip to the server; the field's maxLength stops typing at the limit and the server keeps
enforcing it. `server_count` is what the state knows (a controlled field) or 0 for a
plain form field, so the first render is right too.
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


def code_points(text: rx.Var) -> rx.Var:
    """A state text's length in code points (JavaScript's .length counts UTF-16 units)."""
    # keeps the state text's var data, so the counter still re-renders when the text changes
    counted = rx.Var(_js_expr=f'Array.from({text} ?? "").length', _var_data=text._get_all_var_data())
    return counted.to(int)


def char_counter(counter_id: str, limit: int, server_count: rx.Var | int = 0) -> rx.Component:
    if isinstance(server_count, rx.Var):
        full: rx.Var | str = rx.cond(server_count >= limit, "1", "0")
    else:
        full = "1" if server_count >= limit else "0"
    return rx.el.div(
        rx.el.span(
            rx.el.span(server_count, class_name="counter-count"),
            " ",
            tr("msg.counter_of"),
            f" {limit} ",
            tr("msg.counter_chars"),
            id=counter_id,
        ),
        # shown by CSS at data-full="1"; client_ux.js announces it once when it appears
        rx.el.span(tr("msg.counter_full"), class_name="counter-full", id=f"{counter_id}-full"),
        class_name="char-counter",
        custom_attrs={"data-full": full},
    )
