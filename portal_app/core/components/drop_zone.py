"""What a drop zone (rx.upload) refused in the browser, sent to the server to be worded.

Without `on_drop_rejected` Reflex shows its own English toast "Files not Accepted".
Every rx.upload of the portal passes `on_refused(State.handler)` instead; the handler
gets `[{name, codes}]` (a File's name does not survive being sent as JSON) and words
each refusal in the user's language with `attachments.browser_refusal_texts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex_components_core.el.elements.forms import Input


def refused_files(rejected: rx.Var) -> rx.Var:
    """react-dropzone's rejections as [{name, codes}]."""
    return rx.Var(
        _js_expr=f"({rejected}).map((r) => ({{name: r.file.name, codes: r.errors.map((e) => e.code)}}))",
        _var_type=list[dict],
    )


def on_refused(event: Callable[..., Any]) -> Callable[[rx.Var], Any]:
    """`on_drop_rejected` for a drop zone: `event` receives the refusals as [{name, codes}]."""
    return lambda rejected: event(refused_files(rejected))


def drop_zone(*children: rx.Component, label: rx.Var | str, **props: Any) -> rx.Component:
    """`rx.upload` whose file input has an accessible name (`label`, e.g. the zone's own text).

    react-dropzone's input is visually hidden, not `display: none`: screen readers and axe
    ("label", WCAG 1.3.1/4.1.2) still meet it, and rx.upload passes no props to it.
    """
    zone = rx.upload(*children, **props)
    pending: list[rx.Component] = [zone]
    while pending:
        component = pending.pop()
        if isinstance(component, Input):
            component.custom_attrs["aria-label"] = label
        pending.extend(component.children)
    return zone
