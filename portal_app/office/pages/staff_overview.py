"""Overzicht (/staff): what needs the office's attention; it refreshes itself while open."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_layout import CLIENTS, DOSSIERS, OUTBOX, SETTINGS, staff_frame
from portal_app.core.components.staff_widgets import empty, file_link, section
from portal_app.core.components.text import tr
from portal_app.office.states.staff_overview import StaffOverviewState as S


def _dossier_link(row: rx.Var) -> rx.Component:
    return rx.link(row.dossier_number, href=DOSSIERS + "/" + row.dossier_id.to_string(), weight="medium")


def _item(icon: str | rx.Component, colour: str, title: rx.Component, meta: rx.Component) -> rx.Component:
    """One line of an overview list: a coloured icon (a fixed name, or a ready icon), the item, and a grey line under it."""
    return rx.el.li(
        rx.hstack(
            icon if isinstance(icon, rx.Component) else rx.icon(icon, size=16, color=colour, aria_hidden="true"),
            rx.vstack(title, meta, spacing="0", min_width="0"),
            align="start",
            spacing="2",
        ),
        class_name="staff-list-item",
    )


def _by_whom(row: rx.Var) -> rx.Component:
    return rx.text(row.author, " · ", _dossier_link(row), " · ", row.date, size="1", color="var(--gray-11)")


def unread_item(row: rx.Var) -> rx.Component:
    return _item(
        "mail",
        "var(--orange-9)",
        rx.link(
            row.subject,
            href=DOSSIERS + "/" + row.dossier_id.to_string() + "?tab=berichten",
            weight="bold",
            class_name="staff-wrap",
        ),
        _by_whom(row),
    )


def delivery_item(row: rx.Var) -> rx.Component:
    return _item(
        "file-up",
        "var(--blue-9)",
        file_link(row.title, href="/files/" + row.id.to_string(), class_name="staff-wrap"),
        _by_whom(row),
    )


def questionnaire_item(row: rx.Var) -> rx.Component:
    return _item(
        "clipboard-check",
        "var(--green-9)",
        rx.text(row.title, weight="medium", class_name="staff-wrap"),
        _by_whom(row),
    )


def failed_item(row: rx.Var) -> rx.Component:
    # Two fixed icons in an rx.cond, not rx.icon(<state value>): an icon name from the state
    # makes Reflex bundle all of its ~1,600 icons into the build.
    return _item(
        rx.cond(
            row.channel == "sms",
            rx.icon("message-square", size=16, color="var(--red-9)", aria_hidden="true"),
            rx.icon("mail-x", size=16, color="var(--red-9)", aria_hidden="true"),
        ),
        "var(--red-9)",
        rx.text(row.recipient, weight="medium", class_name="staff-wrap"),
        rx.text(row.kind, " · ", row.date, " · ", row.error, size="1", color="var(--gray-11)", class_name="staff-wrap"),
    )


def invite_item(row: rx.Var) -> rx.Component:
    return _item(
        "user-plus",
        "var(--amber-9)",
        rx.link(
            rx.cond(row.company != "", row.company + " (" + row.name + ")", row.name),
            href=CLIENTS + "/" + row.id.to_string(),
            weight="medium",
            class_name="staff-wrap",
        ),
        rx.text(
            row.email,
            " · ",
            tr("staff.overview.invited_on"),
            " ",
            row.sent,
            rx.cond(row.expired, rx.badge(tr("staff.overview.expired"), color_scheme="red", margin_left="0.4rem")),
            size="1",
            color="var(--gray-11)",
            class_name="staff-wrap",
        ),
    )


def _list(rows: rx.Var, render, empty_key: str, list_id: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.el.ul(rx.foreach(rows, render), class_name="staff-list", id=list_id),
        empty(tr(empty_key)),
    )


def scope_switch() -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item(tr("staff.overview.for_me"), value="mine"),
        rx.segmented_control.item(tr("staff.overview.for_all"), value="all"),
        value=S.scope,
        on_change=S.set_scope,
        size="1",
        id="scope-switch",
    )


def mail_notice() -> rx.Component:
    """Outgoing mail is not set up or not getting through: said calmly, with where to look."""
    return rx.cond(
        S.mail_problem != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("mail-warning", aria_hidden="true")),
            rx.callout.text(
                rx.text(tr("staff.overview.mail_problem"), weight="bold", as_="span"),
                " ",
                S.mail_problem,
                " ",
                rx.cond(
                    S.staff_is_admin,
                    rx.link(tr("staff.overview.to_mail_settings"), href=SETTINGS + "#mail-section"),
                    rx.link(tr("staff.overview.to_outbox"), href=OUTBOX),
                ),
            ),
            color_scheme="amber",
            size="1",
            id="mail-notice",
            role="status",
            width="100%",
            margin_bottom="1rem",
        ),
    )


def staff_overview_page() -> rx.Component:
    return staff_frame(
        mail_notice(),
        rx.grid(
            section(
                tr("staff.overview.unread"),
                _list(S.unread_rows, unread_item, "staff.overview.unread_none", "unread-list"),
                section_id="unread-messages",
                count=S.unread_total,
                actions=scope_switch(),
            ),
            section(
                tr("staff.overview.deliveries"),
                _list(S.delivery_rows, delivery_item, "staff.overview.deliveries_none", "delivery-list"),
                section_id="deliveries",
                count=S.delivery_total,
            ),
            section(
                tr("staff.overview.questionnaires"),
                _list(
                    S.questionnaire_rows, questionnaire_item, "staff.overview.questionnaires_none", "questionnaire-list"
                ),
                section_id="questionnaires",
                count=S.questionnaire_total,
            ),
            section(
                tr("staff.overview.failed"),
                _list(S.failed_rows, failed_item, "staff.overview.failed_none", "failed-list"),
                rx.cond(
                    S.failed_total > 0,
                    rx.link(tr("staff.overview.to_outbox"), href=OUTBOX + "?status=failed", size="2"),
                ),
                section_id="failed-outbox",
                count=S.failed_total,
            ),
            section(
                tr("staff.overview.invitations"),
                _list(S.invite_rows, invite_item, "staff.overview.invitations_none", "invite-list"),
                section_id="invitations",
                count=S.invite_total,
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
            # the lists refresh by themselves while the page is open (StaffOverviewState.poll_updates)
            on_mount=S.poll_updates,
        ),
        title=tr("staff.overview.title"),
        active="overview",
        actions=rx.hstack(
            rx.text(tr("staff.overview.live"), size="1", color="var(--gray-11)", id="live-hint"),
            rx.button(
                rx.icon("refresh-cw", size=14, aria_hidden="true"),
                tr("staff.refresh"),
                on_click=S.refresh,
                variant="soft",
                size="2",
                id="refresh",
            ),
            align="center",
            spacing="3",
        ),
    )
