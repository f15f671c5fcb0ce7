"""The office's drop zones in Chromium (issues 13/14): the limits are shown before a file is
picked, a refused file is named in the user's language (never Reflex's "Files not Accepted"
toast), and a file the office composer keeps is staged like a client's (a staging row)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, login, new_page, screenshot
from tests.e2e.documents.test_uploads import files, portal, set_language, staged_rows  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

STAFF = "medewerker@example.nl"  # behandelaar of dossier 2026-0142 (id 1)

TEXTS = {
    "nl": {
        "attach_limits": "MB per bestand, 20 bestanden per bericht.",
        "type": "virus.exe: dit bestandstype is niet toegestaan. Toegestaan: PDF, JPG, PNG, HEIC, DOC(X), XLS(X), ODT en TXT.",
        "publish_limits": "MB per bestand, 20 bestanden tegelijk.",
    },
    "en": {
        "attach_limits": "MB per file, 20 files per message.",
        "type": "virus.exe: this file type is not allowed. Allowed: PDF, JPG, PNG, HEIC, DOC(X), XLS(X), ODT and TXT.",
        "publish_limits": "MB per file, 20 files at a time.",
    },
}


@pytest.mark.parametrize(("language", "viewport"), [("nl", DESKTOP), ("nl", PHONE), ("en", DESKTOP), ("en", PHONE)])
def test_office_drop_zones_show_limits_and_word_refusals(browser, portal, files, language, viewport):  # noqa: F811
    set_language(portal, STAFF, language)
    page = new_page(browser, viewport)
    try:
        login(page, portal, STAFF)
        texts = TEXTS[language]
        page.goto(f"{portal.url}/staff/dossiers/1?tab=berichten")
        expect(page.locator("#tab-berichten")).to_have_attribute("data-state", "active")
        page.locator("#new-message").click()
        expect(page.locator("#attach-allowed")).to_contain_text(texts["attach_limits"])  # before picking
        before = staged_rows(portal, STAFF)
        composer = page.locator("#composer")
        composer.locator("input[type=file]").set_input_files([str(files["good"]), str(files["exe"])])
        expect(page.locator("#attach-errors")).to_contain_text(texts["type"])
        expect(composer.locator(".attached-file")).to_have_count(1)
        expect(page.get_by_text("Files not Accepted")).to_have_count(0)
        assert staged_rows(portal, STAFF) == before + 1  # the composer's file is staged like a client's
        screenshot(page, f"staff-attach-refused-{language}-{viewport['width']}")
        composer.get_by_role("button", name="Annuleren" if language == "nl" else "Cancel").click()
        expect(composer).to_have_count(0)
        assert staged_rows(portal, STAFF) == before  # cancelled: the file and its row are gone

        page.goto(f"{portal.url}/staff/dossiers/1?tab=document")
        expect(page.locator("#publish-allowed")).to_contain_text(texts["publish_limits"])
        page.locator("#publish-panel input[type=file]").set_input_files([str(files["exe"])])
        expect(page.locator("#publish-errors")).to_contain_text(texts["type"])
        expect(page.get_by_text("Files not Accepted")).to_have_count(0)
        screenshot(page, f"staff-publish-refused-{language}-{viewport['width']}")
    finally:
        page.context.close()
        set_language(portal, STAFF, "nl")
