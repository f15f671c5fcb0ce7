"""Issue 7 in a real browser: Mijn gegevens (manual 2.2).

One portal (SQLite, production build) for the module, with a real SMTP server
(aiosmtpd) catching its mail and NOTIFY_INTERVAL_MINUTES=1, so the calm digest
of the portal's own background loop arrives within about a minute. The office
publishes through the staff service functions, in-process, against the
portal's database (the same functions the staff screens call).

- Language: English at once, everywhere (Home, a dossier, Mijn gegevens) and in mail.
- Notifications: off -> no mail; on -> exactly one digest for several items; read items left out.
- E-mail change: the link to the new address changes it, once; the old address is told.
- Password change: asks the current one, applies the rules, ends the other sessions.
- Company accounts: the main account adds an extra account, which completes the
  three-mail onboarding, sees only the granted dossier, and loses access in an
  open tab when removed; extra accounts and private clients get nothing.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.accounts.models import Account, NotificationPreference
from portal_app.accounts.services import accounts, passwords
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.db import make_engine
from portal_app.documents.models import DocumentKind
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier, DossierAccess, ReadReceipt
from portal_app.dossiers.services import dossiers, staff_dossiers
from portal_app.messages.services import staff_messages
from portal_app.notifications.models import PendingNotification
from portal_app.notifications.services import mail as mail_service
from portal_app.notifications.services import notifications
from portal_app.settings import load_settings
from tests.e2e.conftest import DEMO_PASSWORD, DESKTOP, PHONE, _start_portal, _stop, login, screenshot
from tests.e2e.mailbox import Mailbox

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 40 + b"%%EOF\n"

DIGEST_NL = "Er staat iets nieuws voor u klaar in het klantenportaal"
DIGEST_EN = "Something new is waiting for you in the client portal"
SESSION_EXPIRED = "Uw sessie is verlopen. Log opnieuw in."


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, mailbox):
    """This module's own portal: SQLite, mail to `mailbox`, a digest at most once a minute."""
    tmp_root = tmp_path_factory.mktemp("my-details")
    started, process = _start_portal(
        tmp_root,
        "sqlite",
        {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "NOTIFY_INTERVAL_MINUTES": "1"},
    )
    started.setup_name = "sqlite"
    settings = load_settings(started.env)
    assert settings.notify_interval_minutes == 1
    started.settings = settings
    started.engine = make_engine(settings.database_url)
    started.store = FileStore(settings.files_dir)

    def flush() -> None:
        # Deliver the outbox now (the portal's own sender does so every ~5 s).
        worker = threading.Thread(
            target=lambda: asyncio.run(mail_service.deliver_due(engine=started.engine, settings=settings))
        )
        worker.start()
        worker.join(30)

    mailbox.flush = flush
    expect.set_options(timeout=15_000)
    try:
        yield started
    finally:
        expect.set_options(timeout=5_000)
        mailbox.flush = None
        _stop(process)
        started.engine.dispose()


# --------------------------------------------------------------------------- helpers


def db(portal) -> Session:
    return Session(portal.engine, expire_on_commit=False)


def account_by_email(portal, email: str) -> Account:
    with db(portal) as session:
        return session.exec(select(Account).where(Account.email == email)).one()


def dossier_by_number(portal, number: str) -> Dossier:
    with db(portal) as session:
        return session.exec(select(Dossier).where(Dossier.number == number)).one()


def make_client(portal, email: str, name: str, dossier_number: str, password: str = DEMO_PASSWORD) -> tuple[int, int]:
    """An active private client (password set, first login done) with one dossier of its own."""
    with db(portal) as session:
        account = accounts.create_person(session, email=email, name=name)
        accounts.set_password_hash(session, account, passwords.hash_password(password))
        account.first_login_done = True
        session.add(account)
        staff = session.exec(select(Account).where(Account.email == "medewerker@example.nl")).one()
        dossier = dossiers.create_dossier(
            session, number=dossier_number, description="Levering appartement", handler_id=staff.id
        )
        dossiers.grant_access(session, dossier_id=dossier.id, account_id=account.id)
        session.commit()
        return account.id, dossier.id


