"""Issue 5 in a real browser: the staff dashboard, with a staff browser and a client
browser side by side (two browser contexts: separate cookies, separate sessions).

One portal (SQLite, production build) for the module, with a real SMTP server
(aiosmtpd) catching its mail. Screenshots of every staff screen land in
screenshots/staff-*.png (desktop) and one at phone width.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.models import Account, Document, DocumentKind, Dossier, Message
from portal_app.services import accounts, dossiers, passwords
from portal_app.services import mail as mail_service
from portal_app.services.db import make_engine
from portal_app.services.documents import store_document
from portal_app.services.storage import FileStore
from portal_app.settings import load_settings
from tests.e2e.conftest import _start_portal, _stop, login, screenshot
from tests.e2e.mailbox import Mailbox

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STAFF_HANDLER = "medewerker@example.nl"  # behandelaar of dossier 2026-0142
STAFF_ADMIN = "notaris@example.nl"
CLIENT = "jansen@example.nl"
SUBJECT_INVITE = "Uw account voor het klantenportaal"
SUBJECT_LINK = "Uw wachtwoord instellen"
SUBJECT_NEWS = "Er staat iets nieuws voor u klaar"


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, mailbox):
    tmp_root = tmp_path_factory.mktemp("staff")
    started, process = _start_portal(
        tmp_root, "sqlite", {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "NOTIFY_INTERVAL_MINUTES": "0"}
    )
    started.setup_name = "sqlite"
    settings = load_settings(started.env)
    engine = make_engine(settings.database_url)
    started.engine = engine

    def flush() -> None:
        worker = threading.Thread(target=lambda: asyncio.run(mail_service.deliver_due(engine=engine, settings=settings)))
        worker.start()
        worker.join(30)

    mailbox.flush = flush
    try:
        yield started
    finally:
        mailbox.flush = None
        _stop(process)
        engine.dispose()


@pytest.fixture
def fresh(browser):
    """Factory for pages in isolated browser contexts (a browser each)."""
    pages = []

    def make(viewport=DESKTOP):
        context = browser.new_context(locale="nl-NL", viewport=viewport, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.context.close()


# --------------------------------------------------------------------------- helpers


def dossier_id(portal, number: str) -> int:
    with Session(portal.engine) as db:
        return db.exec(select(Dossier.id).where(Dossier.number == number)).one()


def account_id(portal, email: str) -> int:
    with Session(portal.engine) as db:
        return db.exec(select(Account.id).where(Account.email == email)).one()


def staff_login(page, portal, email: str) -> None:
    login(page, portal, email)
    expect(page).to_have_url(re.compile(r"/staff/?$"))
    wait_ready(page)


def client_login(page, portal, email: str = CLIENT) -> None:
    login(page, portal, email)
    expect(page).to_have_url(re.compile(r"/(mijn-gegevens)?/?(\?.*)?$"))


def wait_ready(page) -> None:
    """The staff page's load event ran (the session was checked and the data arrived)."""
    expect(page.locator("#inhoud")).to_have_attribute("data-ready", "1")


def open_staff_dossier(page, portal, number: str, tab: str) -> None:
    page.goto(f"{portal.url}/staff/dossiers/{dossier_id(portal, number)}?tab={tab}")
    expect(page.locator("#dossier-header")).to_be_visible()
    expect(page.locator(f"#tab-{tab}")).to_have_attribute("data-state", "active")


def open_client_tab(page, portal, number: str, tab: str) -> None:
    page.goto(f"{portal.url}/dossiers/{dossier_id(portal, number)}")
    expect(page.locator("#dossier-tabs")).to_be_visible()
    page.locator(f"#tab-{tab}").click()


def publish(page, title: str, filename: str, kind_label: str = "Documenten") -> None:
    panel = page.locator("#publish-panel")
    panel.locator("#publish-kind").select_option(label=kind_label)
    panel.locator("#publish-title").fill(title)
    panel.locator("#publish-title").press("Tab")  # on_blur sends the title
    page.wait_for_timeout(300)
    panel.locator("#publish-files input[type=file]").set_input_files(
        files=[{"name": filename, "mimeType": "application/pdf", "buffer": PDF}]
    )
    expect(panel.locator("#publish-selected")).to_contain_text(filename)
    panel.locator("#publish-button").click()
    expect(page.locator("#dossier-notice")).to_contain_text("gepubliceerd")


