"""Dossiers (manual 2.1 and 2.1.1): list, search, filter, single-dossier shortcut,
dossier page with Voortgang and the four tabs, Download marking read, live
updates, and cross-client access through URL and the download route.

The tests of one module share one portal (demo data); they run in file order
and only make changes that later tests take into account.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import PHONE, login, screenshot

pytestmark = pytest.mark.e2e


PUBLISH_SCRIPT = """
import json, sys
from sqlmodel import select
from portal_app.accounts.models import Account
from portal_app.dossiers.models import Dossier
from portal_app.documents.services import documents
from portal_app.core.services.db import session_scope
from portal_app.documents.services.storage import FileStore
from portal_app.settings import get_settings

number, kind, title = sys.argv[1:4]
pdf = b"%PDF-1.4\\n" + b"1 0 obj<<>>endobj\\n" * 40 + b"%%EOF\\n"
store = FileStore(get_settings().files_dir)
with session_scope() as db:
    dossier = db.exec(select(Dossier).where(Dossier.number == number)).one()
    staff = db.exec(select(Account).where(Account.email == "medewerker@example.nl")).one()
    document = documents.store_document(
        session=db, store=store, dossier_id=dossier.id, kind=kind, title=title, filename="brief.pdf",
        chunks=[pdf], max_bytes=10**6, uploaded_by_id=staff.id,
    )
    document_id = document.id
print(json.dumps({"id": document_id}))
"""

# a client (e-mail, name) with `count` dossiers of their own
CLIENT_SCRIPT = """
import json, sys
from portal_app.core.models import utcnow
from portal_app.dossiers.models import DossierStatus
from portal_app.accounts.services import accounts, passwords
from portal_app.dossiers.services import dossiers
from portal_app.core.services.db import session_scope

email, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with session_scope() as db:
    account = accounts.create_person(db, email=email, name=name)
    account.password_hash = passwords.hash_password("Portaal-Demo-2026")
    account.password_changed_at = utcnow()
    account.first_login_done = True
    db.add(account)
    for n in range(count):
        dossier = dossiers.create_dossier(
            db, number=f"2019-{n:04d}", description=f"Dossier {n} Café", status=DossierStatus.ALL[n % 4]
        )
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=account.id)
print(json.dumps({"ok": True}))
"""

AUDIT_SCRIPT = """
import json, sys
from sqlmodel import select
from portal_app.audit.models import AuditEvent
from portal_app.core.services.db import session_scope

with session_scope() as db:
    rows = db.exec(select(AuditEvent.target).where(AuditEvent.event_type == "access.denied")).all()
