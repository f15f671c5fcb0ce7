"""The staff overview refreshes itself (StaffOverviewState.poll_updates).

The loop runs on a real state tree through a StateProxy that behaves like
Reflex's (immutable outside `async with self`, methods re-bound to the proxy),
so the tests prove that the skeleton's check before the loop starts and the
check of every round write nothing outside the state lock and never extend the
session, and that every round re-checks the session and the staff role.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from reflex_base.utils.exceptions import ImmutableStateError
from sqlmodel import select

import portal_app.core.services.db as db_module
from portal_app.accounts.models import Account, UserSession
from portal_app.accounts.services import sessions
from portal_app.core.models import utcnow
from portal_app.messages.models import Message
from portal_app.office.services import office_settings
from portal_app.office.states import staff_overview
from portal_app.office.states.staff_overview import StaffOverviewState
from tests.unit.helpers import LocalProxy, call, make_state, redirect_path

POLL = StaffOverviewState.event_handlers["poll_updates"].fn


# the frame vars a refusal's login redirect resets (to what a new tab holds anyway)
FRAME_VARS = {"signed_in", "display_name", "is_staff", "open_actions", "staff_is_admin"}


@pytest.fixture
def live(engine, db, world, monkeypatch):
    """The states use this test's database; a session for each staff member and the client."""
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.commit()
    policy = sessions.SessionPolicy()
    tokens = {
        key: sessions.create_session(db, getattr(world, key), policy=policy)[0]
        for key in ("handler", "admin", "client")
    }
    db.commit()
    return tokens


def last_seen(db, account: Account):
    db.expire_all()
    return db.exec(select(UserSession.last_seen_at).where(UserSession.account_id == account.id)).one()


def age_session(db, account: Account, minutes: int = 5) -> None:
    row = db.exec(select(UserSession).where(UserSession.account_id == account.id)).one()
    row.last_seen_at = utcnow() - timedelta(minutes=minutes)
    db.add(row)
    db.commit()


def client_message(db, world, subject: str) -> None:
    db.add(
        Message(
            dossier_id=world.dossier.id, author_id=world.client.id, from_office=False, subject=subject, body="Vraag"
        )
    )
    db.commit()


def test_loop_checks_quietly_under_the_lock_and_does_not_extend_the_session(db, world, live, monkeypatch):
    age_session(db, world.handler)
    before = last_seen(db, world.handler)
    state = make_state(StaffOverviewState, live["handler"], "/staff")
    proxy = LocalProxy(state)
    with pytest.raises(ImmutableStateError):  # the proxy is as strict as Reflex's
        proxy.loaded = True
    # the tab is gone: the loop checks its start and rounds 1 and 2, then ends at round 3
    result, rounds = run_loop(state, lambda n: False, monkeypatch)
    assert result == [] and rounds == staff_overview.POLL_MAX_MISSED
    assert state.loaded and state._poll_generation == 1  # it did run, as this staff member
    assert last_seen(db, world.handler) == before
    assert state.signed_in is False  # a background loop does not refresh the page frame
    # control: a click does extend the session
    assert call(StaffOverviewState.event_handlers["refresh"].fn, state) is None
    assert last_seen(db, world.handler) > before


@pytest.mark.parametrize("who", ["nobody", "client", "ended", "blocked", "removed"])
def test_loop_start_is_refused_under_the_lock(db, world, live, who):
    token = {"nobody": None, "client": live["client"]}.get(who, live["handler"])
    if who == "ended":
        sessions.end_session(db, live["handler"])
    elif who in ("blocked", "removed"):
        handler = db.get(Account, world.handler.id)
        if who == "blocked":
            handler.blocked = True
        else:
            handler.deleted_at = utcnow()
        db.add(handler)
    db.commit()
    state = make_state(StaffOverviewState, token, "/staff")
    # through the strict proxy: a write outside `async with self` would raise
    result = call(StaffOverviewState.event_handlers["poll_updates"].fn, state)
    assert redirect_path(result) == ("/404" if who == "client" else "/login?verlopen=1&next=/staff")
    assert state._poll_generation == 0 and state._poll_owner == 0  # the loop never started
    assert state.dirty_vars <= (set() if who == "client" else FRAME_VARS)
    assert not state.loaded and state.unread_rows == []


def run_loop(state, on_round, monkeypatch):
    """Run poll_updates without waiting; `on_round(n)` runs before round n (1, 2, ...)
    and returns whether the tab is still connected."""
    rounds = {"n": 0}

    async def connected(_token):
        rounds["n"] += 1
        assert rounds["n"] < 20, "the loop did not stop"
        return on_round(rounds["n"])

    monkeypatch.setattr(staff_overview, "POLL_SECONDS", 0)
    monkeypatch.setattr(staff_overview, "tab_connected", connected)
    # through the strict proxy; the result is the list of what the loop yielded
    return call(POLL, state), rounds["n"]


