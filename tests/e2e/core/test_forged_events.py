"""Forged websocket frames to staff handlers are refused by the running portal, in both set-ups.

`tests/integration/core/test_handler_access.py` calls every handler on a state
tree in the test process. This test sends the same calls the way an attacker
would: as Socket.IO frames over the portal's own websocket (`/_event`), to the
portal started in production mode, once with SQLite and one worker and once
with PostgreSQL + Redis and two workers (the `portal` fixture).

- A signed-in private client forges a frame to every staff, admin and company
  admin handler: each is answered with the "not found" page, no other client's
  dossier text comes back, no row changes, and each refusal is in the audit
  log with the client's account.
- A browser without any session cookie forges a frame to every handler that
  needs a session: each is answered with the login page, nothing changes, and
  the refusals are audited without an account.
- A websocket opened from another site with the victim's cookie is refused
  (cross-site websocket hijacking); the same request from the portal's origin
  is let in.

What the server answered is kept in the portal's data folder
(`forged-answers.txt`) for reading after a failure.

Upload handlers are left out: their files come over HTTP (`/_upload`), which
`tests/integration/documents/test_upload_guard.py` covers.
"""

from __future__ import annotations

import inspect
import json
import re
import time

from sqlalchemy import MetaData, select, text
from sqlmodel import SQLModel

from portal_app.core.services.db import make_engine
from portal_app.core.states.access import Access
from tests.e2e.conftest import login
from tests.integration.core.test_handler_access import HANDLERS, plausible_arguments

# What only staff (or the Bakker company) may see: it must never reach the client's forged answers.
FOREIGN_TEXTS = ("Statutenwijziging Bakker", "Industrieweg 5", "Karim el Amrani", "inkoop@bakkerbv")
# Tables a refused call may write to (the refusal itself, the session's last-seen time) or that the
# portal's own background work changes meanwhile (outbox sender).
MOVING_TABLES = {"auditevent", "usersession", "outboxmail", "outboxsms", "alembic_version"}


def access_of(cls, name) -> Access:
    return cls.event_handlers[name].fn.portal_access


def takes_files(cls, name) -> bool:
    fn = cls.event_handlers[name].fn
    return any("UploadFile" in str(p.annotation) for p in inspect.signature(fn).parameters.values())


FORGEABLE = [(cls, name) for cls, name in HANDLERS if not takes_files(cls, name)]
STAFF_SIDE = [(c, n) for c, n in FORGEABLE if access_of(c, n) in (Access.STAFF, Access.ADMIN, Access.COMPANY_ADMIN)]
NEEDS_SESSION = [(c, n) for c, n in FORGEABLE if access_of(c, n) is not Access.PUBLIC]


def audit_name(cls, name) -> str:
    """What the refusal's audit entry names: the handler body's qualified name (core/states/access.py)."""
    return cls.event_handlers[name].fn.portal_body.__qualname__


def handler_path(cls) -> str:
    return "/staff" if cls.__name__.startswith("Staff") else "/"


def namespace(connect: str) -> str:
    """The Socket.IO namespace prefix of the tab's connect packet ("/_event," or none)."""
    rest = connect[2:]
    return rest.split(",", 1)[0] + "," if rest.startswith("/") else ""


def forged_frame(cls, name, prefix: str) -> str:
    fn = cls.event_handlers[name].fn
    names = [p.name for p in list(inspect.signature(fn).parameters.values())[1:]]
    path = handler_path(cls)
    event = {
        "name": f"{cls.get_full_name()}.{name}",
        "payload": dict(zip(names, plausible_arguments(fn), strict=True)),
        "router_data": {"pathname": path, "asPath": path},
    }
    return "42" + prefix + json.dumps(["event", event])


FORGE = """
async ({url, connect, frames, expected}) => {
  const received = [];
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  ws.onmessage = (m) => {
    received.push(String(m.data));
    if (m.data === "2") ws.send("3");  // engine.io ping -> pong
  };
  ws.send(connect);
  await new Promise((r) => setTimeout(r, 1000));
  for (const frame of frames) {
    ws.send(frame);
    await new Promise((r) => setTimeout(r, 25));
  }
  const redirects = () => received.filter((m) => m.startsWith("42") && m.includes("_redirect")).length;
  for (let waited = 0; waited < 90000 && redirects() < expected; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 1000));
  ws.close();
  return received;
}
"""


def database_url(portal) -> str:
    return portal.env.get("DATABASE_URL") or f"sqlite:///{portal.data_dir / 'portal.db'}"


def snapshot(engine) -> dict:
    metadata = MetaData()
    metadata.reflect(engine)
    known = set(SQLModel.metadata.tables)
    with engine.connect() as connection:
        return {
            name: sorted(repr(tuple(row)) for row in connection.execute(table.select()).all())
            for name, table in metadata.tables.items()
            if name in known and name not in MOVING_TABLES
        }


def refusals_since(engine, since_id: int) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT actor_id, target, detail FROM auditevent "
                    "WHERE id > :since AND event_type = 'access.refused' ORDER BY id"
                ),
                {"since": since_id},
            ).all()
        ]