# --------------------------------------------------------------------------- the two browsers


def test_publish_read_receipt_and_withdraw(fresh, portal, mailbox):
    staff, client = fresh(), fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    client_login(client, portal)
    title = f"Concept akte {uuid.uuid4().hex[:6]}"

    open_staff_dossier(staff, portal, "2026-0142", "document")
    screenshot(staff, "staff-dossier-documenten")
    publish(staff, title, "concept-akte-v2.pdf")
    row = staff.locator("#document-table tr", has_text=title)
    expect(row).to_contain_text("Jan Jansen: nog niet gelezen")

    # the client is told (without the content) by mail
    news = mailbox.wait_for(CLIENT, subject=SUBJECT_NEWS, timeout=90)
    assert "2026-0142" in news.text and title not in news.text

    # the client sees it under Documenten and downloads it
    open_client_tab(client, portal, "2026-0142", "document")
    client_row = client.locator("#docs-document tr", has_text=title)
    expect(client_row).to_be_visible()
    with client.expect_download() as download:
        client_row.locator("a").first.click()
    assert download.value.suggested_filename == "concept-akte-v2.pdf"

    # staff sees "gelezen en gedownload"
    open_staff_dossier(staff, portal, "2026-0142", "document")
    expect(staff.locator("#document-table tr", has_text=title)).to_contain_text(re.compile(r"Jan Jansen: gelezen en gedownload \d"))

    # withdrawing removes it from the client's tab; staff keep seeing it as withdrawn
    staff.locator("#document-table tr", has_text=title).get_by_role("button", name=re.compile("Intrekken")).click()
    staff.locator("#withdraw-confirm").click()
    expect(staff.locator("#dossier-notice")).to_contain_text("ingetrokken")
    expect(staff.locator("#document-table tr", has_text=title)).to_have_attribute("data-withdrawn", re.compile(r"\d"))
    open_client_tab(client, portal, "2026-0142", "document")
    expect(client.locator("#docs-document")).to_be_visible()
    expect(client.locator("#docs-document tr", has_text=title)).to_have_count(0)
    # and the download route no longer serves it
    with Session(portal.engine) as db:
        withdrawn_id = db.exec(select(Document.id).where(Document.title == title)).one()
    assert client.request.get(f"{portal.url}/files/{withdrawn_id}").status == 404


def test_client_message_unread_on_overview_then_staff_reply(fresh, portal):
    staff, client = fresh(), fresh()
    client_login(client, portal)
    subject = f"Vraag over de sleutels {uuid.uuid4().hex[:6]}"

    open_client_tab(client, portal, "2026-0142", "berichten")
    client.locator("#new-message").click()
    client.locator("#msg-subject").fill(subject)
    client.locator("#msg-body").fill("Wanneer krijg ik de sleutels?")
    client.locator("#send-message").click()
    expect(client.locator("#message-list")).to_contain_text(subject)

    staff_login(staff, portal, STAFF_HANDLER)
    unread = staff.locator("#unread-list")
    expect(unread).to_contain_text(subject)
    expect(unread).to_contain_text("Jan Jansen")
    screenshot(staff, "staff-overzicht")

    unread.get_by_role("link", name=subject).click()
    expect(staff.locator("#tab-berichten")).to_have_attribute("data-state", "active")
    message = staff.locator(".message-row", has_text=subject)
    expect(message).to_have_attribute("data-unread", "1")
    message.get_by_role("button").first.click()  # opening marks it read by staff
    expect(message).to_have_attribute("data-unread", "")
    staff.locator("#reply-button").click()
    expect(staff.locator("#original-message")).to_contain_text("Wanneer krijg ik de sleutels?")
    staff.locator("#compose-body").fill("Bij het passeren van de akte.")
    staff.locator("#send-message").click()
    expect(staff.locator("#dossier-notice")).to_contain_text("verstuurd")
    screenshot(staff, "staff-dossier-berichten")

    staff.goto(f"{portal.url}/staff")
    expect(staff.locator("#unread-messages")).to_be_visible()
    expect(staff.locator("#unread-list", has_text=subject)).to_have_count(0)

    open_client_tab(client, portal, "2026-0142", "berichten")
    reply = client.locator(".message-row", has_text=f"RE: {subject}")
    expect(reply).to_be_visible()
    reply.get_by_role("button").first.click()
    expect(client.locator(".message-body").first).to_contain_text("Bij het passeren van de akte.")
    expect(client.locator(".message-body").first).to_contain_text("--- Oorspronkelijk bericht ---")


