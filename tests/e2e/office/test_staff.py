"""Issue 5 in a real browser: the staff dashboard, with a staff browser and a client
browser side by side (two browser contexts: separate cookies, separate sessions).

One portal (SQLite, production build) for the module, with a real SMTP server
(aiosmtpd) catching its mail; that server can refuse chosen addresses with a 550,
so a mail really fails. The main two-browser flow (publish, client badge,
download, "gelezen") and the live overview also run once more on PostgreSQL +
Redis with two backend workers (a second server, started only for those tests at
the end of the module). Screenshots of every staff screen land in
screenshots/staff-*.png (desktop) and one at phone width.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid

import pyotp
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account, TwoFactor
from portal_app.accounts.services import accounts, passwords
from portal_app.core.models import utcnow
from portal_app.core.services.db import make_engine
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import store_document
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.notifications.services import mail as mail_service
from portal_app.settings import load_settings
from tests.conftest import throwaway_postgres
from tests.e2e.conftest import PHONE, _redis_env, _start_portal, _stop, dossier_id, login, screenshot
from tests.e2e.mailbox import Mailbox, _Handler

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STAFF_HANDLER = "medewerker@example.nl"  # behandelaar of dossier 2026-0142
STAFF_ADMIN = "notaris@example.nl"
CLIENT = "jansen@example.nl"
SUBJECT_INVITE = "Uw account voor het klantenportaal"
SUBJECT_LINK = "Uw wachtwoord instellen"
SUBJECT_NEWS = "Er staat iets nieuws voor u klaar"


class _RefusingHandler(_Handler):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if address.lower() in self.box.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class RefusingMailbox(Mailbox):
    """The tests' SMTP server; addresses in `refused` get a permanent 550 (the mail fails)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()
        self._controller = Controller(_RefusingHandler(self), hostname="127.0.0.1", port=self.port)


def _with_mail(started, mailbox: Mailbox) -> None:
    """Give the started portal an engine (for the tests' own queries) and let the
    mailbox deliver the outbox at once while a test waits for a mail."""
    settings = load_settings(started.env)
    engine = make_engine(settings.database_url)
    started.engine = engine
    started.mailbox = mailbox

    def flush() -> None:
        worker = threading.Thread(
            target=lambda: asyncio.run(mail_service.deliver_due(engine=engine, settings=settings))
        )
        worker.start()
        worker.join(30)

    mailbox.flush = flush


def _mail_env(mailbox: Mailbox) -> dict:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "NOTIFY_INTERVAL_MINUTES": "0"}


@pytest.fixture(scope="module")
def mailbox():
    box = RefusingMailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, mailbox):
    tmp_root = tmp_path_factory.mktemp("staff")
    started, process = _start_portal(tmp_root, "sqlite", _mail_env(mailbox))
    started.setup_name = "sqlite"
    _with_mail(started, mailbox)
    try:
        yield started
    finally:
        mailbox.flush = None
        _stop(process)
        started.engine.dispose()


@pytest.fixture(scope="module")
def pg_portal(tmp_path_factory):
    """The same portal on PostgreSQL + Redis with two backend workers (the set-up of
    conftest's `portal` fixture), with a mailbox of its own. Only the tests at the
    end of the module use it, so it starts after the SQLite tests ran."""
    box = RefusingMailbox().start()
    tmp_root = tmp_path_factory.mktemp("staff-pg")
    try:
        with throwaway_postgres() as database_url:
            started, process = _start_portal(
                tmp_root, "postgres_redis", {"DATABASE_URL": database_url, **_redis_env(), **_mail_env(box)}
            )
            started.setup_name = "postgres_redis"
            _with_mail(started, box)
            try:
                yield started
            finally:
                box.flush = None
                _stop(process)
                started.engine.dispose()
    finally:
        box.stop()


