"""Acties: open questionnaires with dossier and date, "Invullen"; and the ones done."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.layout import page_frame
from portal_app.core.components.text import tr
from portal_app.questionnaires.states.actions import ActionRow
from portal_app.questionnaires.states.actions import ActionsState as S


def open_item(item: ActionRow) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading(item.title, size="4", as_="h3"),
                rx.text(item.dossier, size="2", class_name="wrap-anywhere"),
                rx.text(item.date, " · ", item.progress, size="2", color="var(--gray-11)"),
                spacing="1",
                flex="1 1 18rem",
                min_width="0",
            ),
            rx.button(
                rx.link(
                    rx.icon("pencil-line", size=16, aria_hidden="true"),
                    tr("actions.fill_in"),
                    href=item.href,
                    underline="none",
                ),
                as_child=True,
                size="3",
            ),
            gap="3",
            align="center",
            justify="between",
            wrap="wrap",
        ),
        width="100%",
        class_name="action-item",
    )


def done_item(item: ActionRow) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading(item.title, size="3", as_="h3"),
                rx.text(item.dossier, size="2", class_name="wrap-anywhere"),
                rx.text(item.date, size="2", color="var(--gray-11)"),
                spacing="1",
                flex="1 1 18rem",
                min_width="0",
            ),
            rx.link(tr("actions.view"), href=item.href, size="2"),
            gap="3",
            align="center",
            justify="between",
            wrap="wrap",
        ),
        width="100%",
        variant="surface",
    )


def actions_page() -> rx.Component:
    return page_frame(
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.cond(
                    S.open_items.length() > 0,
                    rx.vstack(
                        rx.text(tr("actions.intro"), size="3"),
                        rx.heading(tr("actions.open_heading"), size="4", as_="h2"),
                        rx.vstack(rx.foreach(S.open_items, open_item), spacing="3", width="100%", id="actions-open"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.callout(
                        tr("actions.none"), icon="circle-check", color_scheme="green", id="actions-none", width="100%"
                    ),
                ),
                rx.cond(
                    S.done_items.length() > 0,
                    rx.vstack(
                        rx.heading(tr("actions.completed_heading"), size="4", as_="h2", margin_top="1rem"),
                        rx.vstack(rx.foreach(S.done_items, done_item), spacing="2", width="100%", id="actions-done"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.fragment(),
                ),
                spacing="3",
                width="100%",
                max_width="48rem",
            ),
            rx.text(tr("actions.loading"), color="var(--gray-11)", role="status"),
        ),
        title=tr("actions.title"),
    )