def test_staff_creates_a_client_who_completes_onboarding(fresh, portal, mailbox):
    staff = fresh()
    staff_login(staff, portal, STAFF_ADMIN)
    email = f"nieuw-{uuid.uuid4().hex[:6]}@example.nl"
    staff.goto(f"{portal.url}/staff/clienten")
    expect(staff.locator("#client-table")).to_be_visible()
    screenshot(staff, "staff-clienten")
    staff.locator("#new-client").click()
    staff.locator("#new-client-kind").get_by_role("radio", name="Bedrijf").click()
    staff.locator("#new-company").fill("Nieuw & Co B.V.")
    staff.locator("#new-name").fill("Nora Nieuw")
    staff.locator("#new-email").fill(email)
    screenshot(staff, "staff-clienten-nieuw")
    staff.locator("#create-client").click()
    expect(staff).to_have_url(re.compile(r"/staff/clienten/\d+/?\?nieuw=1$"))
    expect(staff.locator("#client-notice")).to_contain_text(email)
    expect(staff.locator("#client-facts")).to_contain_text("Uitgenodigd")
    screenshot(staff, "staff-client")

    invite = mailbox.wait_for(email, subject=SUBJECT_INVITE)
    invite_link = invite.link("/account-activeren")
    # the client completes onboarding: invitation page -> second mail -> password -> Home
    client = fresh()
    client.goto(invite_link)
    expect(client.get_by_role("heading", name="Account activeren")).to_be_visible()
    expect(client.locator("input[name=invite]")).to_have_value(invite_link.split("token=", 1)[1])
    client.get_by_label("E-mailadres").fill(email)
    client.get_by_role("button", name="Verstuur").click()
    set_link = mailbox.wait_for(email, subject=SUBJECT_LINK).link("/wachtwoord-instellen")
    client.goto(set_link)
    client.locator("#new-password").fill("Zonnig-Paard-4812")
    client.locator("#repeat-password").fill("Zonnig-Paard-4812")
    client.get_by_role("button", name="Instellen wachtwoord").click()
    expect(client).to_have_url(re.compile(r"/mijn-gegevens/?$"))

    # the invitation is no longer pending; staff see the account as active
    staff.goto(f"{portal.url}/staff/clienten/{account_id(portal, email)}")
    expect(staff.locator("#client-facts")).to_contain_text("Actief")
    staff.goto(f"{portal.url}/staff")
    expect(staff.locator("#invitations")).to_be_visible()
    expect(staff.locator("#invite-list", has_text=email)).to_have_count(0)


def test_block_ends_the_clients_session(fresh, portal):
    staff, client = fresh(), fresh()
    with Session(portal.engine) as db:
        person = accounts.create_person(db, email=f"blok-{uuid.uuid4().hex[:6]}@example.nl", name="Bert Blok")
        person.password_hash = passwords.hash_password("Blok-Wachtwoord-12")
        person.first_login_done = True
        db.add(person)
        db.commit()
        person_id, person_email = person.id, person.email
    login(client, portal, person_email, "Blok-Wachtwoord-12")
    expect(client.get_by_role("heading", name="Home")).to_be_visible()

    staff_login(staff, portal, STAFF_HANDLER)
    staff.goto(f"{portal.url}/staff/clienten/{person_id}")
    staff.locator("#block").click()
    staff.locator("#block-confirm").click()
    expect(staff.locator("#client-notice")).to_contain_text("geblokkeerd")
    expect(staff.locator("#client-facts")).to_contain_text("Geblokkeerd")

    client.goto(f"{portal.url}/mijn-gegevens")
    expect(client).to_have_url(re.compile(r"/login"))


# --------------------------------------------------------------------------- abuse


