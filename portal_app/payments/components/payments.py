"""The payment sections (issue 17): the client's Betaling block with the EPC QR code, the
IBAN-fraud warning, the staff's nota van afrekening, and the admin's derdengeldenrekening
with the messages held for another account number.

The warning ("we never send a new account number by message or e-mail; call us") appears
wherever payment is mentioned: with the client's payment details, in the composer when a
draft names another IBAN, next to the staff forms, on the road's payment step (Home and the
dossier page, signing/components/signing.py) and in the footer of every mail.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.staff_widgets import field_error, label, section
from portal_app.core.components.text import tr
from portal_app.payments.states.payments import ClientPaymentState as P
from portal_app.payments.states.payments import StaffPaymentState as T
from portal_app.payments.states.payments import TrustAccountState as A


def payment_warning(phone: rx.Var, warning_id: str) -> rx.Component:
    """Never a new account number by message or mail: call the office on its known number."""
    return rx.callout(
        rx.text(
            tr("payments.warning"),
            rx.cond(
                phone != "", rx.text(" " + tr("payments.warning_call") + " ", rx.el.strong(phone), ".", as_="span")
            ),
            as_="span",
        ),
        icon="shield-alert",
        color_scheme="amber",
        role="note",
        size="1",
        width="100%",
        id=warning_id,
    )


def _fact(label_key: str, value: rx.Var, fact_id: str, extra_class: str = "") -> rx.Component:
    return rx.box(
        rx.el.dt(tr(label_key), class_name="fact-label"),
        rx.el.dd(value, id=fact_id, class_name=f"fact-value {extra_class}".strip()),
        class_name="fact",
    )


# --------------------------------------------------------------------------- client


def _qr_block() -> rx.Component:
    payment = P.payment
    return rx.cond(
        payment.qr_data_uri != "",
        rx.vstack(
            rx.image(
                src=payment.qr_data_uri,
                alt=tr("payments.qr_alt"),
                width="180px",
                height="180px",
                id="payment-qr",
                style={"image_rendering": "pixelated", "background": "white"},
            ),
            rx.text(tr("payments.qr_help"), size="1", color="var(--gray-11)", max_width="22rem"),
            spacing="1",
        ),
    )


def client_payment_section() -> rx.Component:
    """Betaling on the client's dossier page: the only place a client gets payment details."""
    payment = P.payment
    return rx.cond(
        payment.exists,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(tr("payments.title"), size="4", as_="h2"),
                    rx.cond(
                        payment.paid,
                        rx.badge(
                            tr("payments.paid_on") + " " + payment.paid_on,
                            color_scheme="green",
                            id="payment-paid",
                        ),
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.flex(
                    rx.el.dl(
                        _fact("payments.purchase_price", payment.purchase_price, "payment-price"),
                        _fact("payments.costs", payment.costs, "payment-costs"),
                        _fact("payments.total", rx.el.strong(payment.total), "payment-total"),
                        _fact("payments.due_date", payment.due_date, "payment-due"),
                        _fact("payments.reference", rx.el.strong(payment.reference), "payment-reference"),
                        rx.cond(
                            payment.iban != "",
                            rx.fragment(
                                _fact(
                                    "payments.iban",
                                    rx.el.strong(payment.iban),
                                    "payment-iban",
                                    extra_class="payment-iban",
                                ),
                                _fact("payments.account_name", payment.account_name, "payment-account-name"),
                                _fact("payments.bank", payment.bank_name, "payment-bank"),
                            ),
                        ),
                        class_name="facts",
                        style={"flex": "1 1 20rem"},
                    ),
                    rx.cond(payment.paid, rx.fragment(), _qr_block()),
                    gap="1.5rem",
                    wrap="wrap",
                    align="start",
                    width="100%",
                ),
                rx.cond(
                    payment.iban == "",
                    rx.text(tr("payments.no_account_yet"), size="2", id="payment-no-account"),
                ),
                payment_warning(payment.office_phone, "payment-warning"),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="payment-section",
        ),
    )


