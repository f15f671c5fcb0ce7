"""Draft deed versions in the browser (issue 17 item 1), on the pinned demo data of 2026-0142:
the client compares version 1 and 2, sees the price change and the new clause marked (also for
screen readers), comments with a quote and approves; staff see the comment and the approval."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, dossier_id, login, portal_with_engine, screenshot, set_language

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("patient_expect")]


@pytest.fixture(scope="module", params=["sqlite", "postgres_redis"])
def portal(request, tmp_path_factory):
    with portal_with_engine(tmp_path_factory.mktemp("deeds"), request.param) as started:
        yield started


def test_client_compares_comments_approves_and_staff_see_it(fresh, portal):
    house = dossier_id(portal, "2026-0142")
    client = fresh()
    login(client, portal, "jansen@example.nl")
    expect(client).to_have_url(re.compile(r"/(\?.*)?$"))
    client.goto(f"{portal.url}/dossiers/{house}")
    section = client.locator("#deed-section")
    expect(section.get_by_role("heading", name="Concept-akte")).to_be_visible()
    versions = client.locator("#deed-versions > li")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Versie 1")
    expect(versions.nth(1)).to_contain_text("Versie 2")
    expect(versions.nth(1)).to_contain_text("nieuwste")
    # each version downloads through the authenticated file route
    link = versions.nth(0).get_by_role("link", name=re.compile("^Download"))
    assert re.fullmatch(r"/files/\d+", link.get_attribute("href") or "")
    with client.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "concept-akte-van-levering-v1.pdf"
    # no approval yet (pinned demo data)
    expect(client.locator("#deed-pending")).to_contain_text("Jan Jansen")

    client.locator("#deed-compare").click()
    comparison = client.locator("#deed-comparison")
    removed = comparison.locator("del")
    added = comparison.locator("ins")
    expect(removed.first).to_contain_text("412.500")
    expect(added.first).to_contain_text("405.000")
    expect(comparison.locator("ins", has_text=re.compile("ontbindende voorwaarde financiering", re.I))).to_have_count(1)
    # not by colour alone: screen readers hear the kind of change before each passage
    expect(removed.first.locator(".sr-only")).to_have_text("Verwijderd:")
    expect(added.first.locator(".sr-only")).to_have_text("Toegevoegd:")
    assert "412.500" not in " ".join(added.all_inner_texts())
    screenshot(client, f"deeds-compare-nl-1280-{portal.setup_name}")
    client.set_viewport_size(PHONE)
    expect(comparison).to_be_visible()
    assert client.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
    screenshot(client, f"deeds-compare-nl-390-{portal.setup_name}")
    client.set_viewport_size(DESKTOP)

    # selecting a passage in the comparison puts it in the comment's quote field
    client.evaluate(
        """() => {
            const passage = document.querySelector('#deed-comparison ins');
            const range = document.createRange();
            range.selectNodeContents(passage.lastChild);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.querySelector('#deed-comparison').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }"""
    )
    expect(client.locator("#deed-comment-quote")).to_have_value(re.compile(r"^405\.000"))
    client.locator("#deed-comment-quote").fill("€ 405.000")
    client.locator("#deed-comment-body").fill("Klopt de nieuwe koopsom?")
    client.locator("#deed-comment-submit").click()
    expect(client.locator("#deed-notice")).to_contain_text("Uw opmerking is verstuurd")
    expect(section.locator(".deed-comment")).to_contain_text("Klopt de nieuwe koopsom?")
    expect(client.locator("#deed-comment-body")).to_have_value("")
    screenshot(client, f"deeds-commented-nl-1280-{portal.setup_name}")

    client.get_by_role("button", name="Akkoord met deze versie").click()
    expect(client.locator("#deed-approved-badge")).to_be_visible()
    expect(client.locator("#deed-pending")).to_have_count(0)
    expect(versions.nth(1)).to_contain_text("Akkoord gegeven door: Jan Jansen")

    staff = fresh()
    login(staff, portal, "medewerker@example.nl")
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.goto(f"{portal.url}/staff/dossiers/{house}")
    card = staff.locator("#staff-deed-section")
    staff_versions = card.locator("#staff-deed-versions > li")
    expect(staff_versions).to_have_count(2)
    expect(staff_versions.nth(1)).to_contain_text("Jan Jansen")
    expect(staff_versions.nth(0)).to_contain_text("nog niemand")
    comment = card.locator("#staff-deed-comments li")
    expect(comment).to_contain_text("€ 405.000")
    expect(comment).to_contain_text("Klopt de nieuwe koopsom?")
    expect(card.get_by_role("heading", name="Nieuwe versie publiceren")).to_be_visible()
    screenshot(staff, f"deeds-staff-nl-1280-{portal.setup_name}")


def test_english_section(fresh, portal):
    house = dossier_id(portal, "2026-0142")
    set_language(portal, "jansen@example.nl", "en")
    try:
        client = fresh()
        login(client, portal, "jansen@example.nl")
        expect(client).to_have_url(re.compile(r"/(\?.*)?$"))
        client.goto(f"{portal.url}/dossiers/{house}")
        section = client.locator("#deed-section")
        expect(section.get_by_role("heading", name="Draft deed")).to_be_visible()
        client.get_by_role("button", name="Compare").click()
        expect(client.locator("#deed-comparison del .sr-only").first).to_have_text("Removed:")
        expect(client.locator("#deed-approved-badge")).to_contain_text("You agreed with this version")
        screenshot(client, f"deeds-compare-en-1280-{portal.setup_name}")
        client.set_viewport_size(PHONE)
        screenshot(client, f"deeds-compare-en-390-{portal.setup_name}")
    finally:
        set_language(portal, "jansen@example.nl", "nl")
