"""Foundation flow: log in as Jansen, see the right tile counts, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_login_page_is_branded_dutch_and_secured(page, portal):
    response = page.goto(f"{portal.url}/login")
    expect(page.get_by_text("Welkom op het klantenportaal van")).to_be_visible()
    expect(page.get_by_role("heading", name="Notariskantoor De Vries")).to_be_visible()
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert page.locator("text=Built with Reflex").count() == 0
    screenshot(page, f"login-{portal.setup_name}")


def test_jansen_sees_home_counts_and_logs_out(page, portal):
    console_errors = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    login(page, portal, "jansen@example.nl")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    expect(page.locator("#count-in-progress")).to_have_text("1")
    expect(page.locator("#count-total")).to_have_text("3")
    expect(page.locator("#count-actions")).to_have_text("1")
    expect(page.locator("#actions-count")).to_have_text("1")
    expect(page.get_by_role("link", name=re.compile("Mijn gegevens"))).to_be_visible()
    screenshot(page, f"home-{portal.setup_name}")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#count-total")).to_be_visible()
    screenshot(page, f"home-phone-{portal.setup_name}")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
    page.goto(f"{portal.url}/")
    expect(page).to_have_url(re.compile(r"/login/?\?verlopen=1"))
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_wrong_password_shows_one_generic_error(page, portal):
    login(page, portal, "jansen@example.nl", "Verkeerd-Wachtwoord-1")
    expect(page.locator("#login-error")).to_have_text("Het e-mailadres of wachtwoord is onjuist.")
    login(page, portal, "niemand@example.nl", "Verkeerd-Wachtwoord-1")
    expect(page.locator("#login-error")).to_have_text("Het e-mailadres of wachtwoord is onjuist.")


def test_company_main_account_counts(page, portal):
    login(page, portal, "info@bakkerbv.example.nl")
    expect(page.locator("#count-total")).to_have_text("2")
    expect(page.locator("#count-in-progress")).to_have_text("2")
    expect(page.locator("#count-actions")).to_have_text("0")
