"""Every event handler the app registers declares who may call it, and refuses everyone else.

The list of handlers is generated from the app itself (every State below
Reflex's root and every event handler on it), so a new handler cannot skip
this test. Each handler is called the way a forged websocket frame reaches it:
on a real state tree, with the router data a browser would send (session
cookie or none, path), and with plausible arguments:

- without a session: refused with the login page, public vars unchanged, and
  the database unchanged but for one `access.refused` audit entry;
- with the wrong role (staff on a client handler, a client on a staff handler,
  a behandelaar on an admin handler, a person on a company admin handler):
  refused the same way.

Reflex's own generic `setvar` is the one handler the portal does not declare;
every handler that reads a var set through it re-checks the value.
"""

from __future__ import annotations

import asyncio
import inspect
import io

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from reflex_base import constants
from sqlmodel import Session, SQLModel, select

import portal_app.core.services.db as db_module
import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.accounts.models import StaffRole
from portal_app.accounts.services import accounts, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.states import access as access_module
from portal_app.core.states.access import Access
from portal_app.core.states.base import PortalState
from portal_app.dossiers.services import dossiers
from portal_app.office.services import office_settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {
    "q": "a",
    "email": "forged@example.nl",
    "name": "Forged",
    "subject": "forged",
    "body": "forged",
    "code": "123456",
}


def app_states() -> list[type]:
    found, todo = [], list(rx.State.get_substates())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.get_substates())
    return sorted(found, key=lambda cls: cls.get_full_name())


PORTAL_STATES = [cls for cls in app_states() if issubclass(cls, PortalState)]
HANDLERS = [(cls, name) for cls in PORTAL_STATES for name in sorted(cls.event_handlers) if name != "setvar"]


def test_the_list_is_generated_from_the_app():
    names = {cls.__name__ for cls in PORTAL_STATES}
    assert {"DossierListState", "DossierState", "MessagesState", "StaffDossierState", "StaffSettingsState"} <= names
    assert len(HANDLERS) > 150


def test_every_app_state_is_a_portal_state():
    """States outside PortalState would escape the session guard; only Reflex's own may exist."""
    foreign = [cls.get_full_name() for cls in app_states() if not issubclass(cls, PortalState)]
    assert all(name.startswith("reflex___") for name in foreign), foreign


@pytest.mark.parametrize("cls,name", HANDLERS, ids=[f"{c.__name__}.{n}" for c, n in HANDLERS])
def test_every_handler_declares_its_access(cls, name):
    fn = cls.event_handlers[name].fn
    assert isinstance(getattr(fn, "portal_access", None), Access), f"{cls.__name__}.{name} has no @handler"


class FakeUpload:
    def __init__(self, name: str, data: bytes):
        self.name = self.filename = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    async def aread(self, size: int = -1) -> bytes:  # pragma: no cover - depends on the reader
        return self._data.read(size)


def plausible_arguments(fn) -> list:
    values = []
    for parameter in list(inspect.signature(fn).parameters.values())[1:]:
        annotation = str(parameter.annotation)
        if "UploadFile" in annotation:
            values.append([FakeUpload("forged.pdf", PDF)])
        elif "dict" in annotation:
            values.append(dict(FORM))
        elif "bool" in annotation:
            values.append(True)
        elif "int" in annotation:
            values.append(1)
        else:
            values.append("1")
    return values


def call(fn, state, args):
    result = fn(state, *args)
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    if inspect.isasyncgen(result):

        async def drain():
            return [item async for item in result]

        return asyncio.run(drain())
    return result


