"""The signing sections: the appointment, what to bring and the road, on the client's dossier page and Home.

The road is an ordered list; each step says its state in words (not by colour alone).
The .ics link is a plain <a> to the authenticated route (signing/api.py), so the
browser downloads it instead of routing client-side.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A

from portal_app.core.components.text import tr
from portal_app.core.pages import routes
from portal_app.signing.states.signing import SigningState as S

plain_link = A.create


def _road_icon(name: str, colour: str) -> rx.Component:
    return rx.icon(name, size=18, color=colour, aria_hidden="true", flex_shrink="0", margin_top="2px")


def road_step(step: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.match(
            step.state,
            ("done", _road_icon("circle-check", "var(--green-10)")),
            ("waiting_for_client", _road_icon("circle-alert", "var(--amber-10)")),
            _road_icon("circle", "var(--gray-8)"),
        ),
        rx.box(
            rx.text(step.label, as_="span", weight="medium", class_name="road-label", display="block"),
            rx.text(
                step.state_text,
                rx.cond(step.detail != "", " · " + step.detail, ""),
                rx.cond(step.date != "", " · " + step.date, ""),
                as_="span",
                size="2",
                color="var(--gray-11)",
                class_name="road-state",
                display="block",
            ),
            # issue 17: wherever payment is mentioned, the IBAN-fraud warning goes with it
            rx.cond(
                step.key == "payment_received",
                rx.text(
                    rx.icon("shield-alert", size=14, aria_hidden="true", display="inline", vertical_align="-2px"),
                    " " + tr("payments.road_warning"),
                    as_="span",
                    size="1",
                    class_name="road-payment-warning",
                    display="block",
                    # amber step 11 is 4.49:1 on the card at this size; step 12 reads (WCAG 1.4.3)
                    color="var(--amber-12)",
                ),
            ),
        ),
        class_name="road-step",
        display="flex",
        gap=".6rem",
        align_items="flex-start",
        padding=".3rem 0",
        custom_attrs={"data-state": step.state, "data-key": step.key},
    )


def road_list(steps: rx.Var, list_id: str | rx.Var) -> rx.Component:
    return rx.el.ol(
        rx.foreach(steps, road_step), class_name="road", id=list_id, list_style="none", padding="0", margin="0"
    )


def checklist_item(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.checkbox(
            item.label,
            checked=item.done,
            on_change=lambda checked: S.set_item_done(item.id, checked),
            size="2",
            id="check-" + item.id.to_string(),
        ),
        class_name="checklist-item",
        custom_attrs={"data-done": rx.cond(item.done, "true", "false")},
    )


def request_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(tr("signing.reason"), html_for="signing-reason", class_name="field-label"),
            rx.text_area(
                id="signing-reason",
                name="reason",
                rows="3",
                max_length=2000,
                width="100%",
                aria_describedby="signing-reason-hint",
            ),
            rx.text(tr("signing.reason_hint"), id="signing-reason-hint", size="2", color="var(--gray-11)"),
            rx.cond(
                S.request_error != "",
                rx.text(S.request_error, color="red", size="2", role="alert", id="signing-request-error"),
            ),
            rx.hstack(
                rx.button(tr("signing.send_request"), type="submit", id="signing-send-request"),
                rx.button(
                    tr("signing.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.set_request_open(False),
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.send_request,
        reset_on_submit=False,
        width="100%",
        id="signing-request-form",
    )


def appointment_card() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("calendar-clock", size=20, aria_hidden="true"),
            rx.text(S.day + ", " + S.time, weight="bold", id="signing-when"),
            rx.badge(S.countdown, color_scheme=rx.cond(S.past, "gray", "blue"), size="2", id="signing-countdown"),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.el.dl(
            rx.cond(
                S.location != "",
                rx.box(
                    rx.el.dt(tr("signing.place"), class_name="fact-label"),
                    rx.el.dd(S.location, id="signing-location", class_name="fact-value"),
                    class_name="fact",
                ),
            ),
            rx.cond(
                S.video_url != "",
                rx.box(
                    rx.el.dt(tr("signing.video"), class_name="fact-label"),
                    rx.el.dd(
                        rx.link(S.video_url, href=S.video_url, is_external=True, id="signing-video"),
                        class_name="fact-value",
                    ),
                    class_name="fact",
                ),
            ),
            rx.cond(
                S.notary_name != "",
                rx.box(
                    rx.el.dt(tr("signing.notary"), class_name="fact-label"),
                    rx.el.dd(S.notary_name, id="signing-notary", class_name="fact-value"),
                    class_name="fact",
                ),
            ),
            class_name="facts",
        ),
        rx.hstack(
            plain_link(
                rx.icon("calendar-plus", size=16, aria_hidden="true"),
                rx.el.span(tr("signing.calendar")),
                href=S.calendar_href,
                download=True,
                class_name="button-link",
                id="signing-ics",
            ),
            rx.cond(
                ~S.request_open & ~S.past,
                rx.button(
                    tr("signing.ask_other_time"),
                    variant="soft",
                    on_click=S.set_request_open(True),
                    id="signing-ask-other",
                ),
            ),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
        rx.cond(S.request_open, request_form()),
        rx.cond(
            S.request_notice != "",
            rx.callout(
                S.request_notice,
                icon="circle-check",
                color_scheme="green",
                role="status",
                size="1",
                id="signing-request-notice",
            ),
        ),
        rx.text(tr("signing.change_note"), size="2", color="var(--gray-11)"),
        spacing="3",
        width="100%",
    )


def checklist_block() -> rx.Component:
    return rx.cond(
        S.items.length() > 0,
        rx.vstack(
            rx.heading(tr("signing.checklist_title"), as_="h3", size="3"),
            rx.text(tr("signing.checklist_hint"), size="2", color="var(--gray-11)"),
            rx.el.ul(rx.foreach(S.items, checklist_item), class_name="checklist", id="signing-checklist"),
            rx.cond(S.error != "", rx.text(S.error, color="red", size="2", role="alert")),
            spacing="2",
            width="100%",
        ),
    )


def signing_section() -> rx.Component:
    """The dossier page's section: appointment, checklist and road (nothing when there is none of them)."""
    return rx.box(
        rx.cond(
            S.loaded & (S.has_appointment | (S.steps.length() > 0)),
            rx.el.section(
                rx.vstack(
                    rx.cond(
                        S.has_appointment,
                        rx.vstack(
                            rx.heading(tr("signing.title"), as_="h2", size="4", id="signing-heading"),
                            appointment_card(),
                            checklist_block(),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        S.steps.length() > 0,
                        rx.vstack(
                            rx.heading(tr("road.title"), as_="h2", size="4", id="road-heading"),
                            road_list(S.steps, "dossier-road"),
                            spacing="2",
                            width="100%",
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                class_name="signing-section",
                id="signing",
                aria_labelledby=rx.cond(S.has_appointment, "signing-heading", "road-heading"),
            ),
        ),
        width="100%",
    )


def home_road_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(
                rx.text(item.number + " · " + item.description, weight="bold"),
                href=routes.DOSSIERS + "/" + item.dossier_id.to_string(),
            ),
            rx.cond(
                item.appointment != "",
                rx.hstack(
                    rx.icon("calendar-clock", size=16, aria_hidden="true"),
                    rx.text(tr("signing.title") + ": " + item.appointment, size="2"),
                    rx.badge(item.countdown, color_scheme="blue", class_name="home-countdown"),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
            ),
            road_list(item.steps, "road-" + item.dossier_id.to_string()),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="home-road",
        custom_attrs={"data-dossier": item.number},
    )


def home_road_section(roads: rx.Var) -> rx.Component:
    """Home: the road of each open dossier with an appointment or a draft deed (HomeState.home_roads)."""
    return rx.box(
        rx.cond(
            roads.length() > 0,
            rx.el.section(
                rx.heading(tr("road.title"), as_="h2", size="5", id="home-road-heading", margin_bottom=".5rem"),
                rx.vstack(rx.foreach(roads, home_road_card), spacing="3", width="100%"),
                aria_labelledby="home-road-heading",
                id="home-road",
            ),
        ),
        width="100%",
    )
