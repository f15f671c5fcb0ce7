"""The payment page that defeats IBAN fraud (issue 17 item 3), in the browser on the pinned demo
data: the client sees the settlement of 2026-0142 with the office IBAN, the EPC QR code and the
warning; a staff message naming another IBAN is held until an admin releases it; the admin
changes the derdengeldenrekening only with a valid 2-step code."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.accounts.services import twofactor
from portal_app.core.models import utcnow
from portal_app.core.services import formatting
from portal_app.messages.models import Message
from portal_app.payments.models import TrustAccount
from portal_app.settings import load_settings
from tests.e2e.conftest import DESKTOP, PHONE, dossier_id, login, portal_with_engine, screenshot, set_language

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("patient_expect")]

FRAUD = "NL20 INGB 0001 2345 67"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with portal_with_engine(tmp_path_factory.mktemp("payments"), "sqlite") as started:
        yield started


def enable_totp(portal, email: str) -> tuple[str, list[str]]:
    """App 2-step verification for a demo account (its current time step is used up); secret and
    recovery codes."""
    with Session(portal.engine) as db:
        account = db.exec(select(Account).where(Account.email == email)).one()
        secret = twofactor.new_totp_secret()
        now = utcnow()
        # the server's settings: recovery codes are hashed with its SECRET_KEY
        codes = twofactor.confirm_totp_setup(
            session=db,
            account=account,
            secret=secret,
            code=pyotp.TOTP(secret).at(now),
            settings=load_settings(portal.env),
            now=now,
        )
        db.commit()
    return secret, codes


def test_client_sees_settlement_with_iban_qr_and_warning(fresh, portal):
    house = dossier_id(portal, "2026-0142")
    shop = dossier_id(portal, "2026-0215")
    client = fresh()
    login(client, portal, "jansen@example.nl")
    expect(client).to_have_url(re.compile(r"/(\?.*)?$"))
    client.goto(f"{portal.url}/dossiers/{house}")
    section = client.locator("#payment-section")
    expect(section.get_by_role("heading", name="Betaling")).to_be_visible()
    expect(client.locator("#payment-price")).to_have_text("€\u00a0405.000,00")
    expect(client.locator("#payment-costs")).to_have_text("€\u00a02.145,50")
    expect(client.locator("#payment-total")).to_have_text("€\u00a0407.145,50")
    expect(client.locator("#payment-reference")).to_have_text("2026-0142")
    expect(client.locator("#payment-iban")).to_have_text("NL91 ABNA 0417 1643 00")
    qr = client.locator("#payment-qr")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    assert qr.get_attribute("alt")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code is not drawn"
    warning = client.locator("#payment-warning")
    expect(warning).to_contain_text("nooit per bericht of e-mail een nieuw rekeningnummer")
    expect(warning).to_contain_text("030 123 4567")
    screenshot(client, "payments-client-nl-1280")
    client.set_viewport_size(PHONE)
    expect(qr).to_be_visible()
    assert client.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
    screenshot(client, "payments-client-nl-390")
    client.set_viewport_size(DESKTOP)

    # the composer warns before sending when the draft names another account number
    client.locator("#tab-berichten").click()
    client.locator("#new-message").click()
    client.locator("#msg-subject").fill("Rekeningnummer")
    client.locator("#msg-body").fill(f"Ik kreeg een mail dat ik naar {FRAUD} moet overmaken. Klopt dat?")
    client.locator("#msg-subject").click()  # leave the message field
    expect(client.locator("#iban-draft-warning")).to_contain_text(FRAUD)
    screenshot(client, "payments-client-draft-warning-nl-1280")
    client.locator("#msg-body").fill("Ik maak over naar NL91 ABNA 0417 1643 00.")
    client.locator("#msg-subject").click()
    expect(client.locator("#iban-draft-warning")).to_have_count(0)

    # a dossier without a settlement shows no payment block; Jansen cannot open Bakker's dossier
    client.goto(f"{portal.url}/dossiers/{shop}")
    expect(client.locator("#dossier-not-found")).to_be_visible()
    expect(client.locator("#payment-section")).to_have_count(0)

    set_language(portal, "jansen@example.nl", "en")
    try:
        english = fresh()
        login(english, portal, "jansen@example.nl")
        expect(english).to_have_url(re.compile(r"/(\?.*)?$"))
        english.goto(f"{portal.url}/dossiers/{house}")
        expect(english.locator("#payment-section").get_by_role("heading", name="Payment")).to_be_visible()
        expect(english.locator("#payment-total")).to_have_text("€407,145.50")
        expect(english.locator("#payment-warning")).to_contain_text("never send you a new account number")
        screenshot(english, "payments-client-en-1280")
        english.set_viewport_size(PHONE)
        screenshot(english, "payments-client-en-390")
    finally:
        set_language(portal, "jansen@example.nl", "nl")


def test_bakker_sees_no_settlement(fresh, portal):
    shop = dossier_id(portal, "2026-0215")
    client = fresh()
    login(client, portal, "info@bakkerbv.example.nl")
    expect(client).to_have_url(re.compile(r"/(\?.*)?$|/dossiers"))
    client.goto(f"{portal.url}/dossiers/{shop}")
    expect(client.locator("#dossier-number")).to_have_text("2026-0215")
    expect(client.locator("#payment-section")).to_have_count(0)


def test_foreign_iban_is_held_and_admin_changes_iban_with_code(fresh, portal):
    house = dossier_id(portal, "2026-0142")
    staff = fresh()
    login(staff, portal, "medewerker@example.nl")
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.goto(f"{portal.url}/staff/dossiers/{house}")
    expect(staff.locator("#settlement-section")).to_contain_text("Nota van afrekening")
    expect(staff.locator("#settlement-reference")).to_have_value("2026-0142")
    screenshot(staff, "payments-staff-nl-1280")
    # "betaling ontvangen" with its date; the road step follows (signing/services/road.py)
    staff.locator("#settlement-paid-on").fill(formatting.now_local().date().isoformat())
    staff.locator("#mark-paid").click()
    expect(staff.locator("#staff-paid")).to_contain_text("Betaling ontvangen op")
    staff.locator("#clear-paid").click()
    expect(staff.locator("#mark-paid")).to_be_visible()
    staff.locator("#tab-berichten").click()
    staff.locator("#new-message").click()
    staff.locator("#compose-subject").fill("Nieuw rekeningnummer")
    staff.locator("#compose-body").fill(f"Let op, ons rekeningnummer is gewijzigd: {FRAUD}")
    staff.locator("#send-message").click()
    expect(staff.locator("#dossier-notice")).to_contain_text("een beheerder moet het eerst vrijgeven")
    with Session(portal.engine) as db:
        assert not db.exec(select(Message).where(Message.subject == "Nieuw rekeningnummer")).all()

    admin = fresh()
    login(admin, portal, "notaris@example.nl")
    expect(admin).to_have_url(re.compile(r"/staff/?$"))
    secret, recovery = enable_totp(portal, "notaris@example.nl")
    admin.goto(f"{portal.url}/staff/instellingen")
    held = admin.locator("#held-messages > li")
    expect(held).to_have_count(1)
    expect(held.first).to_contain_text(FRAUD)
    expect(held.first).to_contain_text("M. Visser")
    expect(admin.locator("#trust-current-iban")).to_have_text("NL91 ABNA 0417 1643 00")
    admin.locator("#trust-account-section").scroll_into_view_if_needed()
    screenshot(admin, "payments-admin-nl-1280")
    held.first.get_by_role("button", name="Vrijgeven").click()
    expect(admin.locator("#held-notice")).to_contain_text("vrijgegeven")
    expect(admin.locator("#held-none")).to_be_visible()
    with Session(portal.engine) as db:
        assert db.exec(select(Message).where(Message.subject == "Nieuw rekeningnummer")).one().from_office

    # a wrong code changes nothing
    admin.locator("#trust-iban").fill("NL44 RABO 0123 4567 89")
    admin.locator("#trust-code").fill("000000")
    admin.locator("#trust-save").click()
    expect(admin.locator("#trust-code-error")).to_be_visible()
    expect(admin.locator("#trust-current-iban")).to_have_text("NL91 ABNA 0417 1643 00")
    # an invalid IBAN is refused before the code is used
    admin.locator("#trust-iban").fill("NL44 RABO 0123 4567 88")
    admin.locator("#trust-code").fill(pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30)))
    admin.locator("#trust-save").click()
    expect(admin.locator("#trust-iban-error")).to_contain_text("geen geldig IBAN")
    admin.locator("#trust-iban").fill("NL44 RABO 0123 4567 89")
    admin.locator("#trust-save").click()
    expect(admin.locator("#trust-notice")).to_contain_text("gewijzigd")
    expect(admin.locator("#trust-current-iban")).to_have_text("NL44 RABO 0123 4567 89")
    with Session(portal.engine) as db:
        assert db.get(TrustAccount, 1).iban == "NL44RABO0123456789"
    admin.set_viewport_size(PHONE)
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
    screenshot(admin, "payments-admin-nl-390")

    set_language(portal, "notaris@example.nl", "en")
    try:
        english = fresh()
        login(english, portal, "notaris@example.nl")
        # the app's codes of this minute are used up: a recovery code signs in
        english.locator("#code").fill(recovery[0])
        english.get_by_role("button", name=re.compile("^(Controleren|Verify|Check)$")).click()
        # after a recovery code the portal shows how many are left (Mijn gegevens)
        expect(english).to_have_url(re.compile(r"/mijn-gegevens/?\?herstelcodes=9$"))
        english.goto(f"{portal.url}/staff/instellingen")
        expect(english.locator("#trust-account-section")).to_contain_text("Third-party account")
        expect(english.locator("#held-none")).to_contain_text("no held messages")
        screenshot(english, "payments-admin-en-1280")
        english.set_viewport_size(PHONE)
        screenshot(english, "payments-admin-en-390")
    finally:
        set_language(portal, "notaris@example.nl", "nl")
