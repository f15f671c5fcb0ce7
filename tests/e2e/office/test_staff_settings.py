"""Office settings at /staff/instellingen in a real browser: an admin changes them and a
client (another browser context: its own cookies and session) sees the effect.

- Kantoor: office name and brand colour -> the login page and the client's header;
  a PNG logo -> img#office-logo on the login page; a too light colour is refused
  with the Dutch message next to the field, the typed value stays, nothing changes.
- Wachtwoordbeleid: minimum 12 + a symbol -> the rule on Mijn gegevens, and a
  10-character password is refused with the message.
- Grootte van bestanden (upload limits): the client's attachment dialog states the new limit.
- A behandelaar gets the not-found page.

One portal (SQLite, production build) for the module. Screenshots of the settings
page land in screenshots/staff-instellingen-kantoor*.png (desktop and 390 px).
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, PHONE, _start_portal, _stop, login, screenshot

pytestmark = pytest.mark.e2e

ADMIN = "notaris@example.nl"
HANDLER = "medewerker@example.nl"
CLIENT = "jansen@example.nl"
DEMO_OFFICE = "Notariskantoor De Vries"


@pytest.fixture(scope="module", params=["sqlite"])
def portal(request, tmp_path_factory):
    """This module's own portal (the settings change what every page shows)."""
    started, process = _start_portal(tmp_path_factory.mktemp("staff-settings"), request.param, {})
    started.setup_name = request.param
    yield started
    _stop(process)


# --------------------------------------------------------------------------- helpers


def open_settings(page, portal, email: str = ADMIN) -> None:
    login(page, portal, email)
    expect(page).to_have_url(re.compile(r"/staff/?$"))
    page.goto(f"{portal.url}/staff/instellingen")
    expect(page.locator("#office-form")).to_be_visible()  # mounted once the stored values arrived


def client_login(page, portal) -> None:
    login(page, portal, CLIENT)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()


def png_logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 80), "#ffffff")
    ImageDraw.Draw(image).rectangle((10, 10, 230, 70), fill="#7a1f3d")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


# --------------------------------------------------------------------------- flows


def test_office_name_and_colour_reach_the_login_page_and_the_clients_header(fresh, portal):
    admin = fresh()
    open_settings(admin, portal)
    name = admin.get_by_label("Naam kantoor")
    expect(name).to_have_value(DEMO_OFFICE)
    colour = admin.get_by_label("Huisstijlkleur", exact=True)
    expect(colour).to_have_value("#1f3a5f")
    # the native colour picker and the hex field follow each other; the preview follows both
    admin.get_by_label("Huisstijlkleur kiezen").fill("#7a1f3d")
    expect(colour).to_have_value("#7a1f3d")
    expect(admin.locator("#brand-preview")).to_have_css("background-color", rgb("#7a1f3d"))
    name.fill("Notariaat Van Dam")
    colour.fill("#063")  # short form: stored as #006633
    admin.locator("#office-save").click()
    expect(admin.locator("#office-save-notice")).to_have_text("Opgeslagen.")
    expect(colour).to_have_value("#006633")
    expect(admin.locator("#brand-preview")).to_have_css("background-color", rgb("#006633"))
    expect(admin.locator("#brand-preview")).to_contain_text("Notariaat Van Dam")
    # the admin's own header follows at once
    expect(admin.locator("#staff-header")).to_contain_text("Notariaat Van Dam")
    expect(admin.locator("#staff-header")).to_have_css("background-color", rgb("#006633"))
    screenshot(admin, "staff-instellingen-kantoor")

    client = fresh()
    client.goto(f"{portal.url}/login")
    expect(client.get_by_role("heading", level=1)).to_have_text("Notariaat Van Dam")
    client_login(client, portal)
    header = client.locator("#portal-header")
    expect(header).to_contain_text("Notariaat Van Dam")
    expect(header).to_have_css("background-color", rgb("#006633"))

    # the settings page after a reload shows what was stored
    admin.reload()
    expect(admin.get_by_label("Naam kantoor")).to_have_value("Notariaat Van Dam")
    expect(admin.get_by_label("Huisstijlkleur", exact=True)).to_have_value("#006633")


