"""The staff frame: a header with the office name and Uitloggen, a side navigation
(a top bar on a phone) and the content. Instellingen shows for admins only."""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.components import idle_warning
from portal_app.core.components.layout import brand_mark, logout_button
from portal_app.core.components.text import tr
from portal_app.core.states.staff_base import StaffState

STAFF = "/staff"
CLIENTS = "/staff/clienten"
DOSSIERS = "/staff/dossiers"
QUESTIONNAIRES = "/staff/vragenlijsten"
OUTBOX = "/staff/outbox"
AUDIT = "/staff/audit"
SETTINGS = "/staff/instellingen"

NAV = [
    ("overview", STAFF, "layout-dashboard", "staff.nav.overview"),
    ("clients", CLIENTS, "users", "staff.nav.clients"),
    ("dossiers", DOSSIERS, "folder-open", "staff.nav.dossiers"),
    ("questionnaires", QUESTIONNAIRES, "clipboard-list", "staff.nav.questionnaires"),
    ("outbox", OUTBOX, "send", "staff.nav.outbox"),
    ("audit", AUDIT, "scroll-text", "staff.nav.audit"),
]


def _nav_link(key: str, href: str, icon: str, label_key: str, active: str) -> rx.Component:
    is_active = key == active
    extra = {"aria_current": "page"} if is_active else {}
    return rx.el.li(
        rx.link(
            rx.icon(icon, size=18, aria_hidden="true"),
            rx.text(tr(label_key), as_="span"),
            href=href,
            class_name="staff-nav-link" + (" active" if is_active else ""),
            id=f"staff-nav-{key}",
            underline="none",
            **extra,
        )
    )


def staff_nav(active: str) -> rx.Component:
    return rx.el.nav(
        rx.el.ul(
            *[_nav_link(key, href, icon, label, active) for key, href, icon, label in NAV],
            rx.cond(
                StaffState.staff_is_admin,
                _nav_link("settings", SETTINGS, "settings", "staff.nav.settings", active),
            ),
            class_name="staff-nav-list",
        ),
        aria_label=tr("staff.nav.label"),
        class_name="staff-nav",
    )


def staff_header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                brand_mark(
                    StaffState,
                    rx.badge(tr("staff.badge"), color_scheme="gray", variant="solid", high_contrast=True),
                ),
                href=STAFF,
                underline="none",
                id="office-home-link",
            ),
            rx.spacer(),
            rx.hstack(
                rx.text(StaffState.display_name, color="white", size="2", class_name="staff-user"),
                logout_button(),
                align="center",
                spacing="4",
            ),
            align="center",
            width="100%",
            padding_x="1rem",
            padding_y="0.6rem",
            wrap="wrap",
            spacing="3",
        ),
        id="staff-header",
        style={"background": StaffState.brand_colour, "color": "white"},
    )


def staff_frame(*children: rx.Component, title, active: str, actions: rx.Component | None = None) -> rx.Component:
    return rx.box(
        rx.el.a(tr("nav.skip"), href="#inhoud", class_name="skip-link"),
        staff_header(),
        idle_warning(),
        rx.box(
            staff_nav(active),
            rx.el.main(
                rx.hstack(
                    rx.heading(title, size="6", as_="h1"),
                    rx.spacer(),
                    actions if actions is not None else rx.fragment(),
                    align="center",
                    width="100%",
                    wrap="wrap",
                    spacing="3",
                    margin_bottom="1rem",
                ),
                *children,
                id="inhoud",
                # focusable from the skip link only: after "Naar de inhoud" the next Tab starts here
                tab_index=-1,
                class_name="staff-main",
                data_ready=rx.cond(StaffState.signed_in, "1", "0"),
            ),
            class_name="staff-shell",
        ),
        min_height="100vh",
        background="var(--gray-2)",
        class_name="staff-page",
        style={"--brand": StaffState.brand_colour},
        # the user's language for screen readers; assets/client_ux.js copies it to <html lang>
        custom_attrs={"lang": StaffState.lang, "data-portal-frame": "staff"},
    )
