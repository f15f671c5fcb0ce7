"""Home: the tiles Dossiers, Acties and Mijn gegevens."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.layout import page_frame
from portal_app.core.components.live_region import skeleton
from portal_app.core.components.text import tr
from portal_app.core.components.tile import tile
from portal_app.core.pages import routes
from portal_app.dossiers.states.home import HomeState
from portal_app.signing.components.signing import home_road_section


def count(value: rx.Var, count_id: str) -> rx.Component:
    """A tile's big number, or a skeleton of the same height until Home has loaded."""
    return rx.cond(
        HomeState.loaded,
        rx.text(value, size="7", weight="bold", id=count_id),
        rx.box(skeleton("number"), height="var(--line-height-7)", display="flex", align_items="center"),
    )


def dossiers_tile() -> rx.Component:
    return tile(
        icon="folder-open",
        title=tr("tile.dossiers"),
        href=routes.DOSSIERS,
        tile_id="tile-dossiers",
        body=rx.hstack(
            rx.vstack(
                count(HomeState.dossiers_in_progress, "count-in-progress"),
                rx.text(tr("tile.dossiers_in_progress"), size="2", color="var(--gray-11)"),
                spacing="0",
            ),
            rx.vstack(
                count(HomeState.dossiers_total, "count-total"),
                rx.text(tr("tile.dossiers_total"), size="2", color="var(--gray-11)"),
                spacing="0",
            ),
            spacing="6",
        ),
    )


def actions_tile() -> rx.Component:
    return tile(
        icon="clipboard-list",
        title=tr("tile.actions"),
        href="/acties",
        tile_id="tile-actions",
        body=rx.vstack(
            count(HomeState.open_actions, "count-actions"),
            rx.text(tr("tile.actions_open"), size="2", color="var(--gray-11)"),
            spacing="0",
        ),
    )


def my_details_tile() -> rx.Component:
    return tile(
        icon="user-round-cog",
        title=tr("tile.my_details"),
        href=routes.MY_DETAILS,
        tile_id="tile-my-details",
        body=rx.text(tr("tile.my_details_text"), size="2", color="var(--gray-11)"),
    )


def home_page() -> rx.Component:
    return page_frame(
        rx.grid(
            dossiers_tile(),
            actions_tile(),
            my_details_tile(),
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="4",
            width="100%",
            # room between the tiles and the sections below them
            margin_bottom="1.5rem",
        ),
        home_road_section(HomeState.home_roads),
        title=tr("home.title"),
    )
