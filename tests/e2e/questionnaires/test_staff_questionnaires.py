"""Questionnaires, the office's side, in Chromium with two browsers side by side:
staff build a new template with a conditional question, preview it in both
languages and send it to the demo client on dossier 2026-0142; the client sees
the Acties count go up, fills it in and completes it; staff see it completed,
open the result (an answer "<b>vet</b>" shows literally) and the PDF, and send it
back for correction; the client can edit it again.

Own SQLite portal (production build). Screenshots: screenshots/staff-vragenlijsten*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.audit.models import AuditEvent
from portal_app.core.services.db import make_engine
from portal_app.dossiers.models import Dossier
from portal_app.settings import load_settings
from tests.e2e.conftest import DESKTOP, PHONE, _start_portal, _stop, login, screenshot

pytestmark = pytest.mark.e2e

STAFF = "notaris@example.nl"
CLIENT = "jansen@example.nl"
TITLE = "Vragenlijst sleuteloverdracht"
ANSWER = "<b>vet</b>"


@pytest.fixture(autouse=True)
def patient_expectations():
    expect.set_options(timeout=20_000)  # every step is a server round trip
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    started, process = _start_portal(tmp_path_factory.mktemp("staff-questionnaires"), "sqlite", {})
    started.setup_name = "sqlite"
    started.engine = make_engine(load_settings(started.env).database_url)
    try:
        yield started
    finally:
        _stop(process)
        started.engine.dispose()


def top_screenshot(page, name: str) -> None:
    """A full-page screenshot from the top (the staff menu is sticky: scrolled, it would sit mid-page)."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def wait_ready(page) -> None:
    expect(page.locator("#inhoud")).to_have_attribute("data-ready", "1")


def add_question(
    page,
    page_number: int,
    *,
    key: str,
    label_nl: str,
    label_en: str,
    kind: str = "short_text",
    required: bool = False,
    condition: str | None = None,
) -> None:
    page.locator(f"#add-question-{page_number}").click()
    dialog = page.locator("#question-dialog")
    expect(dialog).to_be_visible()
    if kind != "short_text":
        dialog.locator("#qf-type").select_option(kind)
        expect(dialog.locator("#qf-type")).to_have_value(kind)
    dialog.locator("#qf-label_nl").fill(label_nl)
    dialog.locator("#qf-label_en").fill(label_en)
    dialog.locator("#qf-key").fill(key)
    if required:
        dialog.locator("#qf-required").check()
    if condition is not None:
        dialog.locator("#qf-condition").select_option(condition)
        expect(dialog.locator("#qf-cond-ja")).to_have_attribute("data-state", "checked")
    dialog.locator("#qf-save").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(f".editor-question[data-key={key}]")).to_contain_text(label_nl)


def dossier_url(portal, number: str) -> str:
    with Session(portal.engine) as db:
        dossier_id = db.exec(select(Dossier.id).where(Dossier.number == number)).one()
    return f"{portal.url}/staff/dossiers/{dossier_id}?tab=vragenlijsten"


