"""Accounts -> Extra accounts (manual 2.2): the list with "Nieuw account",
"Inzien" and "Verwijderen", and one extra account with the dossiers it sees.

The manual's icons are kept (user-plus, eye, trash) and always come with a
text label; buttons in a row also carry the account's name for screen readers.
"""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.states.company_accounts import LIST_PATH
from portal_app.accounts.states.company_accounts import CompanyAccountsState as S
from portal_app.core.components.layout import page_frame
from portal_app.core.components.text import tr


def error_box(lines, box_id: str) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.box(rx.foreach(lines, lambda line: rx.text(line, size="2"))),
        color_scheme="red",
        role="alert",
        id=box_id,
        width="100%",
    )


def notices() -> rx.Component:
    return rx.fragment(
        rx.cond(
            S.notice != "",
            rx.callout(
                S.notice, icon="circle-check", color_scheme="green", role="status", id="company-notice", width="100%"
            ),
        ),
        rx.cond(S.errors.length() > 0, error_box(S.errors, "company-error")),
    )


def back_link(text, href: str, link_id: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16, aria_hidden="true"), text, align="center", spacing="1"),
        href=href,
        id=link_id,
        size="2",
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("company.delete_title")),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.text(S.delete_name, weight="bold", class_name="wrap-anywhere", id="delete-name"),
                    rx.text(S.delete_email, class_name="wrap-anywhere"),
                    rx.text(tr("company.delete_help")),
                    spacing="2",
                ),
                size="2",
            ),
            rx.hstack(
                # Plain buttons (not Radix' Cancel/Action, which would also fire on_open_change).
                rx.button(
                    tr("company.cancel"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.cancel_delete,
                    id="delete-cancel",
                ),
                rx.button(
                    rx.icon("trash-2", size=16, aria_hidden="true"),
                    tr("company.delete_confirm"),
                    color_scheme="red",
                    on_click=S.confirm_delete,
                    id="delete-confirm",
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
                wrap="wrap",
            ),
            max_width="30rem",
        ),
        open=S.delete_open,
        on_open_change=lambda open_now: S.cancel_delete(),
    )


def new_account_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(tr("company.new"), size="4", as_="h2"),
                rx.text(tr("company.new_help"), size="2", color="var(--gray-11)"),
                rx.flex(
                    rx.vstack(
                        rx.el.label(tr("company.name"), html_for="extra-name", class_name="field-label"),
                        rx.input(
                            id="extra-name",
                            name="name",
                            required=True,
                            max_length=200,
                            auto_complete="off",
                            width="100%",
                        ),
                        spacing="1",
                        flex="1 1 14rem",
                    ),
                    rx.vstack(
                        rx.el.label(tr("company.email"), html_for="extra-email", class_name="field-label"),
                        rx.input(
                            id="extra-email",
                            name="email",
                            type="email",
                            required=True,
                            max_length=254,
                            auto_complete="off",
                            width="100%",
                        ),
                        spacing="1",
                        flex="1 1 16rem",
                    ),
                    gap="0.75rem",
                    wrap="wrap",
                    width="100%",
                ),
                rx.cond(S.new_errors.length() > 0, error_box(S.new_errors, "new-account-error")),
                rx.hstack(
                    rx.button(
                        rx.icon("send", size=16, aria_hidden="true"),
                        tr("company.create"),
                        type="submit",
                        id="create-extra",
                    ),
                    rx.button(
                        tr("company.cancel"), type="button", variant="soft", color_scheme="gray", on_click=S.close_new
                    ),
                    wrap="wrap",
                    spacing="2",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=S.create_account,
            id="new-account-form",
        ),
        width="100%",
    )


def account_row(row) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row.name, weight="medium", class_name="wrap-anywhere"), data_label=tr("company.col_name")),
        rx.el.td(rx.text(row.email, class_name="wrap-anywhere"), data_label=tr("company.col_email")),
        rx.el.td(
            rx.badge(
                row.state_label,
                color_scheme=rx.match(row.state, ("active", "green"), ("invited", "orange"), "red"),
                variant="soft",
            ),
            data_label=tr("company.col_state"),
        ),
        rx.el.td(row.last_login, data_label=tr("company.col_last_login")),
        rx.el.td(row.dossier_count, data_label=tr("company.col_dossiers"), class_name="cell-number"),
        rx.el.td(
            rx.hstack(
                rx.link(
                    rx.icon("eye", size=16, aria_hidden="true"),
                    rx.el.span(tr("company.view")),
                    rx.el.span(" ", row.name, class_name="sr-only"),
                    href=LIST_PATH + "/" + row.id.to_string(),
                    class_name="button-link download-link",
                    underline="none",
                    id="view-" + row.id.to_string(),
                ),
                rx.button(
                    rx.icon("trash-2", size=16, aria_hidden="true"),
                    rx.el.span(tr("company.delete")),
                    rx.el.span(" ", row.name, class_name="sr-only"),
                    variant="soft",
                    color_scheme="red",
                    size="2",
                    on_click=S.ask_delete(row.id),
                    id="delete-" + row.id.to_string(),
                ),
                spacing="2",
                wrap="nowrap",
            ),
            class_name="cell-action",
        ),
        class_name="extra-row",
        data_email=row.email,
    )


