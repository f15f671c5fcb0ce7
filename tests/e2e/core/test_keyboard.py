"""The portal with the keyboard alone (issue 14): sign in, open a dossier, send a message with
an attachment, fill in a questionnaire page and change a setting in Mijn gegevens with Tab,
Shift+Tab, Enter, Space and the arrow keys only.

After every key: focus is on an element (never lost to <body>) and that element shows a focus
ring (an outline or box-shadow on it, or the outline of the field frame around it). The first
Tab stop is the skip link to the main content; dialogs keep focus inside and give it back to
the button that opened them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot
from tests.e2e.core.test_accessibility import portal  # noqa: F401  (one SQLite portal for this module)

pytestmark = pytest.mark.e2e

CLIENT = "jansen@example.nl"
STAFF = "notaris@example.nl"

# Where focus is and whether it shows. Radix text fields draw their ring on the field frame
# around the <input> (:focus-within), so an outline on one of the two parents counts too.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  // Radix draws some rings (checkbox, radio) on a ::before of the control
  const ring = (node) => [null, '::before', '::after'].some((pseudo) => {
    const style = getComputedStyle(node, pseudo);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow && style.boxShadow !== 'none');
  });
  const parentRing = [el.parentElement, el.parentElement && el.parentElement.parentElement]
    .some((node) => node && getComputedStyle(node).outlineStyle !== 'none'
      && parseFloat(getComputedStyle(node).outlineWidth) > 0);
  return {
    id: el.id, tag: el.tagName, text: (el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40),
    // ... and the tab triggers on their inner label
    ring: ring(el) || parentRing || [...el.children].some((child) => ring(child)), inDialog: !!el.closest('[role="dialog"], [role="alertdialog"]'),
  };
}"""


@pytest.fixture(autouse=True)
def patient_expectations():
    # every step is a server round trip on a busy machine
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def focused(page) -> dict:
    info = page.evaluate(FOCUS)
    assert info is not None, f"focus lost (document.activeElement is <body>) on {page.url}"
    return info


def press(page, key: str, *, ring: bool = True) -> dict:
    page.keyboard.press(key)
    info = focused(page)
    if ring:
        assert info["ring"], f"no visible focus indicator after {key} on {info} ({page.url})"
    return info


def tab_to(page, selector: str, *, limit: int = 80, key: str = "Tab") -> dict:
    """Press Tab until `selector` has focus, checking focus and its ring at every stop (no key
    when it has focus already, e.g. the first field of the main content after the skip link)."""
    if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
        return focused(page)
    for _ in range(limit):
        info = press(page, key)
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return info
    raise AssertionError(f"{selector} not reached with {limit}x {key} on {page.url}")


def arrow_to(page, target_id: str, *, key: str = "ArrowRight", limit: int = 6) -> dict:
    """Press an arrow key in a Radix tab list until #target_id has focus, checking focus and its
    ring at every stop. Radix moves the focus in a timeout after the keydown: wait for it to arrive
    before the next key (on a busy machine two quick presses both start from the same tab)."""
    for _ in range(limit):
        before = page.evaluate("document.activeElement.id")
        if before == target_id:
            return focused(page)
        page.keyboard.press(key)
        page.wait_for_function("(before) => document.activeElement.id !== before", arg=before)
        info = focused(page)
        assert info["ring"], f"no visible focus indicator after {key} on {info} ({page.url})"
    raise AssertionError(f"#{target_id} not reached with {limit}x {key} on {page.url}")


def sign_in(page, portal, email: str) -> None:  # noqa: F811
    page.goto(f"{portal.url}/login")
    expect(page.locator("#login-submit")).to_be_visible()
    tab_to(page, "#email")
    page.keyboard.type(email)
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login"))