print(json.dumps(list(rows)))
"""


def run_python(portal, script: str, *args: str):
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=portal.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def rows(page):
    return page.locator("#dossier-table tbody tr")


def open_dossiers(page):
    page.locator("#tile-dossiers").click()
    # a click before hydration is a full page load, which the server answers with /dossiers/
    expect(page).to_have_url(re.compile(r"/dossiers/?$"))
    expect(page.get_by_role("heading", name="Dossiers", level=1)).to_be_visible()


def tab_badge(page, key: str):
    """The unread badge of a tab (Radix renders a tab's label twice: visible and hidden for sizing)."""
    return page.locator(f"#tab-{key} .unread-badge").first


def tab(page, name: str):
    return page.get_by_role("tab", name=re.compile(rf"^{re.escape(name)} \("))


def test_list_search_filter_and_open(page, portal):
    login(page, portal, "jansen@example.nl")
    expect(page.locator("#count-total")).to_have_text("3")
    open_dossiers(page)
    expect(page.locator("#dossier-count")).to_have_text("3 dossiers")
    expect(rows(page)).to_have_count(3)
    for header in ("Dossiernummer", "Omschrijving", "Status"):
        expect(page.get_by_role("columnheader", name=header)).to_be_visible()
    house = page.locator("#dossier-row-2026-0142")
    expect(house).to_contain_text("Levering woning Dorpsstraat 12, Utrecht")
    expect(house).to_contain_text("In behandeling")
    expect(page.locator("#dossier-row-2025-0877")).to_contain_text("Gepasseerd")
    expect(page.locator("#dossier-row-2026-0031")).to_contain_text("Wacht op u")
    # unread: 4 published documents, 2 office messages and the draft deed's two versions (issue 17);
    # the client's own upload is not unread
    expect(house.get_by_role("img", name="8 ongelezen")).to_be_visible()
    expect(page.locator("#dossier-row-2025-0877").get_by_role("img", name="1 ongelezen")).to_be_visible()
    expect(page.locator("#dossier-row-2026-0031 .unread-badge")).to_have_count(0)
    screenshot(page, f"dossiers-list-{portal.setup_name}")

    search = page.get_by_label("Zoek op omschrijving of dossiernummer")
    search.fill("OZDEMIR")  # accent- and case-insensitive: "Jansen–Özdemir"
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("2026-0031")
    expect(page.locator("#dossier-count")).to_have_text("1 dossier")
    search.fill("2025-08")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Testament Jan Jansen")
    search.fill("geen-zo-een-dossier")
    expect(page.locator("#dossiers-none")).to_have_text(
        "Geen dossiers gevonden. Zoek op een ander woord of zet het filter uit."
    )
    search.fill("")
    expect(rows(page)).to_have_count(3)

    # status filter: all shown by default; ticking statuses shows only those
    page.locator("#status-filter-toggle").click()
    executed = page.get_by_role("checkbox", name="Gepasseerd")
    waiting = page.get_by_role("checkbox", name="Wacht op u")
    expect(executed).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="In behandeling")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Afgesloten")).to_have_count(0)  # no such dossier
    executed.click()
    expect(executed).to_be_checked()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("2025-0877")
    waiting.click()
    expect(waiting).to_be_checked()
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#dossier-row-2026-0142")).to_have_count(0)
    screenshot(page, f"dossiers-filter-{portal.setup_name}")
    # two quick clicks before the page caught up still untick both
    executed.click()
    waiting.click()
    expect(executed).not_to_be_checked()
    expect(waiting).not_to_be_checked()
    expect(rows(page)).to_have_count(3)
    page.locator("#status-filter-toggle").click()  # close the filter panel again
    expect(executed).to_be_hidden()

    page.set_viewport_size(PHONE)
    expect(page.locator("#dossier-row-2026-0142")).to_be_visible()
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the list scrolls sideways at phone width"
    screenshot(page, f"dossiers-list-phone-{portal.setup_name}")
    page.set_viewport_size({"width": 1280, "height": 900})

    # keyboard: the row's "Openen" link is focusable and opens the dossier
    page.get_by_role("link", name="Openen 2026-0031").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/?$"))
    expect(page.get_by_role("heading", name="Huwelijkse voorwaarden Jansen–Özdemir")).to_be_visible()
    expect(page.locator("#dossier-status")).to_have_text("Wacht op u")
    page.locator("#back-to-dossiers").click()
    # a click anywhere on the row opens it too
    page.locator("#dossier-row-2025-0877").click()
    expect(page.get_by_role("heading", name="Testament Jan Jansen")).to_be_visible()
    expect(page.locator("#progress-summary")).to_have_text("Voortgang (0/0)")


def test_single_dossier_opens_directly_and_company_sees_its_own(page, portal):
    login(page, portal, "inkoop@bakkerbv.example.nl")
    expect(page.locator("#count-total")).to_have_text("1")
    page.locator("#tile-dossiers").click()
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/?$"))
    expect(page.get_by_role("heading", name="Aankoop bedrijfspand Industrieweg 5, Amersfoort")).to_be_visible()
    expect(page.locator("#dossier-number")).to_have_text("2026-0215")
    expect(page.locator("#back-to-dossiers")).to_have_count(0)
    assert "Statutenwijziging" not in page.content()

    page.get_by_role("button", name="Uitloggen").click()
    login(page, portal, "info@bakkerbv.example.nl")
    open_dossiers(page)
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#dossier-count")).to_have_text("2 dossiers")
    # both "In behandeling": no status filter to offer
    expect(page.locator("#status-filter")).to_have_count(0)
    assert "Dorpsstraat" not in page.content()