def last_audit_id(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM auditevent")).scalar_one()


def account_id(engine, email: str) -> int:
    from portal_app.accounts.models import Account

    with engine.connect() as connection:
        return connection.execute(select(Account.id).where(Account.email == email)).scalar_one()


def own_socket(context, portal, path: str) -> tuple[str, str]:
    """The websocket URL (with the tab's client token) and connect packet of a tab of `context`."""
    sockets: list[dict] = []
    tab = context.new_page()
    tab.set_default_timeout(20_000)

    def watch(ws):
        record = {"url": ws.url, "frames": []}
        sockets.append(record)
        ws.on("framesent", lambda payload: record["frames"].append(payload))

    tab.on("websocket", watch)
    tab.goto(f"{portal.url}{path}")
    deadline = time.time() + 20
    while time.time() < deadline:
        tab.wait_for_timeout(250)
        for record in sockets:
            connects = [f for f in record["frames"] if isinstance(f, str) and f.startswith("40")]
            if "/_event" in record["url"] and connects:
                tab.close()  # the tab sends nothing more: the forged frames use its token alone
                return record["url"].replace("http", "ws", 1), connects[0]
    raise AssertionError(f"no websocket for {path}: {[s['url'] for s in sockets]}")


def forge(context, portal, url: str, connect: str, frames: list[str]) -> list[str]:
    attacker = context.new_page()
    attacker.goto(f"{portal.url}/404")  # same origin as the portal
    received = attacker.evaluate(FORGE, {"url": url, "connect": connect, "frames": frames, "expected": len(frames)})
    attacker.close()
    answers = [m for m in received if m.startswith("42")]
    (portal.data_dir / "forged-answers.txt").write_text("\n".join(answers))
    return answers


def redirect_targets(answers: list[str]) -> list[str]:
    """The paths of every `_redirect` the server sent back, in order."""
    targets = []
    for answer in answers:
        _, update = json.loads(answer[answer.index("[") :])
        for event in update.get("events") or []:
            if event.get("name") == "_redirect":
                targets.append(event["payload"]["path"])
    return targets


def test_a_client_forging_staff_frames_is_refused_and_audited(browser, portal):
    assert len(STAFF_SIDE) > 40, "the handler list is generated from the app"
    engine = make_engine(database_url(portal))
    client_id = account_id(engine, "jansen@example.nl")
    context = browser.new_context(locale="nl-NL")
    try:
        tab = context.new_page()
        login(tab, portal, "jansen@example.nl")
        tab.wait_for_url(re.compile(r"/(?!login)"))
        tab.close()
        url, connect = own_socket(context, portal, "/dossiers")
        before, since = snapshot(engine), last_audit_id(engine)

        answers = forge(context, portal, url, connect, [forged_frame(c, n, namespace(connect)) for c, n in STAFF_SIDE])

        text_back = "\n".join(answers)
        for foreign in FOREIGN_TEXTS:
            assert foreign not in text_back
        targets = redirect_targets(answers)
        assert len(targets) >= len(STAFF_SIDE), (len(targets), len(STAFF_SIDE), text_back[:500])
        assert set(targets) == {"/404"}, set(targets)
        assert snapshot(engine) == before
        refused = refusals_since(engine, since)
        forged_names = {audit_name(c, n) for c, n in STAFF_SIDE}
        audited = {target for actor, target, _ in refused if actor == client_id}
        assert forged_names <= audited, sorted(forged_names - audited)[:5]
    finally:
        context.close()
        engine.dispose()


def test_frames_without_a_session_are_sent_to_login_and_audited(browser, portal):
    engine = make_engine(database_url(portal))
    context = browser.new_context(locale="nl-NL")
    try:
        url, connect = own_socket(context, portal, "/login")
        assert not any(c["name"] == "kp_session" for c in context.cookies())
        before, since = snapshot(engine), last_audit_id(engine)

        answers = forge(
            context, portal, url, connect, [forged_frame(c, n, namespace(connect)) for c, n in NEEDS_SESSION]
        )

        text_back = "\n".join(answers)
        for foreign in (*FOREIGN_TEXTS, "Dorpsstraat", "Jan Jansen"):
            assert foreign not in text_back
        targets = redirect_targets(answers)
        assert len(targets) >= len(NEEDS_SESSION), (len(targets), len(NEEDS_SESSION), text_back[:500])
        assert {t.split("?")[0] for t in targets} == {"/login"}, set(targets)
        assert snapshot(engine) == before
        refused = refusals_since(engine, since)
        audited = {target for actor, target, _ in refused if actor is None}
        forged_names = {audit_name(c, n) for c, n in NEEDS_SESSION}
        assert forged_names <= audited, sorted(forged_names - audited)[:5]
    finally:
        context.close()
        engine.dispose()


def _handshake(url: str, origin: str, cookie: str) -> str:
    """The first packets the server sends to a websocket opened with this Origin and cookie ('' when refused)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(url, additional_headers={"Origin": origin, "Cookie": cookie}, open_timeout=20) as ws:
            ws.send("40/_event,")  # the Socket.IO connect of the namespace
            packets = []
            for _ in range(3):
                try:
                    packets.append(str(ws.recv(timeout=5)))
                except TimeoutError:
                    break
            return "\n".join(packets)
    except InvalidStatus as refused:
        assert refused.response.status_code in (400, 403), refused.response.status_code
        return ""


def test_a_websocket_from_another_site_is_refused(browser, portal):
    """Cross-site websocket hijacking: a page elsewhere opens the portal's websocket with the victim's cookie."""
    context = browser.new_context(locale="nl-NL")
    try:
        tab = context.new_page()
        login(tab, portal, "jansen@example.nl")
        tab.wait_for_url(re.compile(r"/(?!login)"))
        tab.close()
        url, _ = own_socket(context, portal, "/dossiers")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        assert "kp_session=" in cookie

        assert _handshake(url, "http://evil.example", cookie) == ""
        # the positive control: the same request from the portal's own origin is let in
        assert _handshake(url, portal.url, cookie).startswith("0{")
    finally:
        context.close()
