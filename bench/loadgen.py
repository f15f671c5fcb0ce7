"""Websocket load generator that speaks Reflex's own protocol (bench/README.md).

Reflex 0.10.1's browser client (reflex_base/.templates/web/utils/state.js) talks
socket.io v4 over Engine.IO v4, websocket transport only:

    ws://HOST:PORT/_event/?EIO=4&transport=websocket&token=<client token>
        subprotocol: the Reflex version; the portal also needs its Origin and,
        for a signed-in client, the `Cookie: kp_session=...` of the handshake
    <- 0{"sid":...,"pingInterval":...}           Engine.IO OPEN
    -> 40/_event,{"event":{hydrate_and_load},"state_schema":...}
                                                 socket.io CONNECT; the browser
                                                 sends its hydrate event in it
    <- 40/_event,{"sid":...}                     CONNECT ack
    -> 42/_event,["event",{"name","payload","router_data"}]
    <- 42/_event,["event",{"delta":{state:{var:value}},"events":[...]}]
    <- 2  /  -> 3                                Engine.IO ping / pong

Reflex 0.10 no longer marks the last update of an event (`final` is deprecated
and never sent), and a handler that changes nothing sends nothing. So each
benchmarked event comes with a check that recognises *its* update: the delta
carries the vars the handler sets, with the expected values. The latency of an
event is the time from sending it until that update arrived. An update with a
`_redirect` frontend event (e.g. to /login) ends the event as an error.

Used as a library by bench/run_bench.py. Standalone:

    python bench/loadgen.py probe --url http://127.0.0.1:8000/health --max-seconds 300
        GET the URL 10 times a second until stdin closes (or max-seconds),
        then print {"latencies_ms": [...], "errors": n} as JSON.
    python bench/loadgen.py run --url ws://127.0.0.1:8000 --event NAME \
        --check STATE:VAR [--payload JSON] [--path /] [--clients 50] [--events 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import websockets

NAMESPACE = "/_event"
VAR_SUFFIX = "_rx_state_"
MISSING = object()


# --------------------------------------------------------------------------
# Reading deltas
# --------------------------------------------------------------------------


def get_var(delta: dict, state: str, var: str) -> Any:
    """The value of `var` of `state` in a delta (vars travel as name + "_rx_state_")."""
    values = delta.get(state) if isinstance(delta, dict) else None
    if not isinstance(values, dict):
        return MISSING
    for key in (var + VAR_SUFFIX, var):
        if key in values:
            return values[key]
    return MISSING


def redirect_of(update: dict) -> str | None:
    for event in update.get("events") or []:
        if isinstance(event, dict) and event.get("name") == "_redirect":
            return str((event.get("payload") or {}).get("path"))
    return None


def make_check(expect: list[tuple[str, str, Any]]) -> Callable[[dict], str | None]:
    """A check that accepts the update whose delta holds every (state, var, value);
    value MISSING means "present with any value". Returns "ok", "redirect:<path>",
    "error:<events>" or None (not the update we are waiting for)."""

    def check(update: dict) -> str | None:
        delta = update.get("delta") or {}
        matched = True
        for state, var, value in expect:
            got = get_var(delta, state, var)
            if got is MISSING or (value is not MISSING and got != value):
                matched = False
                break
        if matched:
            return "ok"
        path = redirect_of(update)
        if path is not None:
            return f"redirect:{path}"
        events = [e.get("name") for e in update.get("events") or [] if isinstance(e, dict)]
        if events:
            return "error:events " + ",".join(map(str, events))[:200]
        return None

    return check


def contains_translation_table(delta: Any) -> list[str]:
    """Where a delta holds a var named `tr` or a dict that looks like a translation
    table (at least 50 string values under dotted keys such as "title.login")."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            dotted = [k for k, v in value.items() if isinstance(k, str) and "." in k and isinstance(v, str)]
            if len(dotted) >= 50:
                found.append(f"{path} ({len(value)} entries)")
            for key, sub in value.items():
                name = str(key)
                if name in ("tr", "tr" + VAR_SUFFIX):
                    size = len(sub) if isinstance(sub, dict) else 0
                    found.append(f"{path}.{name} ({size} entries)")
                    continue
                if isinstance(sub, (dict, list)):
                    walk(sub, f"{path}.{name}" if path else name)
        elif isinstance(value, list):
            for item in value[:50]:
                walk(item, path + "[]")

    walk(delta, "")
    return sorted(set(found))


# --------------------------------------------------------------------------
# One simulated browser tab
# --------------------------------------------------------------------------