def iban_draft_warning() -> rx.Component:
    """In the client's composer: the draft names an account number that is not the office's."""
    return rx.cond(
        P.draft_ibans.length() > 0,
        rx.callout(
            rx.text(
                tr("payments.draft_warning") + " ",
                rx.el.strong(P.draft_ibans.join(", ")),
                ". " + tr("payments.draft_warning_call"),
                as_="span",
            ),
            icon="shield-alert",
            color_scheme="red",
            role="alert",
            size="1",
            width="100%",
            id="iban-draft-warning",
        ),
    )


# --------------------------------------------------------------------------- staff dossier page


def _staff_input(name: str, label_key: str, default, **props) -> rx.Component:
    field_id = f"settlement-{name.replace('_', '-')}"
    return rx.vstack(
        label(tr(label_key), field_id),
        rx.input(id=field_id, name=name, default_value=default, width="100%", **props),
        field_error(T.settlement_errors[name], f"{field_id}-error"),
        spacing="1",
        min_width="12rem",
        flex="1",
    )


def _paid_block() -> rx.Component:
    settlement = T.settlement
    return rx.cond(
        settlement.paid,
        rx.hstack(
            rx.badge(tr("payments.paid_on") + " " + settlement.paid_on, color_scheme="green", id="staff-paid"),
            rx.button(
                tr("payments.staff.undo_paid"),
                on_click=T.clear_paid,
                variant="soft",
                color_scheme="gray",
                type="button",
                id="clear-paid",
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.form(
            rx.hstack(
                rx.vstack(
                    label(tr("payments.staff.paid_date"), "settlement-paid-on"),
                    rx.input(id="settlement-paid-on", name="paid_on", type="date", width="12rem"),
                    spacing="1",
                ),
                rx.button(
                    rx.icon("circle-check", size=14, aria_hidden="true"),
                    tr("payments.staff.mark_paid"),
                    type="submit",
                    id="mark-paid",
                ),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            field_error(T.settlement_errors["paid_on"], "settlement-paid-on-error"),
            on_submit=T.mark_paid,
            reset_on_submit=False,
            no_validate=True,
            id="paid-form",
            key=T.settlement_form_key,
        ),
    )


def staff_payment_section() -> rx.Component:
    """Nota van afrekening on the staff dossier page."""
    settlement = T.settlement
    return section(
        tr("payments.staff.title"),
        rx.text(tr("payments.staff.help"), size="2", color="var(--gray-11)"),
        rx.form(
            rx.vstack(
                rx.flex(
                    _staff_input(
                        "purchase_price", "payments.purchase_price", settlement.purchase_price, input_mode="decimal"
                    ),
                    _staff_input("costs", "payments.costs", settlement.costs, input_mode="decimal"),
                    _staff_input("due_date", "payments.due_date", settlement.due_date_iso, type="date"),
                    _staff_input("reference", "payments.reference", settlement.reference, max_length=35),
                    gap="3",
                    wrap="wrap",
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("save", size=14, aria_hidden="true"),
                        tr("staff.save"),
                        type="submit",
                        id="save-settlement",
                    ),
                    rx.cond(settlement.exists, rx.text(tr("payments.total") + ": " + settlement.total, size="2")),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=T.save_settlement,
            reset_on_submit=False,
            no_validate=True,
            id="settlement-form",
            key=T.settlement_form_key,
            width="100%",
        ),
        rx.cond(settlement.exists, _paid_block()),
        rx.cond(
            T.settlement_notice != "",
            rx.text(T.settlement_notice, color="green", size="2", role="status", id="settlement-notice"),
        ),
        rx.text(tr("payments.staff.warning"), size="1", color="var(--gray-11)"),
        section_id="settlement-section",
    )


# --------------------------------------------------------------------------- admin settings


def _account_input(name: str, label_key: str, default, **props) -> rx.Component:
    field_id = f"trust-{name.replace('_', '-')}"
    return rx.vstack(
        label(tr(label_key), field_id),
        rx.input(id=field_id, name=name, default_value=default, width="100%", **props),
        field_error(A.account_errors[name], f"{field_id}-error"),
        spacing="1",
        width="100%",
        max_width="26rem",
    )


def trust_account_section() -> rx.Component:
    """Derdengeldenrekening: changed only with the admin's own 2-step code."""
    account = A.account
    return section(
        tr("payments.admin.title"),
        rx.text(tr("payments.admin.help"), size="2", color="var(--gray-11)"),
        rx.cond(
            account.iban != "",
            rx.text(
                tr("payments.admin.current") + ": ",
                rx.el.strong(account.iban, id="trust-current-iban"),
                " (" + account.account_name + ", " + account.bank_name + ") · " + account.updated_at,
                size="2",
            ),
            rx.text(tr("payments.admin.none"), size="2", color="red", id="trust-current-iban"),
        ),
        rx.form(
            rx.vstack(
                _account_input("iban", "payments.iban", account.iban, auto_complete="off", spell_check=False),
                _account_input("account_name", "payments.account_name", account.account_name, max_length=70),
                _account_input("bank_name", "payments.bank", account.bank_name, max_length=100),
                _account_input("office_phone", "payments.admin.phone", account.office_phone, type="tel"),
                rx.text(tr("payments.admin.phone_help"), size="1", color="var(--gray-11)"),
                rx.separator(size="4"),
                rx.text(
                    rx.cond(
                        A.two_factor_method == "sms", tr("payments.admin.code_help_sms"), tr("payments.admin.code_help")
                    ),
                    size="2",
                ),
                rx.cond(
                    A.two_factor_method == "sms",
                    rx.hstack(
                        rx.button(
                            tr("payments.admin.send_code"),
                            on_click=A.send_code,
                            type="button",
                            variant="soft",
                            id="trust-send-code",
                        ),
                        rx.cond(A.code_sent, rx.text(tr("payments.admin.code_sent"), size="2", role="status")),
                        align="center",
                        spacing="3",
                    ),
                ),
                _account_input(
                    "code",
                    "payments.admin.code",
                    "",
                    auto_complete="one-time-code",
                    input_mode="numeric",
                    max_length=20,
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("shield-check", size=14, aria_hidden="true"),
                        tr("payments.admin.save"),
                        type="submit",
                        id="trust-save",
                    ),
                    rx.cond(
                        A.account_notice != "",
                        rx.text(A.account_notice, color="green", size="2", role="status", id="trust-notice"),
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                field_error(A.account_error, "trust-error"),
                spacing="3",
                width="100%",
            ),
            on_submit=A.save_trust_account,
            reset_on_submit=False,
            no_validate=True,
            id="trust-form",
            key=A.account_form_key,
            width="100%",
        ),
        section_id="trust-account-section",
    )


def _held_row(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.text(
                rx.el.strong(row.subject),
                " · " + tr("dossier.number") + " " + row.dossier_number + " · " + row.author + " · " + row.date,
                size="2",
            ),
            rx.text(tr("payments.held.ibans") + ": ", rx.el.strong(row.ibans), size="2", color="red"),
            rx.text(row.body, white_space="pre-wrap", size="2", class_name="message-body"),
            rx.hstack(
                rx.button(
                    tr("payments.held.release"),
                    on_click=A.release_held(row.id),
                    type="button",
                    id="release-held-" + row.id.to_string(),
                ),
                rx.button(
                    tr("payments.held.refuse"),
                    on_click=A.refuse_held(row.id),
                    type="button",
                    color_scheme="red",
                    variant="soft",
                    id="refuse-held-" + row.id.to_string(),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        class_name="held-message",
        width="100%",
        padding_y=".5rem",
        border_bottom="1px solid var(--gray-5)",
    )


def held_messages_section() -> rx.Component:
    """Staff messages held because they name another IBAN: Vrijgeven or Weigeren."""
    return section(
        tr("payments.held.title"),
        rx.text(tr("payments.held.help"), size="2", color="var(--gray-11)"),
        rx.cond(
            A.held.length() > 0,
            rx.el.ul(rx.foreach(A.held, _held_row), id="held-messages", style={"list_style": "none", "padding": 0}),
            rx.text(tr("payments.held.none"), size="2", color="var(--gray-11)", id="held-none"),
        ),
        rx.cond(A.held_notice != "", rx.text(A.held_notice, size="2", role="status", id="held-notice")),
        section_id="held-messages-section",
        count=A.held.length(),
    )


def admin_payment_sections() -> rx.Component:
    """Both admin blocks of Instellingen."""
    return rx.fragment(trust_account_section(), held_messages_section())
