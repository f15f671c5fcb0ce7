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


def idle_warning() -> rx.Component:
    """The warning before idle expiry, mounted once in every signed-in frame (issue 13).

    An alert dialog (role, label, description; focus on "Aangemeld blijven", Escape
    also stays) that assets/idle_warning.js opens WARNING_SECONDS before the end of
    the office's idle time. Hidden by CSS until the script sets data-open; the
    hidden #idle-ping button lets the script report activity to the server.
    """
    from portal_app.accounts.states.idle_warning import IdleWarningState as W
    from portal_app.core.components.plain_form import plain_form
    from portal_app.core.components.text import tr
    from portal_app.core.pages import routes

    return rx.el.div(
        rx.el.div(
            rx.heading(tr("idle.title"), as_="h2", size="4", id="idle-warning-title"),
            rx.text(tr("idle.text"), id="idle-warning-text", size="3"),
            rx.hstack(
                rx.button(tr("idle.stay"), id="idle-stay", type="button", on_click=W.keep_alive, size="3"),
                plain_form(
                    rx.button(tr("nav.logout"), type="submit", variant="outline", size="3"),
                    rx.el.input(type="hidden", name="verlopen", value="", id="idle-expired-field"),
                    action=routes.LOGOUT_ACTION,
                    method="post",
                    id="idle-logout-form",
                ),
                spacing="3",
                wrap="wrap",
                margin_top="1rem",
            ),
            class_name="idle-warning-box",
            role="alertdialog",
            aria_modal="true",
            aria_labelledby="idle-warning-title",
            aria_describedby="idle-warning-text",
        ),
        rx.el.button(on_click=W.keep_alive, id="idle-ping", type="button", tab_index=-1, aria_hidden="true"),
        id="idle-warning",
        class_name="idle-warning",
        custom_attrs={"data-idle-seconds": S.idle_seconds},
    )