def test_dossier_page_progress_tabs_and_download(page, portal):
    login(page, portal, "jansen@example.nl")
    open_dossiers(page)
    before = int(page.locator("#dossier-row-2026-0142 .unread-badge").inner_text())
    page.get_by_role("link", name="Openen 2026-0142").click()
    expect(page.get_by_role("heading", name="Levering woning Dorpsstraat 12, Utrecht")).to_be_visible()
    expect(page.locator("#dossier-number")).to_have_text("2026-0142")
    expect(page.locator("#dossier-status")).to_have_text("In behandeling")
    expect(page.locator("#dossier-handler")).to_have_text("M. Visser")

    # Voortgang: collapsed by default, (done/total), every step with done / not yet
    summary = page.locator("#progress-summary")
    expect(summary).to_have_text("Voortgang (4/10)")
    expect(page.locator("#progress-steps")).to_be_hidden()
    summary.click()
    steps = page.locator("#progress-steps li")
    expect(steps).to_have_count(10)
    expect(page.locator("#progress-steps li[data-done='true']")).to_have_count(4)
    expect(steps.first).to_contain_text("Opdracht ontvangen")
    expect(steps.first).to_contain_text(re.compile(r"\d{2}-\d{2}-\d{4}"))
    expect(steps.nth(9)).to_contain_text("Nog niet afgerond")
    screenshot(page, f"dossier-{portal.setup_name}")

    # the four tabs with item counts and unread badges
    expect(tab(page, "Correspondentie")).to_have_attribute("aria-selected", "true")
    expect(tab(page, "Correspondentie")).to_contain_text("Correspondentie (2)")
    expect(tab(page, "Documenten")).to_contain_text("Documenten (2)")
    expect(tab(page, "Door mij aangeleverd")).to_contain_text("Door mij aangeleverd (1)")
    expect(tab(page, "Berichten")).to_contain_text("Berichten (3)")
    expect(tab_badge(page, "correspondentie")).to_have_attribute("aria-label", "2 ongelezen")
    expect(tab_badge(page, "document")).to_have_attribute("aria-label", "2 ongelezen")
    expect(tab_badge(page, "aangeleverd")).to_have_count(0)
    expect(tab_badge(page, "berichten")).to_have_attribute("aria-label", "2 ongelezen")
    # screen readers hear the unread badge as words, as part of the tab's name
    expect(tab(page, "Documenten")).to_have_accessible_name(re.compile(r"^Documenten \(2\)\s*2 ongelezen$"))

    letters = page.locator("#docs-correspondentie tbody tr")
    expect(letters).to_have_count(2)
    letter = page.locator("#docs-correspondentie tr", has_text="Opdrachtbevestiging")
    expect(letter).to_have_attribute("data-unread", "true")
    expect(letter).to_contain_text("opdrachtbevestiging.pdf")
    link = letter.get_by_role("link", name="Download: Opdrachtbevestiging")
    assert re.fullmatch(r"/files/\d+", link.get_attribute("href"))
    assert link.get_attribute("download") is not None
    page.evaluate("window.__notReloaded = true")
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "opdrachtbevestiging.pdf"
    # the badge drops at once, without a reload
    expect(tab_badge(page, "correspondentie")).to_have_attribute("aria-label", "1 ongelezen")
    expect(letter).to_have_attribute("data-unread", "false")
    assert page.evaluate("window.__notReloaded === true")

    # keyboard: arrow keys move between the tabs
    tab(page, "Correspondentie").focus()
    page.keyboard.press("ArrowRight")
    expect(tab(page, "Documenten")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#docs-document tbody tr")).to_have_count(2)
    deed = page.locator("#docs-document tr", has_text="Concept akte van levering")
    with page.expect_download():
        deed.get_by_role("link", name=re.compile("^Download")).click()
    expect(tab_badge(page, "document")).to_have_attribute("aria-label", "1 ongelezen")
    tab(page, "Door mij aangeleverd").click()
    own = page.locator("#docs-aangeleverd tr", has_text="Kopie paspoort")
    expect(own).to_have_attribute("data-unread", "false")
    tab(page, "Correspondentie").click()

    page.set_viewport_size(PHONE)
    expect(page.locator("#dossier-tabs")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "dossier page scrolls sideways"
    screenshot(page, f"dossier-phone-{portal.setup_name}")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the dossier row of the list shows two fewer unread items
    page.locator("#back-to-dossiers").click()
    expect(page.locator("#dossier-row-2026-0142 .unread-badge")).to_have_text(str(before - 2))


def test_published_document_appears_without_reload(page, portal):
    login(page, portal, "jansen@example.nl")
    open_dossiers(page)
    page.get_by_role("link", name="Openen 2026-0031").click()
    expect(page.get_by_role("heading", name="Huwelijkse voorwaarden Jansen–Özdemir")).to_be_visible()
    expect(tab(page, "Correspondentie")).to_contain_text("Correspondentie (0)")
    expect(tab_badge(page, "correspondentie")).to_have_count(0)
    page.evaluate("window.__notReloaded = true")
    run_python(portal, PUBLISH_SCRIPT, "2026-0031", "correspondentie", "Brief over de huwelijkse voorwaarden")
    # the office published while the client looks at the page: within a minute, no reload
    expect(tab_badge(page, "correspondentie")).to_have_attribute("aria-label", "1 ongelezen", timeout=60_000)
    expect(tab(page, "Correspondentie")).to_contain_text("Correspondentie (1)")
    expect(page.locator("#docs-correspondentie")).to_contain_text("Brief over de huwelijkse voorwaarden")
    assert page.evaluate("window.__notReloaded === true")


def test_open_dossier_page_follows_logout_in_another_tab(page, portal, context):
    login(page, portal, "jansen@example.nl")
    open_dossiers(page)
    page.get_by_role("link", name="Openen 2025-0877").click()
    expect(page.get_by_role("heading", name="Testament Jan Jansen")).to_be_visible()
    other = context.new_page()
    other.goto(f"{portal.url}/")
    other.get_by_role("button", name="Uitloggen").click()
    expect(other.get_by_text("U bent uitgelogd.")).to_be_visible()
    # the polling loop re-checks the session: the open tab leaves the dossier by itself
    expect(page).to_have_url(re.compile(r"/login/?\?verlopen=1"), timeout=60_000)
    assert "Testament Jan Jansen" not in page.content()


def test_other_clients_dossier_and_document_are_not_found(page, portal, browser):
    # ids as the owner sees them
    owner = browser.new_context(locale="nl-NL")
    try:
        own_page = owner.new_page()
        own_page.set_default_timeout(20_000)
        login(own_page, portal, "jansen@example.nl")
        open_dossiers(own_page)
        dossier_href = own_page.get_by_role("link", name="Openen 2026-0142").get_attribute("href")
        own_page.goto(f"{portal.url}{dossier_href}")
        own_page.get_by_role("tab", name=re.compile(r"^Documenten")).click()
        file_href = own_page.get_by_role("link", name="Download: Volmacht").get_attribute("href")
        assert own_page.request.get(f"{portal.url}{file_href}").status == 200
    finally:
        owner.close()
    dossier_id = dossier_href.rsplit("/", 1)[1]

    login(page, portal, "info@bakkerbv.example.nl")
    expect(page.locator("#count-total")).to_have_text("2")
    for path in (dossier_href, "/dossiers/999999", "/dossiers/abc"):
        page.goto(f"{portal.url}{path}")
        expect(page.get_by_role("heading", name="Niet gevonden.")).to_be_visible()
        content = page.content()
        assert "Dorpsstraat" not in content and "2026-0142" not in content and "M. Visser" not in content
    screenshot(page, f"dossier-not-found-{portal.setup_name}")

    response = page.request.get(f"{portal.url}{file_href}")
    assert response.status == 404
    assert b"%PDF" not in response.body()
    assert response.headers["cache-control"] == "no-store"

    denied = run_python(portal, AUDIT_SCRIPT)
    assert f"dossier:{dossier_id}" in denied
    assert "dossier:abc" in denied
    assert f"document:{file_href.rsplit('/', 1)[1]}" in denied


def test_thousand_dossiers_paginate(page, portal):
    run_python(portal, CLIENT_SCRIPT, "veel@example.nl", "Veel Dossiers", "1000")
    login(page, portal, "veel@example.nl")
    expect(page.locator("#count-total")).to_have_text("1000")
    open_dossiers(page)
    expect(page.locator("#dossier-count")).to_have_text("1000 dossiers")
    expect(rows(page)).to_have_count(25)
    expect(page.locator("#page-text")).to_have_text("Pagina 1 van 40")
    expect(page.get_by_role("button", name="Vorige")).to_be_disabled()
    first_page = rows(page).first.inner_text()
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("#page-text")).to_have_text("Pagina 2 van 40")
    expect(rows(page)).to_have_count(25)
    assert rows(page).first.inner_text() != first_page
    expect(page.get_by_role("button", name="Vorige")).to_be_enabled()
    screenshot(page, f"dossiers-many-{portal.setup_name}")
    # searching starts again at page 1; "99 cafe" matches 99, 199, ..., 999
    page.get_by_label("Zoek op omschrijving of dossiernummer").fill("99 CAFE")
    expect(page.locator("#dossier-count")).to_have_text("10 dossiers")
    expect(rows(page)).to_have_count(10)
    expect(page.locator("#page-text")).to_have_count(0)
    page.locator("#status-filter-toggle").click()
    closed = page.get_by_role("checkbox", name="Afgesloten")
    in_progress = page.get_by_role("checkbox", name="In behandeling")
    closed.click()  # n % 4 == 3: 99, 199, ..., 999
    expect(closed).to_be_checked()
    expect(page.locator("#dossier-count")).to_have_text("10 dossiers")
    in_progress.click()  # n % 4 == 0: none of them
    expect(in_progress).to_be_checked()
    expect(page.locator("#dossier-count")).to_have_text("10 dossiers")
    closed.click()
    expect(closed).not_to_be_checked()
    expect(page.locator("#dossiers-none")).to_be_visible()


def test_client_without_dossiers_is_told_why_the_list_is_empty(page, portal):
    """A new client whose office has not opened a dossier yet sees why, not a bare "0 dossiers"."""
    run_python(portal, CLIENT_SCRIPT, "nieuw@example.nl", "Nieuwe Klant", "0")
    login(page, portal, "nieuw@example.nl")
    open_dossiers(page)
    expect(page.locator("#dossier-count")).to_have_text("0 dossiers")
    expect(page.locator("#dossiers-none")).to_contain_text(
        "U heeft nog geen dossiers. Zodra ons kantoor een dossier voor u opent, ziet u het hier."
    )
    expect(rows(page)).to_have_count(0)
    screenshot(page, f"dossiers-none-yet-{portal.setup_name}")
