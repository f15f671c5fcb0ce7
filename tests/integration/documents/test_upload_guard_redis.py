"""The upload guard with Reflex's Redis state manager (the PostgreSQL + Redis setup, several workers).

The guard compares the upload's session cookie with the cookie the tab's websocket was
connected with, read from the state manager (`documents.api.websocket_session_token`).
Here the tab's state lives in a real Redis on 127.0.0.1:6379, written by one
StateManagerRedis (the worker holding the websocket) and read by another (the worker
that gets the upload), so nothing comes from one process's memory.
"""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

import pytest
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

import portal_app.models  # noqa: F401  (every table and state class registered, as in the app)
from portal_app.accounts.services import sessions
from portal_app.documents import api
from tests.conftest import REDIS_TEST_URL, redis_available, require_service


@pytest.fixture
def redis_url():
    require_service(redis_available(), "Redis")
    return REDIS_TEST_URL


def _manager(url: str) -> StateManagerRedis:
    from redis.asyncio import Redis

    return StateManagerRedis(redis=Redis.from_url(url))


def _bind(manager: StateManagerRedis) -> None:
    api.bind_upload_app(SimpleNamespace(state_manager=manager, _state=State))


async def _open_tab(manager: StateManagerRedis, client_token: str, cookie_header: str) -> None:
    """What a websocket connect leaves in the state: the router data with the request's headers."""
    async with manager.modify_state(BaseStateToken(ident=client_token, cls=State)) as root:
        root.router_data = {"headers": {"cookie": cookie_header, "origin": "http://portaal.test:3000"}}


def test_tab_cookie_read_from_redis_by_another_worker(redis_url):
    tab, other_tab = f"tab-{uuid.uuid4()}", f"tab-{uuid.uuid4()}"
    token = "s" * 43

    async def scenario():
        websocket_worker, upload_worker = _manager(redis_url), _manager(redis_url)
        try:
            await _open_tab(websocket_worker, tab, f"theme=light; {sessions.COOKIE_NAME}={token}")
            await _open_tab(websocket_worker, other_tab, "theme=light")  # a tab that is not signed in
            _bind(upload_worker)
            return (
                await api.websocket_session_token(tab),
                await api.websocket_session_token(other_tab),
                await api.websocket_session_token(f"tab-{uuid.uuid4()}"),  # a token no tab has
            )
        finally:
            api.bind_upload_app(None)
            # only this test's keys: other tests may use the same Redis database
            for ident in (tab, other_tab):
                async for key in websocket_worker.redis.scan_iter(match=f"{ident}*"):
                    await websocket_worker.redis.delete(key)
            await websocket_worker.close()
            await upload_worker.close()

    own, not_signed_in, unknown = asyncio.run(scenario())
    assert own == token
    assert not_signed_in is None
    assert unknown is None
