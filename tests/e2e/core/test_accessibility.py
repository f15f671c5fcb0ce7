"""Zero axe-core violations (WCAG 2.1 A and AA) on every page a visitor, a client, a company
admin and staff can reach, at 1280 and 390 px, in Dutch and English (issue 14).

The page list comes from the app's own routes (`app._unevaluated_pages`), so a new page is
covered without touching this file; a dynamic route gets a demo id per role from the
database (a new route parameter fails here until it is given one in `demo_ids`). Each tab of
a page (dossier tabs, staff tabs) is checked too, so the deeds, signing and payment sections
on the dossier pages are in. axe-core is the pinned copy in .tools/ (`make test` installs it);
nothing is downloaded while the test runs.

One server and one Chromium; the four roles run side by side in contexts of their own
(Playwright's async API in one thread, the session's sync browser is not shared).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest
from playwright.async_api import Error as PlaywrightError

from tests.e2e import conftest
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, DESKTOP, PHONE, ROOT

pytestmark = pytest.mark.e2e

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROLES = {
    "visitor": None,
    "client": "jansen@example.nl",
    "company": "info@bakkerbv.example.nl",
    "staff": "notaris@example.nl",
}
# Pages each role must at least reach: a redirect away from one of these is a failure,
# not a page silently left out.
MUST_REACH = {
    "visitor": {"/login", "/wachtwoord-vergeten", "/404"},
    "client": {"/", "/dossiers", "/dossiers/[dossier_id]", "/acties", "/vragenlijst/[request_id]", "/mijn-gegevens"},
    "company": {"/", "/dossiers", "/dossiers/[dossier_id]", "/mijn-gegevens", "/mijn-gegevens/extra-accounts"},
    "staff": {
        "/staff",
        "/staff/clienten",
        "/staff/clienten/[client_id]",
        "/staff/dossiers",
        "/staff/dossiers/[dossier_id]",
        "/staff/vragenlijsten",
        "/staff/outbox",
        "/staff/audit",
        "/staff/instellingen",
    },
}

# The demo ids per role for each dynamic route parameter, read from the portal's database.
DEMO_IDS = """
import json
from sqlmodel import Session, select
import portal_app.models  # noqa: F401
from portal_app.core.services.db import get_engine
from portal_app.accounts.models import Account
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.questionnaires.models import QuestionnaireRequest

with Session(get_engine()) as db:
    def account(email):
        return db.exec(select(Account).where(Account.email == email)).one()

    def first_dossier(person):
        return db.exec(
            select(DossierAccess.dossier_id).where(DossierAccess.account_id == person.id).order_by(DossierAccess.dossier_id)
        ).first()

    def first_request(person):
        return db.exec(
            select(QuestionnaireRequest.id).where(QuestionnaireRequest.account_id == person.id)
            .order_by(QuestionnaireRequest.id)
        ).first()

    jansen, bakker = account("jansen@example.nl"), account("info@bakkerbv.example.nl")
    extra = db.exec(select(Account.id).where(Account.parent_id == bakker.id).order_by(Account.id)).first()
    # the house sale 2026-0142 holds a draft deed, a signing appointment and a settlement
    house = db.exec(select(Dossier.id).where(Dossier.number == "2026-0142")).one()
    print(json.dumps({
        "client": {"dossier_id": house, "request_id": first_request(jansen)},
        "company": {"dossier_id": first_dossier(bakker), "request_id": first_request(bakker), "account_id": extra},
        "staff": {"dossier_id": house, "client_id": jansen.id},
        "visitor": {},
    }))
"""

SET_LANGUAGE = """
import sys
from sqlmodel import Session, select
import portal_app.models  # noqa: F401
from portal_app.core.services.db import get_engine
from portal_app.accounts.models import Account

with Session(get_engine()) as db:
    for person in db.exec(select(Account).where(Account.email.in_(sys.argv[2:]))).all():
        person.language = sys.argv[1]
        db.add(person)
    db.commit()
"""

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 6).map(n => n.target.join(' ') + '  ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')),
    count: v.nodes.length,
  }));
}"""

# A page is ready when its data is there: no skeletons, no spinner, no Reflex connection toast.
READY = """() => !document.querySelector('.skeleton, .rt-Spinner, [data-loading="true"]')
  && document.readyState === 'complete'"""


