"""Small building blocks of the staff screens: sections, tables, pager, notices, selects."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal_app.core.components.text import tr


def section(
    title, *children: rx.Component, section_id: str, count=None, actions: rx.Component | None = None
) -> rx.Component:
    heading = rx.hstack(
        rx.heading(title, size="4", as_="h2"),
        rx.badge(count, color_scheme="gray", variant="soft") if count is not None else rx.fragment(),
        rx.spacer(),
        actions if actions is not None else rx.fragment(),
        align="center",
        width="100%",
        wrap="wrap",
        spacing="2",
    )
    return rx.card(
        rx.vstack(heading, *children, spacing="3", width="100%"),
        width="100%",
        id=section_id,
        class_name="staff-section",
    )


def empty(text) -> rx.Component:
    return rx.text(text, color="var(--gray-11)", size="2", class_name="staff-empty")


def notices(notice: rx.Var, error: rx.Var, prefix: str = "staff") -> rx.Component:
    return rx.fragment(
        rx.cond(
            notice != "",
            rx.callout(
                notice,
                icon="circle-check",
                color_scheme="green",
                role="status",
                size="1",
                id=f"{prefix}-notice",
                width="100%",
            ),
        ),
        rx.cond(
            error != "",
            rx.callout(
                error,
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
                size="1",
                id=f"{prefix}-error",
                width="100%",
            ),
        ),
    )


def field_error(text: rx.Var, error_id: str) -> rx.Component:
    return rx.cond(text != "", rx.text(text, color="red", size="2", id=error_id, role="alert"))


def dialog_actions(submit_label, *, submit_id: str, color_scheme: str | None = None, **props) -> rx.Component:
    """The footer of a staff form dialog: "Annuleren" closes it, the submit button sends the form."""
    submit_props = {"color_scheme": color_scheme} if color_scheme else {}
    return rx.hstack(
        rx.dialog.close(rx.button(tr("staff.cancel"), variant="soft", color_scheme="gray", type="button")),
        rx.button(submit_label, type="submit", id=submit_id, **submit_props),
        justify="end",
        width="100%",
        spacing="2",
        **props,
    )


def form_dialog(
    heading,
    *fields: rx.Component,
    description: rx.Component | None = None,
    before: rx.Component | None = None,
    trigger: rx.Component | None = None,
    error,
    error_id: str,
    submit_label,
    submit_id: str,
    submit_color: str | None = None,
    actions_margin_top: str | None = None,
    on_submit,
    open,
    on_open_change,
) -> rx.Component:
    """A staff form in a dialog: heading, optional description, the fields, the error
    under them and "Annuleren" + submit. The form keeps its values when the server refuses."""
    content = [rx.dialog.title(*heading) if isinstance(heading, tuple) else rx.dialog.title(heading)]
    content += [part for part in (description, before) if part is not None]
    content.append(
        rx.form(
            rx.vstack(
                *fields,
                field_error(error, error_id),
                dialog_actions(
                    submit_label,
                    submit_id=submit_id,
                    color_scheme=submit_color,
                    **({"margin_top": actions_margin_top} if actions_margin_top else {}),
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=on_submit,
            reset_on_submit=False,
        )
    )
    parts = [rx.dialog.trigger(trigger)] if trigger is not None else []
    return rx.dialog.root(
        *parts, rx.dialog.content(*content, max_width="30rem"), open=open, on_open_change=on_open_change
    )


def confirm_dialog(
    title, description, confirm_label, *, on_confirm, confirm_id: str, open, on_open_change, **content_props
) -> rx.Component:
    """ "Are you sure?" for a destructive staff action: Annuleren, or the red confirm button."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(*description)
            if isinstance(description, tuple)
            else rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(tr("staff.cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(confirm_label, color_scheme="red", on_click=on_confirm, id=confirm_id)
                ),
                justify="end",
                spacing="2",
                margin_top="1rem",
            ),
            **content_props,
        ),
        open=open,
        on_open_change=on_open_change,
    )


def label(text, html_for: str) -> rx.Component:
    return rx.el.label(text, html_for=html_for, class_name="field-label")


def filter_field(text, field_id: str, field: rx.Component) -> rx.Component:
    """One labelled field of a filter bar."""
    return rx.vstack(label(text, field_id), field, spacing="1")


