"""Dossiers (manual 2.1): search, status filter, the list with unread badges, pagination.

The list is a real <table>; at phone width CSS turns every row into a card
(assets/portal.css, `.rtable`). The "Openen" link of a row covers the whole
row, so a click anywhere on the row opens the dossier, and the keyboard reaches
it as an ordinary link.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.badges import status_badge, unread_badge
from portal_app.core.components.layout import page_frame
from portal_app.core.components.live_region import skeleton
from portal_app.core.components.text import tr
from portal_app.core.pages import routes
from portal_app.dossiers.states.dossiers import DossierListState as S


def search_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(tr("dossiers.search_label"), html_for="dossier-search", class_name="field-label"),
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
                    id="dossier-search",
                    name="q",
                    type="search",
                    default_value=S.search,
                    max_length=100,
                    auto_complete="off",
                    on_change=S.set_search,
                    flex="1",
                    min_width="0",
                ),
                rx.button(tr("dossiers.search"), type="submit", id="dossier-search-button"),
                width="100%",
                spacing="2",
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=S.submit_search,
        role="search",
        width="100%",
        max_width="34rem",
    )


def status_checkbox(option: rx.Var) -> rx.Component:
    return rx.checkbox(
        option.label,
        checked=S.status_filter.contains(option.value),
        on_change=lambda checked: S.toggle_status(option.value, checked),
        size="2",
    )


def status_filter() -> rx.Component:
    """Only offered when the account's dossiers have more than one status."""
    return rx.cond(
        S.status_options.length() > 1,
        rx.el.details(
            rx.el.summary(
                rx.icon("list-filter", size=16, aria_hidden="true"),
                rx.text(tr("dossiers.filter"), as_="span"),
                rx.cond(
                    S.status_filter.length() > 0,
                    rx.badge(S.status_filter.length(), variant="solid", radius="full", size="1"),
                ),
                class_name="filter-summary",
                id="status-filter-toggle",
            ),
            rx.el.fieldset(
                rx.el.legend(tr("dossiers.filter_legend"), class_name="field-label"),
                rx.flex(rx.foreach(S.status_options, status_checkbox), wrap="wrap", spacing="4", margin_top=".25rem"),
                rx.text(tr("dossiers.filter_hint"), size="1", color="var(--gray-11)", margin_top=".5rem"),
                class_name="filter-panel",
            ),
            class_name="status-filter",
            id="status-filter",
        ),
    )


def dossier_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row.number, weight="medium", class_name="dossier-number"),
            custom_attrs={"data-label": tr("dossiers.col_number")},
        ),
        rx.el.td(
            rx.text(row.description, class_name="dossier-description"),
            custom_attrs={"data-label": tr("dossiers.col_description")},
        ),
        rx.el.td(
            status_badge(row.status, row.status_label),
            custom_attrs={"data-label": tr("dossiers.col_status")},
        ),
        rx.el.td(
            rx.cond(row.unread > 0, unread_badge(row.unread)),
            custom_attrs={"data-label": tr("dossiers.col_unread")},
            class_name=rx.cond(row.unread > 0, "cell-unread", "cell-unread cell-empty"),
        ),
        rx.el.td(
            rx.link(
                tr("dossiers.open"),
                href=routes.DOSSIERS + "/" + row.id.to_string(),
                class_name="row-link button-link",
                # the visible "Openen" first: a spoken command must match what is on screen (WCAG 2.5.3)
                aria_label=tr("dossiers.open") + " " + row.number,
                underline="none",
            ),
            class_name="cell-action",
        ),
        class_name="dossier-row",
        id="dossier-row-" + row.number,
    )


def dossier_table() -> rx.Component:
    return rx.el.table(
        rx.el.caption(tr("dossiers.list_label"), class_name="sr-only"),
        rx.el.thead(
            rx.el.tr(
                rx.el.th(tr("dossiers.col_number"), scope="col"),
                rx.el.th(tr("dossiers.col_description"), scope="col"),
                rx.el.th(tr("dossiers.col_status"), scope="col"),
                rx.el.th(tr("dossiers.col_unread"), scope="col"),
                rx.el.th(rx.el.span(tr("dossiers.col_open"), class_name="sr-only"), scope="col"),
            )
        ),
        rx.el.tbody(rx.foreach(S.rows, dossier_row)),
        class_name="rtable dossier-table",
        id="dossier-table",
    )


def pagination() -> rx.Component:
    return rx.cond(
        S.page_count > 1,
        rx.el.nav(
            rx.hstack(
                rx.button(
                    rx.icon("chevron-left", size=16, aria_hidden="true"),
                    tr("dossiers.prev"),
                    on_click=S.previous_page,
                    disabled=S.page <= 0,
                    variant="soft",
                    id="page-prev",
                ),
                rx.text(S.page_text, size="2", id="page-text"),
                rx.button(
                    tr("dossiers.next"),
                    rx.icon("chevron-right", size=16, aria_hidden="true"),
                    on_click=S.next_page,
                    disabled=S.page >= S.page_count - 1,
                    variant="soft",
                    id="page-next",
                ),
                align="center",
                justify="center",
                spacing="3",
                wrap="wrap",
            ),
            aria_label=tr("dossiers.pagination"),
            width="100%",
        ),
    )


def dossiers_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.flex(
                search_form(),
                status_filter(),
                spacing="3",
                align="end",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(
                S.loaded,
                rx.vstack(
                    rx.text(S.count_text, size="2", color="var(--gray-11)", id="dossier-count", role="status"),
                    rx.cond(
                        S.total > 0,
                        dossier_table(),
                        rx.callout(
                            # a search or filter with no match, or no dossier at all yet (issue 14)
                            rx.cond(
                                (S.search != "") | (S.status_filter.length() > 0),
                                tr("dossiers.none"),
                                tr("dossiers.none_yet"),
                            ),
                            icon="info",
                            id="dossiers-none",
                            width="100%",
                        ),
                    ),
                    pagination(),
                    spacing="3",
                    width="100%",
                ),
                # until the list is there: grey blocks of about its height, no "0 dossiers" flash
                rx.vstack(
                    skeleton("line", style={"width": "12rem"}),
                    skeleton("block"),
                    spacing="3",
                    width="100%",
                    id="dossiers-loading",
                    aria_hidden="true",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        title=tr("dossiers.title"),
    )