def accounts_table() -> rx.Component:
    return rx.cond(
        S.rows.length() > 0,
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th(tr("company.col_name"), scope="col"),
                    rx.el.th(tr("company.col_email"), scope="col"),
                    rx.el.th(tr("company.col_state"), scope="col"),
                    rx.el.th(tr("company.col_last_login"), scope="col"),
                    rx.el.th(tr("company.col_dossiers"), scope="col"),
                    rx.el.th(rx.el.span(tr("company.col_actions"), class_name="sr-only"), scope="col"),
                )
            ),
            rx.el.tbody(rx.foreach(S.rows, account_row)),
            class_name="rtable",
            id="extra-accounts",
        ),
        rx.text(tr("company.none"), color="var(--gray-11)", id="no-extra-accounts"),
    )


def list_content() -> rx.Component:
    return rx.vstack(
        back_link(tr("company.back_to_details"), "/mijn-gegevens", "back-to-details"),
        rx.text(tr("company.intro"), color="var(--gray-11)"),
        notices(),
        rx.cond(
            S.new_open,
            new_account_form(),
            rx.button(
                rx.icon("user-plus", size=16, aria_hidden="true"),
                tr("company.new"),
                on_click=S.open_new,
                id="new-extra",
            ),
        ),
        accounts_table(),
        delete_dialog(),
        spacing="4",
        width="100%",
    )


def company_accounts_page() -> rx.Component:
    return page_frame(
        rx.cond(
            S.loaded,
            rx.cond(
                S.allowed,
                list_content(),
                rx.vstack(
                    notices(),
                    back_link(tr("company.back_to_details"), "/mijn-gegevens", "back-to-details"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.text(tr("company.loading"), color="var(--gray-11)"),
        ),
        title=tr("company.title"),
    )


# --------------------------------------------------------------------------- one account ("Inzien")


def fact(label, value, fact_id: str) -> rx.Component:
    return rx.box(
        rx.el.dt(label, class_name="fact-label"),
        rx.el.dd(value, class_name="fact-value wrap-anywhere", id=fact_id),
    )


def dossier_choice(row) -> rx.Component:
    return rx.el.li(
        rx.el.label(
            rx.checkbox(
                checked=row.granted,
                on_change=lambda value: S.set_access(row.id, value),
                id="access-" + row.id.to_string(),
                size="2",
                # Radix's checkbox is a <button>: the wrapping label does not name it for screen readers
                aria_label=row.number + " " + row.description,
            ),
            rx.el.span(
                rx.el.strong(row.number),
                " ",
                rx.el.span(row.description, class_name="wrap-anywhere"),
                " ",
                rx.badge(row.status_label, color_scheme="gray", variant="soft", size="1"),
            ),
            class_name="choice-label",
        ),
        class_name="dossier-choice",
        data_number=row.number,
    )


def detail_content() -> rx.Component:
    return rx.vstack(
        back_link(tr("company.back"), LIST_PATH, "back-to-list"),
        notices(),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(tr("company.details"), size="4", as_="h2"),
                    rx.badge(
                        S.detail.state_label,
                        color_scheme=rx.match(S.detail.state, ("active", "green"), ("invited", "orange"), "red"),
                        variant="soft",
                    ),
                    align="center",
                    wrap="wrap",
                    spacing="2",
                ),
                rx.el.dl(
                    fact(tr("company.email"), S.detail.email, "extra-email-value"),
                    fact(tr("company.last_login"), S.detail.last_login, "extra-last-login"),
                    fact(tr("company.created_on"), S.detail.created, "extra-created"),
                    fact(tr("company.language"), S.detail.language_label, "extra-language"),
                    class_name="facts",
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(tr("company.dossiers"), size="4", as_="h2"),
                rx.text(tr("company.dossiers_help"), size="2", color="var(--gray-11)"),
                rx.cond(
                    S.detail_dossiers.length() > 0,
                    rx.el.ul(
                        rx.foreach(S.detail_dossiers, dossier_choice),
                        class_name="dossier-choices",
                        id="dossier-choices",
                    ),
                    rx.text(tr("company.no_dossiers"), color="var(--gray-11)"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="extra-dossiers",
        ),
        rx.box(
            rx.button(
                rx.icon("trash-2", size=16, aria_hidden="true"),
                tr("company.delete"),
                rx.el.span(" ", S.detail.name, class_name="sr-only"),
                color_scheme="red",
                variant="soft",
                on_click=S.ask_delete(S.detail.id),
                id="delete-extra",
            ),
        ),
        delete_dialog(),
        spacing="4",
        width="100%",
    )


def company_account_page() -> rx.Component:
    return page_frame(
        rx.cond(
            S.loaded,
            rx.cond(
                S.allowed,
                rx.cond(
                    S.not_found,
                    rx.vstack(
                        rx.callout(
                            tr("error.not_found"),
                            icon="triangle-alert",
                            color_scheme="red",
                            role="alert",
                            id="extra-not-found",
                        ),
                        back_link(tr("company.back"), LIST_PATH, "back-to-list"),
                        spacing="3",
                    ),
                    detail_content(),
                ),
                rx.vstack(
                    notices(),
                    back_link(tr("company.back_to_details"), "/mijn-gegevens", "back-to-details"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.text(tr("company.loading"), color="var(--gray-11)"),
        ),
        title=rx.cond(S.detail.name, S.detail.name, tr("company.title")),
    )
