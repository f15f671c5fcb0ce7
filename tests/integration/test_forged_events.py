"""SECURITY.md item 2: every public event handler of every State checks the session first.

Every browser can call any handler with any arguments. This test enumerates
all State classes of the portal and calls each handler directly, with made-up
arguments and no session: each one must ask for the session (sessions.resolve)
before anything else and must not put data into the state. Handlers that touch
no data at all (showing a language, closing a dialog) are listed by name.
"""

from __future__ import annotations

import asyncio
import inspect
import typing

import pytest

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.services import sessions
from portal_app.states.base import PortalState

# Handlers that read no data and change nothing on the server.
NO_DATA_HANDLERS = {
    "setvar",  # Reflex's built-in setter: public vars only; every handler re-checks ids it reads from them
    "load_public", "load_login", "switch_language",  # pages before sign-in
    "load_invitation", "load_forgot", "load_set_password",  # check a link token only
    "cancel_two_factor_step", "close_max_dialog", "track_progress", "set_dialog_open",
    "set_subject", "set_body",  # composer fields: nothing is stored until send()
}


def all_states() -> list[type]:
    found, todo = [], [PortalState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: c.get_full_name())


def fake_argument(annotation):
    origin = typing.get_origin(annotation) or annotation
    if origin in (int,):
        return 1
    if origin in (dict,):
        return {"code": "123456", "phone": "0612345678", "password": "x"}
    if origin in (list,):
        return []
    if origin in (bool,):
        return True
    return "1"


def call(handler, state):
    fn = handler.fn
    params = list(inspect.signature(fn).parameters.values())[1:]
    args = [fake_argument(p.annotation if p.annotation is not inspect.Parameter.empty else str) for p in params]
    result = fn(state, *args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    elif inspect.isasyncgen(result):
        async def drain(gen):
            return [item async for item in gen]
        result = asyncio.run(drain(result))
    elif inspect.isgenerator(result):
        result = list(result)
    return result


CASES = [
    (cls, name)
    for cls in all_states()
    for name, handler in cls.event_handlers.items()
    if name not in NO_DATA_HANDLERS and not getattr(handler, "is_background", False)
]


def test_every_state_is_enumerated():
    names = {cls.__name__ for cls in all_states()}
    assert {"HomeState", "MyDetailsState", "DossierState", "MessagesState"} <= names
    assert len(CASES) > 20


@pytest.fixture(scope="module")
def empty_portal_db(tmp_path_factory):
    """An empty database with every table (the office settings are read on each page)."""
    from sqlmodel import SQLModel

    from portal_app.services.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('forged') / 'portal.db'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("cls,name", CASES, ids=[f"{c.__name__}.{n}" for c, n in CASES])
def test_handler_checks_session_first(cls, name, monkeypatch, tmp_path, empty_portal_db):
    from reflex.state import State

    monkeypatch.setattr("portal_app.services.db.get_engine", lambda: empty_portal_db)

    calls = []

    def no_session(*args, **kwargs):
        calls.append(kwargs.get("policy"))
        return None

    monkeypatch.setattr(sessions, "resolve", no_session)
    root = State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    public = [key for key in cls.base_vars if not key.startswith("_")]
    before = {key: getattr(state, key) for key in public}
    call(cls.event_handlers[name], state)
    assert calls, f"{cls.__name__}.{name} did not check the session"
    leaked = [
        key for key in public
        if getattr(state, key) and getattr(state, key) != before[key]
        # public texts and the office's branding and password rule, shown before sign-in too
        and key not in {"tr", "lang", "office_name", "brand_colour", "logo_url", "pw_rule", "pw_min_length", "not_found"}
    ]
    assert not leaked, f"{cls.__name__}.{name} filled {leaked} without a session"