def test_clients_get_not_found_and_behandelaar_no_admin_screens(fresh, portal):
    client = fresh()
    client_login(client, portal)
    for path in ("/staff", "/staff/clienten", "/staff/dossiers/1", "/staff/outbox", "/staff/audit", "/staff/instellingen"):
        client.goto(f"{portal.url}{path}")
        expect(client).to_have_url(re.compile(r"/404/?$"))
    response = client.request.get(f"{portal.url}/staff/export/audit.csv")
    assert response.status == 404 and "text/csv" not in response.headers.get("content-type", "")

    handler = fresh()
    staff_login(handler, portal, STAFF_HANDLER)
    expect(handler.locator("#staff-nav-dossiers")).to_be_visible()
    expect(handler.locator("#staff-nav-settings")).to_have_count(0)
    handler.goto(f"{portal.url}/staff/instellingen")
    expect(handler).to_have_url(re.compile(r"/404/?$"))

    anonymous = fresh()
    anonymous.goto(f"{portal.url}/staff/dossiers")
    expect(anonymous).to_have_url(re.compile(r"/login"))
    assert anonymous.request.get(f"{portal.url}/staff/export/audit.csv", max_redirects=0).status == 303


def test_client_supplied_text_is_rendered_as_text_for_staff(fresh, portal):
    evil = '<img src=x onerror="window.__xss=1">'
    with Session(portal.engine) as db:
        person = accounts.create_person(db, email=f"xss-{uuid.uuid4().hex[:6]}@example.nl", name=f"Eve {evil}")
        company = accounts.create_company(db, email=f"xssbv-{uuid.uuid4().hex[:6]}@example.nl", name="Evi", company_name=f"<script>window.__xss=2</script> B.V.")
        house = db.exec(select(Dossier).where(Dossier.number == "2026-0142")).one()
        dossiers.grant_access(db, dossier_id=house.id, account_id=person.id)
        db.add(Message(dossier_id=house.id, author_id=person.id, from_office=False, subject=f"Hallo {evil}", body=f"<b>vet</b> {evil}"))
        document = store_document(
            session=db, store=FileStore(load_settings(portal.env).files_dir), dossier_id=house.id, kind=DocumentKind.DELIVERED,
            title=f"Bijlage {evil}", filename=f"{evil}.pdf", chunks=[PDF], max_bytes=10_000, uploaded_by_id=person.id,
        )
        db.commit()
        company_id, delivered_name = company.id, document.filename
    staff = fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    expect(staff.locator("#unread-list")).to_contain_text(f"Hallo {evil}")
    staff.goto(f"{portal.url}/staff/clienten")
    staff.locator("#client-search").fill("eve")
    staff.locator("#client-search-submit").click()
    expect(staff.locator("#client-table")).to_contain_text(f"Eve {evil}")
    staff.goto(f"{portal.url}/staff/clienten/{company_id}")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("<script>window.__xss=2</script> B.V.")
    open_staff_dossier(staff, portal, "2026-0142", "berichten")
    row = staff.locator(".message-row", has_text="Hallo")
    row.first.get_by_role("button").first.click()
    expect(staff.locator(".message-body").first).to_contain_text("<b>vet</b>")
    open_staff_dossier(staff, portal, "2026-0142", "aangeleverd")
    expect(staff.locator("#document-table")).to_contain_text(f"Bijlage {evil}")
    expect(staff.locator("#document-table")).to_contain_text(delivered_name)
    open_staff_dossier(staff, portal, "2026-0142", "toegang")
    expect(staff.locator("#access-list")).to_contain_text(f"Eve {evil}")
    assert staff.evaluate("window.__xss") is None


# --------------------------------------------------------------------------- the other screens


