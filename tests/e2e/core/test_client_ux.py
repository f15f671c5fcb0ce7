"""The client's experience in Chromium (issue 14): the live message counter (client and
office), a refused login keeping the e-mail address, whole tiles and the Acties bar as
links, no flash of wrong counts before the data is there, <html lang> following the
language, status changes announced to screen readers, unsaved questionnaire answers
guarded, and reduced motion."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.e2e

CLIENT = "jansen@example.nl"
STAFF = "medewerker@example.nl"  # behandelaar of dossier 2026-0142 (id 1)


@pytest.fixture(scope="module")
def portal(request, tmp_path_factory):
    """One SQLite portal for this module."""
    from tests.e2e import conftest

    started, process = conftest._start_portal(tmp_path_factory.mktemp("portal"), "client-ux", {})
    started.setup_name = "sqlite"
    yield started
    conftest._stop(process)


@pytest.fixture(autouse=True)
def patient_expectations():
    # every step is a server round trip on a busy 2-core machine
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def signed_in_home(page, portal, email: str = CLIENT) -> None:
    login(page, portal, email)
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()


def open_client_composer(page, portal) -> None:
    page.goto(f"{portal.url}/dossiers/1")
    page.locator("#tab-berichten").click()
    expect(page.locator("#message-list")).to_be_visible()
    page.locator("#new-message").click()
    expect(page.locator("#composer")).to_be_visible()


# --------------------------------------------------------------------------- 1. live counter


def test_counter_follows_every_keystroke_without_blur(page, portal):
    signed_in_home(page, portal)
    open_client_composer(page, portal)
    body = page.locator("#msg-body")
    counter = page.locator("#msg-counter")
    expect(counter).to_have_text("0 van 4000 tekens")
    body.click()
    for typed, expected in (("H", 1), ("al", 3), ("lo!", 6)):
        page.keyboard.type(typed)
        # read at once, no waiting and no server round trip: the count is the browser's own
        assert counter.text_content() == f"{expected} van 4000 tekens"
        assert page.evaluate("document.activeElement && document.activeElement.id") == "msg-body"
    page.keyboard.press("Backspace")
    assert counter.text_content() == "5 van 4000 tekens"
    # after the server has heard of it too, the count stays right (React's own update agrees)
    page.wait_for_timeout(1200)
    expect(counter).to_have_text("5 van 4000 tekens")
    expect(page.locator("#msg-counter-full")).to_be_hidden()


def test_counter_says_maximum_reached_and_field_takes_no_more(page, portal):
    signed_in_home(page, portal)
    open_client_composer(page, portal)
    body = page.locator("#msg-body")
    body.fill("a" * 3999)
    expect(page.locator("#msg-counter")).to_have_text("3999 van 4000 tekens")
    expect(page.locator("#msg-counter-full")).to_be_hidden()
    body.press("End")
    page.keyboard.type("bc")  # only the "b" fits
    assert page.locator("#msg-counter").text_content() == "4000 van 4000 tekens"
    expect(page.locator("#msg-counter-full")).to_be_visible()
    expect(page.locator("#msg-counter-full")).to_have_text("Maximum bereikt")
    assert len(body.input_value()) == 4000
    # announced to screen readers once, in the page's one live region
    expect(page.locator("#live-announcer")).to_have_text("Maximum bereikt")
    # the manual's notice from the server comes too; the field still holds 4000
    page.locator("#max-ok").click()
    assert len(body.input_value()) == 4000
    screenshot(page, "client-ux-counter-max")


def test_office_composer_counts_live_too(page, portal):
    login(page, portal, STAFF)
    expect(page).to_have_url(re.compile(r"/staff/?$"))
    page.goto(f"{portal.url}/staff/dossiers/1?tab=berichten")
    expect(page.locator("#tab-berichten")).to_have_attribute("data-state", "active")
    page.locator("#new-message").click()
    body = page.locator("#compose-body")
    expect(body).to_be_visible()
    expect(page.locator("#compose-counter")).to_have_text("0 van 4000 tekens")
    body.click()
    page.keyboard.type("Goedemorgen")
    assert page.locator("#compose-counter").text_content() == "11 van 4000 tekens"
    # counted and stopped in characters by client_ux.js; maxLength (UTF-16 units) only as a backstop
    assert body.get_attribute("data-max-chars") == "4000"
    assert body.get_attribute("maxlength") == "8000"


def test_counter_counts_characters_not_utf16_units(page, portal):
    """4,000 emoji are 8,000 UTF-16 units but 4,000 characters, as the server counts them."""
    signed_in_home(page, portal)
    open_client_composer(page, portal)
    body = page.locator("#msg-body")
    body.fill("\N{GRINNING FACE}" * 3999)
    expect(page.locator("#msg-counter")).to_have_text("3999 van 4000 tekens")
    expect(page.locator("#msg-counter-full")).to_be_hidden()
    body.press("End")
    page.keyboard.type("\N{GRINNING FACE}\N{GRINNING FACE}")  # only one more fits
    expect(page.locator("#msg-counter")).to_have_text("4000 van 4000 tekens")
    expect(page.locator("#msg-counter-full")).to_be_visible()
    assert body.input_value() == "\N{GRINNING FACE}" * 4000
    page.locator("#max-ok").click()
    # the state's copy (after the server's NFC) shows the same count
    expect(page.locator("#msg-counter")).to_have_text("4000 van 4000 tekens")
    expect(body).to_have_value("\N{GRINNING FACE}" * 4000)
    # the notice has closed (while it is open, its focus trap keeps the paste out of the field)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    # pasted past the limit: cut to 4,000 characters; a decomposed "é" (2 code points) counts as one
    body.fill("a" * 3990 + "e\u0301" * 11)
    expect(page.locator("#msg-counter")).to_have_text("4000 van 4000 tekens")
    expect(body).to_have_value("a" * 3990 + "\u00e9" * 10)


def test_a_paste_right_after_typing_stays_when_the_server_answers_late(page, portal):
    """The lost paste: the server's answers to the typing before a paste arrive after it (a busy
    server). A controlled field took the older text from such an answer and showed it; what the
    client did next worked on that text, and the paste was gone. The composer's fields are
    uncontrolled and keep what is in them. The answers are held back in the browser (Playwright's
    websocket route) and let through after the paste, so the order is the same on every machine;
    with the controlled field this test fails at the first check."""
    holding: list[bool] = [False]
    held: list[str | bytes] = []
    to_browser = []  # the page's side of the socket, to let the held answers through

    def route(socket) -> None:
        server = socket.connect_to_server()
        to_browser.append(socket)

        def to_page(message: str | bytes) -> None:
            if holding[0]:
                held.append(message)
            else:
                socket.send(message)

        server.on_message(to_page)
        socket.on_message(lambda message: server.send(message))

    page.route_web_socket(re.compile(r"/_event"), route)
    signed_in_home(page, portal)
    open_client_composer(page, portal)
    page.locator("#msg-subject").fill("Kopie paspoort")
    body = page.locator("#msg-body")
    expect(body).to_be_editable()
    page.wait_for_timeout(500)  # the subject's answers are in
    holding[0] = True
    body.press_sequentially("Beste notaris,")
    page.wait_for_timeout(500)  # the typing has gone to the server; its answers are held
    assert held, "the server answered the typing"
    pasted = "Hierbij mijn nieuwe adres: Dorpsstraat 12, 1234 AB Ons Dorp."
    body.fill(pasted)
    page.wait_for_timeout(500)  # the paste waits behind the typing's answers
    # the answers to the typing arrive, late, in their order; the paste's own answer is still on its way
    late = [message for message in held if pasted[:20] not in str(message)]
    assert late, "the typing was answered"
    for message in late:
        held.remove(message)
        to_browser[-1].send(message)
    page.wait_for_timeout(1_000)
    # a controlled field showed "Beste notaris," here, and kept it until the paste's own answer
    assert body.input_value() == pasted
    holding[0] = False
    for message in held:
        to_browser[-1].send(message)
    held.clear()
    page.wait_for_timeout(500)
    expect(body).to_have_value(pasted)
    page.locator("#send-message").click()
    expect(page.locator("#message-list")).to_contain_text("Kopie paspoort")
    page.locator("#message-list").get_by_text("Kopie paspoort").first.click()
    expect(page.locator("#message-list")).to_contain_text(pasted)


# --------------------------------------------------------------------------- announcements, lang


def test_message_sent_is_announced(page, portal):
    signed_in_home(page, portal)
    open_client_composer(page, portal)
    page.locator("#msg-subject").fill("Vraag over de sleutels")
    page.locator("#msg-body").fill("Wanneer kan ik de sleutels ophalen?")
    page.locator("#send-message").click()
    expect(page.locator("#sent-notice")).to_contain_text("Uw bericht is verstuurd.")
    announcer = page.locator("#live-announcer")
    expect(announcer).to_have_text("Uw bericht is verstuurd.")
    expect(announcer).to_have_attribute("aria-live", "polite")
    assert announcer.count() == 1


def test_html_lang_follows_the_chosen_language(page, portal):
    page.goto(f"{portal.url}/login?lang=en")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{portal.url}/login?lang=nl")
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    signed_in_home(page, portal)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto(f"{portal.url}/mijn-gegevens")
    page.get_by_text("Engels", exact=True).click()
    expect(page.get_by_role("heading", name="My details", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    try:
        page.goto(f"{portal.url}/dossiers/1")
        expect(page.locator("#dossier-tabs")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        shoot_both_widths(page, "client-ux-dossier-en")
        page.goto(f"{portal.url}/")
        expect(page.locator("#count-total")).to_be_visible()
        shoot_both_widths(page, "client-ux-home-en")
    finally:
        page.goto(f"{portal.url}/mijn-gegevens")
        page.get_by_text("Dutch", exact=True).click()
        expect(page.get_by_role("heading", name="Mijn gegevens", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def shoot_both_widths(page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


# --------------------------------------------------------------------------- 9. login


def test_refused_login_keeps_the_email_and_focuses_the_password(page, portal):
    page.goto(f"{portal.url}/login")
    page.get_by_label("E-mailadres").fill(CLIENT)
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"fout=onjuist"))
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#email")).to_have_value(CLIENT)
    expect(page.locator("#password")).to_be_focused()
    expect(page.locator("#password")).to_have_value("")
    assert CLIENT not in page.url  # the address never travels in the URL
    shoot_both_widths(page, "client-ux-login-refused")
    # typing the right password now signs in
    page.keyboard.type("Portaal-Demo-2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    # signed in: the kept address is gone from the tab
    page.wait_for_timeout(300)
    assert page.evaluate("sessionStorage.getItem('portal-login-email')") is None


def test_plain_login_page_keeps_nothing(page, portal):
    page.goto(f"{portal.url}/login")
    expect(page.locator("#email")).to_have_value("")
    expect(page.locator("#password")).not_to_be_focused()


# --------------------------------------------------------------------------- 6. whole tiles and bars


def test_tiles_and_acties_bar_are_whole_links(page, portal):
    signed_in_home(page, portal)
    bar = page.locator("#actions-bar")
    expect(bar).to_have_attribute("href", "/acties")
    expect(page.get_by_role("link", name="Acties 1", exact=True)).to_have_count(1)
    shoot_both_widths(page, "client-ux-home")
    # a click far right on the bar, away from its text, opens Acties
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 30, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/acties/?$"))
    expect(page.get_by_role("heading", name="Acties", level=1)).to_be_visible()

    page.goto(f"{portal.url}/")
    tile = page.locator("#tile-dossiers")
    expect(page.locator("#count-total")).to_have_text("3")
    # one link per tile, named by its visible text
    link = page.get_by_role("link", name=re.compile(r"^Dossiers"))
    expect(link).to_have_count(1)
    assert tile.locator("a").count() == 0
    # keyboard: a visible focus ring on the tile
    tile.focus()
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert page.evaluate("document.activeElement.id") == "tile-dossiers"
    assert outline[0] != "none" and outline[1] != "0px", outline
    screenshot(page, "client-ux-tile-focus")
    # a click on the empty lower part of the tile opens Dossiers
    box = tile.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 20, box["y"] + box["height"] - 12)
    expect(page).to_have_url(re.compile(r"/dossiers/?$"))


# --------------------------------------------------------------------------- 10. no flash


RECORD_TEXTS = """
window.__seen = {};
new MutationObserver(() => {
  for (const id of ["count-total", "count-in-progress", "count-actions", "actions-count"]) {
    const el = document.getElementById(id);
    if (!el) continue;
    const list = (window.__seen[id] = window.__seen[id] || []);
    const text = el.textContent;
    if (list[list.length - 1] !== text) list.push(text);
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_home_never_shows_counts_that_are_not_true(page, portal):
    signed_in_home(page, portal)
    page.add_init_script(RECORD_TEXTS)
    page.goto(f"{portal.url}/")
    expect(page.locator("#count-total")).to_have_text("3")
    expect(page.locator("#actions-count")).to_have_text("1")
    seen = page.evaluate("window.__seen")
    assert seen.get("count-total") == ["3"], seen
    assert seen.get("count-actions") == ["1"], seen
    assert seen.get("actions-count") == ["1"], seen


def test_my_details_shows_no_empty_fields_before_loading(page, portal):
    signed_in_home(page, portal)
    page.add_init_script(RECORD_TEXTS.replace('"actions-count"]', '"actions-count", "detail-name"]'))
    page.goto(f"{portal.url}/mijn-gegevens")
    expect(page.get_by_role("heading", name="Mijn gegevens", level=1)).to_be_visible()
    expect(page.locator("#detail-name")).to_contain_text("Jansen")
    expect(page.locator("#my-details-loading")).to_have_count(0)
    seen = page.evaluate("window.__seen")
    assert len(seen.get("detail-name", [])) == 1 and "Jansen" in seen["detail-name"][0], seen
    shoot_both_widths(page, "client-ux-my-details")


# --------------------------------------------------------------------------- 4. questionnaire answers


def open_questionnaire(page, portal) -> str:
    page.goto(f"{portal.url}/acties")
    page.get_by_role("link", name="Invullen").click()
    expect(page).to_have_url(re.compile(r"/vragenlijst/\d+/?$"))
    expect(page.locator("#questionnaire-progress")).to_be_visible()
    return page.url


def before_unload_is_stopped(page) -> bool:
    """What closing the tab or reloading would meet: the page's beforeunload says 'ask first'."""
    return page.evaluate(
        "(() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); "
        "return e.defaultPrevented; })()"
    )


def test_leaving_with_unsaved_answers_asks_first(page, portal):
    signed_in_home(page, portal)
    url = open_questionnaire(page, portal)
    dialogs: list[tuple[str, str]] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        dialogs.append((dialog.type, dialog.message))
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    # nothing typed yet: leaving is free
    assert before_unload_is_stopped(page) is False
    page.locator("#portal-header").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    assert dialogs == []

    page.goto(url)
    # the form appears only once this visit's questionnaire is loaded (nothing typed is wiped)
    expect(page.locator("#questionnaire-progress")).to_be_visible()
    field = page.locator("#q-voornamen")
    field.fill("Jan Willem")
    # closing the tab or reloading: the browser's own question
    assert before_unload_is_stopped(page) is True
    # an in-app link: asked, and "stay" keeps the page and the answer
    page.locator("#actions-bar").click()
    page.wait_for_timeout(300)
    assert len(dialogs) == 1 and dialogs[0][0] == "confirm", dialogs
    assert "niet zijn opgeslagen" in dialogs[0][1]
    expect(page).to_have_url(url)
    expect(field).to_have_value("Jan Willem")
    # the server knows too (after the field's debounce), so a reload of the flag keeps asking
    expect(page.locator("#questionnaire-form")).to_have_attribute("data-unsaved", "1")
    screenshot(page, "client-ux-questionnaire-unsaved")

    # leave anyway: confirmed, the page goes
    answer["accept"] = True
    page.locator("#actions-bar").click()
    expect(page).to_have_url(re.compile(r"/acties/?$"))
    assert len(dialogs) == 2


def test_reduced_motion_is_respected(browser, portal):
    context = browser.new_context(locale="nl-NL", viewport=DESKTOP, reduced_motion="reduce")
    try:
        page = context.new_page()
        signed_in_home(page, portal)
        duration = page.evaluate("getComputedStyle(document.querySelector('.tile')).transitionDuration")
        assert duration in ("1e-05s", "0.00001s", "0s"), duration
    finally:
        context.close()


# --------------------------------------------------------------------------- first visit (issue 19)


def test_build_files_cached_for_a_year_compressed_and_not_fetched_again(context, page, portal):
    """The production build as a phone gets it: every hashed build file immutable for a year and
    sent brotli-compressed (rxconfig frontend_compression_formats), and a second visit takes all of
    them from the browser's cache; the favicon answers."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses: list[dict] = []
    cdp.on("Network.responseReceived", lambda event: responses.append(event["response"]))

    page.goto(f"{portal.url}/login")
    expect(page.locator("#login-submit")).to_be_visible()
    build = [r for r in responses if "/assets/" in r["url"]]
    assert len(build) >= 10, [r["url"] for r in responses]
    for response in build:
        headers = {k.lower(): v for k, v in response["headers"].items()}
        assert response["status"] == 200, response["url"]
        assert headers.get("cache-control") == "public, max-age=31536000, immutable", response["url"]
    largest = [r for r in build if "entry.client" in r["url"] or r["url"].endswith(".css")]
    assert len(largest) == 2
    for response in largest:
        assert {k.lower(): v for k, v in response["headers"].items()}.get("content-encoding") == "br"

    # the second visit: every build file comes from the browser's memory or disk cache
    asked: dict[str, str] = {}
    cached: set[str] = set()
    cdp.on("Network.requestWillBeSent", lambda event: asked.__setitem__(event["requestId"], event["request"]["url"]))
    cdp.on("Network.requestServedFromCache", lambda event: cached.add(event["requestId"]))
    cdp.on(
        "Network.responseReceived",
        lambda event: cached.add(event["requestId"]) if event["response"].get("fromDiskCache") else None,
    )
    page.goto(f"{portal.url}/login")
    expect(page.locator("#login-submit")).to_be_visible()
    page.wait_for_timeout(500)  # the last cache events
    again = {request_id: url for request_id, url in asked.items() if "/assets/" in url}
    assert len(again) >= 10, asked
    fetched = [url for request_id, url in again.items() if request_id not in cached]
    assert fetched == [], fetched

    favicon = page.request.get(f"{portal.url}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")


def test_the_radix_rules_left_out_of_the_stylesheet_are_for_components_no_page_renders(portal):
    """rxconfig.RADIX_UNUSED_CLASSES keeps Radix's rules for these classes out of the build's
    stylesheet. Radix's scripts name a component's classes literally, so a build whose scripts
    name one of them renders that component unstyled: take it off the list. And the list
    must really shorten the stylesheet."""
    import rxconfig
    from tests.e2e import conftest

    client_dir = conftest._session_build() / "build" / "client"
    scripts = "".join(path.read_text(encoding="utf-8") for path in (client_dir / "assets").glob("*.js"))
    named = sorted({name for name in rxconfig.RADIX_UNUSED_CLASSES if re.search(rf"{name}(?![A-Za-z0-9_-])", scripts)})
    assert named == [], f"the build uses these; remove them from RADIX_UNUSED_CLASSES: {named}"
    assert re.search(r"rt-BaseTabListTrigger(?![A-Za-z0-9_-])", scripts)  # the scan sees Radix's class names
    (stylesheet,) = (client_dir / "assets").glob("__reflex_global_styles-*.css")
    css = stylesheet.read_text(encoding="utf-8")
    assert ".rt-BaseTabListTrigger" in css and ".rt-BaseButton" in css
    left = sorted({name for name in rxconfig.RADIX_UNUSED_CLASSES if re.search(rf"\.{name}(?![A-Za-z0-9_-])", css)})
    assert left == [], left
