"""Issue 14 on the staff side in a real browser: outgoing mail, internal notes, the
new password link, the office address, and the audit log and outbox in plain words.

- Outgoing mail: a mail waiting for an hour shows a calm notice on the dashboard and in
  Instellingen; "Testmail versturen" sends to the admin's own address through the real
  SMTP server (tests/e2e/mailbox.py) and shows the server's answer.
- Notes: staff add a note on a dossier and on a client; the client, signed in, finds
  the text on none of their pages (nor in what the server sends to their browser).
- Audit log: descriptions, not codes; the outbox names the person and the kind of mail.

Screenshots (1280 and 390 px, Dutch and English) land in screenshots/staff-issue14-*.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.core.models import utcnow
from portal_app.core.services.db import make_engine
from portal_app.dossiers.models import Dossier
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.settings import load_settings
from tests.e2e.conftest import PHONE, _start_portal, _stop, login, screenshot, set_language
from tests.e2e.mailbox import Mailbox

pytestmark = pytest.mark.e2e

ADMIN = "notaris@example.nl"
HANDLER = "medewerker@example.nl"
CLIENT = "jansen@example.nl"
DOSSIER = "2026-0142"
DOSSIER_NOTE = "Intern: taxatierapport nog opvragen bij de bank (alleen kantoor)"
CLIENT_NOTE = "Intern: belt liever na vijf uur (alleen kantoor)"


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, mailbox):
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "NOTIFY_INTERVAL_MINUTES": "0"}
    started, process = _start_portal(tmp_path_factory.mktemp("staff-issue14"), "sqlite", env)
    started.engine = make_engine(load_settings(started.env).database_url)
    yield started
    _stop(process)


def staff_login(page, portal, email: str = ADMIN) -> None:
    login(page, portal, email)
    expect(page).to_have_url(re.compile(r"/staff/?$"))
    expect(page.locator("#inhoud")).to_have_attribute("data-ready", "1", timeout=20_000)


def ids(portal) -> tuple[int, int]:
    with Session(portal.engine) as db:
        dossier_id = db.exec(select(Dossier.id).where(Dossier.number == DOSSIER)).one()
        client_id = db.exec(select(Account.id).where(Account.email == CLIENT)).one()
    return dossier_id, client_id


def test_outgoing_mail_notice_and_test_mail(fresh, portal, mailbox):
    # a mail that has been waiting for an hour (retrying, next try far away): the outbox is filling
    with Session(portal.engine) as db:
        db.add(
            OutboxMail(
                to_address="klant@example.nl",
                subject="Wacht",
                body_text="t",
                body_html="<p>t</p>",
                kind="invite",
                status=OutboxStatus.RETRYING,
                attempts=3,
                last_error="421 4.7.0 Try again later",
                created_at=utcnow() - timedelta(hours=1),
                next_attempt_at=utcnow() + timedelta(days=1),
            )
        )
        db.commit()
    handler = fresh()
    staff_login(handler, portal, HANDLER)
    notice = handler.locator("#mail-notice")
    expect(notice).to_contain_text("Aantal e-mails dat al langer dan 15 minuten wacht: 1")
    expect(notice).to_contain_text("421 4.7.0 Try again later")
    expect(notice.get_by_role("link", name="Naar Postvak uit")).to_be_visible()  # a behandelaar has no settings
    screenshot(handler, "staff-issue14-dashboard-mail")

    admin = fresh()
    staff_login(admin, portal)
    expect(admin.locator("#mail-notice").get_by_role("link", name="Naar de e-mailinstellingen")).to_be_visible()
    admin.goto(f"{portal.url}/staff/instellingen")
    section = admin.locator("#mail-section")
    expect(section.locator("#mail-status")).to_contain_text("15 minuten")
    expect(section.locator("#mail-config")).to_contain_text(f"127.0.0.1:{mailbox.port}")
    section.get_by_role("button", name="Testmail versturen").click()
    result = section.locator("#test-mail-result")
    expect(result).to_contain_text("De testmail is verstuurd naar notaris@example.nl", timeout=30_000)
    expect(result).to_contain_text("Antwoord van de server: ")
    caught = mailbox.wait_for(ADMIN, subject="Testmail van")
    assert "Uitgaande e-mail werkt" in caught.text
    section.scroll_into_view_if_needed()
    screenshot(admin, "staff-issue14-instellingen-mail")

    # the mail is sent: the notices go
    with Session(portal.engine) as db:
        for row in db.exec(select(OutboxMail).where(OutboxMail.status == OutboxStatus.RETRYING)).all():
            row.status = OutboxStatus.SENT
            db.add(row)
        db.commit()
    handler.reload()
    expect(handler.locator("#inhoud")).to_have_attribute("data-ready", "1", timeout=20_000)
    expect(handler.locator("#mail-notice")).to_have_count(0)


def test_office_address_is_saved(fresh, portal):
    admin = fresh()
    staff_login(admin, portal)
    admin.goto(f"{portal.url}/staff/instellingen")
    field = admin.get_by_label("Adres van het kantoor")
    field.fill("Keizersgracht 100, 1015 AA Amsterdam")
    admin.locator("#address-save").click()
    expect(admin.locator("#address-save-notice")).to_contain_text("Opgeslagen")
    admin.reload()
    expect(admin.get_by_label("Adres van het kantoor")).to_have_value("Keizersgracht 100, 1015 AA Amsterdam")


def test_internal_notes_never_reach_the_client(fresh, portal):
    dossier_id, client_id = ids(portal)
    staff = fresh()
    staff_login(staff, portal, HANDLER)
    staff.goto(f"{portal.url}/staff/dossiers/{dossier_id}")
    notes = staff.locator("#staff-notes")
    expect(notes).to_contain_text("Alleen medewerkers van het kantoor zien deze notities")
    notes.get_by_label("Nieuwe notitie").fill(DOSSIER_NOTE)
    notes.get_by_role("button", name="Notitie opslaan").click()
    expect(staff.locator("#notes-list")).to_contain_text(DOSSIER_NOTE)
    expect(notes.get_by_label("Nieuwe notitie")).to_have_value("")

    staff.goto(f"{portal.url}/staff/clienten/{client_id}")
    notes = staff.locator("#staff-notes")
    notes.get_by_label("Nieuwe notitie").fill(CLIENT_NOTE)
    notes.get_by_role("button", name="Notitie opslaan").click()
    expect(staff.locator("#notes-list")).to_contain_text(CLIENT_NOTE)
    expect(staff.locator("#notes-list")).not_to_contain_text(DOSSIER_NOTE)  # each page its own notes
    screenshot(staff, "staff-issue14-client-notes")

    # the client: every page of theirs, and every frame the server sends to their browser
    client = fresh()
    frames: list[str] = []
    client.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    login(client, portal, CLIENT)
    expect(client.get_by_role("heading", name="Home")).to_be_visible()
    for path in ("/", f"/dossiers/{dossier_id}", "/dossiers", "/mijn-gegevens"):
        client.goto(f"{portal.url}{path}")
        client.wait_for_load_state("networkidle")
        html = client.content()
        assert "taxatierapport nog opvragen" not in html and "belt liever na vijf uur" not in html, path
    assert not any("taxatierapport nog opvragen" in frame or "belt liever na vijf" in frame for frame in frames)
    # and the staff pages send a client elsewhere
    client.goto(f"{portal.url}/staff/dossiers/{dossier_id}")
    expect(client.locator("#staff-notes")).to_have_count(0)


def test_new_password_link_and_plain_audit_log(fresh, portal, mailbox):
    _, client_id = ids(portal)
    staff = fresh()
    staff_login(staff, portal, HANDLER)
    staff.goto(f"{portal.url}/staff/clienten/{client_id}")
    staff.get_by_role("button", name="Nieuwe wachtwoordlink sturen").click()
    expect(staff.locator("#client-notice")).to_contain_text(f"Er is een link gestuurd naar {CLIENT}")
    mailbox.wait_for(CLIENT, subject="wachtwoord", timeout=60)

    admin = fresh()
    staff_login(admin, portal)
    admin.goto(f"{portal.url}/staff/audit")
    table = admin.locator("#audit-table")
    expect(table).to_contain_text("Wachtwoordlink gestuurd door het kantoor")
    expect(table).to_contain_text("Interne notitie toegevoegd")
    admin.locator("#audit-type").select_option(label="Wachtwoordlink gestuurd door het kantoor")
    admin.locator("#audit-apply").click()
    expect(table.locator("tbody tr").first).to_have_attribute("data-event", "password_link.sent_by_staff")
    screenshot(admin, "staff-issue14-audit")

    admin.goto(f"{portal.url}/staff/outbox")
    row = admin.locator("#outbox-table tbody tr", has_text=CLIENT).first
    expect(row).to_contain_text("Jan Jansen")
    expect(row).to_contain_text("Link om een wachtwoord in te stellen")
    screenshot(admin, "staff-issue14-outbox")
    row.get_by_role("button", name=re.compile("^Inhoud")).click()
    expect(admin.frame_locator("#mail-html").locator("body")).to_contain_text("Jan Jansen")
    screenshot(admin, "staff-issue14-outbox-mail")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_screenshots_at_both_widths(fresh, portal, language):
    dossier_id, client_id = ids(portal)
    set_language(portal, ADMIN, language)
    try:
        for width, viewport in (("1280", {"width": 1280, "height": 900}), ("390", PHONE)):
            page = fresh(viewport)
            staff_login(page, portal)
            screenshot(page, f"staff-issue14-dashboard-{language}-{width}")
            page.goto(f"{portal.url}/staff/instellingen")
            expect(page.locator("#mail-section")).to_be_visible()
            page.locator("#mail-section").scroll_into_view_if_needed()
            screenshot(page, f"staff-issue14-instellingen-{language}-{width}")
            page.goto(f"{portal.url}/staff/clienten/{client_id}")
            expect(page.locator("#staff-notes")).to_be_visible(timeout=20_000)
            screenshot(page, f"staff-issue14-client-{language}-{width}")
            page.goto(f"{portal.url}/staff/dossiers/{dossier_id}")
            expect(page.locator("#staff-notes")).to_be_visible(timeout=20_000)
            screenshot(page, f"staff-issue14-dossier-{language}-{width}")
            page.goto(f"{portal.url}/staff/audit")
            expect(page.locator("#audit-table")).to_be_visible()
            screenshot(page, f"staff-issue14-audit-{language}-{width}")
            page.goto(f"{portal.url}/staff/outbox")
            expect(page.locator("#outbox-table")).to_be_visible()
            screenshot(page, f"staff-issue14-outbox-{language}-{width}")
            if width == "390":
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    finally:
        set_language(portal, ADMIN, "nl")


def test_a_new_dossier_gets_the_steps_of_its_kinds_template(fresh, portal):
    admin = fresh()
    staff_login(admin, portal)
    admin.goto(f"{portal.url}/staff/instellingen")
    template = admin.get_by_label(re.compile(r"^Oprichting BV"))
    template.fill("Intake gehad\n\nStatuten opgesteld\nAkte getekend")
    admin.locator("form[data-template=oprichting_bv]").get_by_role("button", name=re.compile("Opslaan")).click()
    expect(admin.locator("#templates-section")).to_contain_text("Oprichting BV (3)")

    staff = fresh()
    staff_login(staff, portal, HANDLER)
    staff.goto(f"{portal.url}/staff/dossiers")
    staff.locator("#new-dossier").click()
    staff.locator("#new-number").fill("2026-0999")
    staff.locator("#new-description").fill("Oprichting Nieuw B.V.")
    staff.get_by_label("Soort dossier").select_option(label="Oprichting BV")
    staff.locator("#create-dossier").click()
    expect(staff).to_have_url(re.compile(r"/staff/dossiers/\d+/?$"))
    steps = staff.locator("#step-list li")
    expect(steps).to_have_count(3, timeout=20_000)
    expect(steps.first).to_contain_text("Intake gehad")
    # and staff can still add a step of this dossier's own
    staff.locator("#new-step").fill("Bankrekening geopend")
    staff.locator("#add-step").click()
    expect(steps).to_have_count(4)