def period_fields(prefix: str, date_from: rx.Var, date_to: rx.Var) -> list[rx.Component]:
    """'Vanaf' and 'Tot en met' day fields, named date_from and date_to (the period of
    core/services/staff_access.day_period), ids <prefix>-from and <prefix>-to."""
    return [
        filter_field(
            tr("staff.filter.from"),
            f"{prefix}-from",
            rx.input(id=f"{prefix}-from", name="date_from", type="date", default_value=date_from),
        ),
        filter_field(
            tr("staff.filter.until"),
            f"{prefix}-to",
            rx.input(id=f"{prefix}-to", name="date_to", type="date", default_value=date_to),
        ),
    ]


def filter_bar(*fields: rx.Component, prefix: str, on_submit, on_clear) -> rx.Component:
    """The filter form of a staff list (audit log, outbox): fields, "Filteren" and "Filters wissen";
    uncontrolled fields whose values the state keeps in the URL."""
    return rx.form(
        rx.hstack(
            *fields,
            rx.button(
                rx.icon("filter", size=14, aria_hidden="true"),
                tr("staff.filter.apply"),
                type="submit",
                id=f"{prefix}-apply",
            ),
            rx.button(
                tr("staff.filter.clear"),
                type="button",
                variant="soft",
                color_scheme="gray",
                on_click=on_clear,
                id=f"{prefix}-clear",
            ),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
        id=f"{prefix}-filters",
    )


def native_select(
    options: rx.Var,
    *,
    select_id: str,
    name: str | None = None,
    value=None,
    default_value=None,
    on_change=None,
    aria_label=None,
) -> rx.Component:
    """A plain <select>: options are SelectOption rows (core/services/select_option.py)."""
    props = {"id": select_id, "class_name": "staff-select"}
    if name is not None:
        props["name"] = name
    if value is not None:
        props["value"] = value
    if default_value is not None:
        props["default_value"] = default_value
    if on_change is not None:
        props["on_change"] = on_change
    if aria_label is not None:
        props["aria_label"] = aria_label
    return rx.el.select(rx.foreach(options, lambda option: rx.el.option(option.label, value=option.value)), **props)


def static_select(options: list[tuple[str, rx.Var | str]], *, select_id: str, **props) -> rx.Component:
    """A plain <select> with options known when the page is built."""
    return rx.el.select(
        *[rx.el.option(text, value=value) for value, text in options],
        id=select_id,
        class_name="staff-select",
        **props,
    )


def table(headers: list, rows: rx.Var, render_row: Callable[[rx.Var], rx.Component], *, table_id: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, render_row)),
            variant="surface",
            size="1",
            width="100%",
            id=table_id,
        ),
        class_name="staff-table-wrap",
        width="100%",
    )


def pager(state, prev_event, next_event, *, pager_id: str) -> rx.Component:
    """Vorige / Volgende with 'Pagina x van y (n)'. `state` has page, page_count and page_text."""
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16, aria_hidden="true"),
            tr("staff.prev"),
            on_click=prev_event,
            disabled=state.page <= 0,
            variant="soft",
            type="button",
            id=f"{pager_id}-prev",
        ),
        rx.text(state.page_text, size="2", color="var(--gray-11)", aria_live="polite", id=f"{pager_id}-text"),
        rx.button(
            tr("staff.next"),
            rx.icon("chevron-right", size=16, aria_hidden="true"),
            on_click=next_event,
            disabled=state.page >= state.page_count - 1,
            variant="soft",
            type="button",
            id=f"{pager_id}-next",
        ),
        align="center",
        justify="center",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def state_badge(state_var: rx.Var, label_var: rx.Var) -> rx.Component:
    return rx.badge(
        label_var,
        color_scheme=rx.match(
            state_var,
            ("active", "green"),
            ("blocked", "red"),
            ("invited", "amber"),
            ("failed", "red"),
            ("sent", "green"),
            ("retrying", "amber"),
            "gray",
        ),
        variant="soft",
    )


def status_badge(status: rx.Var, label_var: rx.Var) -> rx.Component:
    return rx.badge(
        label_var,
        color_scheme=rx.match(
            status, ("in_behandeling", "blue"), ("wacht_op_klant", "amber"), ("gepasseerd", "green"), "gray"
        ),
        variant="soft",
    )


def file_link(*children, href, **props) -> rx.Component:
    """A plain <a> to the authenticated download route (a full request, not client-side routing)."""
    return rx.el.a(*children, href=href, class_name="staff-file-link " + props.pop("class_name", ""), **props)