def in_thread(fn):
    """Run `fn` in a thread of its own (Playwright's sync API owns this thread's event loop)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as error:  # pragma: no cover - re-raised below
            outcome["error"] = error

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def publish(
    portal, dossier_id: int, *filenames: str, kind: str = DocumentKind.DOCUMENT, title: str = "Geheime titel"
) -> list[int]:
    """What the staff screen's Publiceren does: store the files, record the notifications."""
    return in_thread(lambda: _publish(portal, dossier_id, filenames, kind, title))


def _publish(portal, dossier_id, filenames, kind, title) -> list[int]:
    with db(portal) as session:
        staff = session.exec(select(Account).where(Account.email == "notaris@example.nl")).one()
        result = asyncio.run(
            staff_dossiers.publish_files(
                session=session,
                store=portal.store,
                actor=staff,
                dossier_id=dossier_id,
                kind=kind,
                title=title,
                files=[(name, [PDF]) for name in filenames],
                settings=portal.settings,
            )
        )
        from portal_app.documents.services import documents

        documents.commit_or_discard(session, portal.store, *result.documents)
        return [document.id for document in result.documents]


def office_message(portal, dossier_id: int) -> int:
    with db(portal) as session:
        staff = session.exec(select(Account).where(Account.email == "notaris@example.nl")).one()
        message = staff_messages.send_office_message(
            session=session,
            actor=staff,
            dossier_id=dossier_id,
            subject="Vertrouwelijk onderwerp",
            body="Vertrouwelijke inhoud",
            settings=portal.settings,
            store=portal.store,
        )
        session.commit()
        return message.id


def digest_now(portal, mailbox) -> int:
    """A digest round as if the interval had passed (the portal's own loop does the same), then send."""
    report = notifications.run_digest_round(portal.engine, portal.settings, now=utcnow() + timedelta(minutes=2))
    mailbox.flush()
    return report.mails


def mails_to(mailbox: Mailbox, address: str, subject: str = ""):
    return [m for m in mailbox.for_address(address) if subject.lower() in m.subject.lower()]


def expect_path(page, portal, path: str) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(portal.url + path.rstrip("/")) + r"/?(\?.*)?$"))


def expect_on_login(page) -> None:
    expect(page).to_have_url(re.compile(r"/login/?(\?|$)"))
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()


def open_my_details(page, portal) -> None:
    page.goto(f"{portal.url}/mijn-gegevens")
    expect(page.locator("#detail-email")).not_to_be_empty()


# Dutch phrases of the UI that differ from their English text (and are no English text
# themselves): none may be visible on an English page. Very short values ("van", "Aan")
# also occur in the office's own Dutch data (dossier descriptions, titles) and are left out.
_NL, _EN = i18n.TRANSLATIONS["nl"], i18n.TRANSLATIONS["en"]
_ENGLISH_VALUES = set(_EN.values())
DUTCH_PHRASES = sorted(
    {
        re.sub(r"\{\w+\}.*", "", value).strip()
        for key, value in _NL.items()
        if value != _EN[key] and value not in _ENGLISH_VALUES and not key.startswith("staff.")
    }
    - {""},
    key=len,
    reverse=True,
)
# Names of dossier kinds ("Levering woning") also begin the demo dossiers' own descriptions,
# which are data typed by the office and stay as typed in English.
DUTCH_PHRASES = [
    phrase
    for phrase in DUTCH_PHRASES
    if len(phrase) >= 4
    and phrase not in {_NL.get(k) for k in _NL if k.startswith("dossier_type.")}
    # the demo letter "Nota van afrekening (concept)" is a document title typed by the office
    and phrase != "Nota van afrekening"
]


