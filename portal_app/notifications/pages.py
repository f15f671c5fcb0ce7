"""Outbox (/staff/outbox)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_layout import staff_frame
from portal_app.core.components.staff_widgets import (
    empty,
    filter_bar,
    filter_field,
    notices,
    pager,
    period_fields,
    state_badge,
    table,
)
from portal_app.core.components.text import tr
from portal_app.notifications.states import StaffOutboxState as S

STATUSES = ("queued", "sending", "sent", "retrying", "failed")


def outbox_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.created, white_space="nowrap"),
        # the person first, the address under it (a client is known by name at the office)
        rx.table.cell(
            rx.cond(
                row.recipient_name != "",
                rx.fragment(
                    rx.text(row.recipient_name, class_name="staff-wrap"),
                    rx.text(row.recipient, size="1", color="var(--gray-11)", class_name="staff-wrap"),
                ),
                rx.text(row.recipient, class_name="staff-wrap"),
            )
        ),
        rx.table.cell(
            rx.cond(row.subject != "", rx.text(row.subject, class_name="staff-wrap"), rx.text(row.kind_label)),
            rx.cond(
                row.subject != "", rx.text(row.kind_label, size="1", color="var(--gray-11)", class_name="staff-wrap")
            ),
            data_kind=row.kind,
        ),
        rx.table.cell(
            state_badge(row.status, row.status_label),
            rx.cond(
                row.attempts != 0,
                rx.text(tr("staff.outbox.attempts"), " ", row.attempts, size="1", color="var(--gray-11)"),
            ),
        ),
        rx.table.cell(
            rx.cond(row.sent != "", row.sent, rx.text(row.error, size="1", color="red", class_name="staff-wrap"))
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.can_retry,
                    rx.button(
                        rx.icon("rotate-cw", size=14, aria_hidden="true"),
                        tr("staff.outbox.retry"),
                        on_click=S.retry(row.id),
                        size="1",
                        type="button",
                        aria_label=tr("staff.outbox.retry") + " " + row.recipient,
                    ),
                ),
                rx.cond(
                    S.staff_is_admin,
                    rx.button(
                        rx.icon("eye", size=14, aria_hidden="true"),
                        tr("staff.outbox.view"),
                        on_click=S.show_content(row.id),
                        size="1",
                        variant="soft",
                        type="button",
                        aria_label=tr("staff.outbox.view") + " " + row.recipient,
                    ),
                ),
                spacing="1",
                min_width="max-content",  # else the buttons overflow the last column, cut off at the table's edge
            )
        ),
        data_status=row.status,
        data_item_id=row.id,
    )


def content_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.content.subject != "", S.content.subject, tr("staff.outbox.sms"))),
            # the person first, as in the list; the address (or phone number) in brackets
            rx.dialog.description(
                tr("staff.outbox.to"),
                " ",
                rx.cond(
                    S.content.recipient_name != "",
                    S.content.recipient_name + " (" + S.content.recipient + ")",
                    S.content.recipient,
                ),
                size="2",
                color="var(--gray-11)",
                id="mail-recipient",
            ),
            rx.text(tr("staff.outbox.masked"), size="1", color="var(--gray-11)", margin_top="0.5rem"),
            rx.cond(
                S.content.html_url != "",
                # the HTML part as the recipient sees it: an authenticated route (audit/api.py) in a
                # frame that may run nothing (empty sandbox: no scripts, forms or navigation)
                rx.el.iframe(
                    src=S.content.html_url,
                    sandbox="",
                    title=tr("staff.outbox.as_seen"),
                    referrer_policy="no-referrer",
                    id="mail-html",
                    style={
                        "width": "100%",
                        "height": "min(60vh, 32rem)",
                        "border": "1px solid var(--gray-6)",
                        "borderRadius": "6px",
                        "background": "white",
                        "marginTop": "0.5rem",
                    },
                ),
                rx.box(
                    rx.text(
                        S.content.body,
                        white_space="pre-wrap",
                        size="2",
                        class_name="staff-wrap",
                        style={"overflowWrap": "anywhere"},
                    ),
                    class_name="mail-body",
                    id="mail-body",
                ),
            ),
            rx.hstack(rx.dialog.close(rx.button(tr("staff.close"), variant="soft")), justify="end", margin_top="1rem"),
            max_width="40rem",
        ),
        open=S.content_open,
        on_open_change=S.set_content_open,
    )


def filter_form() -> rx.Component:
    """Person and period, as on the audit log; the values travel in the URL (states.py)."""
    return filter_bar(
        filter_field(
            tr("staff.outbox.person"),
            "outbox-person",
            rx.input(
                id="outbox-person",
                name="person",
                default_value=S.f_person,
                max_length=254,
                placeholder=tr("staff.outbox.person_hint"),
            ),
        ),
        *period_fields("outbox", S.f_date_from, S.f_date_to),
        prefix="outbox",
        on_submit=S.apply_filters,
        on_clear=S.clear_filters,
    )


def staff_outbox_page() -> rx.Component:
    return staff_frame(
        content_dialog(),
        rx.vstack(
            notices(S.notice, S.error, prefix="outbox"),
            rx.hstack(
                rx.segmented_control.root(
                    rx.segmented_control.item(tr("staff.outbox.mail"), value="mail"),
                    rx.segmented_control.item(tr("staff.outbox.sms"), value="sms"),
                    value=S.channel,
                    on_change=S.set_channel,
                    id="outbox-channel",
                ),
                rx.el.select(
                    rx.el.option(tr("staff.outbox.all"), value="all"),
                    *[
                        rx.el.option(
                            tr(f"staff.outbox.status.{status}") + " (" + S.counts[status] + ")",
                            value=status,
                        )
                        for status in STATUSES
                    ],
                    value=S.status_filter,
                    on_change=S.set_status_filter,
                    aria_label=tr("staff.outbox.status_label"),
                    id="outbox-status-filter",
                    class_name="staff-select",
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            filter_form(),
            rx.cond(~S.staff_is_admin, rx.text(tr("staff.outbox.admin_only"), size="1", color="var(--gray-11)")),
            rx.cond(
                S.rows.length() > 0,
                table(
                    [
                        tr("staff.outbox.created"),
                        tr("staff.outbox.to"),
                        tr("staff.outbox.subject"),
                        tr("staff.outbox.status_label"),
                        tr("staff.outbox.sent_or_error"),
                        tr("staff.doc.actions"),
                    ],
                    S.rows,
                    outbox_row,
                    table_id="outbox-table",
                ),
                empty(rx.cond(S.filters_active, tr("staff.outbox.none_found"), tr("staff.outbox.none"))),
            ),
            pager(S, S.prev_page, S.next_page, pager_id="outbox-pager"),
            spacing="3",
            width="100%",
        ),
        title=tr("staff.outbox.title"),
        active="outbox",
    )