# --------------------------------------------------------------------------- helpers


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
    # generous: the first load after a login can take a while on a busy 2-core machine
    expect(page.locator("#inhoud")).to_have_attribute("data-ready", "1", timeout=20_000)


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


def publish_read_receipt_and_withdraw(fresh, portal, mailbox, shots: bool = True) -> None:
    """Staff publish a document; the client is told by mail, sees it with its badge,
    downloads it; staff see "gelezen en gedownload"; withdrawing hides it again."""
    staff, client = fresh(), fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    client_login(client, portal)
    title = f"Concept akte {uuid.uuid4().hex[:6]}"

    open_staff_dossier(staff, portal, "2026-0142", "document")
    if shots:
        screenshot(staff, "staff-dossier-documenten")
    publish(staff, title, "concept-akte-v2.pdf")
    row = staff.locator("#document-table tr", has_text=title)
    expect(row).to_contain_text("Jan Jansen: nog niet gelezen")

    # the client is told (without the content) by mail
    news = mailbox.wait_for(CLIENT, subject=SUBJECT_NEWS, timeout=90)
    assert "2026-0142" in news.text and title not in news.text

    # the client sees it under Documenten, unread (badge), and downloads it
    open_client_tab(client, portal, "2026-0142", "document")
    client_row = client.locator("#docs-document tr", has_text=title)
    expect(client_row).to_be_visible()
    expect(client_row).to_have_attribute("data-unread", "true")
    expect(client.locator("#tab-document .unread-badge").first).to_be_visible()
    with client.expect_download() as download:
        client_row.locator("a").first.click()
    assert download.value.suggested_filename == "concept-akte-v2.pdf"
    expect(client_row).to_have_attribute("data-unread", "false")

    # staff sees "gelezen en gedownload"
    open_staff_dossier(staff, portal, "2026-0142", "document")
    expect(staff.locator("#document-table tr", has_text=title)).to_contain_text(
        re.compile(r"Jan Jansen: gelezen en gedownload \d")
    )

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


def test_publish_read_receipt_and_withdraw(fresh, portal, mailbox):
    publish_read_receipt_and_withdraw(fresh, portal, mailbox)


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


def overview_updates_by_itself(fresh, portal, shots: bool = False) -> None:
    """Staff keep /staff open; a client's new message appears under "Ongelezen berichten"
    without a reload; logging out in another tab sends the open overview to the login
    page by itself (every poll passes the staff gate again)."""
    staff, client = fresh(), fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    expect(staff.locator("#live-hint")).to_have_text("Wordt vanzelf bijgewerkt")
    staff.evaluate("window.__notReloaded = true")
    subject = f"Live vraag {uuid.uuid4().hex[:6]}"
    expect(staff.locator("#unread-messages")).not_to_contain_text(subject)

    client_login(client, portal)
    open_client_tab(client, portal, "2026-0142", "berichten")
    client.locator("#new-message").click()
    client.locator("#msg-subject").fill(subject)
    client.locator("#msg-body").fill("Is de akte al klaar?")
    client.locator("#send-message").click()
    expect(client.locator("#message-list")).to_contain_text(subject)
    sent_at = time.monotonic()

    # within a minute (one poll: 20 s), no reload, no click
    row = staff.locator("#unread-list li", has_text=subject)
    expect(row).to_be_visible(timeout=60_000)
    expect(row).to_contain_text("Jan Jansen")
    print(f"overview showed the message after {time.monotonic() - sent_at:.1f} s ({portal.setup_name})")
    assert staff.evaluate("window.__notReloaded === true")
    if shots:
        screenshot(staff, "staff-overzicht-live")

    # "Vernieuwen" still refreshes at once
    with Session(portal.engine) as db:
        message = db.exec(select(Message).where(Message.subject == subject)).one()
        message.staff_read_at = message.created_at
        db.add(message)
        db.commit()
    staff.locator("#refresh").click()
    expect(staff.locator("#unread-list li", has_text=subject)).to_have_count(0)

    # logout in another tab of the same browser: the open overview follows by itself
    other = staff.context.new_page()
    other.goto(f"{portal.url}/staff/clienten")
    wait_ready(other)
    other.locator("#logout-button").click()
    expect(other).to_have_url(re.compile(r"/login"))
    expect(staff).to_have_url(re.compile(r"/login/?\?verlopen=1"), timeout=60_000)
    assert "Live vraag" not in staff.content()