def test_staff_build_preview_send_and_send_back_a_questionnaire(fresh, portal):
    staff, client = fresh(), fresh()
    console_errors = []
    staff.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    # the client starts with the demo's one open questionnaire
    login(client, portal, CLIENT)
    expect(client.get_by_role("heading", name="Home")).to_be_visible()
    expect(client.locator("#actions-count")).to_have_text("1")

    # ---- staff: the template list
    login(staff, portal, STAFF)
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.locator("#staff-nav-questionnaires").click()
    expect(staff).to_have_url(re.compile(r"/staff/vragenlijsten/?$"))
    wait_ready(staff)
    house = staff.locator("#template-table tr[data-slug=levering-koopwoning]")
    expect(house).to_contain_text("Vragenlijst levering koopwoning")
    expect(house.locator(".template-version")).to_have_text("v1")
    expect(house.locator(".template-sent")).to_have_text("1")
    expect(house.locator(".template-open")).to_have_text("1")
    top_screenshot(staff, "staff-vragenlijsten")

    # ---- the editor: a new template with a conditional question, over two pages
    staff.locator("#new-template").click()
    expect(staff.locator("#template-editor")).to_be_visible()
    expect(staff.locator("#editor-problems")).to_contain_text("Vul de titel in het Nederlands en in het Engels in.")
    staff.locator("#ed-title_nl").fill(TITLE)
    staff.locator("#ed-title_en").fill("Questionnaire key handover")
    staff.locator("#ed-intro_nl").fill("Een paar vragen over de overdracht van de sleutels.")
    staff.locator("#ed-intro_en").fill("A few questions about handing over the keys.")
    staff.locator("#ed-intro_en").press("Tab")
    expect(staff.locator("#editor-problems")).not_to_contain_text("titel")
    add_question(staff, 1, key="naam", label_nl="Uw volledige naam", label_en="Your full name", required=True)
    add_question(
        staff,
        1,
        key="partner",
        label_nl="Heeft u een partner?",
        label_en="Do you have a partner?",
        kind="yes_no",
        required=True,
    )
    add_question(
        staff,
        1,
        key="partner_naam",
        label_nl="Naam van uw partner",
        label_en="Your partner's name",
        condition="partner",
    )
    expect(staff.locator(".editor-question[data-key=partner_naam]")).to_contain_text(
        "Alleen tonen als “Heeft u een partner?” = Ja"
    )
    staff.locator("#add-page").click()
    expect(staff.locator("#editor-page-2")).to_be_visible()
    staff.locator("#editor-page-2").get_by_role("button", name="Titel en inleiding wijzigen van pagina 2").click()
    staff.locator("#pf-title_nl").fill("Opmerkingen")
    staff.locator("#pf-title_en").fill("Remarks")
    staff.locator("#page-form-save").click()
    expect(staff.locator("#editor-page-2 h3")).to_contain_text("Opmerkingen")
    add_question(
        staff, 2, key="opmerkingen", label_nl="Wilt u nog iets kwijt?", label_en="Anything else?", kind="long_text"
    )
    expect(staff.locator("#editor-ready")).to_be_visible()
    expect(staff.locator("#editor-counts")).to_contain_text("2 van max. 30 pagina's · 4 van max. 100 vragen")
    top_screenshot(staff, "staff-vragenlijsten-editor")
    # the question dialog, for the record
    staff.locator("#edit-q-partner_naam").click()
    expect(staff.locator("#question-dialog")).to_be_visible()
    expect(staff.locator("#qf-label_nl")).to_have_value("Naam van uw partner")
    expect(staff.locator("#qf-condition")).to_have_value("partner")
    top_screenshot(staff, "staff-vragenlijsten-vraag")
    staff.locator("#question-dialog").get_by_role("button", name="Annuleren").click()
    expect(staff.locator("#question-dialog")).to_have_count(0)

    # ---- preview of the draft, Dutch and English, page by page
    staff.locator("#editor-preview").click()
    preview = staff.locator("#questionnaire-preview")
    expect(preview.locator("#preview-title")).to_have_text(TITLE)
    expect(preview.locator("#preview-progress")).to_have_text("Pagina 1 van 2")
    expect(preview.locator("#preview-question-partner")).to_contain_text("Heeft u een partner?")
    expect(preview.locator("#preview-question-partner_naam .preview-condition")).to_contain_text("Alleen tonen als")
    expect(preview.locator("#pv-naam")).to_have_attribute("readonly", "")
    top_screenshot(staff, "staff-vragenlijsten-voorbeeld")
    staff.locator("#preview-lang").get_by_role("radio", name="English").click()
    expect(preview.locator("#preview-title")).to_have_text("Questionnaire key handover")
    expect(preview.locator("#preview-progress")).to_have_text("Page 1 of 2")
    expect(preview.locator("#preview-question-naam")).to_contain_text("Your full name")
    staff.locator("#preview-next").click()
    expect(preview.locator("#preview-page-title")).to_have_text("Remarks")
    expect(preview.locator("#preview-finish")).to_be_disabled()
    expect(preview.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    staff.wait_for_timeout(800)  # the bar slides to its new width
    top_screenshot(staff, "staff-vragenlijsten-voorbeeld-en")
    staff.locator("#preview-close").click()
    expect(staff.locator("#template-editor")).to_be_visible()

    # ---- save: a new template, version 1
    staff.locator("#editor-save").click()
    expect(staff.locator("#templates-notice")).to_contain_text(f"“{TITLE}” is opgeslagen als versie 1.")
    row = staff.locator("#template-table tr[data-slug=vragenlijst-sleuteloverdracht]")
    expect(row).to_contain_text(TITLE)
    expect(row.locator(".template-sent")).to_have_text("0")
    # Voorbeeld from the list shows the saved version
    row.locator(".template-preview").click()
    expect(staff.locator("#preview-source")).to_contain_text("Versie 1")
    staff.locator("#preview-close").click()
    expect(staff.locator("#template-table")).to_be_visible()

    # ---- send it to the client on dossier 2026-0142
    staff.goto(dossier_url(portal, "2026-0142"))
    expect(staff.locator("#tab-vragenlijsten")).to_have_attribute("data-state", "active")
    panel = staff.locator("#send-panel")
    expect(panel.locator("#send-template option", has_text=TITLE)).to_have_count(1)
    panel.locator("#send-template").select_option(label=f"{TITLE} (v1)")
    client_option = panel.locator("#send-client option", has_text=CLIENT)
    panel.locator("#send-client").select_option(client_option.get_attribute("value"))
    panel.locator("#send-questionnaire").click()
    expect(staff.locator("#questionnaires-notice")).to_contain_text("De vragenlijst is verstuurd.")
    sent_row = staff.locator("#dossier-questionnaire-list .request-item", has_text=TITLE)
    expect(sent_row).to_have_attribute("data-status", "open")
    expect(sent_row).to_contain_text("Nog niet begonnen (2 pagina's)")
    # sending it again while it is open is refused with a clear message
    panel.locator("#send-template").select_option(label=f"{TITLE} (v1)")
    panel.locator("#send-client").select_option(client_option.get_attribute("value"))
    panel.locator("#send-questionnaire").click()
    expect(staff.locator("#send-error")).to_contain_text("al openstaan")

    # ---- the client: Acties count up, fill in, complete
    client.goto(f"{portal.url}/")
    expect(client.locator("#actions-count")).to_have_text("2")
    client.goto(f"{portal.url}/acties")
    item = client.locator(".action-item", has_text=TITLE)
    expect(item).to_contain_text("2026-0142")
    item.get_by_role("link", name="Invullen").click()
    expect(client).to_have_url(re.compile(r"/vragenlijst/\d+/?$"))
    expect(client.locator("#questionnaire-progress")).to_have_text("Pagina 1 van 2")
    expect(client.locator("#question-partner_naam")).to_have_count(0)
    client.locator("#q-naam").fill(ANSWER)
    client.locator("#question-partner").get_by_role("radio", name="Ja", exact=True).click()
    expect(client.locator("#q-partner_naam")).to_be_visible()
    client.locator("#q-partner_naam").fill("Pien Jansen")
    client.locator("#questionnaire-next").click()
    expect(client.locator("#questionnaire-progress")).to_have_text("Pagina 2 van 2")
    client.locator("#q-opmerkingen").fill("Sleutels graag bij de notaris.")
    client.locator("#questionnaire-finish").click()
    expect(client.locator("#questionnaire-done")).to_be_visible()
    expect(client.locator("#questionnaire-result")).to_contain_text(ANSWER)
    expect(client.locator("#actions-count")).to_have_text("1")

    # ---- staff: the overview lists it, completed; the result as text, the PDF, send back for correction
    staff.goto(f"{portal.url}/staff")
    expect(staff.locator("#questionnaires #questionnaire-list")).to_contain_text(TITLE)
    staff.go_back()
    expect(staff.locator("#tab-vragenlijsten")).to_have_attribute("data-state", "active")
    expect(sent_row).to_have_attribute("data-status", "completed")
    expect(sent_row).to_contain_text(re.compile(r"Ingevuld op \d{2}-\d{2}-\d{4} \d{2}:\d{2}"))
    pdf_link = sent_row.locator("a.request-pdf")
    expect(pdf_link).to_have_attribute("href", re.compile(r"^/files/\d+$"))
    sent_row.locator(".request-open").click()
    result = staff.locator("#questionnaire-result-panel")
    expect(result).to_contain_text(TITLE)
    answer = result.locator(".result-row", has_text="Uw volledige naam").locator(".result-answer")
    expect(answer).to_have_text(ANSWER)  # literally, tags and all
    expect(result.locator(".result-answer b")).to_have_count(0)
    expect(result).to_contain_text("Pien Jansen")
    expect(result).to_contain_text("Sleutels graag bij de notaris.")
    pdf = staff.request.get(portal.url + pdf_link.get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    top_screenshot(staff, "staff-vragenlijsten-dossier")
    staff.set_viewport_size(PHONE)
    top_screenshot(staff, "staff-vragenlijsten-dossier-telefoon")
    staff.set_viewport_size(DESKTOP)

    staff.locator("#result-reopen").click()
    staff.locator("#reopen-reason").fill("Graag uw naam voluit, zonder opmaak.")
    staff.locator("#reopen-confirm").click()
    expect(staff.locator("#questionnaires-notice")).to_contain_text("teruggestuurd")
    expect(sent_row).to_have_attribute("data-status", "open")
    with Session(portal.engine) as db:
        reason = db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.sent_back")).one()
        assert "zonder opmaak" in reason.detail
        assert (
            db.exec(select(AuditEvent).where(AuditEvent.event_type == "questionnaire.reopened")).one().actor_id
            == reason.actor_id
        )

    # ---- the client can edit again, with the answers kept
    client.goto(f"{portal.url}/acties")
    expect(client.locator("#actions-count")).to_have_text("2")
    client.locator(".action-item", has_text=TITLE).get_by_role("link", name="Invullen").click()
    expect(client.locator("#questionnaire-progress")).to_have_text("Pagina 1 van 2")
    expect(client.locator("#q-naam")).to_have_value(ANSWER)
    expect(client.locator("#q-partner_naam")).to_have_value("Pien Jansen")
    client.locator("#q-naam").fill("Jan Willem Jansen")
    client.locator("#questionnaire-next").click()
    expect(client.locator("#questionnaire-progress")).to_have_text("Pagina 2 van 2")
    expect(client.locator("#q-opmerkingen")).to_have_value("Sleutels graag bij de notaris.")

    assert not [text for text in console_errors if "Content Security Policy" in text], console_errors


def test_template_list_at_phone_width_and_a_client_gets_not_found(fresh, portal):
    staff = fresh(PHONE)
    login(staff, portal, STAFF)
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.goto(f"{portal.url}/staff/vragenlijsten")
    wait_ready(staff)
    expect(staff.locator("#template-cards")).to_be_visible()
    expect(staff.locator("#template-table")).to_be_hidden()  # a list instead of the wide table
    top_screenshot(staff, "staff-vragenlijsten-telefoon")
    staff.locator("#template-cards li[data-slug=testament] .template-edit").click()
    expect(staff.locator("#editor-heading")).to_contain_text("Vragenlijst testament (versie")
    expect(staff.locator("#editor-ready")).to_be_visible()
    top_screenshot(staff, "staff-vragenlijsten-editor-telefoon")

    client = fresh()
    login(client, portal, CLIENT)
    expect(client.get_by_role("heading", name="Home")).to_be_visible()
    client.goto(f"{portal.url}/staff/vragenlijsten")
    expect(client).to_have_url(re.compile(r"/404/?$"))