def skip_link_first(page) -> None:
    """The first Tab stop of a page is "Naar de inhoud"; Enter moves focus to the main content."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    info = press(page, "Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')"), info
    box = page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the skip link stays off screen when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    # the next Tab starts in the main content, past the header and its navigation
    press(page, "Tab")
    assert page.evaluate("!!document.activeElement.closest('#inhoud')")


def test_client_does_everything_with_the_keyboard(fresh, portal):  # noqa: F811
    page = fresh()
    sign_in(page, portal, CLIENT)
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    skip_link_first(page)

    # open a dossier: Home -> Mijn dossiers -> 2026-0142 (or straight from a tile)
    links = 'a[href$="/dossiers/1"], a[href="/dossiers"], a[href="/dossiers/"]'
    for step in range(3):
        if re.search(r"/dossiers/1/?$", page.url):
            break
        # on Home the first Tab stop after the skip link may already be the "Dossiers" tile
        if step > 0 or not page.evaluate("(links) => document.activeElement.matches(links)", links):
            tab_to(page, links)
        target = page.evaluate("document.activeElement.getAttribute('href')")
        title = page.locator("main#inhoud h1").inner_text()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(re.escape(target.rstrip("/")) + "/?$"))
        # the next page is drawn (on a busy machine the address changes first, and Tab would
        # still walk the old page until it is swapped out under the focus)
        expect(page.locator("main#inhoud h1")).not_to_have_text(title)
        if re.search(r"/dossiers/?$", page.url):
            # the list's rows have replaced its placeholders (a Tab stop inside a placeholder
            # that is swapped out loses the focus to <body>)
            expect(page.locator('main#inhoud a[href$="/dossiers/1"]')).to_be_visible()
    expect(page.locator("#dossier-tabs")).to_be_visible()
    # the dossier's data has loaded (the tabs re-render with their counts, which resets focus)
    expect(page.locator("#tab-berichten")).to_contain_text("(3)")

    # the Berichten tab: Tab into the tab list, arrows to the tab (Radix selects on focus)
    tab_to(page, '[role="tab"]')
    arrow_to(page, "tab-berichten")
    expect(page.locator("#tab-berichten")).to_have_attribute("aria-selected", "true")
    tab_to(page, "#new-message")
    page.keyboard.press("Enter")
    expect(page.locator("#composer")).to_be_visible()
    tab_to(page, "#msg-subject")
    page.keyboard.type("Sleutels ophalen")
    tab_to(page, "#msg-body")
    page.keyboard.type("Wanneer kan ik de sleutels ophalen?")

    # the attachments dialog: focus goes in, stays in, and comes back on Escape
    tab_to(page, "#open-attachments")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert focused(page)["inDialog"], "focus did not move into the dialog"
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 6:
        assert press(page, key)["inDialog"], f"focus left the open dialog after {key}"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page)["id"] == "open-attachments", "focus did not return to the button that opened the dialog"

    # again, now choosing a file with the dialog's browse button (Enter opens the file chooser)
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    # Listen for the file chooser before the Tab stops, not just before Enter: Playwright switches
    # on Chromium's file chooser interception without waiting for it, and a slow renderer took the
    # Enter first and handled the chooser itself (none came in 20 s; under load or 6x CPU throttling)
    with page.expect_file_chooser() as chooser:
        tab_to(page, '[role="dialog"] .drop-zone button')
        page.keyboard.press("Enter")
    chooser.value.set_files(
        files=[{"name": "paspoort.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%keyboard test\n"}]
    )
    expect(page.locator("#staged-files")).to_contain_text("paspoort.pdf")
    tab_to(page, "#upload-confirm")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert focused(page)["id"] == "open-attachments", "focus did not return after adding the file"
    expect(page.locator("#attached-files")).to_contain_text("paspoort.pdf")


def test_client_sends_and_fills_in_with_the_keyboard(fresh, portal):  # noqa: F811
    page = fresh()
    sign_in(page, portal, CLIENT)
    expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
    page.goto(f"{portal.url}/dossiers/1")
    expect(page.locator("#tab-berichten")).to_contain_text("(3)")
    tab_to(page, '[role="tab"]')
    arrow_to(page, "tab-berichten")
    expect(page.locator("#tab-berichten")).to_have_attribute("aria-selected", "true")
    tab_to(page, "#new-message")
    page.keyboard.press("Enter")
    expect(page.locator("#composer")).to_be_visible()
    tab_to(page, "#msg-subject")
    page.keyboard.type("Sleutels ophalen")
    tab_to(page, "#msg-body")
    page.keyboard.type("Wanneer kan ik de sleutels ophalen?")
    tab_to(page, "#send-message")
    page.keyboard.press("Enter")
    expect(page.locator("#sent-notice")).to_contain_text("Uw bericht is verstuurd.")
    # "Versturen" closes the composer around the focused button: focus goes to the notice
    expect(page.locator("#sent-notice")).to_be_focused()
    info = focused(page)
    assert info["ring"], f"no visible focus indicator on the sent notice: {info}"
    # and the next Tab goes on from there, to "Nieuw bericht" beside it
    tab_to(page, "#new-message", limit=3)
    screenshot(page, "keyboard-message-sent")

    # a questionnaire page, field by field
    page.goto(f"{portal.url}/vragenlijst/1")
    expect(page.locator("#questionnaire-form")).to_be_visible()
    skip_link_first(page)
    for field, text in (
        ("#q-voornamen", "Jan Willem"),
        ("#q-achternaam", "Jansen"),
        # a date field takes digits segment by segment in the browser's order (dd-mm or mm-dd):
        # 12-12-1980 reads the same either way
        ("#q-geboortedatum", "12121980"),
        ("#q-geboorteplaats", "Utrecht"),
        ("#q-nationaliteit", "Nederlandse"),
        ("#q-adres", "Kerkstraat 3, 3511 AB Utrecht"),
        ("#q-telefoon", "06 12345678"),
        ("#q-email", "jan.jansen@example.nl"),
    ):
        tab_to(page, field)
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    tab_to(page, "#questionnaire-next")
    page.keyboard.press("Enter")
    expect(page.locator("#questionnaire-progress")).to_contain_text("Pagina 2 van")
    focused(page)

    # a setting in Mijn gegevens: a notification switch with Space
    page.goto(f"{portal.url}/mijn-gegevens")
    switch = page.locator("#notify-message")
    expect(switch).to_be_visible()
    before = switch.get_attribute("aria-checked")
    tab_to(page, "#notify-message")
    page.keyboard.press("Space")
    expect(switch).not_to_have_attribute("aria-checked", before or "")
    focused(page)
    page.keyboard.press("Space")  # back as it was
    expect(switch).to_have_attribute("aria-checked", before or "")


def test_staff_pages_start_with_the_skip_link(fresh, portal):  # noqa: F811
    page = fresh()
    sign_in(page, portal, STAFF)
    expect(page).to_have_url(re.compile(r"/staff/?$"))
    expect(page.locator("main#inhoud")).to_be_visible()
    skip_link_first(page)
    page.goto(f"{portal.url}/staff/dossiers/1")
    expect(page.locator("#tab-voortgang")).to_be_visible()
    skip_link_first(page)
