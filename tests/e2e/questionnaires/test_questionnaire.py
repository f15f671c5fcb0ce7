"""Acties and Vragenlijst in Chromium: the demo client fills in the shipped
"levering koopwoning" questionnaire over two sittings, meets a conditional
question and validation errors, finishes, prints, finds the PDF; another
client's questionnaire id gives "Niet gevonden."."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.e2e

# every step is a server round trip (validate, save, reload; the PDF on Voltooien):
# on a busy machine that can take longer than Playwright's default 5 s
EXPECT_TIMEOUT_MS = 20_000
SCRIPT = "<script>alert('x')</script> <b>vet</b>"
# the empty Acties page: the manual's sentence, then what will appear there (issue 14)
ACTIONS_NONE = (
    "U hoeft geen vragenlijst (meer) in te vullen. Stuurt ons kantoor u een vragenlijst, dan ziet u die hier."
)


@pytest.fixture(autouse=True)
def patient_expectations():
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)


def question(page, key: str):
    return page.locator(f"#question-{key}")


def choose(page, key: str, label: str) -> None:
    question(page, key).get_by_role("radio", name=label, exact=True).click()


def expect_page(page, number: int, total: int = 5) -> None:
    expect(page.locator("#questionnaire-progress")).to_have_text(f"Pagina {number} van {total}")


def open_from_actions(page, portal) -> None:
    page.goto(f"{portal.url}/acties")
    page.get_by_role("link", name="Invullen").click()
    expect(page).to_have_url(re.compile(r"/vragenlijst/\d+/?$"))


def test_demo_client_fills_in_the_house_questionnaire_in_two_sittings(page, portal):
    setup = portal.setup_name
    console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    login(page, portal, "jansen@example.nl")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.locator("#actions-count")).to_have_text("1")
    expect(page.locator("#count-actions")).to_have_text("1")

    # Acties: the open questionnaire with dossier and date
    page.locator("#tile-actions").click()
    expect(page).to_have_url(re.compile(r"/acties/?$"))
    expect(page.get_by_role("heading", name="Acties", exact=True)).to_be_visible()
    item = page.locator(".action-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Vragenlijst levering koopwoning")
    expect(item).to_contain_text("2026-0142 — Levering woning Dorpsstraat 12, Utrecht")
    expect(item).to_contain_text(re.compile(r"Ontvangen op \d{2}-\d{2}-\d{4}"))
    expect(item).to_contain_text("Nog niet begonnen")
    screenshot(page, f"acties-{setup}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"acties-phone-{setup}")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Invullen").click()
    expect(page).to_have_url(re.compile(r"/vragenlijst/\d+/?$"))
    request_path = page.url.split(portal.url, 1)[1]
    expect(page.get_by_role("heading", name="Vragenlijst levering koopwoning")).to_be_visible()
    expect_page(page, 1)
    expect(page.locator("#questionnaire-dossier")).to_contain_text("2026-0142")

    # validation: nothing filled in, then a wrong e-mail address
    page.locator("#questionnaire-next").click()
    expect(page.locator("#questionnaire-error")).to_contain_text("Controleer de gemarkeerde vragen")
    expect(question(page, "voornamen")).to_contain_text("Deze vraag is verplicht.")
    expect(page.locator("#q-voornamen")).to_have_attribute("aria-invalid", "true")
    expect(question(page, "beroep")).not_to_contain_text("Deze vraag is verplicht.")
    expect_page(page, 1)
    page.locator("#q-voornamen").fill("Jan Willem")
    page.locator("#q-achternaam").fill("Jansen-Özdemir")
    page.locator("#q-geboortedatum").fill("1980-03-12")
    page.locator("#q-geboorteplaats").fill("Utrecht")
    page.locator("#q-nationaliteit").fill("Nederlandse")
    page.locator("#q-adres").fill("Kerkstraat 3, 3511 AB Utrecht")
    page.locator("#q-telefoon").fill("06 12345678")
    page.locator("#q-email").fill("jan@")
    page.locator("#questionnaire-next").click()
    expect(question(page, "email")).to_contain_text("Vul een geldig e-mailadres in")
    expect(question(page, "voornamen")).not_to_contain_text("Deze vraag is verplicht.")
    screenshot(page, f"vragenlijst-fouten-{setup}")
    page.locator("#q-email").fill("jan.jansen@example.nl")
    page.locator("#questionnaire-next").click()
    expect_page(page, 2)
    expect(page.get_by_role("heading", name="Burgerlijke staat en partner")).to_be_visible()

    # stop: log out, log in again, resume at page 2 with page 1 kept
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
    login(page, portal, "jansen@example.nl")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    page.goto(f"{portal.url}/acties")
    expect(page.locator(".action-item")).to_contain_text("Bezig: pagina 2 van 5")
    page.get_by_role("link", name="Invullen").click()
    expect(page).to_have_url(re.compile(re.escape(request_path) + "/?$"))
    expect_page(page, 2)
    page.locator("#questionnaire-previous").click()
    expect_page(page, 1)
    expect(page.locator("#q-achternaam")).to_have_value("Jansen-Özdemir")
    expect(page.locator("#q-geboortedatum")).to_have_value("1980-03-12")
    expect(page.locator("#q-email")).to_have_value("jan.jansen@example.nl")
    page.locator("#questionnaire-next").click()
    expect_page(page, 2)

    # conditional questions appear and disappear live
    expect(question(page, "partner_voornamen")).to_have_count(0)
    expect(question(page, "huwelijkse_voorwaarden")).to_have_count(0)
    choose(page, "koopt_met_partner", "Ja")
    expect(page.get_by_label("Voornamen partner (voluit)")).to_be_visible()
    choose(page, "verdeling", "Een andere verdeling")
    expect(question(page, "verdeling_toelichting")).to_be_visible()
    choose(page, "koopt_met_partner", "Nee")
    expect(question(page, "partner_voornamen")).to_have_count(0)
    expect(question(page, "verdeling_toelichting")).to_have_count(0)
    choose(page, "burgerlijke_staat", "Gehuwd")
    expect(question(page, "huwelijkse_voorwaarden")).to_be_visible()
    page.locator("#questionnaire-next").click()
    expect(question(page, "huwelijkse_voorwaarden")).to_contain_text("Deze vraag is verplicht.")
    choose(page, "huwelijkse_voorwaarden", "Nee")
    page.locator("#questionnaire-next").click()
    expect_page(page, 3)

    # Vorige keeps what was typed on this page without saving it
    choose(page, "hypotheek", "Ja")
    page.locator("#q-geldverstrekker").fill("Rabobank")
    page.locator("#questionnaire-previous").click()
    expect_page(page, 2)
    page.locator("#questionnaire-next").click()
    expect_page(page, 3)
    expect(page.locator("#q-geldverstrekker")).to_have_value("Rabobank")
    page.locator("#q-hypotheekbedrag").fill("350.000")
    choose(page, "nhg", "Ja")
    choose(page, "schenking", "Nee")
    page.locator("#questionnaire-next").click()
    expect_page(page, 4)

    # IBAN is checked
    page.locator("#q-iban").fill("NL91 ABNA 0417 1643 01")
    page.locator("#q-rekeninghouder").fill("J.W. Jansen-Özdemir")
    page.locator("#questionnaire-next").click()
    expect(question(page, "iban")).to_contain_text("Dit IBAN-nummer klopt niet")
    page.locator("#q-iban").fill("NL91 ABNA 0417 1643 00")
    page.locator("#questionnaire-next").click()
    expect_page(page, 5)

    # last page: multiple choice with a conditional, then Voltooien
    question(page, "bewoners").get_by_role("checkbox", name="Ikzelf").click()
    question(page, "bewoners").get_by_role("checkbox", name="Kinderen").click()
    expect(page.get_by_label("Hoeveel kinderen?")).to_be_visible()
    page.locator("#q-aantal_kinderen").fill("2")
    choose(page, "inschrijving", "Ja")
    page.locator("#q-opmerkingen").fill(SCRIPT)
    expect(page.locator("#questionnaire-finish")).to_be_visible()
    screenshot(page, f"vragenlijst-{setup}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"vragenlijst-phone-{setup}")
    page.set_viewport_size(DESKTOP)
    page.locator("#questionnaire-finish").click()

    # the result page: every answer, as text
    expect(page.locator("#questionnaire-done")).to_contain_text("Bedankt!")
    result = page.locator("#questionnaire-result")
    for text in (
        "Jansen-Özdemir",
        "12-03-1980",
        "Gehuwd",
        "€ 350.000,00",
        "NL91 ABNA 0417 1643 00",
        "Ikzelf, Kinderen",
        SCRIPT,
    ):
        expect(result).to_contain_text(text)
    expect(result).not_to_contain_text("Voornamen partner")
    expect(page.locator("#questionnaire-result b")).to_have_count(0)
    assert not dialogs, dialogs
    expect(page.locator("#questionnaire-completed")).to_contain_text(
        re.compile(r"Voltooid op \d{2}-\d{2}-\d{4} om \d{2}:\d{2}")
    )
    expect(page.locator("#actions-count")).to_have_text("0")
    print_button = page.get_by_role("button", name="Printen")
    expect(print_button).to_be_visible()
    expect(print_button).to_have_attribute("data-action", "print")
    screenshot(page, f"vragenlijst-resultaat-{setup}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"vragenlijst-resultaat-phone-{setup}")
    page.set_viewport_size(DESKTOP)

    # print view: no portal chrome, no buttons, the answers stay
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.locator("#actions-count")).to_be_hidden()
    expect(result).to_contain_text("Jansen-Özdemir")
    screenshot(page, f"vragenlijst-print-{setup}")
    page.emulate_media(media="screen")

    # the PDF, downloadable with this session
    pdf_href = page.locator("#questionnaire-pdf").get_attribute("href")
    assert re.fullmatch(r"/files/\d+", pdf_href)
    response = page.request.get(f"{portal.url}{pdf_href}")
    assert response.status == 200 and response.headers["content-type"].startswith("application/pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    for expected in (
        "Notariskantoor De Vries",
        "2026-0142",
        "Jan Jansen",
        "Jansen-Özdemir",
        "€ 350.000,00",
        "NL91 ABNA 0417 1643 00",
        "<script>alert('x')</script>",
        "Pagina 1 van",
    ):
        assert expected in text, expected

    # a completed questionnaire cannot be opened for changes
    page.goto(f"{portal.url}{request_path}")
    expect(page.locator("#questionnaire-result")).to_contain_text("Jansen-Özdemir")
    expect(page.locator("#questionnaire-next")).to_have_count(0)
    expect(page.locator("#q-voornamen")).to_have_count(0)

    # Acties: nothing left to fill in; the finished one listed apart
    page.goto(f"{portal.url}/acties")
    expect(page.locator("#actions-none")).to_have_text(ACTIONS_NONE)
    expect(page.locator("#actions-count")).to_have_text("0")
    expect(page.locator("#actions-done")).to_contain_text("Vragenlijst levering koopwoning")
    page.goto(f"{portal.url}/")
    expect(page.locator("#count-actions")).to_have_text("0")

    # the PDF under "Door mij aangeleverd" of the dossier
    page.goto(f"{portal.url}/dossiers")
    page.get_by_role("link", name=re.compile("2026-0142|Levering woning Dorpsstraat")).first.click()
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/?$"))
    page.locator("#tab-aangeleverd").click()
    delivered = page.locator("#docs-aangeleverd")
    expect(delivered).to_contain_text("Vragenlijst levering koopwoning (")
    expect(delivered.locator(f"a[href='{pdf_href}']")).to_have_count(1)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_another_clients_questionnaire_is_not_found(page, portal):
    login(page, portal, "info@bakkerbv.example.nl")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.locator("#actions-count")).to_have_text("0")
    for request_id in ("1", "2", "999999", "abc", "1%20OR%201=1"):
        page.goto(f"{portal.url}/vragenlijst/{request_id}")
        expect(page.locator("#questionnaire-not-found")).to_have_text("Niet gevonden.")
        expect(page.locator("#q-voornamen")).to_have_count(0)
        expect(page.locator("#questionnaire-result")).to_have_count(0)
    page.goto(f"{portal.url}/acties")
    expect(page.locator("#actions-none")).to_have_text(ACTIONS_NONE)


def test_questionnaire_needs_a_session(page, portal):
    page.goto(f"{portal.url}/vragenlijst/1")
    expect(page).to_have_url(re.compile(r"/login/?\?verlopen=1&next=/vragenlijst/1"))