def dutch_on(page) -> list[str]:
    text = page.locator("body").inner_text()
    return [phrase for phrase in DUTCH_PHRASES if re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", text)]


def set_language(portal, email: str, language: str) -> None:
    with db(portal) as session:
        account = session.exec(select(Account).where(Account.email == email)).one()
        account.language = language
        session.add(account)
        session.commit()


def switch(page, kind: str):
    return page.locator(f"#notify-{kind}")


# --------------------------------------------------------------------------- 1. language


def test_english_at_once_on_every_page_and_in_mail(fresh, portal, mailbox):
    page = fresh()
    try:
        login(page, portal, "jansen@example.nl")
        expect(page.get_by_role("heading", name="Home")).to_be_visible()
        open_my_details(page, portal)
        expect(page.get_by_role("heading", name="Mijn gegevens", level=1)).to_be_visible()
        page.get_by_text("Engels", exact=True).click()
        # at once, without a reload or logging out
        expect(page.get_by_role("heading", name="My details", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
        expect(page.locator("#logout-button")).to_have_text("Log out")
        assert dutch_on(page) == []

        for path, heading, title in (
            ("/", "Home", "Home"),
            ("/dossiers/1", "Levering woning Dorpsstraat 12, Utrecht", "File"),
            ("/mijn-gegevens", "My details", "My details"),
        ):
            page.goto(portal.url + path)
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            # the browser tab's title and the language screen readers use follow too
            expect(page).to_have_title(title)
            expect(page.locator("div[lang='en']:has(#inhoud)")).to_be_attached()
            page.wait_for_timeout(1000)  # every part of the page has loaded
            assert dutch_on(page) == [], (path, dutch_on(page))
        screenshot(page, "mijn-gegevens-english")

        # remembered per account: a new browser shows English after login
        other = fresh()
        login(other, portal, "jansen@example.nl")
        expect(other.get_by_role("heading", name="Home")).to_be_visible()
        expect(other.locator("#tile-my-details")).to_contain_text("My details")

        # and the mail the account gets is English
        publish(portal, 1, "brief.pdf", kind=DocumentKind.CORRESPONDENCE)
        digest_now(portal, mailbox)
        mail = mailbox.wait_for("jansen@example.nl", subject=DIGEST_EN)
        assert "Dear Jan Jansen," in mail.text and "File 2026-0142: a new document" in mail.text
        assert "Geheime titel" not in mail.text and "brief.pdf" not in mail.text
        assert mail.link("/dossiers/1")

        # back to Dutch, at once
        open_my_details(page, portal)
        page.get_by_text("Dutch", exact=True).click()
        expect(page.get_by_role("heading", name="Mijn gegevens", level=1)).to_be_visible()
    finally:
        set_language(portal, "jansen@example.nl", "nl")


# --------------------------------------------------------------------------- 2. notifications


def test_notification_settings_are_honoured(fresh, portal, mailbox):
    email = "noor@example.nl"
    account_id, dossier_id = make_client(portal, email, "Noor Notificatie", "2026-0901")
    page = fresh()
    login(page, portal, email)
    open_my_details(page, portal)
    expect(page.locator("#notify-intro")).to_contain_text("hoogstens één e-mail per minuut")
    for kind in ("document", "questionnaire", "message"):
        expect(switch(page, kind)).to_have_attribute("aria-checked", "true")

    # Off: a publication records nothing and sends no mail.
    page.get_by_label("Er zijn nieuwe documenten klaargezet").click()
    expect(switch(page, "document")).to_have_attribute("aria-checked", "false")
    expect(page.locator("#notify-notice")).to_have_text("Uw keuze is opgeslagen.")
    with db(portal) as session:
        assert session.get(NotificationPreference, account_id).on_documents is False
    publish(portal, dossier_id, "stil.pdf")
    digest_now(portal, mailbox)
    with db(portal) as session:
        assert session.exec(select(PendingNotification).where(PendingNotification.account_id == account_id)).all() == []
    assert mails_to(mailbox, email) == []

    # Still off after a reload (stored), then on again.
    page.reload()
    expect(switch(page, "document")).to_have_attribute("aria-checked", "false")
    switch(page, "document").click()
    expect(switch(page, "document")).to_have_attribute("aria-checked", "true")
    with db(portal) as session:
        assert session.get(NotificationPreference, account_id).on_documents is True

    # On: two publications and a message within the interval give exactly one mail,
    # sent by the portal's own background loop once the interval has passed.
    started = time.monotonic()
    publish(portal, dossier_id, "een.pdf", "twee.pdf")
    publish(portal, dossier_id, "drie.pdf", kind=DocumentKind.CORRESPONDENCE)
    office_message(portal, dossier_id)
    time.sleep(20)
    assert mails_to(mailbox, email) == []  # calm: nothing before the interval has passed
    mail = mailbox.wait_for(email, subject=DIGEST_NL, timeout=150)
    assert time.monotonic() - started >= 55
    assert "Dossier 2026-0901: 3 nieuwe documenten, een nieuw bericht" in mail.text
    for secret in ("Geheime titel", "een.pdf", "Vertrouwelijk", "Levering appartement"):
        assert secret not in mail.text and secret not in mail.html and secret not in mail.subject
    assert mail.link(f"/dossiers/{dossier_id}")
    time.sleep(20)  # another round of the loop, and a delivery round
    mailbox.flush()
    assert len(mails_to(mailbox, email)) == 1

    # Read before the mail is due: no mail at all.
    (document_id,) = publish(portal, dossier_id, "gelezen.pdf", kind=DocumentKind.CORRESPONDENCE, title="Te lezen")
    page.goto(f"{portal.url}/dossiers/{dossier_id}")
    link = page.get_by_role("link", name=re.compile(r"^Download: Te lezen"))
    with page.expect_download():
        link.click()
    deadline = time.monotonic() + 15
    while True:
        with db(portal) as session:
            if session.exec(
                select(ReadReceipt).where(ReadReceipt.account_id == account_id, ReadReceipt.document_id == document_id)
            ).first():
                break
        assert time.monotonic() < deadline, "the download did not mark the document read"
        time.sleep(0.3)
    digest_now(portal, mailbox)
    time.sleep(2)
    mailbox.flush()
    assert len(mails_to(mailbox, email)) == 1
    with db(portal) as session:
        outcome = session.exec(
            select(PendingNotification.outcome).where(PendingNotification.document_id == document_id)
        ).one()
    assert outcome == "read"


# --------------------------------------------------------------------------- 3. e-mail address and password


def test_email_change_takes_effect_only_through_the_link(fresh, portal, mailbox):
    old, new, password = "erik@example.nl", "erik.nieuw@example.nl", "Eiken-Laan-2026"
    make_client(portal, old, "Erik Adres", "2026-0902", password=password)
    page = fresh()
    login(page, portal, old, password)
    open_my_details(page, portal)
    page.locator("#change-email").click()
    page.locator("#new-email").fill(new)
    page.locator("#email-password").fill("Verkeerd-Wachtwoord-1")
    page.locator("#email-change-submit").click()
    expect(page.locator("#details-errors")).to_have_text("Het wachtwoord is onjuist.")
    page.locator("#email-password").fill(password)
    page.locator("#email-change-submit").click()
    expect(page.locator("#details-notice")).to_contain_text(f"naar {new}")
    expect(page.locator("#pending-email")).to_have_text(new)
    expect(page.locator("#detail-email")).to_have_text(old)  # nothing changed yet
    screenshot(page, "mijn-gegevens-e-mail-wijzigen")

    confirm = mailbox.wait_for(new, subject="Bevestig uw nieuwe e-mailadres")
    link = confirm.link("/e-mail-bevestigen")
    notice = mailbox.wait_for(old, subject="Wijziging van uw e-mailadres aangevraagd")
    assert "e***w@example.nl" in notice.text and "token=" not in notice.text
    assert mails_to(mailbox, new, "Wijziging") == []

    # The link opened in another browser: log in first (with the old address), then it applies.
    other = fresh()
    other.goto(link)
    expect_on_login(other)
    other.get_by_label("E-mailadres").fill(old)
    other.get_by_label("Wachtwoord").fill(password)
    other.get_by_role("button", name="Inloggen").click()
    expect(other.locator("#email-confirm-result")).to_have_text(
        f"Uw e-mailadres is gewijzigd in {new}. U logt voortaan met dit adres in."
    )
    other.locator("#to-my-details").click()
    expect(other.locator("#detail-email")).to_have_text(new)
    expect(other.locator("#pending-email")).to_have_count(0)

    # Used once only.
    other.goto(link)
    expect(other.locator("#email-confirm-result")).to_contain_text("Deze link is niet (meer) geldig")

    # From now on the new address logs in; the old one does not.
    third = fresh()
    login(third, portal, old, password)
    expect(third.locator("#login-error")).to_have_text("Het e-mailadres of wachtwoord is onjuist.")
    login(third, portal, new, password)
    expect(third.get_by_role("heading", name="Home")).to_be_visible()


def test_password_change_ends_the_other_sessions(fresh, portal, mailbox):
    email, old, new = "pia@example.nl", "Eerste-Sleutel-31", "Tweede-Sleutel-62"
    make_client(portal, email, "Pia Paswoord", "2026-0903", password=old)
    elsewhere = fresh()
    login(elsewhere, portal, email, old)
    open_my_details(elsewhere, portal)

    page = fresh()
    login(page, portal, email, old)
    open_my_details(page, portal)
    page.locator("#change-password").click()
    expect(page.locator("#password-rule")).to_be_visible()
    page.locator("#current-password").fill("Fout-Wachtwoord-9")
    page.locator("#new-password").fill(new)
    page.locator("#repeat-password").fill(new)
    page.locator("#password-change-submit").click()
    expect(page.locator("#details-errors")).to_have_text("Het wachtwoord is onjuist.")
    page.locator("#current-password").fill(old)
    page.locator("#new-password").fill("kort")
    page.locator("#repeat-password").fill("kort")
    page.locator("#password-change-submit").click()
    expect(page.locator("#details-errors li")).to_have_text(
        [
            "Het wachtwoord heeft minder dan 8 tekens.",
            "Het wachtwoord bevat geen hoofdletter.",
            "Het wachtwoord bevat geen cijfer.",
        ]
    )
    page.locator("#new-password").fill(new)
    page.locator("#repeat-password").fill(new)
    expect(page.locator("#rule-digit")).to_have_attribute("data-ok", "true")
    page.locator("#password-change-submit").click()
    expect(page.locator("#details-notice")).to_have_text(
        "Uw wachtwoord is gewijzigd. Op uw andere apparaten bent u uitgelogd."
    )
    mailbox.wait_for(email, subject="Uw wachtwoord is gewijzigd")

    # This tab goes on; the other browser is logged out at its next action.
    page.goto(f"{portal.url}/")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    elsewhere.locator("#change-email").click()
    expect_on_login(elsewhere)
    expect(elsewhere.locator("#login-notice")).to_have_text(SESSION_EXPIRED)
    login(elsewhere, portal, email, new)
    expect(elsewhere.get_by_role("heading", name="Home")).to_be_visible()


# --------------------------------------------------------------------------- 4. company accounts


def activate_by_mail(page, portal, mailbox, email: str, password: str) -> None:
    """The three-mail onboarding of the sign-in issue, forms posted with the tokens from the mails."""
    invite = mailbox.wait_for(email, subject="Uw account voor het klantenportaal").link("/account-activeren")
    page.goto(invite)
    expect(page.get_by_role("heading", name="Account activeren")).to_be_visible()
    expect(page.locator("input[name=invite]")).to_have_value(invite.split("token=", 1)[1])
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_role("button", name="Verstuur").click()
    expect(page).to_have_url(re.compile(r"verstuurd=1"))
    set_link = mailbox.wait_for(email, subject="Uw wachtwoord instellen").link("/wachtwoord-instellen")
    page.goto(set_link)
    expect(page.locator("input[name=token]")).to_have_value(set_link.split("token=", 1)[1])
    page.locator("#new-password").fill(password)
    page.locator("#repeat-password").fill(password)
    page.get_by_role("button", name="Instellen wachtwoord").click()
    expect_path(page, portal, "/mijn-gegevens")  # the first login opens Mijn gegevens
    mailbox.wait_for(email, subject="Uw wachtwoord is ingesteld")


def test_company_main_account_manages_an_extra_account(fresh, portal, mailbox):
    email, password = "sanne@bakkerbv.example.nl", "Molen-Weg-2026"
    shop, lease = dossier_by_number(portal, "2026-0200"), dossier_by_number(portal, "2026-0215")

    main = fresh()
    login(main, portal, "info@bakkerbv.example.nl")
    open_my_details(main, portal)
    for section in ("details", "language", "two-factor", "notifications", "accounts"):
        expect(main.locator(f"#{section}")).to_be_visible()
    screenshot(main, "mijn-gegevens-bedrijf")
    main.set_viewport_size(PHONE)
    screenshot(main, "mijn-gegevens-bedrijf-phone")
    main.set_viewport_size(DESKTOP)

    main.locator("#manage-extra-accounts").click()
    expect_path(main, portal, "/mijn-gegevens/extra-accounts")
    expect(main.get_by_role("heading", name="Extra accounts", level=1)).to_be_visible()
    expect(main.locator("#extra-accounts tbody tr")).to_have_count(1)
    expect(main.locator("#extra-accounts")).to_contain_text("inkoop@bakkerbv.example.nl")
    # icons come with text for screen readers
    expect(main.get_by_role("link", name=re.compile(r"^Inzien\s+Karim el Amrani$"))).to_be_visible()
    expect(main.get_by_role("button", name=re.compile(r"^Verwijderen\s+Karim el Amrani$"))).to_be_visible()

    # "Nieuw account": errors first, then the invitation.
    main.locator("#new-extra").click()
    main.locator("#extra-name").fill("Sanne Smit")
    main.locator("#extra-email").fill("sanne@smit")  # the browser lets it through, the server does not
    main.locator("#create-extra").click()
    expect(main.locator("#new-account-error")).to_be_visible()
    # an address that already has an account gets the answer a new one gets (issue 13: no enumeration)
    main.locator("#extra-email").fill("jansen@example.nl")
    main.locator("#create-extra").click()
    expect(main.locator("#company-notice")).to_contain_text("Wij hebben een e-mail gestuurd naar jansen@example.nl")
    expect(main.locator("#extra-accounts tbody tr")).to_have_count(1)
    main.locator("#new-extra").click()
    main.locator("#extra-name").fill("Sanne Smit")
    main.locator("#extra-email").fill(email)
    main.locator("#create-extra").click()
    expect(main.locator("#company-notice")).to_contain_text(f"Wij hebben een e-mail gestuurd naar {email}")
    expect(main.locator("#extra-accounts tbody tr")).to_have_count(2)
    main.get_by_role("link", name=re.compile(r"^Inzien\s+Sanne Smit$")).click()
    expect(main.get_by_role("heading", name="Sanne Smit", level=1)).to_be_visible()
    expect(main.locator("#extra-last-login")).to_have_text("Nog nooit")
    choices = main.locator("#dossier-choices li")
    expect(choices).to_have_count(2)  # the company's two dossiers, nothing else
    expect(main.locator("#dossier-choices")).not_to_contain_text("2026-0142")
    main.locator(f"#access-{shop.id}").click()
    expect(main.locator("#company-notice")).to_have_text("Dossier 2026-0200: toegang gegeven.")
    expect(main.locator(f"#access-{shop.id}")).to_have_attribute("aria-checked", "true")
    expect(main.locator(f"#access-{lease.id}")).to_have_attribute("aria-checked", "false")
    screenshot(main, "extra-account-inzien")
    with db(portal) as session:
        sanne = session.exec(select(Account).where(Account.email == email)).one()
        assert (sanne.kind, sanne.parent_id) == (
            "company_extra",
            account_by_email(portal, "info@bakkerbv.example.nl").id,
        )
        assert (
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.event_type == "access.granted", AuditEvent.target == f"account:{sanne.id}"
                )
            )
            .one()
            .dossier_id
            == shop.id
        )

    # The new colleague completes the three-mail onboarding and sees only the granted dossier.
    colleague = fresh()
    activate_by_mail(colleague, portal, mailbox, email, password)
    colleague.goto(f"{portal.url}/dossiers")
    expect_path(colleague, portal, f"/dossiers/{shop.id}")  # one dossier: it opens directly
    expect(colleague.get_by_role("heading", name="Statutenwijziging Bakker B.V.", level=1)).to_be_visible()
    lease_tab = colleague.context.new_page()
    lease_tab.goto(f"{portal.url}/dossiers/{lease.id}")
    expect(lease_tab.get_by_text("Niet gevonden.")).to_be_visible()
    lease_tab.close()

    # The main account sees the last login, then removes the account after a confirmation.
    main.goto(f"{portal.url}/mijn-gegevens/extra-accounts")
    row = main.locator("#extra-accounts tbody tr", has_text=email)
    expect(row).not_to_contain_text("Nog nooit")
    main.set_viewport_size(PHONE)
    screenshot(main, "extra-accounts-phone")
    main.set_viewport_size(DESKTOP)
    screenshot(main, "extra-accounts")
    row.get_by_role("button", name=re.compile("^Verwijderen")).click()
    expect(main.get_by_role("alertdialog")).to_contain_text("Account verwijderen?")
    expect(main.locator("#delete-name")).to_have_text("Sanne Smit")
    screenshot(main, "extra-account-verwijderen")
    main.locator("#delete-cancel").click()
    expect(main.get_by_role("alertdialog")).to_have_count(0)
    assert account_by_email(portal, email).deleted_at is None
    row.get_by_role("button", name=re.compile("^Verwijderen")).click()
    main.locator("#delete-confirm").click()
    expect(main.locator("#company-notice")).to_have_text(f"Het account {email} is verwijderd.")
    expect(main.locator("#extra-accounts tbody tr")).to_have_count(1)

    # The colleague's open tab loses access: at its next action, or by the page's own refresh.
    colleague.get_by_role("tab", name=re.compile(r"^Documenten \(")).click()
    expect(colleague).to_have_url(re.compile(r"/login/?\?"), timeout=45_000)
    expect_on_login(colleague)
    with db(portal) as session:
        removed = session.exec(select(Account).where(Account.email == email)).one()
        assert removed.deleted_at is not None
        assert session.exec(select(DossierAccess).where(DossierAccess.account_id == removed.id)).all() == []
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.event_type == "account.deleted")).one().actor_id
            == removed.parent_id
        )
    login(colleague, portal, email, password)
    expect(colleague.locator("#login-error")).to_have_text("Het e-mailadres of wachtwoord is onjuist.")


