"""Issue 3 in a real browser: the manual's sign-in chapter and its abuse cases.

One portal (SQLite, production build) for the whole module, with a real SMTP
server (aiosmtpd) catching its mail: the tests follow the links found in the
mails, read SMS codes from the SMS outbox and compute authenticator codes from
the secret shown on the page. Every flow uses its own account.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from urllib.parse import quote, urlsplit

import pyotp
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from portal_app.core.services.db import make_engine
from portal_app.notifications.models import OutboxSms
from portal_app.notifications.services import mail as mail_service
from portal_app.settings import load_settings
from tests.e2e.conftest import DEMO_PASSWORD, DESKTOP, PHONE, _start_portal, _stop, login, new_page, screenshot
from tests.e2e.mailbox import Mailbox

pytestmark = pytest.mark.e2e

# Dutch texts from portal_app/core/services/i18n.py, as the user reads them.
LINK_SENT = (
    "Als dit e-mailadres bij ons bekend is, ontvangt u binnen enkele minuten een e-mail "
    "met een link om uw wachtwoord in te stellen."
)
LINK_INVALID = "Deze link is niet (meer) geldig. Vraag hieronder een nieuwe link aan."
LOGIN_INVALID = "Het e-mailadres of wachtwoord is onjuist."
THROTTLED = re.compile(r"^Te veel pogingen, probeer het over \d+ minuten opnieuw\.$")
WRONG_CODE = "De code is onjuist."
NEW_CODE_NEEDED = "Deze code is niet meer geldig. Vraag een nieuwe code aan."
SESSION_EXPIRED = "Uw sessie is verlopen. Log opnieuw in."
LOGGED_OUT = "U bent uitgelogd."

SUBJECT_INVITE = "Uw account voor het klantenportaal"
SUBJECT_LINK = "Uw wachtwoord instellen"
SUBJECT_SET = "Uw wachtwoord is ingesteld"
SUBJECT_CHANGED = "Uw wachtwoord is gewijzigd"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, mailbox):
    """This module's own portal: SQLite only (one server start), mail to `mailbox`."""
    tmp_root = tmp_path_factory.mktemp("sign-in")
    started, process = _start_portal(tmp_root, "sqlite", {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port)})
    started.setup_name = "sqlite"
    settings = load_settings(started.env)
    engine = make_engine(settings.database_url)
    started.engine = engine

    def flush() -> None:
        # The portal's own sender delivers every ~5 s; this delivers the outbox now
        # (the same as `cli send-mail`; a claimed mail is sent once). In a thread:
        # Playwright's sync API owns this thread's event loop.
        worker = threading.Thread(
            target=lambda: asyncio.run(mail_service.deliver_due(engine=engine, settings=settings))
        )
        worker.start()
        worker.join(30)

    mailbox.flush = flush
    # Full page loads after every form post, on a busy machine: more patience
    # than Playwright's 5 s default (set back afterwards for other modules).
    expect.set_options(timeout=15_000)
    try:
        yield started
    finally:
        expect.set_options(timeout=5_000)
        mailbox.flush = None
        _stop(process)
        engine.dispose()


# --------------------------------------------------------------------------- helpers