class ProtocolError(RuntimeError):
    pass


@dataclass
class Target:
    """Where and how to connect (shared by every client of a run)."""

    ws_base: str  # ws://127.0.0.1:PORT
    origin: str | None = None
    subprotocol: str | None = None
    root_state: str = "reflex___state____state"
    hydrate_event: str = "reflex___state____state.hydrate_and_load"
    state_schema: str | None = None
    initial_hashes: list[str] | None = None
    token_prefix: str = "bench"


def router_data(path: str) -> dict:
    """router_data as state.js fills it in (withRouterData)."""
    base, _, query = path.partition("?")
    data: dict = {"pathname": base, "asPath": path}
    if query:
        data["query"] = dict(part.partition("=")[::2] for part in query.split("&") if part)
    return data


class ReflexClient:
    """A browser tab: its own client token, one socket, closed-loop events."""

    def __init__(self, target: Target, *, cookie: str | None = None, path: str = "/"):
        self.target = target
        self.token = f"{target.token_prefix}-{uuid.uuid4()}"
        self.cookie = cookie
        self.path = path
        self.ws = None
        self._reader_task: asyncio.Task | None = None
        self._connected: asyncio.Future | None = None
        self._waiter: tuple[asyncio.Future, Callable[[dict], str | None]] | None = None
        self.updates_seen = 0
        self.state_mismatch = None
        self.closed_reason: str | None = None
        # (frame characters, update) of every update until hydrated (hydrate bytes)
        self.hydrate_updates: list[tuple[int, dict]] = []
        self._recording = False

    # ---- connection ----
    async def connect(self, *, first_hydrate: bool = True, timeout: float = 30.0) -> None:
        """Open the socket and hydrate like a browser opening `self.path`; returns when
        the root state reports is_hydrated (the page's on_load handlers have run)."""
        t = self.target
        url = f"{t.ws_base}{NAMESPACE}/?EIO=4&transport=websocket&token={quote(self.token)}"
        headers = {"Cookie": self.cookie} if self.cookie else None
        loop = asyncio.get_running_loop()
        self._connected = loop.create_future()
        self.ws = await asyncio.wait_for(
            websockets.connect(
                url,
                origin=t.origin,
                subprotocols=[t.subprotocol] if t.subprotocol else None,
                additional_headers=headers,
                compression=None,
                max_size=None,
                ping_interval=None,  # Engine.IO pings itself
                open_timeout=timeout,
                close_timeout=2,
                user_agent_header="kp-bench",
            ),
            timeout,
        )
        opening = await asyncio.wait_for(self.ws.recv(), timeout)
        if not isinstance(opening, str) or not opening.startswith("0"):
            raise ProtocolError(f"expected an Engine.IO OPEN packet, got {opening!r:.200}")
        hydrated = loop.create_future()
        root = t.root_state

        def is_hydrated(update: dict) -> str | None:
            if get_var(update.get("delta") or {}, root, "is_hydrated") is True:
                return "ok"
            path = redirect_of(update)
            return f"redirect:{path}" if path is not None else None

        self._waiter = (hydrated, is_hydrated)
        self._recording = True
        self._reader_task = asyncio.create_task(self._reader())
        payload: dict = {}
        if first_hydrate and t.initial_hashes:
            payload["hashes"] = t.initial_hashes
        boot = {"name": t.hydrate_event, "payload": payload, "router_data": router_data(self.path)}
        auth: dict = {"event": boot}
        if t.state_schema:
            auth["state_schema"] = t.state_schema
        await self.ws.send(f"40{NAMESPACE}," + json.dumps(auth, separators=(",", ":")))
        await asyncio.wait_for(self._connected, timeout)
        status, _ = await asyncio.wait_for(hydrated, timeout)
        self._recording = False
        if status != "ok":
            raise ProtocolError(f"hydrate of {self.path} ended with {status}")

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 3)
            except Exception:
                pass
        if self._reader_task is not None:
            self._reader_task.cancel()
            try:
                await self._reader_task
            except BaseException:
                pass

    async def _reader(self) -> None:
        prefix_event = f"42{NAMESPACE},"
        prefix_connect = f"40{NAMESPACE},"
        try:
            async for message in self.ws:
                if not isinstance(message, str) or not message:
                    continue
                if message == "2":
                    await self.ws.send("3")
                    continue
                if message.startswith(prefix_event):
                    body = message[len(prefix_event) :]
                    # an ack id (digits) may stand before the JSON array
                    body = body.lstrip("0123456789")
                    name, *args = json.loads(body)
                    if name == "event" and args:
                        self._on_update(args[0], len(message))
                    elif name == "new_token" and args:
                        self.token = args[0]
                    elif name == "state_mismatch":
                        self.state_mismatch = args[0] if args else True
                    continue
                if message.startswith(prefix_connect) or message == f"40{NAMESPACE}":
                    if self._connected is not None and not self._connected.done():
                        self._connected.set_result(True)
                    continue
                if message.startswith(f"44{NAMESPACE}"):
                    self._fail(ProtocolError(f"socket.io CONNECT refused: {message[:300]}"))
                    return
                if message.startswith(f"41{NAMESPACE}") or message == "1":
                    self._fail(ProtocolError("the server closed the socket.io connection"))
                    return
        except Exception as exc:
            self._fail(exc)
            return
        self._fail(ProtocolError("websocket closed"))

    def _fail(self, exc: BaseException) -> None:
        self.closed_reason = repr(exc)
        if self._connected is not None and not self._connected.done():
            self._connected.set_exception(exc)
        if self._waiter is not None and not self._waiter[0].done():
            self._waiter[0].set_result((f"error:{type(exc).__name__}", time.perf_counter()))

    def _on_update(self, update: dict, size: int) -> None:
        self.updates_seen += 1
        if self._recording:
            self.hydrate_updates.append((size, update))
        if self._waiter is None:
            return
        future, check = self._waiter
        if future.done():
            return
        status = check(update)
        if status is not None:
            future.set_result((status, time.perf_counter()))

    # ---- events ----
    async def call(
        self,
        name: str,
        payload: dict,
        check: Callable[[dict], str | None],
        *,
        path: str | None = None,
        timeout: float = 20.0,
    ) -> tuple[str, float]:
        """Send one event and wait for the update `check` accepts: (status, seconds)."""
        future = asyncio.get_running_loop().create_future()
        self._waiter = (future, check)
        frame = {"name": name, "payload": payload, "router_data": router_data(path or self.path)}
        started = time.perf_counter()
        await self.ws.send(f"42{NAMESPACE}," + json.dumps(["event", frame], separators=(",", ":")))
        try:
            status, ended = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return "timeout", time.perf_counter() - started
        finally:
            self._waiter = None
        return status, ended - started


# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------


@dataclass
class Scenario:
    """One benchmarked event. `event(client_index, k)` gives (name, payload, check)."""

    label: str
    path: str
    event: Callable[[int, int], tuple[str, dict, Callable[[dict], str | None]]]
    cookie: Callable[[int], str | None] = lambda i: None


@dataclass
class RunResult:
    clients: int
    events_per_client: int
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    connect_errors: dict[str, int] = field(default_factory=dict)
    connected: int = 0

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def events_per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s > 0 else 0.0

    def pct(self, p: float) -> float | None:
        return percentile(self.latencies_ms, p)

    def as_dict(self) -> dict:
        return {
            "clients": self.clients,
            "events_per_client": self.events_per_client,
            "connected": self.connected,
            "ok": self.ok,
            "wall_s": round(self.wall_s, 3),
            "events_per_s": round(self.events_per_s, 1),
            "p50_ms": _round(self.pct(50)),
            "p95_ms": _round(self.pct(95)),
            "p99_ms": _round(self.pct(99)),
            "errors": self.errors,
            "connect_errors": self.connect_errors,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _count(table: dict[str, int], key: str) -> None:
    key = key[:160]
    table[key] = table.get(key, 0) + 1


async def open_clients(
    target: Target,
    n: int,
    *,
    path: str,
    cookie: Callable[[int], str | None] = lambda i: None,
    parallel: int = 25,
    timeout: float = 60.0,
    deadline_s: float = 600.0,
) -> tuple[list[ReflexClient], dict[str, int]]:
    """Connect and hydrate n clients (at most `parallel` handshakes at once)."""
    clients: list[ReflexClient | None] = [None] * n
    errors: dict[str, int] = {}
    gate = asyncio.Semaphore(parallel)
    deadline = time.monotonic() + deadline_s

    async def one(i: int) -> None:
        async with gate:
            if time.monotonic() > deadline:
                _count(errors, "connect deadline passed")
                return
            client = ReflexClient(target, cookie=cookie(i), path=path)
            try:
                await client.connect(timeout=timeout)
            except Exception as exc:
                _count(errors, f"{type(exc).__name__}: {exc}")
                await client.close()
                return
            clients[i] = client

    await asyncio.gather(*(one(i) for i in range(n)))
    return [c for c in clients if c is not None], errors


async def close_clients(clients: list[ReflexClient], parallel: int = 100) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(client: ReflexClient) -> None:
        async with gate:
            await client.close()

    await asyncio.gather(*(one(c) for c in clients))


async def run_scenario(
    target: Target,
    scenario: Scenario,
    n_clients: int,
    n_events: int,
    *,
    event_timeout: float = 20.0,
    max_seconds: float = 600.0,
) -> RunResult:
    """n_clients tabs, each sending n_events events back to back (closed loop)."""
    result = RunResult(clients=n_clients, events_per_client=n_events)
    clients, result.connect_errors = await open_clients(target, n_clients, path=scenario.path, cookie=scenario.cookie)
    result.connected = len(clients)
    if not clients:
        return result
    deadline = time.monotonic() + max_seconds

    async def drive(index: int, client: ReflexClient) -> None:
        for k in range(n_events):
            if time.monotonic() > deadline:
                _count(result.errors, "bench time limit reached")
                return
            name, payload, check = scenario.event(index, k)
            try:
                status, seconds = await client.call(name, payload, check, timeout=event_timeout)
            except Exception as exc:
                status, seconds = f"error:{type(exc).__name__}: {exc}", 0.0
            if status == "ok":
                result.latencies_ms.append(seconds * 1000)
            else:
                _count(result.errors, status)
                if status.startswith("error:") and client.closed_reason:
                    return  # the socket is gone

    started = time.perf_counter()
    try:
        await asyncio.gather(*(drive(i, c) for i, c in enumerate(clients)))
    finally:
        result.wall_s = time.perf_counter() - started
        await close_clients(clients)
    return result


# --------------------------------------------------------------------------
# /health prober (run as its own process so the load's event loop does not skew it)
# --------------------------------------------------------------------------


async def probe(url: str, *, interval: float, max_seconds: float, timeout: float = 5.0) -> dict:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def wait_for_stdin() -> None:  # a line or EOF on stdin: stop
        sys.stdin.readline()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    deadline = time.monotonic() + max_seconds
    max_requests = int(max_seconds / interval) + 1
    async with httpx.AsyncClient(timeout=timeout) as client:
        with contextlib.suppress(Exception):  # first use (connection, lazy imports): not counted
            await client.get(url)
        for _ in range(max_requests):
            if stop.is_set() or time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                response = await client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code == 200:
                    latencies.append(elapsed)
                else:
                    _count(errors, f"HTTP {response.status_code}")
                    latencies.append(elapsed)
            except Exception as exc:
                _count(errors, type(exc).__name__)
                latencies.append((time.perf_counter() - started) * 1000)
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, interval - (time.perf_counter() - started)))
            except TimeoutError:
                pass
    return {"latencies_ms": [round(x, 3) for x in latencies], "errors": errors}


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe", help="GET a URL repeatedly until stdin closes")
    p.add_argument("--url", required=True)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--max-seconds", type=float, default=600)
    r = sub.add_parser("run", help="one closed-loop run against a Reflex backend")
    r.add_argument("--url", required=True, help="ws://127.0.0.1:PORT")
    r.add_argument("--event", required=True, help="full event name")
    r.add_argument("--check", required=True, action="append", help="STATE:VAR that the handler's delta must hold")
    r.add_argument("--payload", default="{}")
    r.add_argument("--path", default="/")
    r.add_argument("--cookie", default=None)
    r.add_argument("--origin", default=None)
    r.add_argument("--clients", type=int, default=1)
    r.add_argument("--events", type=int, default=20)
    args = parser.parse_args(argv)
    if args.command == "probe":
        print(json.dumps(asyncio.run(probe(args.url, interval=args.interval, max_seconds=args.max_seconds))))
        return 0
    expect = [(c.rpartition(":")[0], c.rpartition(":")[2], MISSING) for c in args.check]
    check = make_check(expect)
    payload = json.loads(args.payload)
    scenario = Scenario(
        label=args.event,
        path=args.path,
        event=lambda i, k: (args.event, payload, check),
        cookie=lambda i: args.cookie,
    )
    target = Target(ws_base=args.url, origin=args.origin)
    result = asyncio.run(run_scenario(target, scenario, args.clients, args.events))
    print(json.dumps(result.as_dict(), indent=1))
    return 0 if result.ok and not result.error_count else 1


if __name__ == "__main__":
    sys.exit(main())