def test_loop_shows_news_sends_only_changes_and_stops_at_logout(db, world, live, monkeypatch):
    state = make_state(StaffOverviewState, live["handler"], "/staff")
    assert call(StaffOverviewState.event_handlers["load_overview"].fn, state) is None
    assert state.unread_total == 0 and state.loaded
    age_session(db, world.handler)  # the page load was the last activity, 5 minutes ago
    before = last_seen(db, world.handler)
    seen = {}

    def on_round(n):
        if n == 1:
            client_message(db, world, "Live vraag")
        elif n == 2:
            seen["after_news"] = (
                state.unread_total,
                [row.subject for row in state.unread_rows],
                set(state.dirty_vars),
            )
            state._clean()
        elif n == 3:
            seen["quiet_round"] = set(state.dirty_vars)  # round 2 found nothing new
            sessions.end_session(db, live["handler"])  # logged out in another tab
            db.commit()
        return True

    result, rounds = run_loop(state, on_round, monkeypatch)
    total, subjects, dirty = seen["after_news"]
    assert total == 1 and subjects == ["Live vraag"]
    assert {"unread_rows", "unread_total"} <= dirty and "failed_rows" not in dirty and "lang" not in dirty
    assert seen["quiet_round"] == set()
    assert rounds == 3 and redirect_path(result) == "/login?verlopen=1&next=/staff"
    assert state.unread_rows == [] and state.unread_total == 0 and not state.loaded and not state.signed_in
    assert state._poll_owner == 0
    assert last_seen(db, world.handler) == before  # polling kept nothing alive


def test_loop_stops_for_a_blocked_staff_member(db, world, live, monkeypatch):
    state = make_state(StaffOverviewState, live["handler"], "/staff")
    call(StaffOverviewState.event_handlers["load_overview"].fn, state)

    def on_round(n):
        if n == 2:
            handler = db.get(Account, world.handler.id)
            handler.blocked = True
            db.add(handler)
            db.commit()
        return True

    result, rounds = run_loop(state, on_round, monkeypatch)
    assert rounds == 2 and (redirect_path(result) or "").startswith("/login")
    assert state.unread_rows == [] and state.delivery_rows == [] and state.invite_rows == []


def test_loop_ends_when_the_tab_is_gone_or_shows_another_page(db, world, live, monkeypatch):
    state = make_state(StaffOverviewState, live["handler"], "/staff")
    result, rounds = run_loop(state, lambda n: False, monkeypatch)
    assert result == [] and rounds == staff_overview.POLL_MAX_MISSED and state._poll_owner == 0

    def leave(n):
        if n == 2:
            state.router = make_state(StaffOverviewState, live["handler"], "/staff/clienten").router
        return True

    result, rounds = run_loop(state, leave, monkeypatch)
    assert result == [] and rounds == 2 and state._poll_owner == 0


def test_a_newer_loop_takes_over(db, world, live, monkeypatch):
    state = make_state(StaffOverviewState, live["handler"], "/staff")

    def newer_visit(n):
        if n == 2:
            state._poll_generation += 1  # the page mounted again: a second loop took a new generation
            state._poll_owner = state._poll_generation
        return True

    result, rounds = run_loop(state, newer_visit, monkeypatch)
    assert result == [] and rounds == 2
    assert state._poll_owner == state._poll_generation  # the newer loop's ownership is left alone


def test_round_refuses_a_client_session_and_keeps_the_scope(db, world, live):
    state = make_state(StaffOverviewState, live["admin"], "/staff")
    call(StaffOverviewState.event_handlers["set_scope"].fn, state, "all")
    client_message(db, world, "Voor iedereen")
    state._poll_owner = 7
    assert asyncio.run(state._poll_round(7, 0)) is True
    assert state.scope == "all" and [row.subject for row in state.unread_rows] == ["Voor iedereen"]
    assert asyncio.run(state._poll_round(6, 0)) is False and state._poll_owner == 7  # an older loop just stops

    client_state = make_state(StaffOverviewState, live["client"], "/staff")
    client_state._poll_owner = 1
    # a round that finds no staff session sends the tab to the login page
    assert redirect_path(asyncio.run(client_state._poll_round(1, 0))) == "/login?verlopen=1&next=/staff"
    assert client_state.unread_rows == [] and client_state._poll_owner == 0