def newest_sms(portal, phone_e164: str, after_id: int = 0, timeout: float = 10.0) -> tuple[int, str]:
    """(id, 6-digit code) of the newest SMS to `phone_e164` in the SMS outbox, newer than `after_id`."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(portal.engine) as db:
            row = db.exec(
                select(OutboxSms).where(OutboxSms.to_phone == phone_e164).order_by(col(OutboxSms.id).desc())
            ).first()
        if row is not None and row.id > after_id:
            match = re.search(r"\b(\d{6})\b", row.body)
            assert match, row.body
            return row.id, match.group(1)
        assert time.monotonic() < deadline, f"no new SMS to {phone_e164}"
        time.sleep(0.2)


def last_sms_id(portal, phone_e164: str) -> int:
    with Session(portal.engine) as db:
        row = db.exec(
            select(OutboxSms.id).where(OutboxSms.to_phone == phone_e164).order_by(col(OutboxSms.id).desc())
        ).first()
    return row or 0


def mails_with(mailbox: Mailbox, email: str, subject: str) -> int:
    return sum(1 for m in mailbox.for_address(email) if subject.lower() in m.subject.lower())


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def open_invitation(page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Account activeren")).to_be_visible()


def submit_email(page, email: str, invite_link: str | None = None) -> None:
    """'Vul uw e-mailadres in en klik op verstuur' (the page was opened already).

    Open the page in a tab of its own (`page.context.new_page()`) when this tab
    showed the "sent" answer before: Reflex keeps a tab's state across page
    loads, so the old answer flashes up and swaps the form out under the typing.
    """
    if invite_link is not None:
        # The page knows its invitation (on_load ran) before the form is sent.
        expect(page.locator("input[name=invite]")).to_have_value(token_of(invite_link))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_role("button", name="Verstuur").click()
    expect(page).to_have_url(re.compile(r"/wachtwoord-vergeten/?\?verstuurd=1$"))
    expect(page.locator("#link-sent")).to_have_text(LINK_SENT)


def open_set_password(page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Stel uw wachtwoord in a.u.b.")).to_be_visible()
    expect(page.locator("input[name=token]")).to_have_value(token_of(link))


def set_password(page, password: str) -> None:
    page.locator("#new-password").fill(password)
    page.locator("#repeat-password").fill(password)
    page.get_by_role("button", name="Instellen wachtwoord").click()


def post_form(page, portal, path: str, form: dict):
    """POST a form like the portal's own pages do (same Origin), without following the redirect."""
    response = page.request.post(f"{portal.url}{path}", form=form, headers={"Origin": portal.url}, max_redirects=0)
    assert response.status == 303, (path, response.status, response.text())
    return response


def activate(fresh, portal, mailbox, email: str, name: str, password: str) -> None:
    """Invite by CLI and follow both mails to a password, then the first login.

    The browser walk through these pages is test 1; here the two forms are
    posted straight (faster), with the tokens from the mails.
    """
    portal.cli("invite", "--email", email, "--name", name)
    invite_link = mailbox.wait_for(email, subject=SUBJECT_INVITE).link("/account-activeren")
    page = fresh()
    post_form(page, portal, "/auth/request-link", {"email": email, "invite": token_of(invite_link)})
    set_link = mailbox.wait_for(email, subject=SUBJECT_LINK).link("/wachtwoord-instellen")
    response = post_form(
        page,
        portal,
        "/auth/set-password",
        {"token": token_of(set_link), "password": password, "password_repeat": password},
    )
    assert response.headers["location"] == "/mijn-gegevens"
    # The first visit of Mijn gegevens marks the first login as done.
    page.goto(f"{portal.url}/mijn-gegevens")
    expect(page.locator("#first-login-note")).to_be_visible()
    expect(page.locator("#detail-email")).to_have_text(email)
    page.context.close()


def log_out(page) -> None:
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/login/?\?uitgelogd=1$"))
    expect(page.locator("#login-notice")).to_have_text(LOGGED_OUT)


def expect_path(page, portal, path: str) -> None:
    """On `path` of this portal (the static build may add a trailing slash)."""
    expect(page).to_have_url(re.compile("^" + re.escape(portal.url + path.rstrip("/")) + r"/?(\?.*)?$"))


def expect_home(page, portal) -> None:
    expect_path(page, portal, "/")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()


def expect_on_login(page) -> None:
    expect(page).to_have_url(re.compile(r"/login/?(\?|$)"))
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()


