"""The password rule above a new-password field, marked live while the user types.

The texts follow the office's password policy (office settings). portal.js
reads the policy from the list's data attributes and marks each item
data-ok="true" when it is met; the password itself never leaves the browser
before the form is submitted.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.base import PortalState as S


def rule_item(rule_id: str, text) -> rx.Component:
    return rx.el.li(
        rx.el.span("✓", class_name="rule-ok", aria_hidden="true"),
        rx.el.span("•", class_name="rule-todo", aria_hidden="true"),
        text,
        id=rule_id,
        class_name="rule",
        data_ok="false",
    )


def password_rule(size: str = "3") -> rx.Component:
    """Rule sentence (#password-rule, for aria-describedby) and the checklist."""
    return rx.fragment(
        rx.text(S.pw_rule["rule"], id="password-rule", size=size),
        rx.el.ul(
            rule_item("rule-length", S.pw_rule["length"]),
            rule_item("rule-capital", S.pw_rule["capital"]),
            rule_item("rule-digit", S.pw_rule["digit"]),
            rx.cond(S.pw_rule["symbol"] != "", rule_item("rule-symbol", S.pw_rule["symbol"])),
            class_name="rule-list",
            id="rule-list",
            aria_live="polite",
            custom_attrs={"data-min-length": S.pw_min_length, "data-symbol": S.pw_rule["symbol"] != ""},
        ),
    )
