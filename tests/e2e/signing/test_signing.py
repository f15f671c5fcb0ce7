"""The signing appointment in the browser (issue 17 items 2 and 4), on the pinned demo data of 2026-0142:
the client sees the appointment with its countdown on Home and on the dossier page, downloads the .ics,
ticks a checklist item and asks for another time; staff change the appointment and the client sees it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal_app.messages.models import Message
from portal_app.notifications.models import PendingNotification
from portal_app.signing.models import SigningAppointment
from tests.e2e.conftest import DESKTOP, PHONE, dossier_id, login, portal_with_engine, screenshot, set_language

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("patient_expect")]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with portal_with_engine(tmp_path_factory.mktemp("signing"), "sqlite") as started:
        yield started


def test_client_sees_downloads_ticks_and_asks_and_staff_change_it(fresh, portal):
    house = dossier_id(portal, "2026-0142")
    client = fresh()
    login(client, portal, "jansen@example.nl")
    expect(client).to_have_url(re.compile(r"/(\?.*)?$"))
    # Home: the road of 2026-0142 with the appointment and its countdown
    road = client.locator(".home-road[data-dossier='2026-0142']")
    expect(road).to_contain_text("nog 14 dagen")
    expect(road.locator("ol.road > li")).not_to_have_count(0)
    expect(road.locator("li[data-key='appointment']")).to_contain_text("Gepland")
    # wherever payment is mentioned: the warning that the office never sends a new account number
    expect(road.locator("li[data-key='payment_received'] .road-payment-warning")).to_contain_text(
        "nooit een nieuw rekeningnummer"
    )
    screenshot(client, "signing-home-nl-1280")

    client.goto(f"{portal.url}/dossiers/{house}")
    section = client.locator("#signing")
    expect(section.get_by_role("heading", name="Passeerafspraak")).to_be_visible()
    expect(client.locator("#signing-countdown")).to_have_text("nog 14 dagen")
    expect(client.locator("#signing-when")).to_contain_text("10:00")
    expect(client.locator("#signing-location")).to_contain_text("Utrecht")
    expect(client.locator("#signing-notary")).to_have_text("mr. A. de Vries")

    with client.expect_download() as download:
        client.locator("#signing-ics").click()
    assert download.value.suggested_filename == "passeerafspraak-2026-0142.ics"
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\nDTSTART:" in data
    with Session(portal.engine) as db:
        appointment = db.exec(select(SigningAppointment).where(SigningAppointment.dossier_id == house)).one()
        starts = appointment.starts_at.replace(tzinfo=UTC)
        assert f"UID:{appointment.uid}@".encode() in data
        assert f"DTSTART:{starts.strftime('%Y%m%dT%H%M%SZ')}".encode() in data

    items = client.locator("#signing-checklist > li")
    expect(items.first).to_have_attribute("data-done", "false")
    items.first.get_by_role("checkbox").click()
    expect(items.first).to_have_attribute("data-done", "true")
    expect(client.locator("#dossier-road li[data-key='checklist']")).to_contain_text("1 van")

    client.locator("#signing-ask-other").click()
    client.locator("#signing-reason").fill("Ik ben die week op vakantie; de week erna past wel.")
    client.locator("#signing-send-request").click()
    expect(client.locator("#signing-request-notice")).to_contain_text("Uw verzoek is verstuurd")
    with Session(portal.engine) as db:
        message = db.exec(select(Message).where(Message.dossier_id == house).order_by(Message.id.desc())).first()
        assert message is not None and not message.from_office and "vakantie" in message.body
        again = db.exec(select(SigningAppointment).where(SigningAppointment.dossier_id == house)).one()
        assert again.starts_at == appointment.starts_at  # only staff change the appointment
    screenshot(client, "signing-dossier-nl-1280")
    client.set_viewport_size(PHONE)
    expect(section).to_be_visible()
    assert client.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
    screenshot(client, "signing-dossier-nl-390")
    client.set_viewport_size(DESKTOP)

    staff = fresh()
    login(staff, portal, "medewerker@example.nl")
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.goto(f"{portal.url}/staff/dossiers/{house}")
    card = staff.locator("#staff-signing")
    expect(card.locator("#signing-summary")).to_contain_text("10:00")
    expect(card.locator("#staff-checklist > li").first).to_contain_text("afgevinkt")
    new_day = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    card.locator("#signing-day").fill(new_day)
    card.locator("#signing-time").fill("11:30")
    card.locator("#signing-save").click()
    expect(staff.locator("#signing-notice")).to_contain_text("gewijzigd")
    expect(card.locator("#signing-summary")).to_contain_text("11:30")
    screenshot(staff, "signing-staff-nl-1280")
    with Session(portal.engine) as db:  # the clients hear of the change through the calm digest
        told = db.exec(
            select(PendingNotification).where(
                PendingNotification.dossier_id == house, PendingNotification.kind == "appointment"
            )
        ).all()
        assert told

    client.goto(f"{portal.url}/dossiers/{house}")
    expect(client.locator("#signing-when")).to_contain_text("11:30")
    expect(client.locator("#signing-countdown")).to_have_text(re.compile(r"nog (19|20) dagen"))


def test_english_and_the_company_dossier(fresh, portal):
    lease = dossier_id(portal, "2026-0215")
    set_language(portal, "info@bakkerbv.example.nl", "en")
    try:
        client = fresh(PHONE)
        login(client, portal, "info@bakkerbv.example.nl")
        expect(client).to_have_url(re.compile(r"/(\?.*)?$"))
        expect(client.locator(".home-road[data-dossier='2026-0215']")).to_contain_text("in 21 days")
        screenshot(client, "signing-home-en-390")
        client.goto(f"{portal.url}/dossiers/{lease}")
        expect(client.locator("#signing").get_by_role("heading", name="Signing appointment")).to_be_visible()
        expect(client.locator("#signing-when")).to_contain_text("14:00")
        expect(client.locator("#signing-checklist > li")).to_have_count(3)
        # the default items in the reader's language
        expect(client.locator("#signing-checklist > li").first).to_contain_text("Valid proof of identity")
        expect(client.locator("#road-heading")).to_have_text("On the way to the signing")
        assert client.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
        screenshot(client, "signing-dossier-en-390")
        client.set_viewport_size(DESKTOP)
        screenshot(client, "signing-dossier-en-1280")
        # another dossier's calendar file: not found
        other = dossier_id(portal, "2026-0142")
        response = client.request.get(f"{portal.url}/afspraak/{other}.ics")
        assert response.status == 404 and b"VCALENDAR" not in response.body()
    finally:
        set_language(portal, "info@bakkerbv.example.nl", "nl")