def python(env: dict, code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def app_routes() -> list[str]:
    """Every page route of the app, as the browser asks for it ("/dossiers/[dossier_id]")."""
    from portal_app.portal_app import app

    return sorted("/" if route == "index" else "/" + route.strip("/") for route in app._unevaluated_pages)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """One SQLite portal for this module."""
    started, process = conftest._start_portal(tmp_path_factory.mktemp("portal"), "a11y", {})
    started.setup_name = "sqlite"
    yield started
    conftest._stop(process)


@dataclass
class Findings:
    violations: list[str] = field(default_factory=list)
    checked: dict[str, set[str]] = field(default_factory=dict)
    skipped: dict[str, set[str]] = field(default_factory=dict)
    lang_wrong: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def fill(route: str, ids: dict) -> str | None:
    """The route with this role's demo ids; None when the role has no id for a parameter."""
    missing = []

    def value(match: re.Match) -> str:
        name = match.group(1)
        if ids.get(name) is None:
            missing.append(name)
            return ""
        return str(ids[name])

    path = re.sub(r"\[(\w+)\]", value, route)
    return None if missing else path


async def settle(page) -> None:
    """Until the page's data is there (no skeleton or spinner left) or a few seconds passed."""
    try:
        await page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightError:
        pass
    try:
        await page.wait_for_function(READY, timeout=8_000)
    except PlaywrightError:
        pass
    await page.wait_for_timeout(250)


def path_of(url: str) -> str:
    return re.sub(r"/+$", "", re.sub(r"^https?://[^/]+|[?#].*$", "", url)) or "/"


async def check(page, where: str, lang: str, findings: Findings) -> None:
    if await page.evaluate("typeof window.axe") == "undefined":
        await page.add_script_tag(content=AXE.read_text())
    for violation in await page.evaluate(RUN_AXE, AXE_TAGS):
        findings.violations.append(
            f"{where}: {violation['rule']} ({violation['impact']}, {violation['count']}x) {violation['help']}\n"
            + "\n".join(f"      {target}" for target in violation["targets"])
        )
    html_lang = await page.evaluate("document.documentElement.lang")
    if html_lang != lang:
        findings.lang_wrong.append(f"{where}: <html lang={html_lang!r}>")


async def check_page_states(page, where: str, lang: str, findings: Findings) -> None:
    """The page as it opens, then with each of its tabs chosen, at both widths."""
    for width_name, viewport in (("1280", DESKTOP), ("390", PHONE)):
        await page.set_viewport_size(viewport)
        await page.wait_for_timeout(200)
        tabs = page.locator('[role="tab"]:visible')
        await check(page, f"{where} @{width_name}", lang, findings)
        for index in range(await tabs.count()):
            tab = tabs.nth(index)
            if await tab.get_attribute("aria-selected") == "true":
                continue
            name = (await tab.get_attribute("id")) or f"tab {index}"
            await tab.click()
            await settle(page)
            await check(page, f"{where} [{name}] @{width_name}", lang, findings)
        if await tabs.count():  # back to the page's first tab for the next width
            await tabs.first.click()
            await settle(page)
    await page.set_viewport_size(DESKTOP)


async def walk_role(browser, url: str, role: str, lang: str, routes: list[str], ids: dict, findings: Findings):
    context = await browser.new_context(
        locale="en-GB" if lang == "en" else "nl-NL", viewport=DESKTOP, bypass_csp=True, accept_downloads=False
    )
    page = await context.new_page()
    page.set_default_timeout(45_000)
    try:
        email = ROLES[role]
        if email:
            await page.goto(f"{url}/login", wait_until="domcontentloaded")
            await page.locator("#email").fill(email)
            await page.locator("#password").fill(DEMO_PASSWORD)
            await page.locator("#login-submit").click()
            await page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
        for route in routes:
            path = fill(route, ids)
            if path is None:
                findings.skipped.setdefault(role, set()).add(route)
                continue
            started = time.monotonic()
            await page.goto(f"{url}{path}", wait_until="domcontentloaded")
            await settle(page)
            if path_of(page.url) != path_of(path):
                findings.skipped.setdefault(role, set()).add(route)  # sent elsewhere: not this role's page
                continue
            found = Findings()
            try:
                await check_page_states(page, f"{lang} {role} {path}", lang, found)
            except PlaywrightError:
                if path_of(page.url) == path_of(path):
                    raise
            if path_of(page.url) != path_of(path):
                # sent elsewhere while being checked (a late redirect): not this role's page either
                findings.skipped.setdefault(role, set()).add(route)
                continue
            findings.checked.setdefault(role, set()).add(route)
            findings.violations += found.violations
            findings.lang_wrong += found.lang_wrong
            findings.seconds[f"{lang} {role} {path}"] = time.monotonic() - started
    finally:
        await context.close()


def run_axe_everywhere(url: str, env: dict, routes: list[str], ids: dict) -> Findings:
    from playwright.async_api import async_playwright

    findings = Findings()
    people = [email for email in ROLES.values() if email]

    async def main() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for lang in ("nl", "en"):
                    python(env, SET_LANGUAGE, lang, *people)
                    # the pages before sign-in first: a signed-in role skips those (the same public page)
                    await walk_role(browser, url, "visitor", lang, routes, ids["visitor"], findings)
                    signed_in_routes = [route for route in routes if route not in findings.checked.get("visitor", ())]
                    await asyncio.gather(
                        *(
                            walk_role(browser, url, role, lang, signed_in_routes, ids[role], findings)
                            for role in ROLES
                            if role != "visitor"
                        )
                    )
            finally:
                python(env, SET_LANGUAGE, "nl", *people)
                await browser.close()

    # Playwright's sync API (the session's browser fixture) owns this thread's event loop.
    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # noqa: BLE001 (reported in the test's thread)
            errors.append(error)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return findings


def test_no_axe_violations_on_any_page_for_any_role(portal):
    assert AXE.is_file(), "axe-core is missing: run `make test` (installs it into .tools/)"
    routes = app_routes()
    ids = json.loads(python(portal.env, DEMO_IDS))
    unknown = {name for route in routes for name in re.findall(r"\[(\w+)\]", route)} - {
        name for role_ids in ids.values() for name in role_ids
    }
    assert not unknown, f"new route parameter(s) {unknown}: give them a demo id in DEMO_IDS"

    findings = run_axe_everywhere(portal.url, portal.env, routes, ids)

    problems = [
        f"{role} did not reach {sorted(expected - findings.checked.get(role, set()))}"
        for role, expected in MUST_REACH.items()
        if expected - findings.checked.get(role, set())
    ]
    problems += findings.lang_wrong
    problems += sorted(findings.violations)
    summary = "\n".join(f"  {role}: {sorted(pages)}" for role, pages in sorted(findings.checked.items()))
    slowest = sorted(findings.seconds.items(), key=lambda item: -item[1])[:5]
    print(f"checked with axe-core {AXE_TAGS}:\n{summary}\nslowest pages: {slowest}")
    assert not problems, f"{len(findings.violations)} axe-core violation(s) and other problems:\n" + "\n".join(problems)