def test_overview_updates_without_reload(fresh, portal):
    overview_updates_by_itself(fresh, portal, shots=True)


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


def test_staff_adds_an_extra_account_to_a_company(fresh, portal, mailbox):
    staff = fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    staff.goto(f"{portal.url}/staff/clienten/{account_id(portal, 'info@bakkerbv.example.nl')}")
    staff.locator("#extra-new").click()
    dialog = staff.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Extra account")).to_be_visible()
    email = f"extra-{uuid.uuid4().hex[:6]}@bakkerbv.example.nl"
    dialog.get_by_label("Naam").fill("Eva Extra")
    dialog.get_by_label("E-mailadres").fill(email)
    dialog.locator("#extra-create").click()
    expect(dialog).to_have_count(0)
    expect(staff.locator("#extra-accounts")).to_contain_text("Eva Extra")
    # the invitation of the sign-in flow goes out to the new account
    assert mailbox.wait_for(email, subject=SUBJECT_INVITE)


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
    for path in (
        "/staff",
        "/staff/clienten",
        "/staff/dossiers/1",
        "/staff/outbox",
        "/staff/audit",
        "/staff/instellingen",
    ):
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
        company = accounts.create_company(
            db,
            email=f"xssbv-{uuid.uuid4().hex[:6]}@example.nl",
            name="Evi",
            company_name="<script>window.__xss=2</script> B.V.",
        )
        house = db.exec(select(Dossier).where(Dossier.number == "2026-0142")).one()
        dossiers.grant_access(db, dossier_id=house.id, account_id=person.id)
        db.add(
            Message(
                dossier_id=house.id,
                author_id=person.id,
                from_office=False,
                subject=f"Hallo {evil}",
                body=f"<b>vet</b> {evil}",
            )
        )
        document = store_document(
            session=db,
            store=FileStore(load_settings(portal.env).files_dir),
            dossier_id=house.id,
            kind=DocumentKind.DELIVERED,
            title=f"Bijlage {evil}",
            filename=f"{evil}.pdf",
            chunks=[PDF],
            max_bytes=10_000,
            uploaded_by_id=person.id,
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
        expect(staff.locator("#new-step")).to_have_value("")
    # what is typed while the server saves the step stays in the field
    staff.locator("#new-step").fill("Akte gepasseerd")
    staff.locator("#add-step").click()
    staff.locator("#new-step").fill("Nog aan het typen")
    expect(staff.locator("#step-list")).to_contain_text("Akte gepasseerd")
    expect(staff.locator("#new-step")).to_have_value("Nog aan het typen")
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
    # two mails of its own (the test needs no earlier test's mail): one for Jan Jansen, one to a loose address
    marker = uuid.uuid4().hex[:6]
    with Session(portal.engine) as db:
        jansen = db.exec(select(Account).where(Account.email == CLIENT)).one()
        for to, account_id in ((CLIENT, jansen.id), (f"ander-{marker}@example.nl", None)):
            db.add(
                OutboxMail(
                    to_address=to,
                    subject=f"Filtertest {marker}",
                    body_text="tekst",
                    body_html="<p>tekst</p>",
                    kind="notification_digest",
                    account_id=account_id,
                    status=OutboxStatus.SENT,
                    sent_at=utcnow(),
                )
            )
        # the newest: a real invitation as the portal renders it, with a personal link
        invite = mail_service.queue_mail(
            session=db,
            to=CLIENT,
            kind="invite",
            language="nl",
            account_id=jansen.id,
            context={"name": "Jan Jansen", "link": f"{portal.url}/account-activeren?token=GEHEIM{marker}"},
        )
        invite.status, invite.sent_at = OutboxStatus.SENT, utcnow()  # not for the mailbox: other tests read it
        db.commit()
    admin.goto(f"{portal.url}/staff/outbox")
    expect(admin.locator("#outbox-table")).to_be_visible()
    admin.locator("#outbox-table").get_by_role("button", name=re.compile("^Inhoud")).first.click()
    # the HTML part as the recipient sees it, in a sandboxed frame
    expect(admin.locator("#mail-html")).to_have_attribute("sandbox", "")
    mail_text = admin.frame_locator("#mail-html").locator("body")
    expect(mail_text).to_contain_text("Jan Jansen")
    expect(admin.locator("#mail-recipient")).to_have_text("Aan Jan Jansen (jansen@example.nl)")
    assert f"GEHEIM{marker}" not in mail_text.inner_text()
    assert "token=" not in mail_text.inner_text() or "token=•••" in mail_text.inner_text()
    screenshot(admin, "staff-outbox-inhoud")
    admin.keyboard.press("Escape")
    screenshot(admin, "staff-outbox")

    # issue 14 item 8: filter by person (part of the name), kept in the URL, and wiped again
    admin.locator("#outbox-person").fill("jansen")
    admin.locator("#outbox-apply").click()
    expect(admin).to_have_url(re.compile(r"/staff/outbox/?\?person=jansen$"))
    table = admin.locator("#outbox-table")
    expect(table.get_by_role("row").filter(has_text=f"Filtertest {marker}")).to_have_count(1)
    expect(table.get_by_role("row").filter(has_text=f"Filtertest {marker}")).to_contain_text("Jan Jansen")
    expect(table.locator("tbody tr").filter(has_not_text="Jan Jansen")).to_have_count(0)
    screenshot(admin, "staff-outbox-filter")
    admin.reload()  # a bookmark of the filtered list: the same list, the box filled in
    expect(admin.locator("#outbox-person")).to_have_value("jansen")
    expect(table.get_by_role("row").filter(has_text=f"Filtertest {marker}")).to_have_count(1)
    expect(table).not_to_contain_text(f"ander-{marker}@example.nl")
    # a period that ends before it starts: a plain Dutch message, the list stays
    admin.locator("#outbox-from").fill("2026-12-06")
    admin.locator("#outbox-to").fill("2026-12-01")
    admin.locator("#outbox-apply").click()
    expect(admin.locator("#outbox-error")).to_have_text("De datum bij 'Tot en met' ligt vóór de datum bij 'Vanaf'.")
    admin.locator("#outbox-clear").click()
    expect(admin).to_have_url(re.compile(r"/staff/outbox/?$"))
    expect(admin.locator("#outbox-person")).to_have_value("")
    expect(admin.locator("#outbox-from")).to_have_value("")
    expect(table).to_contain_text(f"ander-{marker}@example.nl")

    admin.goto(f"{portal.url}/staff/audit")
    expect(admin.locator("#audit-table")).to_be_visible()
    admin.locator("#audit-type").select_option("dossier.created")
    admin.locator("#audit-apply").click()
    expect(admin.locator("#audit-table tbody tr").first).to_have_attribute("data-event", "dossier.created")
    # issue 14 item 8: the event in words; its code only in data-event and the CSV
    expect(admin.locator("#audit-table tbody tr").first).to_contain_text("Dossier aangemaakt")
    expect(admin.locator("#audit-table")).not_to_contain_text("dossier.created")
    screenshot(admin, "staff-audit")
    href = admin.locator("#audit-export").get_attribute("href")
    assert href.startswith("/staff/export/audit.csv?") and "event_type=dossier.created" in href
    response = admin.request.get(f"{portal.url}{href}")
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    lines = response.text().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,time,event") and all(",dossier.created," in line for line in lines[1:])
    # a day that is no day: a plain Dutch message, not a crash and not silently ignored; the list stays
    admin.locator("#audit-from").fill("0001-01-01")
    admin.locator("#audit-apply").click()
    expect(admin.locator("#audit-error")).to_have_text("Deze datum klopt niet. Kies een datum in de kalender.")
    expect(admin.locator("#audit-table tbody tr").first).to_have_attribute("data-event", "dossier.created")

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


def test_reset_two_step_verification_needs_a_reason_and_is_audited(fresh, portal):
    email, password = f"app-{uuid.uuid4().hex[:6]}@example.nl", "Appel-Boom-2048"
    with Session(portal.engine) as db:
        person = accounts.create_person(db, email=email, name="Arie Authenticator")
        person.password_hash = passwords.hash_password(password)
        person.first_login_done = True
        db.add(person)
        db.commit()
        person_id = person.id

    # the client switches 2-step verification on with an authenticator app (Mijn gegevens)
    client = fresh()
    login(client, portal, email, password)
    expect(client.get_by_role("heading", name="Home")).to_be_visible()
    client.goto(f"{portal.url}/mijn-gegevens")
    client.get_by_role("button", name="Instellen met authenticator-app").click()
    expect(client.locator("#totp-qr")).to_be_visible()
    totp = pyotp.TOTP(client.locator("#totp-secret").inner_text().replace(" ", ""))
    client.locator("#totp-code").fill(totp.now())
    client.get_by_role("button", name="Activeren").click()
    expect(client.locator("#recovery-codes li")).to_have_count(10)
    client.get_by_role("button", name="Ik heb de codes bewaard").click()
    expect(client.locator("#tf-status")).to_contain_text("Via authenticator-app")
    client.locator("#logout-button").click()
    expect(client).to_have_url(re.compile(r"/login/?\?uitgelogd=1$"))
    login(client, portal, email, password)
    expect(client).to_have_url(re.compile(r"/login/verificatie"))  # the password alone is not enough

    # staff: Cliënten -> the client -> reset
    staff = fresh()
    staff_login(staff, portal, STAFF_HANDLER)
    staff.locator("#staff-nav-clients").click()
    staff.locator("#client-search").fill(email)
    staff.locator("#client-search-submit").click()
    staff.locator("#client-table").get_by_role("link", name="Arie Authenticator").click()
    expect(staff).to_have_url(re.compile(rf"/staff/clienten/{person_id}/?$"))
    facts = staff.locator("#client-facts")
    expect(facts).to_contain_text("Aan")
    staff.locator("#reset-2fa").click()
    reason = staff.locator("#reset-reason")
    expect(reason).to_be_visible()
    # empty: the browser refuses the form (required); blank: the server says why; nothing changes
    staff.locator("#reset-confirm").click()
    assert reason.evaluate("field => !field.validity.valid && field.validationMessage !== ''")
    reason.fill("   ")
    staff.locator("#reset-confirm").click()
    expect(staff.locator("#reset-error")).to_have_text("Vul de reden in.")
    expect(reason).to_be_visible()
    expect(facts).to_contain_text("Aan")
    with Session(portal.engine) as db:
        assert db.get(TwoFactor, person_id) is not None
    screenshot(staff, "staff-client-reset-2fa")
    reason.fill("Telefoon kwijt; paspoort gezien aan de balie")
    staff.locator("#reset-confirm").click()
    expect(staff.locator("#client-notice")).to_contain_text("De 2-staps verificatie is uitgezet.")
    expect(reason).to_have_count(0)
    expect(facts).to_contain_text("Uit")
    expect(staff.locator("#reset-2fa")).to_have_count(0)

    # the client signs in with the password only
    login(client, portal, email, password)
    expect(client).to_have_url(re.compile(r"/(mijn-gegevens)?/?(\?.*)?$"))
    expect(client).not_to_have_url(re.compile(r"/login"))

    # the audit log shows the reset with its reason
    staff.locator("#staff-nav-audit").click()
    expect(staff.locator("#audit-table")).to_be_visible()
    staff.locator("#audit-account").fill(email)
    staff.locator("#audit-type").select_option("2fa.reset_by_staff")
    staff.locator("#audit-apply").click()
    event = staff.locator("#audit-table tbody tr").first
    expect(event).to_have_attribute("data-event", "2fa.reset_by_staff")
    expect(event).to_contain_text("Reden: Telefoon kwijt; paspoort gezien aan de balie")
    expect(event).to_contain_text(f"M. Visser ({STAFF_HANDLER})")
    # whom it is about in words, not "account:<id>"
    expect(event).to_contain_text(f"Arie Authenticator ({email})")
    expect(event).not_to_contain_text(f"account:{person_id}")
    expect(event).not_to_contain_text("2fa.reset_by_staff")
    expect(staff.locator("#audit-table tbody tr")).to_have_count(1)
    screenshot(staff, "staff-audit-reset-2fa")


def outbox_row(page, mail_id: int):
    return page.locator(f'#outbox-table tr[data-item-id="{mail_id}"]')


def mail_status(portal, mail_id: int) -> str:
    with Session(portal.engine) as db:
        return db.get(OutboxMail, mail_id).status


def wait_for_status(portal, mail_id: int, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while mail_status(portal, mail_id) != status:
        assert time.monotonic() < deadline, f"mail {mail_id} is {mail_status(portal, mail_id)}, not {status}"
        time.sleep(0.5)


def test_failed_mail_on_overview_and_retry_from_the_outbox(fresh, portal, mailbox):
    email = f"weiger-{uuid.uuid4().hex[:6]}@example.nl"
    mailbox.refused.add(email)
    # the portal's own CLI invites a client; its SMTP server refuses the address for good (550)
    portal.cli("invite", "--email", email, "--name", "Wim Weiger")
    portal.cli("send-mail")
    with Session(portal.engine) as db:
        mail_id = db.exec(select(OutboxMail.id).where(OutboxMail.to_address == email)).one()
    wait_for_status(portal, mail_id, OutboxStatus.FAILED)

    handler = fresh()
    staff_login(handler, portal, STAFF_HANDLER)
    failed = handler.locator("#failed-list li", has_text=email)
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("550")
    handler.locator("#failed-outbox").get_by_role("link", name="Naar Postvak uit").click()
    expect(handler).to_have_url(re.compile(r"/staff/outbox/?\?status=failed$"))
    row = outbox_row(handler, mail_id)
    expect(row).to_have_attribute("data-status", "failed")
    expect(row).to_contain_text("Mislukt")
    expect(row).to_contain_text("550")
    # a behandelaar sees address, subject and status, never the content
    expect(handler.get_by_text("Alleen beheerders kunnen de inhoud van e-mails en sms'jes zien.")).to_be_visible()
    expect(handler.locator("#outbox-table").get_by_role("button", name=re.compile("^Inhoud"))).to_have_count(0)
    screenshot(handler, "staff-outbox-mislukt")

    # the address works again; "Opnieuw proberen" puts the mail back in the queue
    mailbox.refused.discard(email)
    row.get_by_role("button", name=re.compile("^Opnieuw proberen")).click()
    expect(handler.locator("#outbox-notice")).to_contain_text("weer in de wachtrij")
    expect(row).to_have_count(0)  # no longer under "Mislukt"
    assert mail_status(portal, mail_id) in (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT)
    handler.locator("#outbox-status-filter").select_option("all")
    expect(row).to_have_attribute("data-status", re.compile(r"^(queued|sending|sent)$"))
    expect(row.get_by_role("button", name=re.compile("^Opnieuw proberen"))).to_have_count(0)

    # with a working SMTP server it ends as sent (the portal's own sender loop)
    invitation = mailbox.wait_for(email, subject=SUBJECT_INVITE, timeout=60)
    assert "/account-activeren?token=" in invitation.text
    wait_for_status(portal, mail_id, OutboxStatus.SENT)
    handler.reload()
    handler.locator("#outbox-status-filter").select_option("all")
    expect(row).to_have_attribute("data-status", "sent")
    expect(row).to_contain_text("Verstuurd")
    handler.goto(f"{portal.url}/staff")
    expect(handler.locator("#failed-outbox")).to_be_visible()
    expect(handler.locator("#failed-list li", has_text=email)).to_have_count(0)

    # an admin may read the content, with the personal link masked
    admin = fresh()
    staff_login(admin, portal, STAFF_ADMIN)
    admin.goto(f"{portal.url}/staff/outbox")
    outbox_row(admin, mail_id).get_by_role("button", name=re.compile("^Inhoud")).click()
    body = admin.frame_locator("#mail-html").locator("body")
    expect(body).to_contain_text("Wim Weiger")
    with Session(portal.engine) as db:
        secret = db.get(OutboxMail, mail_id).body_text.split("token=", 1)[1].split()[0]
    served = admin.request.get(f"{portal.url}/staff/outbox/mail/{mail_id}")
    assert served.status == 200 and "token=•••" in served.text() and secret not in served.text()
    assert "sandbox" in served.headers["content-security-policy"]
    # the HTML route is for admins only: a behandelaar gets "not found", a visitor the login page
    assert handler.request.get(f"{portal.url}/staff/outbox/mail/{mail_id}").status == 404
    anonymous = fresh()
    response = anonymous.request.get(f"{portal.url}/staff/outbox/mail/{mail_id}", max_redirects=0)
    assert response.status == 303 and "/login" in response.headers["location"]


def test_phone_width_overview(fresh, portal):
    phone = fresh(PHONE)
    staff_login(phone, portal, STAFF_HANDLER)
    screenshot(phone, "staff-overzicht-telefoon")
    open_staff_dossier(phone, portal, "2026-0142", "document")
    screenshot(phone, "staff-dossier-telefoon")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width


# --------------------------------------------------------------------------- PostgreSQL + Redis, two workers


def test_publish_read_receipt_and_withdraw_on_postgres_redis(fresh, pg_portal):
    publish_read_receipt_and_withdraw(fresh, pg_portal, pg_portal.mailbox, shots=False)


def test_overview_updates_without_reload_on_postgres_redis(fresh, pg_portal):
    overview_updates_by_itself(fresh, pg_portal)


def test_office_settings_reach_every_worker_on_postgres_redis(fresh, pg_portal):
    """Two backend workers each cache the office settings for at most 5 s: a change
    made through one is shown by all of them shortly after, without a restart."""
    admin = fresh()
    staff_login(admin, pg_portal, STAFF_ADMIN)
    admin.goto(f"{pg_portal.url}/staff/instellingen")
    expect(admin.locator("#office-form")).to_be_visible()
    admin.get_by_label("Naam kantoor").fill("Notariaat Twee Werkers")
    admin.locator("#office-save").click()
    expect(admin.locator("#office-save-notice")).to_have_text("Opgeslagen.")

    # several fresh browsers: their websocket connections spread over both workers
    deadline = time.monotonic() + 30
    seen = []
    while time.monotonic() < deadline:
        client = fresh()
        client.goto(f"{pg_portal.url}/login")
        heading = client.get_by_role("heading", level=1)
        expect(heading).not_to_have_text("")
        seen.append(heading.inner_text())
        client.context.close()
        if seen[-3:] == ["Notariaat Twee Werkers"] * 3:
            break
        time.sleep(1)
    assert seen[-3:] == ["Notariaat Twee Werkers"] * 3, seen
