"""What several unit test modules share: the staff world and the state harness.

`build_world` makes the staff world (the `world` fixture of tests/unit/conftest.py);
`make_state`, `call` and `redirect_path` run a state's handlers the way a browser
event reaches them (on a real state tree with router data, through the skeleton's
wrappers), as tests/unit/core/test_staff_abuse.py does for every staff handler.
`stale_unread_counts` checks the triggers' unread counts against a recount and
`unread_triggers` lists those triggers;
`statements_sent` lists the SQL an action and its flush send.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass

import reflex as rx
import wrapt
from reflex.istate.data import RouterData
from reflex.istate.proxy import StateProxy
from reflex_base import constants
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal_app.accounts.models import Account, StaffRole
from portal_app.accounts.services import accounts, sessions
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import UNREAD_OF_ACCESS_ROW
from portal_app.dossiers.services import dossiers
from portal_app.office.services import office_settings
from portal_app.settings import Settings, load_settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stale_unread_counts(bind) -> int:
    """How many access rows hold an unread count other than a recount gives (a session or engine)."""
    statement = f"SELECT count(*) FROM dossieraccess WHERE unread_count <> {UNREAD_OF_ACCESS_ROW}"
    if isinstance(bind, Session):  # its own transaction, with what it has not committed
        return int(bind.connection().exec_driver_sql(statement).scalar_one())
    with bind.connect() as connection:
        return int(connection.exec_driver_sql(statement).scalar_one())


def unread_triggers(engine) -> set[str]:
    """The triggers in the database that keep the dossier list's unread counts (migration 0010)."""
    if engine.dialect.name == "postgresql":
        query = "SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    with engine.connect() as connection:
        return {name for (name,) in connection.exec_driver_sql(query) if "_unread_" in name}


def statements_sent(db, action) -> list[str]:
    """The SQL statements `action()` and the flush after it send, in order."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many):
        sent.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
        db.flush()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


@dataclass
class World:
    settings: Settings
    store: FileStore
    admin: Account
    handler: Account
    client: Account
    company: Account
    dossier: object
    other_dossier: object


def build_world(db, tmp_path) -> World:
    """Two staff (admin, behandelaar), a private client and a company, two dossiers."""
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "STAFF_MAX_UPLOAD_MB": "1"})
    store = FileStore(tmp_path / "files")
    # the staff upload limit is an office setting (admin-editable)
    office_settings.update(db, {"staff_max_upload_mb": "1"}, actor_id=None)
    admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
    handler = accounts.create_staff(db, email="handler@example.nl", name="Bert Behandel", role=StaffRole.HANDLER)
    client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    company = accounts.create_company(
        db, email="info@bedrijf.example.nl", name="Carla Contact", company_name="Bedrijf B.V."
    )
    dossier = dossiers.create_dossier(db, number="2026-0001", description="Levering woning", handler_id=handler.id)
    other = dossiers.create_dossier(db, number="2026-0002", description="Testament", handler_id=admin.id)
    dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
    dossiers.grant_access(db, dossier_id=other.id, account_id=company.id)
    db.commit()
    return World(settings, store, admin, handler, client, company, dossier, other)


class LocalProxy(StateProxy):
    """Reflex's StateProxy (the same attribute rules: immutable outside `async with self`,
    methods re-bound to the proxy), with the lock taken locally instead of through the
    app's state manager. Background handlers run through it."""

    def __init__(self, state, event=None, parent_state_proxy=None):
        wrapt.ObjectProxy.__init__(self, state)
        self._self_event = event
        self._self_substate_path = tuple(state.get_full_name().split("."))
        self._self_actx = None
        self._self_actx_lock_holder = None
        self._self_mutable = False
        self._self_parent_state_proxy = parent_state_proxy
        self._self_entered_context = False

    async def __aenter__(self):
        assert not self._self_mutable, "nested `async with self`"
        self._self_mutable = True
        self._self_entered_context = True
        return self

    async def __aexit__(self, *exc_info):
        self._self_mutable = False


async def _drain(steps) -> list:
    return [item async for item in steps]


def call(handler_fn, state, *args):
    """Run a handler as Reflex would: the skeleton's wrappers are coroutines or async
    generators (drained to the list of what they yielded); background ones get a proxy."""
    if getattr(handler_fn, "_reflex_background_task", False):
        state = LocalProxy(state)
    result = handler_fn(state, *args)
    if inspect.isasyncgen(result):
        result = asyncio.run(_drain(result))
    elif inspect.iscoroutine(result):
        result = asyncio.run(result)
    elif inspect.isgenerator(result):
        result = list(result)
    return result


def redirect_path(result) -> str | None:
    if isinstance(result, list) and len(result) == 1:
        result = result[0]
    if getattr(getattr(result, "handler", None), "fn", None) is None:
        return None
    if result.handler.fn.__qualname__ != "redirect" and "redirect" not in str(result.handler.fn):
        return None
    for name, value in result.args:
        if str(name) in ("path", '"path"'):
            return str(value).strip('"')
    return None


def make_state(cls, token: str | None, path: str):
    root = rx.State(_reflex_internal_init=True)
    cookie = f"{sessions.COOKIE_NAME}={token}" if token else ""
    root.router = RouterData.from_router_data(
        {
            constants.RouteVar.HEADERS: {"cookie": cookie, "origin": "http://localhost:3000"},
            constants.RouteVar.ORIGIN: path,
            constants.RouteVar.PATH: path,
            constants.RouteVar.QUERY: {},
            constants.RouteVar.CLIENT_IP: "203.0.113.9",
        }
    )
    return root.get_substate(cls.get_full_name().split("."))