def redirect_path(result) -> str | None:
    if isinstance(result, list):
        result = result[0] if len(result) == 1 else None
    handler = getattr(result, "handler", None)
    if handler is None or "redirect" not in str(getattr(handler, "fn", "")):
        return None
    for name, value in result.args:
        if str(name).strip('"') == "path":
            return str(value).strip('"')
    return None


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    engine = db_module.make_engine(f"sqlite:///{tmp_path_factory.mktemp('access') / 'access.db'}")
    SQLModel.metadata.create_all(engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db_module, "get_engine", lambda: engine)
        office_settings.invalidate()
        with Session(engine, expire_on_commit=False) as db:
            admin = accounts.create_staff(db, email="admin@example.nl", name="Anna Admin", role=StaffRole.ADMIN)
            behandelaar = accounts.create_staff(db, email="b@example.nl", name="Bert Behandel", role=StaffRole.HANDLER)
            client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
            other = accounts.create_person(db, email="ander@example.nl", name="Geheime Ander")
            secret = dossiers.create_dossier(db, number="2026-0002", description="Geheim testament")
            dossiers.grant_access(db, dossier_id=secret.id, account_id=other.id)
            office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
            db.commit()
            tokens = {}
            for key, account in (("admin", admin), ("behandelaar", behandelaar), ("client", client)):
                tokens[key], _ = sessions.create_session(db, account, policy=sessions.SessionPolicy())
            db.commit()
        office_settings.invalidate()
        yield {"engine": engine, "tokens": tokens, "secret": secret.id}
    engine.dispose()


def make_state(cls, token: str | None, path: str):
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {
            constants.RouteVar.HEADERS: {
                "cookie": f"{sessions.COOKIE_NAME}={token}" if token else "",
                "origin": "http://localhost:3000",
            },
            constants.RouteVar.ORIGIN: path,
            constants.RouteVar.PATH: path,
            constants.RouteVar.QUERY: {},
            constants.RouteVar.CLIENT_IP: "203.0.113.9",
        }
    )
    return root.get_substate(cls.get_full_name().split(".")[1:])


def public_values(state) -> dict:
    return {name: getattr(state, name) for name in type(state).base_vars if not name.startswith("_")}


def rows(engine) -> dict:
    with Session(engine) as db:
        result = {}
        for name, table in SQLModel.metadata.tables.items():
            if name in ("usersession", "auditevent"):
                continue
            result[name] = sorted(repr(tuple(row)) for row in db.connection().execute(table.select()).all())
        return result


def refusals(engine) -> int:
    with Session(engine) as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.event_type == "access.refused")).all())


WRONG_ROLE = {
    Access.ACCOUNT: None,
    Access.CLIENT: ("admin", "/staff"),
    Access.COMPANY_ADMIN: ("client", "/404"),
    Access.STAFF: ("client", "/404"),
    Access.ADMIN: ("behandelaar", "/404"),
}


def path_for(cls, world) -> str:
    name = cls.__name__
    if name.startswith("Staff"):
        return f"/staff/dossiers/{world['secret']}" if "Dossier" in name else "/staff"
    if name in ("DossierState", "MessagesState"):
        return f"/dossiers/{world['secret']}"
    return "/"


@pytest.mark.parametrize("cls,name", HANDLERS, ids=[f"{c.__name__}.{n}" for c, n in HANDLERS])
def test_every_handler_refuses_a_forged_call(world, cls, name, monkeypatch):
    fn = cls.event_handlers[name].fn
    access = fn.portal_access
    if access is Access.PUBLIC:
        pytest.skip("public handler (sign-in pages): checked by its own tests")
    # a fresh rate-limit window, so each refusal writes its audit entry
    monkeypatch.setattr("portal_app.audit.services.audit._last_refusal", {})
    engine = world["engine"]
    before_rows, before_refusals = rows(engine), refusals(engine)
    attempts = [(None, "/login")]
    if WRONG_ROLE[access] is not None:
        who, expected = WRONG_ROLE[access]
        attempts.append((world["tokens"][who], expected))
    for token, expected in attempts:
        access_module.remember_viewer("<none>", None)  # no viewer from an earlier test
        state = make_state(cls, token, path_for(cls, world))
        defaults = public_values(state)
        result = call(fn, state, plausible_arguments(fn))
        path = redirect_path(result)
        assert path is not None and path.startswith(expected), (token is None, result)
        after = public_values(state)
        changed = {key for key in after if after[key] != defaults[key]}
        # the frame a refusal resets (signed_in etc.) is all that may change
        assert changed <= {"signed_in", "display_name", "is_staff", "open_actions", "staff_is_admin"}, changed
        assert "Geheim" not in repr(after)
    assert rows(engine) == before_rows, f"{cls.__name__}.{name} changed data"
    assert refusals(engine) == before_refusals + len(attempts)
