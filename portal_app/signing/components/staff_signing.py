"""The staff dossier page's section "Passeerafspraak": set or change the appointment, edit the checklist."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.row_actions import remove_icon_button
from portal_app.core.components.staff_widgets import empty, label, native_select, notices, section
from portal_app.core.components.text import tr
from portal_app.dossiers.states.staff_dossiers import StaffDossierState as D
from portal_app.signing.states.staff_signing import StaffSigningState as T


def _field(text_key: str, control: rx.Component, field_id: str) -> rx.Component:
    return rx.vstack(
        label(tr(text_key), field_id), rx.box(control, width="100%"), spacing="1", min_width="12rem", flex="1"
    )


def appointment_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.flex(
                _field(
                    "signing.day",
                    rx.input(type="date", name="day", id="signing-day", default_value=T.form_day),
                    "signing-day",
                ),
                _field(
                    "signing.time",
                    rx.input(type="time", name="time", id="signing-time", default_value=T.form_time),
                    "signing-time",
                ),
                _field(
                    "signing.notary",
                    native_select(
                        T.notary_options, select_id="signing-notary-select", name="notary", default_value=T.form_notary
                    ),
                    "signing-notary-select",
                ),
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            rx.flex(
                _field(
                    "signing.location",
                    rx.input(
                        name="location",
                        id="signing-location-input",
                        default_value=T.form_location,
                        max_length=300,
                        width="100%",
                    ),
                    "signing-location-input",
                ),
                _field(
                    "signing.video_url",
                    rx.input(
                        type="url",
                        name="video_url",
                        id="signing-video-input",
                        default_value=T.form_video_url,
                        max_length=500,
                    ),
                    "signing-video-input",
                ),
                _field(
                    "signing.kind",
                    native_select(T.kind_options, select_id="signing-kind", name="kind", default_value=T.form_kind),
                    "signing-kind",
                ),
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            rx.text(tr("signing.location_hint"), size="1", color="var(--gray-11)"),
            rx.hstack(
                rx.button(
                    rx.cond(T.has_appointment, tr("signing.change"), tr("signing.save")),
                    type="submit",
                    id="signing-save",
                ),
                rx.cond(
                    T.has_appointment,
                    rx.button(
                        tr("signing.remove"),
                        type="button",
                        variant="soft",
                        color_scheme="red",
                        on_click=T.remove_appointment,
                        id="signing-remove",
                    ),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=T.save_appointment,
        reset_on_submit=False,
        key=T.form_key.to_string(),
        width="100%",
        id="signing-form",
    )


def staff_item(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(
                item.label,
                rx.cond(item.done, rx.text(" (" + tr("signing.ticked") + ")", as_="span", color="green"), ""),
                size="2",
            ),
            rx.spacer(),
            remove_icon_button(tr("signing.remove_item"), item.label, T.remove_item(item.id)),
            align="center",
            width="100%",
        ),
        class_name="checklist-item",
    )


def checklist_editor() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("signing.checklist_title"), as_="h3", size="3"),
        rx.cond(
            T.items.length() > 0,
            rx.el.ul(rx.foreach(T.items, staff_item), id="staff-checklist", class_name="checklist"),
            empty(tr("signing.checklist_empty")),
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="label",
                    id="signing-item-label",
                    max_length=200,
                    aria_label=tr("signing.checklist_add"),
                    flex="1",
                ),
                rx.button(tr("signing.checklist_add"), type="submit", variant="soft", id="signing-item-add"),
                spacing="2",
                width="100%",
            ),
            on_submit=T.add_item,
            reset_on_submit=True,
            width="100%",
        ),
        rx.cond(T.item_error != "", rx.text(T.item_error, color="red", size="2", role="alert")),
        spacing="2",
        width="100%",
    )


def staff_signing_section() -> rx.Component:
    return rx.box(
        section(
            tr("signing.title"),
            notices(T.notice, T.error, prefix="signing"),
            rx.cond(
                T.has_appointment,
                rx.hstack(
                    rx.text(T.summary, id="signing-summary", size="2"),
                    rx.badge(T.countdown, color_scheme="blue"),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                empty(tr("signing.staff_none")),
            ),
            appointment_form(),
            checklist_editor(),
            section_id="staff-signing",
        ),
        on_mount=T.load_staff_signing,
        key=D.header["id"],
        width="100%",
    )