def test_too_light_colour_is_refused_next_to_the_field_and_nothing_changes(fresh, portal):
    admin = fresh()
    open_settings(admin, portal)
    stored_name = admin.get_by_label("Naam kantoor").input_value()
    stored_colour = admin.get_by_label("Huisstijlkleur", exact=True).input_value()
    admin.get_by_label("Naam kantoor").fill("Geel Kantoor")
    colour = admin.get_by_label("Huisstijlkleur", exact=True)
    colour.fill("#ffff00")
    admin.locator("#office-save").click()
    error = admin.locator("#brand-colour-error")
    expect(error).to_have_text(
        "Deze kleur is te licht: witte tekst is er slecht op te lezen (contrast 1,1:1, nodig is 4,5:1). Kies een donkerdere kleur."
    )
    expect(colour).to_have_attribute("aria-invalid", "true")
    assert "brand-colour-error" in (colour.get_attribute("aria-describedby") or "")
    # what was typed stays; no success notice
    expect(colour).to_have_value("#ffff00")
    expect(admin.get_by_label("Naam kantoor")).to_have_value("Geel Kantoor")
    expect(admin.locator("#office-save-notice")).to_have_count(0)
    screenshot(admin, "staff-instellingen-kleur-fout")

    # nothing was stored: not the colour, not the name of the same form
    client = fresh()
    client.goto(f"{portal.url}/login")
    expect(client.get_by_role("heading", level=1)).to_have_text(stored_name)
    client_login(client, portal)
    expect(client.locator("#portal-header")).to_have_css("background-color", rgb(stored_colour))
    admin.reload()
    expect(admin.get_by_label("Huisstijlkleur", exact=True)).to_have_value(stored_colour)
    expect(admin.locator("#brand-colour-error")).to_have_count(0)


def test_password_policy_reaches_the_clients_password_rule(fresh, portal):
    admin = fresh()
    open_settings(admin, portal)
    length = admin.get_by_label("Minimale lengte")
    expect(length).to_have_value("8")
    length.fill("7")
    admin.locator("#password-save").click()
    expect(admin.locator("#password-min-length-error")).to_have_text("Vul een heel getal in van 8 tot en met 64.")
    expect(length).to_have_value("7")
    length.fill("12")
    admin.get_by_label("Verplicht een leesteken of symbool").check()
    admin.locator("#password-save").click()
    expect(admin.locator("#password-save-notice")).to_have_text("Opgeslagen.")
    expect(admin.locator("#password-min-length-error")).to_have_count(0)

    client = fresh()
    client_login(client, portal)
    client.goto(f"{portal.url}/mijn-gegevens")
    client.locator("#change-password").click()
    expect(client.locator("#password-rule")).to_have_text(
        "Het wachtwoord dient minimaal 12 tekens te bevatten, waarvan minimaal 1 hoofdletter, 1 cijfer en 1 leesteken of symbool."
    )
    expect(client.locator("#rule-length")).to_contain_text("Minimaal 12 tekens")
    expect(client.locator("#rule-symbol")).to_contain_text("Minimaal 1 leesteken of symbool")
    client.locator("#current-password").fill(DEMO_PASSWORD)
    client.locator("#new-password").fill("Kort-Wo12!")  # 10 characters, everything else right
    client.locator("#repeat-password").fill("Kort-Wo12!")
    client.locator("#password-change-submit").click()
    expect(client.locator("#details-errors li")).to_have_text(["Het wachtwoord heeft minder dan 12 tekens."])

    # back to the demo policy (keyboard only: Space ticks off, Enter submits)
    length.fill("8")
    admin.get_by_label("Verplicht een leesteken of symbool").focus()
    admin.keyboard.press("Space")
    expect(admin.get_by_label("Verplicht een leesteken of symbool")).not_to_be_checked()
    length.press("Enter")
    expect(admin.locator("#password-save-notice")).to_have_text("Opgeslagen.")


def test_client_upload_limit_is_stated_in_the_attachment_dialog(fresh, portal):
    admin = fresh()
    open_settings(admin, portal)
    limit = admin.get_by_label("Cliënten (MB per bestand)")
    expect(limit).to_have_value("25")
    limit.fill("7")
    admin.locator("#uploads-save").click()
    expect(admin.locator("#uploads-save-notice")).to_have_text("Opgeslagen.")
    # idle longer than the absolute length: refused next to the idle field, nothing stored
    admin.get_by_label("Uitloggen na inactiviteit (minuten)").fill("600")
    admin.get_by_label("Maximaal ingelogd (uren)").fill("8")
    admin.locator("#sessions-save").click()
    expect(admin.locator("#session-idle-minutes-error")).to_contain_text("mag niet langer zijn dan de maximale duur")
    expect(admin.locator("#sessions-save-notice")).to_have_count(0)

    client = fresh()
    client_login(client, portal)
    client.goto(f"{portal.url}/dossiers/1")
    client.locator("#tab-berichten").click()
    client.locator("#new-message").click()
    client.locator("#open-attachments").click()
    expect(client.get_by_role("dialog")).to_contain_text("Maximaal 7 MB per bestand")

    admin.reload()
    expect(admin.get_by_label("Cliënten (MB per bestand)")).to_have_value("7")
    expect(admin.get_by_label("Uitloggen na inactiviteit (minuten)")).to_have_value("30")
    expect(admin.get_by_label("Maximaal ingelogd (uren)")).to_have_value("12")