def test_dossier_list_create_progress_access_and_status(fresh, portal):
    staff = fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    staff.goto(f"{portal.url}/staff/dossiers")
    expect(staff.locator("#dossier-table")).to_be_visible()
    staff.locator("#mine").click()
    expect(staff.locator("#dossier-table")).not_to_contain_text("2025-0877")  # the notaris handles that one
    expect(staff.locator("#dossier-table")).to_contain_text("2026-0142")
    screenshot(staff, "staff-dossiers")

    number = f"2026-{uuid.uuid4().hex[:4]}"
    staff.locator("#new-dossier").click()
    staff.locator("#new-number").fill("2026-0142")
    staff.locator("#new-description").fill("Dubbel nummer")
    staff.locator("#create-dossier").click()
    expect(staff.locator("#new-dossier-error")).to_contain_text("bestaat al")
    staff.locator("#new-number").fill(number)
    staff.locator("#new-description").fill("Oprichting Nieuw B.V.")
    staff.locator("#new-handler").select_option(label="M. Visser")
    staff.locator("#create-dossier").click()
    expect(staff).to_have_url(re.compile(r"/staff/dossiers/\d+/?$"))
    expect(staff.get_by_role("heading", level=1)).to_contain_text(number)

    # progress: add, tick, reorder
    for title in ("Opdracht ontvangen", "Statuten opgesteld"):
        staff.locator("#new-step").fill(title)
        staff.locator("#add-step").click()
        expect(staff.locator("#step-list")).to_contain_text(title)
    staff.get_by_role("button", name="Omhoog Statuten opgesteld").click()
    expect(staff.locator("#step-list li").first).to_contain_text("Statuten opgesteld")
    staff.get_by_role("checkbox", name="Afgerond: Opdracht ontvangen").click()
    expect(staff.locator("#step-list li", has_text="Opdracht ontvangen")).to_have_attribute("data-done", "1")
    screenshot(staff, "staff-dossier-voortgang")

    # status
    staff.locator("#dossier-status").select_option(label="Wacht op cliënt")
    expect(staff.locator("#dossier-notice")).to_contain_text("status")

    # access: find Jan Jansen and give access, then revoke
    staff.locator("#tab-toegang").click()
    staff.locator("#access-search").fill("jansen")
    staff.locator("#access-search-submit").click()
    staff.locator("#access-candidates").get_by_role("button", name=re.compile("Toegang geven Jan Jansen")).click()
    expect(staff.locator("#access-list")).to_contain_text("Jan Jansen")
    screenshot(staff, "staff-dossier-toegang")
    staff.locator("#access-list").get_by_role("button", name=re.compile("Toegang intrekken Jan Jansen")).click()
    expect(staff.locator("#dossier-notice")).to_contain_text("ingetrokken")


def test_outbox_audit_settings_and_csv(fresh, portal):
    admin = fresh()
    staff_login(admin, portal, STAFF_ADMIN)
    admin.goto(f"{portal.url}/staff/outbox")
    expect(admin.locator("#outbox-table")).to_be_visible()
    admin.locator("#outbox-table").get_by_role("button", name=re.compile("^Inhoud")).first.click()
    expect(admin.locator("#mail-body")).to_be_visible()
    assert "token=" not in admin.locator("#mail-body").inner_text() or "token=•••" in admin.locator("#mail-body").inner_text()
    admin.keyboard.press("Escape")
    screenshot(admin, "staff-outbox")

    admin.goto(f"{portal.url}/staff/audit")
    expect(admin.locator("#audit-table")).to_be_visible()
    admin.locator("#audit-type").select_option("dossier.created")
    admin.locator("#audit-apply").click()
    expect(admin.locator("#audit-table tbody tr").first).to_have_attribute("data-event", "dossier.created")
    screenshot(admin, "staff-audit")
    href = admin.locator("#audit-export").get_attribute("href")
    assert href.startswith("/staff/export/audit.csv?") and "event_type=dossier.created" in href
    response = admin.request.get(f"{portal.url}{href}")
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    lines = response.text().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,time,event") and all(",dossier.created," in line for line in lines[1:])

    admin.goto(f"{portal.url}/staff/instellingen")
    expect(admin.locator("#staff-table")).to_contain_text("medewerker@example.nl")
    screenshot(admin, "staff-instellingen")
    new_email = f"collega-{uuid.uuid4().hex[:6]}@example.nl"
    admin.locator("#add-staff").click()
    admin.locator("#staff-name").fill("Cor Collega")
    admin.locator("#staff-email").fill(new_email)
    admin.locator("#add-staff-submit").click()
    expect(admin.locator("#settings-notice")).to_contain_text(new_email)
    row = admin.locator("#staff-table tr", has_text=new_email)
    row.get_by_role("button", name=re.compile("^Verwijderen")).click()
    admin.locator("#remove-confirm").click()
    expect(admin.locator("#settings-notice")).to_contain_text("verwijderd")
    expect(admin.locator("#staff-table tr", has_text=new_email)).to_have_count(0)


def test_phone_width_overview(fresh, portal):
    phone = fresh(PHONE)
    staff_login(phone, portal, STAFF_HANDLER)
    screenshot(phone, "staff-overzicht-telefoon")
    open_staff_dossier(phone, portal, "2026-0142", "document")
    screenshot(phone, "staff-dossier-telefoon")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
