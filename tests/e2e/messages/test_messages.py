"""Tabblad Berichten in Chromium: read, reply with quote, new message rules,
the 4000-character counter and dialog, attachments, double submit, XSS."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def portal(request, tmp_path_factory):
    """One SQLite portal for this module (the messages flows change data)."""
    from tests.e2e.conftest import _start_portal, _stop

    started, process = _start_portal(tmp_path_factory.mktemp("portal"), "messages", {})
    started.setup_name = "sqlite"
    yield started
    _stop(process)


def open_messages(page, portal, email="jansen@example.nl"):
    login(page, portal, email)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    page.goto(f"{portal.url}/dossiers/1")
    page.locator("#tab-berichten").click()
    expect(page.locator("#message-list")).to_be_visible()


def new_message(page):
    page.locator("#new-message").click()
    expect(page.locator("#composer")).to_be_visible()


def test_read_marks_and_badge_drops(page, portal):
    open_messages(page, portal)
    badge = page.locator("#tab-berichten .unread-badge").first
    expect(badge).to_contain_text("2")
    rows = page.locator(".message-row")
    expect(rows.first).to_contain_text("Concept akte klaargezet")  # newest first
    expect(rows.first).to_have_attribute("data-unread", "1")
    rows.first.locator("button").first.click()
    expect(rows.first).to_contain_text("De concept akte van levering staat onder Documenten")
    expect(badge).to_contain_text("1")
    expect(rows.first).to_have_attribute("data-unread", "")
    screenshot(page, "berichten-open")


def test_reply_quotes_original(page, portal):
    open_messages(page, portal)
    row = page.locator(".message-row", has_text="Kopie legitimatiebewijs").last
    row.locator("button").first.click()
    row.get_by_role("button", name="Beantwoorden").click()
    expect(page.locator("#msg-subject")).to_have_value("RE: Kopie legitimatiebewijs")
    expect(page.locator("#original-message")).to_contain_text("--- Oorspronkelijk bericht ---")
    expect(page.locator("#original-message")).to_contain_text("Wilt u ons een kopie van uw paspoort")
    page.locator("#msg-body").fill("Hierbij nogmaals mijn paspoort.")
    page.locator("#send-message").click()
    expect(page.locator("#sent-notice")).to_contain_text("Uw bericht is verstuurd.")  # not the live region copy
    first = page.locator(".message-row").first
    expect(first).to_contain_text("RE: Kopie legitimatiebewijs")
    expect(first).to_contain_text("Aan")


def test_new_message_required_fields_and_counter(page, portal):
    open_messages(page, portal)
    new_message(page)
    page.locator("#send-message").click()
    expect(page.locator("#subject-error")).to_have_text("Vul een onderwerp in.")
    expect(page.locator("#body-error")).to_have_text("Vul een bericht in.")
    page.locator("#msg-subject").fill("kopie stukken")
    page.locator("#msg-body").press_sequentially("Beste,\n\nHierbij zend ik ")
    expect(page.locator("#msg-counter")).to_have_text("24 van 4000 tekens")
    expect(page.locator("#subject-error")).to_have_count(0)
    screenshot(page, "nieuw-bericht")


def test_maximum_dialog_and_truncation(page, portal):
    open_messages(page, portal)
    new_message(page)
    page.locator("#msg-subject").fill("Lang bericht")
    body = page.locator("#msg-body")
    body.fill("a" * 3999)
    expect(page.locator("#msg-counter")).to_have_text("3999 van 4000 tekens")
    body.press("End")
    body.press_sequentially("bc")  # typing past the limit
    expect(page.get_by_role("alertdialog")).to_contain_text("Maximum bereikt")
    expect(page.get_by_role("alertdialog")).to_contain_text(
        "Het maximaal aantal van 4000 karakters voor een bericht is bereikt. Meer tekst zal worden verwijderd."
    )
    page.get_by_role("button", name="OK").click()
    expect(page.locator("#msg-counter")).to_have_text("4000 van 4000 tekens")
    # the notice is gone before the next paste (else the OK below could hit the closing one)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    # pasting more than the limit keeps the first 4000 characters, and says so again
    body.fill("")
    body.fill("q" * 4100)
    expect(page.locator("#msg-counter")).to_have_text("4000 van 4000 tekens")
    expect(page.get_by_role("alertdialog")).to_contain_text("Maximum bereikt")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert len(body.input_value()) == 4000


def test_attachments_dialog_remove_upload_and_send(page, portal, tmp_path):
    good = tmp_path / "paspoort.pdf"
    good.write_bytes(PDF)
    second = tmp_path / "loonstrook.pdf"
    second.write_bytes(PDF)
    evil = tmp_path / "factuur.pdf"
    evil.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    open_messages(page, portal)
    delivered_before = int(re.search(r"\((\d+)\)", page.locator("#tab-aangeleverd").inner_text()).group(1))
    new_message(page)
    page.locator("#msg-subject").fill("ID-bewijs")
    page.locator("#msg-body").fill("Zie bijlage.")
    page.locator("#open-attachments").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Toegestaan: PDF, JPG, PNG, HEIC, DOC(X), XLS(X), ODT en TXT.")
    expect(dialog).to_contain_text("Maximaal 25 MB per bestand")
    dialog.locator("input[type=file]").set_input_files([str(good), str(evil)])
    expect(page.locator("#upload-errors")).to_contain_text("factuur.pdf")
    expect(page.locator(".staged-file")).to_have_count(1)
    # the black cross removes a picked file
    page.get_by_role("button", name="Verwijder paspoort.pdf").click()
    expect(page.locator(".staged-file")).to_have_count(0)
    # "+ Meer toevoegen": pick again, two files
    dialog.locator("input[type=file]").set_input_files([str(good), str(second)])
    expect(page.locator(".staged-file")).to_have_count(2)
    screenshot(page, "bijlagen-dialoog")
    page.locator("#upload-confirm").click()
    expect(page.locator(".attached-file")).to_have_count(2)
    # the trash icon under the message
    page.get_by_role("button", name="Verwijder loonstrook.pdf").click()
    expect(page.locator(".attached-file")).to_have_count(1)
    page.locator("#send-message").dblclick()
    expect(page.locator("#sent-notice")).to_contain_text("Uw bericht is verstuurd.")  # not the live region copy
    expect(page.locator(".message-row", has_text="ID-bewijs")).to_have_count(1)
    expect(page.locator("#tab-aangeleverd")).to_contain_text(f"({delivered_before + 1})")


def test_drop_event_and_cancel(page, portal):
    open_messages(page, portal)
    new_message(page)
    page.locator("#open-attachments").click()
    expect(page.locator(".drop-zone")).to_be_visible()  # the dialog has opened
    page.evaluate(
        """() => { const zone = document.querySelector('.drop-zone');
        const dt = new DataTransfer();
        dt.items.add(new File(['%PDF-1.4\\n%%EOF\\n'], 'gesleept.pdf', {type: 'application/pdf'}));
        zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: dt, bubbles: true}));
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true})); }"""
    )
    expect(page.locator(".staged-file")).to_contain_text("gesleept.pdf")
    page.get_by_role("button", name="Annuleer").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator(".attached-file")).to_have_count(0)


def test_script_in_subject_and_body_is_text(page, portal):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_messages(page, portal)
    new_message(page)
    page.locator("#msg-subject").fill('<img src=x onerror="alert(1)">')
    page.locator("#msg-body").fill("<script>alert(2)</script>")
    page.locator("#send-message").click()
    row = page.locator(".message-row").first
    expect(row).to_contain_text('<img src=x onerror="alert(1)">')
    row.locator("button").first.click()
    expect(row).to_contain_text("<script>alert(2)</script>")
    assert dialogs == []


def test_phone_width(page, portal):
    page.set_viewport_size({"width": 390, "height": 844})
    open_messages(page, portal)
    new_message(page)
    expect(page.locator("#send-message")).to_be_visible()
    screenshot(page, "berichten-phone")