def login_form_submit(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fill the login form of the page that is open (keeps its ?next=)."""
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def expect_wrong_code(page) -> None:
    expect(page).to_have_url(re.compile(r"/login/verificatie/?\?fout=2fa\.invalid_code"))
    expect(page.locator("#form-errors")).to_have_text(WRONG_CODE)


def enter_code(page, code: str) -> None:
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Controleren").click()


def expect_rules(page, length: bool, capital: bool, digit: bool) -> None:
    for rule, ok in (("rule-length", length), ("rule-capital", capital), ("rule-digit", digit)):
        expect(page.locator(f"#{rule}")).to_have_attribute("data-ok", "true" if ok else "false")


def save_codes_and_check(page, count: int = 10) -> list[str]:
    expect(page.locator("#recovery-codes li")).to_have_count(count)
    codes = [text.strip() for text in page.locator("#recovery-codes li").all_inner_texts()]
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes), codes
    assert len(set(codes)) == count
    return codes


# --------------------------------------------------------------------------- 1. onboarding


def test_three_mail_onboarding_from_invitation_to_home(fresh, portal, mailbox):
    email, password = "nieuw@example.nl", "Kastanje-Route-48"
    console_errors: list[str] = []
    out = portal.cli("invite", "--email", email, "--name", "Nina Nieuw")
    assert "outbox" in out

    # First mail: the personal link, built from PUBLIC_URL.
    first = mailbox.wait_for(email, subject=SUBJECT_INVITE)
    assert "Notariskantoor De Vries" in first.subject
    invite_link = first.link("/account-activeren")
    assert re.fullmatch(re.escape(portal.url) + r"/account-activeren\?token=[A-Za-z0-9_\-%]{30,}", invite_link)

    page = fresh()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    open_invitation(page, invite_link)
    expect(page.get_by_text("Vul uw e-mailadres in en klik op verstuur")).to_be_visible()
    expect(page.locator("input[name=invite]")).to_have_value(token_of(invite_link))
    screenshot(page, "sign-in-account-activeren")
    submit_email(page, email, invite_link)

    # Second mail: the set-password link.
    second = mailbox.wait_for(email, subject=SUBJECT_LINK)
    set_link = second.link("/wachtwoord-instellen")
    assert set_link.startswith(f"{portal.url}/wachtwoord-instellen?token=")
    open_set_password(page, set_link)
    expect(page.locator("#password-rule")).to_have_text(
        "Het wachtwoord dient minimaal 8 tekens bevatten, waarvan minimaal 1 hoofdletter en 1 cijfer."
    )

    # The live rule: each part turns green only when it is met, while typing.
    field = page.locator("#new-password")
    expect_rules(page, False, False, False)
    field.press_sequentially("kastanj")
    expect_rules(page, False, False, False)
    field.press_sequentially("e")  # 8 characters
    expect_rules(page, True, False, False)
    field.fill("")
    field.press_sequentially("Kastanje")
    expect_rules(page, True, True, False)
    screenshot(page, "sign-in-wachtwoord-instellen")
    page.set_viewport_size(PHONE)
    screenshot(page, "sign-in-wachtwoord-instellen-phone")
    page.set_viewport_size(DESKTOP)
    field.press_sequentially("1")
    expect_rules(page, True, True, True)
    field.fill("Kort1")  # shorter again: the length item turns back
    expect_rules(page, False, True, True)

    # The server checks too: the repeat field, and the user's own name.
    page.locator("#new-password").fill(password)
    page.locator("#repeat-password").fill(password + "!")
    page.get_by_role("button", name="Instellen wachtwoord").click()
    expect(page).to_have_url(re.compile(r"fout=password\.mismatch"))
    expect(page.locator("#form-errors")).to_have_text("De twee wachtwoorden zijn niet gelijk.")
    expect(page.locator("input[name=token]")).to_have_value(token_of(set_link))
    set_password(page, "Nina-Begint-2026")
    expect(page).to_have_url(re.compile(r"fout=password\.personal"))
    expect(page.locator("#form-errors")).to_have_text("Het wachtwoord mag niet uw naam of e-mailadres bevatten.")
    expect(page.locator("input[name=token]")).to_have_value(token_of(set_link))

    set_password(page, password)
    # The very first login opens Mijn gegevens.
    expect_path(page, portal, "/mijn-gegevens")
    expect(page.locator("#first-login-note")).to_be_visible()
    expect(page.locator("#detail-name")).to_have_text("Nina Nieuw")
    expect(page.locator("#detail-email")).to_have_text(email)

    # Third mail: the password was set.
    third = mailbox.wait_for(email, subject=SUBJECT_SET)
    assert "Notariskantoor De Vries" in third.text
    assert "token=" not in third.text  # no secrets, only a plain link to the portal

    # Later logins open Home.
    log_out(page)
    login(page, portal, email, password)
    expect_home(page, portal)
    expect(page.locator("#first-login-note")).to_have_count(0)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


# --------------------------------------------------------------------------- 2. forgotten password


def test_forgotten_password_same_answer_and_reset_ends_older_session(fresh, portal, mailbox):
    email, old, new = "vergeten@example.nl", "Eerste-Sleutel-31", "Tweede-Sleutel-62"
    unknown = "onbekend-adres@example.nl"
    activate(fresh, portal, mailbox, email, "Victor Vergeet", old)

    # An older session in another browser, opened before the reset.
    other = fresh()
    login(other, portal, email, old)
    expect_home(other, portal)
    other.goto(f"{portal.url}/mijn-gegevens")
    expect(other.locator("#detail-email")).to_have_text(email)

    page = fresh()
    page.goto(f"{portal.url}/login")
    page.get_by_role("link", name="Wachtwoord vergeten / instellen wachtwoord").click()
    expect_path(page, portal, "/wachtwoord-vergeten")
    expect(page.get_by_role("heading", name="Wachtwoord vergeten / instellen wachtwoord")).to_be_visible()

    # Enumeration: the same page text for an unknown and a known address.
    submit_email(page, unknown)
    unknown_url, unknown_text = page.url, page.locator("main").inner_text()
    links_before = mails_with(mailbox, email, SUBJECT_LINK)
    page = page.context.new_page()  # a tab of its own (see submit_email)
    page.goto(f"{portal.url}/wachtwoord-vergeten")
    submit_email(page, email)
    assert page.url == unknown_url
    assert page.locator("main").inner_text() == unknown_text

    reset_mail = mailbox.wait_for(email, subject=SUBJECT_LINK, count=links_before + 1)
    mailbox.flush()
    # The unknown address gets the "no account for this address" mail (same work on both paths,
    # issue 13), never a link to set a password.
    refused = mailbox.for_address(unknown)
    assert [mail.subject for mail in refused] == ["Uw aanvraag voor het klantenportaal"]
    assert "/wachtwoord-instellen" not in refused[0].text

    open_set_password(page, reset_mail.link("/wachtwoord-instellen"))
    set_password(page, new)
    expect_home(page, portal)  # not the first login any more

    changed = mailbox.wait_for(email, subject=SUBJECT_CHANGED)
    assert "Notariskantoor De Vries" in changed.text

    # The older session ended on the server: its next action lands on the login page.
    other.locator("#setup-sms").click()
    expect_on_login(other)
    expect(other.locator("#login-notice")).to_have_text(SESSION_EXPIRED)
    # ... and it cannot come back by navigating either.
    other.goto(f"{portal.url}/mijn-gegevens")
    expect_on_login(other)

    # The new password works (a fresh browser).
    third = fresh()
    login(third, portal, email, new)
    expect_home(third, portal)


# --------------------------------------------------------------------------- 3. links


def test_reused_and_superseded_links_are_invalid(fresh, portal, mailbox):
    email, name = "links@example.nl", "Lotte Link"
    portal.cli("invite", "--email", email, "--name", name)
    older_invite = mailbox.wait_for(email, subject=SUBJECT_INVITE).link("/account-activeren")
    portal.cli("invite", "--email", email, "--name", name, "--resend")
    newer_invite = mailbox.wait_for(email, subject=SUBJECT_INVITE, count=2).link("/account-activeren")
    assert older_invite != newer_invite

    page = fresh()
    # An older invitation after a newer one.
    page.goto(older_invite)
    expect(page.locator("#link-invalid")).to_have_text(LINK_INVALID)
    expect(page.locator("input[name=email]")).to_have_count(0)

    open_invitation(page, newer_invite)
    submit_email(page, email, newer_invite)
    # The invitation is used up.
    page.goto(newer_invite)
    expect(page.locator("#link-invalid")).to_have_text(LINK_INVALID)

    older_reset = mailbox.wait_for(email, subject=SUBJECT_LINK).link("/wachtwoord-instellen")
    page = page.context.new_page()  # a tab of its own (see submit_email)
    page.goto(f"{portal.url}/wachtwoord-vergeten")
    submit_email(page, email)
    newer_reset = mailbox.wait_for(email, subject=SUBJECT_LINK, count=2).link("/wachtwoord-instellen")

    # An older set-password link after a newer one.
    page.goto(older_reset)
    expect(page.locator("#link-invalid")).to_have_text(LINK_INVALID)
    expect(page.locator("#new-password")).to_have_count(0)

    open_set_password(page, newer_reset)
    set_password(page, "Linde-Laan-73")
    expect_path(page, portal, "/mijn-gegevens")

    # A used link.
    page.goto(newer_reset)
    expect(page.locator("#link-invalid")).to_have_text(LINK_INVALID)
    expect(page.get_by_role("link", name="Wachtwoord vergeten / instellen wachtwoord")).to_be_visible()

    # The old token posted straight to the server is refused there too.
    response = page.request.post(
        f"{portal.url}/auth/set-password",
        form={"token": token_of(older_reset), "password": "Nieuw-Plan-2468", "password_repeat": "Nieuw-Plan-2468"},
        headers={"Origin": portal.url},
        max_redirects=0,
    )
    assert response.status == 303
    assert response.headers["location"].endswith("/wachtwoord-instellen?fout=link.invalid")
    page.goto(f"{portal.url}{response.headers['location']}")
    expect(page.locator("#link-invalid")).to_have_text(LINK_INVALID)


# --------------------------------------------------------------------------- 4. logout, two tabs


def test_logout_in_one_tab_ends_the_other_tabs(context, portal):
    tab_a = context.new_page()
    login(tab_a, portal, "jansen@example.nl")
    expect_home(tab_a, portal)
    tab_b = context.new_page()
    tab_b.goto(f"{portal.url}/mijn-gegevens")
    expect(tab_b.locator("#detail-email")).to_have_text("jansen@example.nl")
    tab_c = context.new_page()
    tab_c.goto(f"{portal.url}/mijn-gegevens")
    expect(tab_c.locator("#detail-email")).to_have_text("jansen@example.nl")

    log_out(tab_a)

    # Tab B acts (an event over its still-open websocket).
    tab_b.locator("#setup-sms").click()
    expect_on_login(tab_b)
    expect(tab_b.locator("#login-notice")).to_have_text(SESSION_EXPIRED)
    # Tab C navigates inside the app (client-side, no page load).
    tab_c.get_by_role("link", name="Home", exact=True).click()
    expect_on_login(tab_c)


# --------------------------------------------------------------------------- 5. open redirect


@pytest.mark.parametrize("evil", ["//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)"])
def test_login_return_path_never_leaves_the_portal(page, portal, evil):
    page.goto(f"{portal.url}/login?next={quote(evil, safe='')}")
    expect(page.locator("input[name=next]")).to_have_value("")
    login_form_submit(page, "jansen@example.nl")
    expect_home(page, portal)
    assert urlsplit(page.url).netloc == urlsplit(portal.url).netloc
    # The server decides, not the page: the same return path posted straight.
    response = page.request.post(
        f"{portal.url}/auth/login",
        form={"email": "jansen@example.nl", "password": DEMO_PASSWORD, "next": evil},
        headers={"Origin": portal.url},
        max_redirects=0,
    )
    assert response.status == 303
    assert response.headers["location"] == "/"


def test_login_return_path_inside_the_portal_is_kept(page, portal):
    page.goto(f"{portal.url}/login?next=%2Fmijn-gegevens")
    expect(page.locator("input[name=next]")).to_have_value("/mijn-gegevens")
    login_form_submit(page, "jansen@example.nl")
    expect_path(page, portal, "/mijn-gegevens")


# --------------------------------------------------------------------------- 6. throttling


def test_throttling_is_visible_after_five_wrong_passwords(fresh, portal, mailbox):
    email, password = "traag@example.nl", "Geduld-Loont-85"
    activate(fresh, portal, mailbox, email, "Tim Traag", password)
    page = fresh()
    for attempt in range(5):
        login(page, portal, email, f"Verkeerd-Wachtwoord-{attempt}")
        expect(page).to_have_url(re.compile(r"/login/?\?fout=onjuist$"))
        expect(page.locator("#login-error")).to_have_text(LOGIN_INVALID)
    # Now even the right password waits: a clear text, not a permanent lock.
    login(page, portal, email, password)
    expect(page).to_have_url(re.compile(r"/login/?\?fout=te-veel&minuten=\d+$"))
    expect(page.locator("#login-error")).to_have_text(THROTTLED)
    expect_on_login(page)
    # Another account from the same address is not held back.
    other = fresh()
    login(other, portal, "jansen@example.nl")
    expect_home(other, portal)


# --------------------------------------------------------------------------- 7. SMS


SMS_PHONE = "+31612345678"


@pytest.fixture(scope="module")
def sms_account(browser, portal, mailbox):
    """An account that set up SMS verification on Mijn gegevens; returns (email, password, recovery codes)."""
    email, password = "sms@example.nl", "Sms-Slot-Twee-57"
    contexts = []

    def make(viewport=DESKTOP):
        page = new_page(browser, viewport)
        contexts.append(page.context)
        return page

    try:
        activate(make, portal, mailbox, email, "Sanne Sms", password)
        page = make()
        login(page, portal, email, password)
        expect_home(page, portal)
        page.goto(f"{portal.url}/mijn-gegevens")
        expect(page.get_by_role("heading", name="2-staps verificatie")).to_be_visible()
        before = last_sms_id(portal, SMS_PHONE)
        page.locator("#setup-sms").click()
        page.locator("#tf-phone").fill("06 12345678")
        page.get_by_role("button", name="Code versturen").click()
        expect(page.get_by_text("We hebben een code gestuurd naar")).to_be_visible()
        _, code = newest_sms(portal, SMS_PHONE, after_id=before)
        page.locator("#sms-code").fill(code)
        page.get_by_role("button", name="Activeren").click()
        codes = save_codes_and_check(page)
        expect(page.get_by_text("2-staps verificatie staat aan.")).to_be_visible()
        screenshot(page, "sign-in-mijn-gegevens-herstelcodes")
        page.set_viewport_size(PHONE)
        screenshot(page, "sign-in-mijn-gegevens-herstelcodes-phone")
        page.set_viewport_size(DESKTOP)
        page.get_by_role("button", name="Ik heb de codes bewaard").click()
        expect(page.locator("#recovery-codes")).to_have_count(0)
        expect(page.locator("#tf-status")).to_contain_text("Via sms naar")
        expect(page.locator("#tf-status")).to_contain_text("78")
        expect(page.locator("#tf-codes-left")).to_have_text("Ongebruikte herstelcodes: 10")
        log_out(page)
        yield email, password, codes
    finally:
        for context in contexts:
            context.close()


def test_sms_two_step_login(fresh, portal, sms_account):
    email, password, _codes = sms_account
    page = fresh()
    before = last_sms_id(portal, SMS_PHONE)
    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    expect(page.get_by_text("We hebben u een sms gestuurd met een code van 6 cijfers.")).to_be_visible()
    screenshot(page, "sign-in-verificatie")
    first_id, _ = newest_sms(portal, SMS_PHONE, after_id=before)
    # Half signed in: the portal itself is still closed.
    page.goto(f"{portal.url}/mijn-gegevens")
    expect_on_login(page)
    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    _, code = newest_sms(portal, SMS_PHONE, after_id=first_id)

    enter_code(page, "000000" if code != "000000" else "111111")
    expect_wrong_code(page)
    enter_code(page, code)
    expect_home(page, portal)


def test_sms_code_guessing_is_limited_to_five(fresh, portal, sms_account):
    email, password, _codes = sms_account
    page = fresh()
    before = last_sms_id(portal, SMS_PHONE)
    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    sms_id, code = newest_sms(portal, SMS_PHONE, after_id=before)
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for guess in wrong[:4]:
        enter_code(page, guess)
        expect_wrong_code(page)
    # The 5th wrong guess uses the code up: the user is told to ask for a new one ...
    enter_code(page, wrong[4])
    expect(page).to_have_url(re.compile(r"fout=2fa\.new_code_needed"))
    expect(page.locator("#form-errors")).to_have_text(NEW_CODE_NEEDED)
    # ... and even the right code of that SMS does not work any more.
    enter_code(page, code)
    expect(page.locator("#form-errors")).to_have_text(NEW_CODE_NEEDED)
    page.get_by_role("button", name="Stuur een nieuwe code").click()
    expect(page.get_by_text("Er is een nieuwe code verstuurd.")).to_be_visible()
    _, new_code = newest_sms(portal, SMS_PHONE, after_id=sms_id)
    enter_code(page, new_code)
    expect_home(page, portal)


# --------------------------------------------------------------------------- 8. TOTP


def test_totp_setup_login_and_replay_refused(fresh, portal, mailbox):
    email, password = "app@example.nl", "Appel-Boom-2048"
    activate(fresh, portal, mailbox, email, "Arie App", password)
    page = fresh()
    login(page, portal, email, password)
    expect_home(page, portal)
    page.goto(f"{portal.url}/mijn-gegevens")
    page.get_by_role("button", name="Instellen met authenticator-app").click()
    qr = page.locator("#totp-qr")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("alt", "QR-code om de authenticator-app te koppelen")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{16,64}", secret), secret
    totp = pyotp.TOTP(secret)
    screenshot(page, "sign-in-mijn-gegevens-totp")
    page.locator("#totp-code").fill(f"{(int(totp.now()) + 500_000) % 1_000_000:06d}")
    page.get_by_role("button", name="Activeren").click()
    expect(page.locator("#tf-error")).to_have_text(WRONG_CODE)
    page.locator("#totp-code").fill(totp.now())
    page.get_by_role("button", name="Activeren").click()
    save_codes_and_check(page)
    page.get_by_role("button", name="Ik heb de codes bewaard").click()
    expect(page.locator("#tf-status")).to_contain_text("Via authenticator-app")
    log_out(page)

    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    expect(page.get_by_text("Vul de code van 6 cijfers uit uw authenticator-app in.")).to_be_visible()
    # The set-up spent the current time step; the app's next code (one step
    # ahead, inside the accepted window) is what a user would type after it.
    code = totp.at(time.time() + 30)
    enter_code(page, code)
    expect_home(page, portal)
    log_out(page)

    # Replay: the same code in a new login attempt is refused.
    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    enter_code(page, code)
    expect_wrong_code(page)
    expect(page).to_have_url(re.compile(r"/login/verificatie"))
    page.goto(f"{portal.url}/")
    expect_on_login(page)

    # A password reset never switches 2-step verification off.
    reset_page = page.context.new_page()
    reset_page.goto(f"{portal.url}/wachtwoord-vergeten")
    links_before = mails_with(mailbox, email, SUBJECT_LINK)
    submit_email(reset_page, email)
    open_set_password(
        reset_page,
        mailbox.wait_for(email, subject=SUBJECT_LINK, count=links_before + 1).link("/wachtwoord-instellen"),
    )
    set_password(reset_page, "Appel-Boom-4096")
    expect_path(reset_page, portal, "/login/verificatie")
    expect(reset_page.get_by_text("Vul de code van 6 cijfers uit uw authenticator-app in.")).to_be_visible()
    reset_page.goto(f"{portal.url}/")
    expect_on_login(reset_page)


# --------------------------------------------------------------------------- 9. recovery code


def test_recovery_code_login_once(fresh, portal, sms_account):
    email, password, codes = sms_account
    page = fresh()
    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    expect(page.get_by_text("Geen toegang tot uw telefoon? Vul dan een herstelcode in.")).to_be_visible()
    enter_code(page, codes[0].upper())  # as typed from paper: case and dash do not matter
    expect(page).to_have_url(re.compile(r"/mijn-gegevens"))
    expect(page.get_by_text("U heeft ingelogd met een herstelcode. U heeft nog 9 herstelcodes over.")).to_be_visible()
    expect(page.locator("#tf-codes-left")).to_have_text("Ongebruikte herstelcodes: 9")
    log_out(page)

    login(page, portal, email, password)
    expect_path(page, portal, "/login/verificatie")
    enter_code(page, codes[0])
    expect_wrong_code(page)
    # Another, unused code still works.
    enter_code(page, codes[1])
    expect(page.get_by_text("U heeft nog 8 herstelcodes over.")).to_be_visible()
