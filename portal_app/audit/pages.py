"""Auditlog (/staff/audit)."""

from __future__ import annotations

import reflex as rx

from portal_app.audit.states import StaffAuditState as S
from portal_app.core.components.staff_layout import DOSSIERS, staff_frame
from portal_app.core.components.staff_widgets import empty, filter_bar, filter_field, pager, period_fields, table
from portal_app.core.components.text import tr


def audit_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.at, white_space="nowrap"),
        # the event in plain words; its code stays in the row's data-event and in the CSV export
        rx.table.cell(rx.text(row.description, size="2", class_name="staff-wrap")),
        rx.table.cell(rx.text(row.actor, size="2", class_name="staff-wrap")),
        rx.table.cell(
            rx.cond(row.dossier_id, rx.link(row.dossier, href=DOSSIERS + "/" + row.dossier_id.to_string()), rx.text(""))
        ),
        rx.table.cell(rx.text(row.target_label, size="2", class_name="staff-wrap")),
        rx.table.cell(
            rx.text(row.detail, size="1", class_name="staff-wrap"),
            rx.cond(row.ip != "", rx.text(row.ip, size="1", color="var(--gray-11)")),
        ),
        data_event=row.event,
    )


def filter_form() -> rx.Component:
    return filter_bar(
        filter_field(
            tr("staff.audit.account"),
            "audit-account",
            rx.input(
                id="audit-account",
                name="account",
                default_value=S.f_account,
                max_length=254,
                placeholder=tr("staff.audit.account_hint"),
            ),
        ),
        filter_field(
            tr("staff.audit.dossier"),
            "audit-dossier",
            rx.input(id="audit-dossier", name="dossier", default_value=S.f_dossier, max_length=40, width="9rem"),
        ),
        filter_field(
            tr("staff.audit.event_type"),
            "audit-type",
            rx.el.select(
                rx.el.option(tr("staff.audit.all_types"), value=""),
                rx.foreach(S.event_types, lambda kind: rx.el.option(kind.label, value=kind.code)),
                id="audit-type",
                name="event_type",
                default_value=S.f_event_type,
                class_name="staff-select",
            ),
        ),
        *period_fields("audit", S.f_date_from, S.f_date_to),
        prefix="audit",
        on_submit=S.apply_filters,
        on_clear=S.clear_filters,
    )


def staff_audit_page() -> rx.Component:
    return staff_frame(
        rx.vstack(
            rx.cond(
                S.error != "",
                rx.callout(
                    S.error,
                    icon="triangle-alert",
                    color_scheme="red",
                    role="alert",
                    size="1",
                    id="audit-error",
                    width="100%",
                ),
            ),
            filter_form(),
            rx.text(S.total_text, " ", tr("staff.audit.events"), size="2", color="var(--gray-11)", id="audit-count"),
            rx.cond(
                S.rows.length() > 0,
                table(
                    [
                        tr("staff.audit.when"),
                        tr("staff.audit.event_type"),
                        tr("staff.audit.who"),
                        tr("staff.audit.dossier"),
                        tr("staff.audit.target"),
                        tr("staff.audit.detail"),
                    ],
                    S.rows,
                    audit_row,
                    table_id="audit-table",
                ),
                empty(tr("staff.audit.none")),
            ),
            pager(S, S.prev_page, S.next_page, pager_id="audit-pager"),
            spacing="3",
            width="100%",
        ),
        title=tr("staff.audit.title"),
        active="audit",
        actions=rx.el.a(
            rx.icon("download", size=14, aria_hidden="true"),
            tr("staff.audit.export"),
            href=S.export_href,
            id="audit-export",
            download="auditlog.csv",
            class_name="staff-button-link",
        ),
    )
