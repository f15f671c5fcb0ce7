"""A generated office in the running portal: staff find a dossier by a client's e-mail part or
name in the one search box of the dossier list, and generated clients sign in.

Screenshots: screenshots/staff-dossiers-zoeken*.png (desktop and phone, Dutch and English).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.core.services.db import make_engine
from portal_app.dossiers.models import Dossier, DossierAccess
from tests.e2e.conftest import PHONE, login, screenshot
from tests.e2e.office.test_staff import wait_ready


def database_url(portal) -> str:
    return portal.env.get("DATABASE_URL") or f"sqlite:///{portal.data_dir / 'portal.db'}"


def logins(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        match = re.match(r"\s+(\S+@generated\.example\.nl)\s+(.+)$", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def search(page, text: str) -> None:
    page.locator("#dossier-search").fill(text)
    page.locator("#dossier-search-submit").click()


def test_staff_find_a_generated_dossier_by_client_email_and_name(fresh, portal):
    output = portal.cli(
        "seed-office", "--clients", "40", "--dossiers", "150", "--messages", "600", "--documents", "200",
        "--audit", "2000", "--seed", "3",
    )  # fmt: skip
    generated = logins(output)
    client_email = generated["client with a few dossiers"]
    engine = make_engine(database_url(portal))
    try:
        with Session(engine) as db:
            client = db.exec(select(Account).where(Account.email == client_email)).one()
            numbers = sorted(
                db.exec(
                    select(Dossier.number)
                    .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
                    .where(DossierAccess.account_id == client.id)
                ).all()
            )
    finally:
        engine.dispose()
    assert numbers

    staff = fresh()
    login(staff, portal, generated["staff, admin"])  # a generated account signs in with the demo password
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.goto(f"{portal.url}/staff/dossiers")
    wait_ready(staff)
    search(staff, client_email.upper())  # any case; the whole address: "jan.smit.4" is part of "jan.smit.41"
    table = staff.locator("#dossier-table")
    for number in numbers[-5:]:  # the newest are on the first page
        expect(table).to_contain_text(number)
    expect(table.locator("tbody tr")).to_have_count(min(len(numbers), 25))
    screenshot(staff, "staff-dossiers-zoeken")

    search(staff, client.name)
    expect(table).to_contain_text(numbers[-1])
    search(staff, "geen-dossier-heeft-dit")
    expect(staff.locator("#dossier-table")).to_have_count(0)

    phone = fresh(viewport=PHONE)
    login(phone, portal, generated["staff, admin"])
    expect(phone).to_have_url(re.compile(r"/staff/?$"))
    phone.goto(f"{portal.url}/staff/dossiers")
    wait_ready(phone)
    search(phone, client_email.split("@")[0] + "@")
    expect(phone.locator("body")).to_contain_text(numbers[-1])
    screenshot(phone, "staff-dossiers-zoeken-telefoon")


def test_the_search_box_in_english(fresh, portal):
    engine = make_engine(database_url(portal))
    try:
        with Session(engine) as db:
            admin = db.exec(select(Account).where(Account.email == "notaris@example.nl")).one()
            admin.language = "en"
            db.add(admin)
            db.commit()
    finally:
        engine.dispose()
    staff = fresh()
    login(staff, portal, "notaris@example.nl")  # the demo logins keep working next to the generated office
    expect(staff).to_have_url(re.compile(r"/staff/?$"))
    staff.goto(f"{portal.url}/staff/dossiers")
    wait_ready(staff)
    expect(staff.locator("#dossier-search")).to_have_attribute("placeholder", re.compile("e-mail"))
    search(staff, "2026-0142")
    expect(staff.locator("#dossier-table")).to_contain_text("2026-0142")
    screenshot(staff, "staff-dossiers-zoeken-en")