@pytest.mark.parametrize("email", ["inkoop@bakkerbv.example.nl", "jansen@example.nl"])
def test_extra_accounts_and_private_clients_cannot_manage_accounts(fresh, portal, email):
    karim = account_by_email(portal, "inkoop@bakkerbv.example.nl")
    page = fresh()
    login(page, portal, email)
    open_my_details(page, portal)
    expect(page.locator("#accounts")).to_have_count(0)
    expect(page.locator("#manage-extra-accounts")).to_have_count(0)
    if email.startswith("inkoop"):
        expect(page.locator("#company-note")).to_contain_text("extra account van Bakker B.V.")
    for path in ("/mijn-gegevens/extra-accounts", f"/mijn-gegevens/extra-accounts/{karim.id}"):
        page.goto(portal.url + path)
        expect(page.locator("#company-error")).to_have_text(
            "Alleen het hoofdaccount van een bedrijf kan extra accounts beheren."
        )
        expect(page.locator("#extra-accounts")).to_have_count(0)
        expect(page.locator("#dossier-choices")).to_have_count(0)
        assert "Karim" not in page.locator("main").inner_text()
    with db(portal) as session:
        actor = session.exec(select(Account).where(Account.email == email)).one()
        denied = session.exec(
            select(AuditEvent).where(
                AuditEvent.event_type == "company_accounts.denied", AuditEvent.actor_id == actor.id
            )
        ).all()
    assert len(denied) >= 2
