"""Issue 14, item 7 in a real browser: staff change a client's name and phone number on
the client page ("Gegevens wijzigen"), a wrong number is refused in plain Dutch, and the
new details are shown. Screenshots at 1280 and 390 px: screenshots/staff-edit-client-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.core.services.db import make_engine
from portal_app.settings import load_settings
from tests.e2e.conftest import PHONE, _start_portal, _stop, login, screenshot

pytestmark = pytest.mark.e2e

HANDLER = "medewerker@example.nl"
CLIENT = "jansen@example.nl"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    started, process = _start_portal(tmp_path_factory.mktemp("staff-edit-client"), "sqlite", {})
    started.engine = make_engine(load_settings(started.env).database_url)
    yield started
    _stop(process)


def test_staff_change_name_and_phone_and_see_them(fresh, portal):
    with Session(portal.engine) as db:
        client_id = db.exec(select(Account.id).where(Account.email == CLIENT)).one()
    page = fresh()
    login(page, portal, HANDLER)
    expect(page).to_have_url(re.compile(r"/staff/?$"))
    page.goto(f"{portal.url}/staff/clienten/{client_id}")
    page.get_by_role("button", name="Gegevens wijzigen").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("E-mailadres")).to_have_value(CLIENT)
    dialog.get_by_label("Naam", exact=True).fill("Johanna  Jansen-de Vries")
    dialog.get_by_label("Mobiel nummer").fill("020 123 4567")  # a landline: SMS needs a mobile number
    dialog.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#edit-error")).to_contain_text("Vul een geldig mobiel nummer in")
    screenshot(page, "staff-edit-client-dialog-1280")

    dialog.get_by_label("Mobiel nummer").fill("06 1234 5678")
    dialog.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#client-notice")).to_contain_text("De gegevens zijn opgeslagen.")
    facts = page.locator("#client-facts")
    expect(facts).to_contain_text("+31612345678")
    expect(page.get_by_role("heading", name="Johanna Jansen-de Vries").first).to_be_visible()
    screenshot(page, "staff-edit-client-1280")
    with Session(portal.engine) as db:
        account = db.get(Account, client_id)
        assert (account.name, account.phone, account.email) == ("Johanna Jansen-de Vries", "+31612345678", CLIENT)

    phone = fresh(PHONE)
    login(phone, portal, HANDLER)
    expect(phone).to_have_url(re.compile(r"/staff/?$"))
    phone.goto(f"{portal.url}/staff/clienten/{client_id}")
    expect(phone.locator("#client-facts")).to_contain_text("+31612345678")
    phone.get_by_role("button", name="Gegevens wijzigen").click()
    expect(phone.get_by_role("dialog").get_by_label("Mobiel nummer")).to_have_value("+31612345678")
    screenshot(phone, "staff-edit-client-dialog-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    phone.get_by_role("button", name="Annuleren").click()
    expect(phone.get_by_role("dialog")).to_have_count(0)
    screenshot(phone, "staff-edit-client-390")

    # the same dialog in English (the staff member's language)
    with Session(portal.engine) as db:
        staff = db.exec(select(Account).where(Account.email == HANDLER)).one()
        staff.language = "en"
        db.add(staff)
        db.commit()
    english = fresh()
    login(english, portal, HANDLER)
    expect(english).to_have_url(re.compile(r"/staff/?$"))
    english.goto(f"{portal.url}/staff/clienten/{client_id}")
    english.get_by_role("button", name="Change details").click()
    expect(english.get_by_role("dialog").get_by_role("button", name="Save")).to_be_visible()
    screenshot(english, "staff-edit-client-dialog-en-1280")
