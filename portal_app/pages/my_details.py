"""Mijn gegevens: name, e-mail, mobile number and 'Instellen taal'."""

from __future__ import annotations

import reflex as rx

from portal_app.components.layout import page_frame
from portal_app.states.my_details import MyDetailsState


def detail_row(label, value, row_id: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, weight="medium", min_width="10rem"),
        rx.text(value, id=row_id),
        wrap="wrap",
    )


def my_details_page() -> rx.Component:
    return page_frame(
        rx.cond(
            MyDetailsState.first_visit,
            rx.callout(MyDetailsState.tr["my_details.first_login"], icon="info", margin_bottom="1rem", id="first-login-note"),
        ),
        rx.card(
            rx.vstack(
                detail_row(MyDetailsState.tr["my_details.name"], MyDetailsState.name, "detail-name"),
                detail_row(MyDetailsState.tr["my_details.email"], MyDetailsState.email, "detail-email"),
                detail_row(MyDetailsState.tr["my_details.phone"], MyDetailsState.phone, "detail-phone"),
                spacing="3",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(MyDetailsState.tr["my_details.language"], size="4", as_="h2"),
                rx.radio_group.root(
                    rx.hstack(
                        rx.el.label(rx.radio_group.item(value="nl"), MyDetailsState.tr["lang.nl"], class_name="radio-label"),
                        rx.el.label(rx.radio_group.item(value="en"), MyDetailsState.tr["lang.en"], class_name="radio-label"),
                        spacing="4",
                    ),
                    value=MyDetailsState.lang,
                    on_change=MyDetailsState.choose_language,
                    aria_label=MyDetailsState.tr["my_details.language"],
                ),
                spacing="3",
            ),
            width="100%",
            margin_top="1rem",
        ),
        title=MyDetailsState.tr["my_details.title"],
    )
