"""One dossier (manual 2.1.1): header, Voortgang and the four tabs.

Voortgang is a native <details>: collapsed by default, opened with mouse or
keyboard without a round trip. The tabs are Radix tabs (arrow keys move between
them). Each tab label carries its number of items and, when there are any,
a badge with the number of unread ones.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A

from portal_app.core.components.badges import status_badge, unread_badge
from portal_app.core.components.layout import page_frame
from portal_app.core.components.live_region import skeleton
from portal_app.core.components.text import tr
from portal_app.core.pages import routes
from portal_app.deeds.components.drafts import deed_drafts_section
from portal_app.documents.models import DocumentKind
from portal_app.dossiers.states.dossier import MESSAGES_TAB
from portal_app.dossiers.states.dossier import DossierState as S
from portal_app.messages.components import messages_tab
from portal_app.payments.components.payments import client_payment_section
from portal_app.signing.components.signing import signing_section

# A plain <a>: rx.el.a becomes a React Router link, which would swallow the
# click and route client-side instead of letting the browser download the file.
plain_link = A.create


def fact(label, value: rx.Component, fact_id: str) -> rx.Component:
    return rx.box(
        rx.el.dt(label, class_name="fact-label"),
        rx.el.dd(value, id=fact_id, class_name="fact-value"),
        class_name="fact",
    )


def dossier_header() -> rx.Component:
    return rx.el.dl(
        fact(tr("dossier.number"), rx.text(S.number, weight="medium"), "dossier-number"),
        fact(tr("dossier.status"), status_badge(S.status, S.status_label), "dossier-status"),
        fact(tr("dossier.handler"), rx.text(S.handler_name), "dossier-handler"),
        class_name="facts",
    )


def progress_step(step: rx.Var) -> rx.Component:
    done = step.done
    return rx.el.li(
        rx.cond(
            done,
            rx.icon("circle-check", size=18, color="var(--green-10)", aria_hidden="true", flex_shrink="0"),
            rx.icon("circle", size=18, color="var(--gray-8)", aria_hidden="true", flex_shrink="0"),
        ),
        rx.el.span(rx.cond(done, tr("dossier.step_done"), tr("dossier.step_todo")) + ": ", class_name="sr-only"),
        rx.text(step.title, as_="span", class_name="step-title"),
        rx.cond(done, rx.text(step.date, as_="span", size="2", color="var(--gray-11)", class_name="step-date")),
        class_name="step",
        custom_attrs={"data-done": rx.cond(done, "true", "false")},
    )


def progress_section() -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.icon("chevron-right", size=18, aria_hidden="true", class_name="summary-chevron"),
            rx.text(
                tr("dossier.progress") + " (" + S.progress_done.to_string() + "/" + S.progress_total.to_string() + ")",
                as_="span",
                weight="medium",
            ),
            id="progress-summary",
            class_name="progress-summary",
        ),
        rx.cond(
            S.progress_total > 0,
            rx.el.ol(rx.foreach(S.steps, progress_step), class_name="steps", id="progress-steps"),
            rx.text(tr("dossier.progress_empty"), size="2", color="var(--gray-11)", padding=".5rem 0"),
        ),
        class_name="progress",
        id="progress",
    )


def tab_trigger(key: str, label_key: str) -> rx.Component:
    unread = S.tab_unread[key]
    return rx.tabs.trigger(
        rx.hstack(
            rx.text(tr(label_key) + " (" + S.tab_totals[key].to_string() + ")", as_="span"),
            rx.cond(unread > 0, unread_badge(unread)),
            align="center",
            spacing="2",
        ),
        value=key,
        id=f"tab-{key}",
    )


def document_row(document: rx.Var) -> rx.Component:
    unread = document.unread
    return rx.el.tr(
        rx.el.td(
            rx.cond(unread, rx.el.span(tr("doc.unread") + ": ", class_name="sr-only")),
            rx.text(document.title, as_="span", class_name="doc-title"),
            custom_attrs={"data-label": tr("doc.title")},
        ),
        rx.el.td(
            rx.text(document.filename, as_="span", class_name="doc-filename"),
            custom_attrs={"data-label": tr("doc.filename")},
        ),
        rx.el.td(document.date, custom_attrs={"data-label": tr("doc.date")}),
        rx.el.td(document.size, custom_attrs={"data-label": tr("doc.size")}),
        rx.el.td(
            plain_link(
                rx.icon("download", size=16, aria_hidden="true"),
                rx.el.span(tr("doc.download")),
                href="/files/" + document.id.to_string(),
                download=True,
                on_click=S.mark_document_read(document.id),
                class_name="button-link download-link",
                aria_label=tr("doc.download") + ": " + document.title,
            ),
            class_name="cell-action",
        ),
        class_name=rx.cond(unread, "doc-row unread", "doc-row"),
        custom_attrs={"data-unread": rx.cond(unread, "true", "false")},
    )


def document_table(rows: rx.Var, table_id: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th(tr("doc.title"), scope="col"),
                    rx.el.th(tr("doc.filename"), scope="col"),
                    rx.el.th(tr("doc.date"), scope="col"),
                    rx.el.th(tr("doc.size"), scope="col"),
                    rx.el.th(rx.el.span(tr("doc.download"), class_name="sr-only"), scope="col"),
                )
            ),
            rx.el.tbody(rx.foreach(rows, document_row)),
            class_name="rtable doc-table",
            id=table_id,
        ),
        rx.text(tr("doc.empty"), color="var(--gray-11)", padding_y="1rem"),
    )


def dossier_tabs() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            tab_trigger(DocumentKind.CORRESPONDENCE, "tab.correspondence"),
            tab_trigger(DocumentKind.DOCUMENT, "tab.documents"),
            tab_trigger(DocumentKind.DELIVERED, "tab.delivered"),
            tab_trigger(MESSAGES_TAB, "tab.messages"),
            aria_label=tr("dossier.tabs"),
            class_name="dossier-tablist",
        ),
        rx.tabs.content(
            document_table(S.correspondence, "docs-correspondentie"),
            value=DocumentKind.CORRESPONDENCE,
            class_name="tab-panel",
        ),
        rx.tabs.content(
            document_table(S.other_documents, "docs-document"), value=DocumentKind.DOCUMENT, class_name="tab-panel"
        ),
        rx.tabs.content(
            document_table(S.delivered, "docs-aangeleverd"), value=DocumentKind.DELIVERED, class_name="tab-panel"
        ),
        rx.tabs.content(messages_tab(), value=MESSAGES_TAB, class_name="tab-panel"),
        default_value=DocumentKind.CORRESPONDENCE,
        width="100%",
        id="dossier-tabs",
    )


def dossier_view() -> rx.Component:
    return rx.vstack(
        dossier_header(),
        progress_section(),
        deed_drafts_section(),
        signing_section(),
        client_payment_section(),
        dossier_tabs(),
        spacing="4",
        width="100%",
    )


def back_link() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16, aria_hidden="true"), tr("dossier.back"), align="center", spacing="1"),
        href=routes.DOSSIERS,
        id="back-to-dossiers",
    )


def dossier_page() -> rx.Component:
    return page_frame(
        rx.cond(
            S.found,
            rx.vstack(rx.cond(S.has_list, back_link()), dossier_view(), spacing="3", width="100%"),
            rx.cond(
                S.not_found,
                rx.link(tr("notfound.back"), href=routes.HOME, id="dossier-not-found"),
                rx.vstack(
                    rx.el.span(tr("dossier.loading"), class_name="sr-only"),
                    skeleton("line", style={"width": "8rem"}),
                    skeleton("block", style={"height": "5rem"}),
                    skeleton("block"),
                    spacing="3",
                    width="100%",
                    id="dossier-loading",
                ),
            ),
        ),
        title=rx.cond(
            S.found,
            S.description,
            rx.cond(S.not_found, tr("error.not_found"), tr("dossier.loading")),
        ),
    )