def test_logo_upload_shows_on_the_login_page_and_can_be_removed(fresh, portal, tmp_path):
    admin = fresh()
    open_settings(admin, portal)
    expect(admin.locator("#logo-none")).to_be_visible()
    expect(admin.locator("#logo-limit")).to_have_text(re.compile(r"^PNG of JPG, hoogstens 2 MB\."))
    # a PDF named .png is refused by its content
    admin.locator("#logo-upload input[type=file]").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    expect(admin.locator("#logo-error")).to_be_visible()
    expect(admin.locator("#logo-none")).to_be_visible()
    admin.locator("#logo-upload input[type=file]").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png_logo()}]
    )
    expect(admin.locator("#logo-notice")).to_have_text("Het nieuwe logo is opgeslagen.")
    expect(admin.locator("#logo-error")).to_have_count(0)
    preview = admin.locator("#logo-preview")
    expect(preview).to_be_visible()
    assert admin.evaluate("document.getElementById('logo-preview').naturalWidth") > 0
    screenshot(admin, "staff-instellingen-logo")

    anonymous = fresh()
    anonymous.goto(f"{portal.url}/login")
    expect(anonymous.locator("img#office-logo")).to_be_visible()

    admin.locator("#logo-remove").click()
    expect(admin.get_by_role("alertdialog")).to_contain_text("Logo verwijderen?")
    admin.locator("#logo-remove-confirm").click()
    expect(admin.locator("#logo-notice")).to_have_text("Het logo is verwijderd.")
    expect(admin.locator("#logo-none")).to_be_visible()
    anonymous.reload()
    expect(anonymous.get_by_role("heading", level=1)).to_be_visible()
    expect(anonymous.locator("img#office-logo")).to_have_count(0)


def test_settings_page_at_phone_width(fresh, portal):
    phone = fresh(PHONE)
    open_settings(phone, portal)
    expect(phone.locator("#sessions-form")).to_be_visible()
    screenshot(phone, "staff-instellingen-kantoor-telefoon")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width


def test_behandelaar_gets_not_found(fresh, portal):
    handler = fresh()
    login(handler, portal, HANDLER)
    expect(handler).to_have_url(re.compile(r"/staff/?$"))
    handler.goto(f"{portal.url}/staff/instellingen")
    expect(handler).to_have_url(re.compile(r"/404/?$"))
    expect(handler.locator("#office-form")).to_have_count(0)


def test_admin_adds_edits_and_removes_a_staff_member(fresh, portal):
    admin = fresh()
    open_settings(admin, portal)
    admin.locator("#add-staff").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Medewerker toevoegen")).to_be_visible()
    dialog.get_by_label("Naam").fill("Karin Kandidaat")
    dialog.get_by_label("E-mailadres").fill("karin@example.nl")
    dialog.locator("#add-staff-submit").click()
    expect(dialog).to_have_count(0)
    row = admin.locator("tr", has_text="karin@example.nl")
    expect(row).to_contain_text("Karin Kandidaat")
    expect(row).to_contain_text("Behandelaar")

    # the same address twice: the error shows in the dialog, what was typed stays
    admin.locator("#add-staff").click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_label("Naam").fill("Karin Dubbel")
    dialog.get_by_label("E-mailadres").fill("karin@example.nl")
    dialog.locator("#add-staff-submit").click()
    expect(admin.locator("#add-staff-error")).not_to_be_empty()
    expect(dialog.get_by_label("Naam")).to_have_value("Karin Dubbel")
    dialog.get_by_role("button", name="Annuleren").click()
    expect(dialog).to_have_count(0)

    row.get_by_role("button", name="Wijzigen Karin Kandidaat").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_contain_text("karin@example.nl")
    dialog.get_by_label("Naam").fill("Karin de Notaris")
    dialog.get_by_label("Rol").select_option("admin")
    dialog.locator("#edit-staff-submit").click()
    expect(dialog).to_have_count(0)
    row = admin.locator("tr", has_text="karin@example.nl")
    expect(row).to_contain_text("Karin de Notaris")
    expect(row).to_contain_text("Beheerder")

    row.get_by_role("button", name="Verwijderen Karin de Notaris").click()
    admin.locator("#remove-confirm").click()
    expect(admin.locator("tr", has_text="karin@example.nl")).to_have_count(0)
