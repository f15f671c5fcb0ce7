"""Issue 13 in a real browser: the warning before idle expiry, and "Overal uitloggen".

The idle clock runs in the page (assets/idle_warning.js); Playwright's fake clock
moves it forward, so the test waits no real half hour. The server's own idle
expiry is tested in tests/integration/accounts/test_session_ending.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, login, screenshot

pytestmark = pytest.mark.e2e

IDLE_TITLE_NL = "U wordt bijna uitgelogd"
IDLE_TEXT_NL = "U wordt over 2 minuten uitgelogd"


def test_warning_before_idle_expiry_then_sign_out(fresh, portal):
    page = fresh()
    page.clock.install()
    login(page, portal, "jansen@example.nl")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#idle-warning")).to_have_attribute("data-idle-seconds", "1800")  # the default 30 minutes
    dialog = page.get_by_role("alertdialog", name=IDLE_TITLE_NL)
    expect(dialog).to_be_hidden()

    # 27 minutes without a click: no warning yet
    page.clock.fast_forward("27:00")
    expect(dialog).to_be_hidden()
    # 28 minutes and a bit: the warning, with the focus on "Ingelogd blijven"
    page.clock.fast_forward("01:05")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(IDLE_TEXT_NL)
    stay = dialog.get_by_role("button", name="Ingelogd blijven")
    expect(stay).to_be_focused()
    screenshot(page, f"idle-warning-nl-{portal.setup_name}")
    page.set_viewport_size(PHONE)
    expect(stay).to_be_in_viewport()
    screenshot(page, f"idle-warning-phone-nl-{portal.setup_name}")

    # "Ingelogd blijven": the dialog goes, the clock starts again
    stay.click()
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("27:00")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))

    # Escape also means "stay"
    page.clock.fast_forward("01:05")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # nobody answers: at 30 minutes the tab signs out, and the session ends on the server too
    page.clock.fast_forward("28:05")
    expect(dialog).to_be_visible()
    page.clock.fast_forward("02:00")
    expect(page).to_have_url(re.compile(r"/login/?\?verlopen=1"))
    expect(page.get_by_text("Uw sessie is verlopen. Log opnieuw in.")).to_be_visible()
    page.goto(f"{portal.url}/mijn-gegevens")
    expect(page).to_have_url(re.compile(r"/login/?\?verlopen=1"))


def test_warning_in_english(fresh, portal):
    page = fresh()
    page.clock.install()
    login(page, portal, "jansen@example.nl")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{portal.url}/mijn-gegevens")
    page.get_by_role("radio", name="Engels").click()
    expect(page.get_by_role("radio", name="English")).to_be_checked()
    try:
        page.clock.fast_forward("28:05")
        dialog = page.get_by_role("alertdialog", name="You will be logged out soon")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("You will be logged out in 2 minutes")
        expect(dialog.get_by_role("button", name="Stay logged in")).to_be_focused()
        screenshot(page, f"idle-warning-en-{portal.setup_name}")
        page.set_viewport_size(PHONE)
        screenshot(page, f"idle-warning-phone-en-{portal.setup_name}")
        dialog.get_by_role("button", name="Stay logged in").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_role("button", name="Log out everywhere")).to_be_visible()
        screenshot(page, f"logout-everywhere-phone-en-{portal.setup_name}")
    finally:
        page.get_by_role("radio", name="Dutch").click()
        expect(page.get_by_role("radio", name="Nederlands")).to_be_checked()


def test_log_out_everywhere_signs_out_the_other_browser(fresh, portal):
    laptop, phone = fresh(), fresh(PHONE)
    for page in (laptop, phone):
        login(page, portal, "jansen@example.nl")
        expect(page).to_have_url(re.compile(r"/$"))
    laptop.goto(f"{portal.url}/mijn-gegevens")
    button = laptop.get_by_role("button", name="Overal uitloggen")
    expect(button).to_be_visible()
    screenshot(laptop, f"logout-everywhere-nl-{portal.setup_name}")
    button.click()
    expect(laptop.get_by_text("U bent uitgelogd.")).to_be_visible()
    # the other browser, still showing Home, is signed out at its next step
    phone.goto(f"{portal.url}/mijn-gegevens")
    expect(phone).to_have_url(re.compile(r"/login/?\?verlopen=1"))
    # and the laptop's old page is no way back in
    laptop.goto(f"{portal.url}/")
    expect(laptop).to_have_url(re.compile(r"/login/?\?verlopen=1"))
