"""Uploads in Chromium against the real portal (prod build): limits shown before picking, a refused
file named in the user's language, and POST /_upload refused for anyone but the tab's own session."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.core.services.db import make_engine
from portal_app.documents.models import StagedUpload
from portal_app.settings import load_settings
from tests.e2e.conftest import DESKTOP, PHONE, login, new_page, screenshot, set_language

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CLIENT = "jansen@example.nl"
ATTACKER = "info@bakkerbv.example.nl"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """One SQLite portal for this module (uploads change data)."""
    from tests.e2e.conftest import _start_portal, _stop

    started, process = _start_portal(tmp_path_factory.mktemp("portal"), "uploads", {})
    started.setup_name = "sqlite"
    started.engine = make_engine(load_settings(started.env).database_url)
    yield started
    _stop(process)
    started.engine.dispose()


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "paspoort.pdf"
    good.write_bytes(PDF)
    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    big = tmp_path / "groot.pdf"  # over the 25 MB per file: the browser knows its size
    with big.open("wb") as handle:
        handle.write(PDF)
        handle.truncate(26 * 1024 * 1024)
    return {"good": good, "exe": exe, "big": big}


def staged_rows(portal, email: str) -> int:
    with Session(portal.engine) as session:
        account = session.exec(select(Account).where(Account.email == email)).one()
        return len(session.exec(select(StagedUpload).where(StagedUpload.account_id == account.id)).all())


def open_dialog(page, portal, email=CLIENT):
    login(page, portal, email)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    page.goto(f"{portal.url}/dossiers/1")
    page.locator("#tab-berichten").click()
    page.locator("#new-message").click()
    page.locator("#open-attachments").click()
    dialog = page.get_by_role("dialog")
    expect(page.locator(".drop-zone")).to_be_visible()
    return dialog


TEXTS = {
    "nl": {
        "limits": "Maximaal 25 MB per bestand en 50 MB per bericht, 10 bestanden tegelijk.",
        "type": "virus.exe: dit bestandstype is niet toegestaan. Toegestaan: PDF, JPG, PNG, HEIC, DOC(X), XLS(X), ODT en TXT.",
        "size": "groot.pdf: het bestand is groter dan 25 MB.",
    },
    "en": {
        "limits": "At most 25 MB per file and 50 MB per message, 10 files at a time.",
        "type": "virus.exe: this file type is not allowed. Allowed: PDF, JPG, PNG, HEIC, DOC(X), XLS(X), ODT and TXT.",
        "size": "groot.pdf: the file is larger than 25 MB.",
    },
}


@pytest.mark.parametrize(("language", "viewport"), [("nl", DESKTOP), ("nl", PHONE), ("en", DESKTOP), ("en", PHONE)])
def test_allowed_file_staged_refused_files_named_in_the_users_language(browser, portal, files, language, viewport):
    set_language(portal, CLIENT, language)
    page = new_page(browser, viewport)
    uploads: list[int] = []  # body size of each POST /_upload
    page.on(
        "request",
        lambda request: (
            uploads.append(len(request.post_data_buffer or b"")) if request.url.endswith("/_upload") else None
        ),
    )
    try:
        dialog = open_dialog(page, portal)
        texts = TEXTS[language]
        # the limits are there before a file is picked
        expect(dialog).to_contain_text(texts["limits"])
        before = staged_rows(portal, CLIENT)

        dialog.locator("input[type=file]").set_input_files([str(files["good"]), str(files["exe"])])
        expect(page.locator(".staged-file")).to_have_count(1)
        expect(page.locator("#upload-errors")).to_contain_text(texts["type"])
        assert staged_rows(portal, CLIENT) == before + 1  # the staged file counts towards the quota
        uploads_so_far = len(uploads)

        # too large: refused in the browser, its bytes never sent (Reflex may still post an empty form)
        dialog.locator("input[type=file]").set_input_files([str(files["big"])])
        expect(page.locator("#upload-errors")).to_contain_text(texts["size"])
        expect(page.locator(".staged-file")).to_have_count(1)
        assert all(size < 64 * 1024 for size in uploads[uploads_so_far:])
        expect(page.get_by_text("Files not Accepted")).to_have_count(0)
        screenshot(page, f"upload-refused-{language}-{viewport['width']}")

        # Annuleer removes the staged file and its row again
        page.get_by_role("button", name="Annuleer" if language == "nl" else "Cancel").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        assert staged_rows(portal, CLIENT) == before
    finally:
        page.context.close()
        set_language(portal, CLIENT, "nl")


def test_upload_endpoint_refuses_everyone_but_the_tabs_own_session(browser, portal, files):
    victim = new_page(browser)
    attacker = new_page(browser)
    try:
        dialog = open_dialog(victim, portal)
        with victim.expect_request(lambda r: r.url.endswith("/_upload") and r.method == "POST") as caught:
            dialog.locator("input[type=file]").set_input_files([str(files["good"])])
        expect(victim.locator(".staged-file")).to_have_count(1)
        real = caught.value.headers
        client_token = victim.evaluate("() => window.sessionStorage.getItem('token')")
        assert client_token and real["reflex-client-token"] == client_token
        staged_before = staged_rows(portal, CLIENT)

        login(attacker, portal, ATTACKER)
        expect(attacker.get_by_role("heading", name="Home")).to_be_visible()
        attacker_cookie = next(c["value"] for c in attacker.context.cookies() if c["name"] == "kp_session")
        victim_cookie = next(c["value"] for c in victim.context.cookies() if c["name"] == "kp_session")

        def post(cookie: str | None, origin: str | None):
            headers = {"reflex-client-token": client_token, "reflex-event-handler": real["reflex-event-handler"]}
            if origin:
                headers["origin"] = origin
            if cookie:
                headers["cookie"] = f"kp_session={cookie}"
            body = {"files": ("aanval.pdf", PDF, "application/pdf")}
            return httpx.post(f"{portal.url}/_upload", headers=headers, files=body, timeout=30)

        # issue 13 item 1: the victim's client token, no cookie, another site's Origin
        assert post(None, "https://evil.example").status_code == 403
        assert post(None, portal.url).status_code == 401
        # the attacker's own valid session cookie with the victim's client token
        assert post(attacker_cookie, portal.url).status_code == 403
        assert post(victim_cookie, "https://evil.example").status_code == 403
        assert staged_rows(portal, CLIENT) == staged_before
        victim.wait_for_timeout(500)
        expect(victim.locator(".staged-file")).to_have_count(1)
        expect(victim.locator(".staged-file")).not_to_contain_text("aanval.pdf")
        # the same request with the tab's own cookie and Origin is accepted (the refusals above are real)
        # (its answer streams back to this request, not to the tab: count the staging rows)
        assert post(victim_cookie, portal.url).status_code == 200
        assert staged_rows(portal, CLIENT) == staged_before + 1
    finally:
        victim.context.close()
        attacker.context.close()
