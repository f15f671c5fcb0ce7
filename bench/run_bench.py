"""`make bench`: the portal against a bare Reflex app, in one run, one table.

See bench/README.md. Steps:

1. the bare app (bench/bare_app, one worker, disk state) in production mode,
   backend only; `increment` at every concurrency level; 1,000 idle clients.
2. per mode (sqlite: SQLite, one worker; pg: PostgreSQL + Redis, GRANIAN_WORKERS=2):
   a throwaway DATA_DIR under /tmp (and a throwaway PostgreSQL database and
   Redis db), migrate + seed-demo, signed-in sessions for jansen@example.nl made
   directly in that database, the portal backend in production mode; then the
   hydrate bytes, the scenarios (search, dossier, message) at every level with
   a /health prober during the 200-client runs, and 1,000 idle clients.
3. one Markdown table (plus extra rows and the issue targets) printed and
   written to bench/results/<UTC time>.md and bench/results/latest.md.

Every server started here is stopped at the end, also on an error or Ctrl-C.

Environment (all optional):
  BENCH_QUICK=1               smaller counts (1x50, 50x5, 200x3; 200 idle clients)
  BENCH_MODES=sqlite,pg       which portal modes (default both)
  BENCH_SCENARIOS=search,dossier,message
  BENCH_LEVELS=1x500,50x40,200x20   clients x events per client (the default)
  BENCH_IDLE_CLIENTS=1000     0 skips the memory rows
  BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres   (admin connection)
  BENCH_REDIS_URL=redis://127.0.0.1:6379
  BENCH_EVENT_TIMEOUT=20      seconds per event before it counts as a timeout
  BENCH_MAX_MINUTES=30        the whole run stops measuring after this
  BENCH_KEEP_TMP=1            keep the /tmp folder (server logs, databases)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import big_office  # noqa: E402
import lighthouse  # noqa: E402
import loadgen as lg  # noqa: E402

PY = sys.executable
BARE_DIR = BENCH / "bare_app"
RESULTS = BENCH / "results"
SEARCH_VALUES = ["a", "e", "a", "o", "a", "n", "a", "ij"]
ALL_SCENARIOS = ("search", "dossier", "message")
SCENARIO_TITLES = {
    "search": "dossier search (DossierListState.set_search)",
    "dossier": "open dossier (DossierState.load_dossier)",
    "message": "mark message read (MessagesState.open_message)",
}
MODE_TITLES = {"sqlite": "SQLite, 1 worker", "pg": "PostgreSQL+Redis, 2 workers"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!!! {message}\n{bar}\n", flush=True)


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


@dataclass
class Options:
    quick: bool
    modes: list[str]
    scenarios: list[str]
    levels: list[tuple[int, int]]
    idle_clients: int
    postgres_url: str
    redis_url: str
    event_timeout: float
    deadline: float
    keep_tmp: bool

    @classmethod
    def from_env(cls) -> Options:
        env = os.environ
        quick = env.get("BENCH_QUICK", "").lower() in {"1", "true", "yes"}
        default_levels = "1x50,50x5,200x3" if quick else "1x500,50x40,200x20"
        levels = []
        for part in (env.get("BENCH_LEVELS") or default_levels).split(","):
            clients, _, events = part.strip().partition("x")
            levels.append((int(clients), int(events)))
        modes = []
        for name in (env.get("BENCH_MODES") or "sqlite,pg").split(","):
            name = name.strip().lower()
            name = {"postgres": "pg", "pg-redis": "pg", "postgresql": "pg", "redis": "pg"}.get(name, name)
            if name not in MODE_TITLES:
                raise SystemExit(f"BENCH_MODES: unknown mode {name!r} (sqlite, pg)")
            if name not in modes:
                modes.append(name)
        scenarios = [s.strip() for s in (env.get("BENCH_SCENARIOS") or ",".join(ALL_SCENARIOS)).split(",") if s.strip()]
        for s in scenarios:
            if s not in ALL_SCENARIOS:
                raise SystemExit(f"BENCH_SCENARIOS: unknown scenario {s!r} ({', '.join(ALL_SCENARIOS)})")
        return cls(
            quick=quick,
            modes=modes,
            scenarios=scenarios,
            levels=levels,
            idle_clients=int(env.get("BENCH_IDLE_CLIENTS") or (200 if quick else 1000)),
            postgres_url=env.get("BENCH_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres",
            redis_url=(env.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379").rstrip("/"),
            event_timeout=float(env.get("BENCH_EVENT_TIMEOUT") or 20),
            deadline=time.monotonic() + 60 * float(env.get("BENCH_MAX_MINUTES") or 30),
            keep_tmp=env.get("BENCH_KEEP_TMP", "").lower() in {"1", "true", "yes"},
        )

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------

_SERVERS: list[Server] = []
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict:
    env = dict(os.environ)
    for key in (
        "DATABASE_URL",
        "REDIS_URL",
        "SMTP_HOST",
        "PUBLIC_URL",
        "SECRET_KEY",
        "GRANIAN_WORKERS",
        "PORT",
        "DATA_DIR",
    ):
        env.pop(key, None)
    env.update(
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        PATH=f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{Path(PY).parent}:{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    workers: int = 1

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # workers left behind in the group (should be none)
        for pid in group_pids(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def rss_bytes(self) -> tuple[int, int]:
        """(sum of VmRSS of every process of the server, number of processes)."""
        total, count = 0, 0
        for pid in group_pids(self.process.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        count += 1
                        break
            except OSError:
                continue
        return total, count

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the ")" of the command: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        if len(fields) > 2 and int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def start_server(
    name: str,
    command: list[str],
    cwd: Path,
    env: dict,
    port: int,
    log_path: Path,
    *,
    ready_path: str,
    workers: int = 1,
    timeout: float = 240,
) -> Server:
    log(f"starting {name} on 127.0.0.1:{port} ({log_path})")
    handle = open(log_path, "ab")  # noqa: SIM115 - the server process writes it until it is stopped
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    handle.close()
    server = Server(name=name, port=port, process=process, log_path=log_path, workers=workers)
    _SERVERS.append(server)
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}{ready_path}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early (code {process.returncode}):\n{server.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except Exception:
            pass
        time.sleep(0.5)
    else:
        raise RuntimeError(f"{name} did not answer {ready_path} within {timeout:.0f}s:\n{server.tail()}")
    # every worker up (granian: one supervisor + the workers)
    for _ in range(60):
        if len(group_pids(process.pid)) >= workers + 1:
            break
        time.sleep(0.5)
    time.sleep(2.0 if workers > 1 else 0.5)
    log(f"{name} is up ({len(group_pids(process.pid))} processes)")
    return server


def stop_all_servers() -> None:
    while _SERVERS:
        server = _SERVERS.pop()
        try:
            server.stop()
            log(f"stopped {server.name}")
        except Exception as exc:
            log(f"could not stop {server.name}: {exc!r}")


def run_checked(command: list[str], *, cwd: Path, env: dict, timeout: float, what: str) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout


def app_info(args: list[str], *, cwd: Path, env: dict) -> dict:
    out = run_checked(
        [PY, str(BENCH / "app_info.py"), *args],
        cwd=cwd,
        env=env,
        timeout=180,
        what="bench/app_info.py " + " ".join(args),
    )
    for line in out.splitlines():
        if line.startswith("@@APP_INFO@@"):
            return json.loads(line[len("@@APP_INFO@@") :])
    raise RuntimeError(f"bench/app_info.py printed no result:\n{out[-2000:]}")


# --------------------------------------------------------------------------
# Throwaway PostgreSQL database and Redis db
# --------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_postgres(admin_url: str, run_id: str):
    import psycopg2

    name = f"kp_bench_{run_id}"
    admin = psycopg2.connect(admin_url, connect_timeout=5)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    log(f"created PostgreSQL database {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        try:
            cursor = admin.cursor()
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            log(f"dropped PostgreSQL database {name}")
        finally:
            admin.close()


@contextlib.contextmanager
def throwaway_redis_db(base_url: str, run_id: str):
    """An empty Redis db number; afterwards the keys of this run's client tokens
    (they all contain run_id) are deleted. The db is never flushed: another
    process may pick the same number meanwhile."""
    import redis

    chosen = None
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{base_url}/{number}", socket_connect_timeout=3)
        try:
            if client.dbsize() == 0:
                chosen = number
                break
        finally:
            client.close()
    if chosen is None:
        raise RuntimeError("no empty Redis db (1-15) for the benchmark")
    url = f"{base_url}/{chosen}"
    log(f"using Redis db {url}")
    try:
        yield url
    finally:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        try:
            removed = 0
            for key in client.scan_iter(match=f"*{run_id}*", count=1000):
                removed += client.delete(key)
            log(f"removed {removed} Redis keys of this run from db {chosen} ({client.dbsize()} left)")
        finally:
            client.close()


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------


@dataclass
class Results:
    meta: dict = field(default_factory=dict)
    bare: dict = field(default_factory=dict)  # "CxE" -> RunResult dict
    portal: dict = field(default_factory=dict)  # mode -> scenario -> "CxE" -> RunResult dict | {"skipped": why}
    health: dict = field(default_factory=dict)  # mode -> {"latencies_ms": [...], "errors": {...}}
    hydrate: dict = field(default_factory=dict)  # mode -> {...}
    memory: dict = field(default_factory=dict)  # "bare"/mode -> {...}
    server_log: dict = field(default_factory=dict)  # "bare"/mode -> {"warnings": {...}, "tracebacks": n}
    lighthouse: dict = field(default_factory=dict)  # "bare"/page key -> summary (bench/lighthouse.py)
    office: dict = field(default_factory=dict)  # demo/big -> scenario -> level (bench/big_office.py)
    problems: list = field(default_factory=list)


def level_key(clients: int, events: int) -> str:
    return f"{clients}x{events}"


def target_for(port: int, info: dict, *, origin: str | None, run_id: str) -> lg.Target:
    return lg.Target(
        ws_base=f"ws://127.0.0.1:{port}",
        origin=origin,
        subprotocol=reflex_version(),
        root_state=info["root_state"],
        hydrate_event=info["hydrate_event"],
        state_schema=info.get("state_schema"),
        initial_hashes=info.get("initial_hashes"),
        token_prefix=f"bench{run_id}",
    )


def reflex_version() -> str:
    from importlib import metadata

    return metadata.version("reflex")


def run_level(
    target: lg.Target, scenario: lg.Scenario, clients: int, events: int, opts: Options, *, probe_url: str | None = None
) -> tuple[lg.RunResult, dict | None]:
    budget = min(600.0, max(30.0, opts.seconds_left()))
    prober = None
    if probe_url:
        prober = subprocess.Popen(
            [PY, str(BENCH / "loadgen.py"), "probe", "--url", probe_url, "--max-seconds", str(int(budget) + 120)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_die_with_parent,
        )
    try:
        result = asyncio.run(
            lg.run_scenario(target, scenario, clients, events, event_timeout=opts.event_timeout, max_seconds=budget)
        )
    finally:
        probe = None
        if prober is not None:
            try:
                out, err = prober.communicate(input="stop\n", timeout=30)
                probe = (
                    json.loads(out)
                    if out.strip()
                    else {"latencies_ms": [], "errors": {"prober failed": 1}, "stderr": err[-500:]}
                )
            except Exception as exc:
                prober.kill()
                probe = {"latencies_ms": [], "errors": {f"prober: {exc!r}": 1}}
    p50, p95 = result.pct(50), result.pct(95)
    errors = f", errors {result.errors}" if result.errors else ""
    cerr = f", connect errors {result.connect_errors}" if result.connect_errors else ""
    log(
        f"  {scenario.label} {clients}x{events}: {result.ok} ok in {result.wall_s:.2f}s = {result.events_per_s:.1f}/s, "
        f"p50 {_ms(p50)} p95 {_ms(p95)} ms{errors}{cerr}"
    )
    if probe is not None:
        log(
            f"  /health during the run: {len(probe['latencies_ms'])} GETs, p95 {_ms(lg.percentile(probe['latencies_ms'], 95))} ms"
        )
    return result, probe


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def idle_memory(server: Server, target: lg.Target, path: str, n: int) -> dict:
    """RSS of the server's processes before and with n connected, hydrated, idle clients
    (on a fresh server, after 10 clients came and went so the first-use costs are in
    the baseline)."""

    async def warm_up():
        clients, _ = await lg.open_clients(target, 10, path=path, parallel=10, timeout=60, deadline_s=120)
        await lg.close_clients(clients)

    asyncio.run(warm_up())
    time.sleep(2.0)
    before, processes = server.rss_bytes()

    async def go():
        clients, errors = await lg.open_clients(target, n, path=path, parallel=50, timeout=60, deadline_s=300)
        try:
            await asyncio.sleep(3.0)  # let the server settle (state written, buffers freed)
            with_clients, _ = server.rss_bytes()
        finally:
            await lg.close_clients(clients)
        return len(clients), errors, with_clients

    connected, errors, during = asyncio.run(go())
    result = {
        "clients": n,
        "connected": connected,
        "errors": errors,
        "path": path,
        "rss_before_mb": round(before / 2**20, 1),
        "rss_idle_clients_mb": round(during / 2**20, 1),
        "per_client_kb": round((during - before) / 1024 / max(1, connected), 1),
        "processes": processes,
    }
    log(
        f"  memory: {result['rss_before_mb']} MB before, {result['rss_idle_clients_mb']} MB with {connected} idle clients ({processes} processes)"
    )
    return result


def scan_server_log(path: Path) -> dict:
    """Warnings (by kind) and tracebacks the server printed during the runs."""
    import re

    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {"warnings": {}, "tracebacks": 0}
    kinds = {
        "state lock held too long (Reflex: use background events)": r"Warning: Lock for token",
        "lock expired while processing": r"Lock expired for token",
        "delta to a disconnected client": r"Warning: Attempting to send delta to disconnected client",
    }
    warnings: dict[str, int] = {}
    for name, pattern in kinds.items():
        count = len(re.findall(pattern, text))
        if count:
            warnings[name] = count
    known = "|".join(kinds.values())
    for line in text.splitlines():
        if line.startswith("Warning:") and not re.match(known, line):
            key = re.sub(r"bench[0-9a-f]+\S*", "<token>", line)[:80]
            warnings[key] = warnings.get(key, 0) + 1
    return {"warnings": warnings, "tracebacks": text.count("Traceback (most recent call last)")}


def bare_scenario(info: dict) -> lg.Scenario:
    handler = info["handlers"]["increment"]
    state, name = handler["state"], handler["name"]

    def event(i: int, k: int):
        return name, {}, lg.make_check([(state, "count", k + 1)])

    return lg.Scenario(label="bare increment", path="/", event=event)


def portal_scenarios(info: dict, opts: Options) -> dict[str, lg.Scenario | str]:
    """Scenario objects, or the reason a scenario cannot run."""
    tokens = info["session_tokens"]
    cookie_name = info["cookie_name"]

    def cookie(i: int) -> str:
        return f"{cookie_name}={tokens[i % len(tokens)]}"

    found: dict[str, lg.Scenario | str] = {}
    dossier_id = info.get("dossier_id")
    message_ids = info.get("message_ids") or []
    for key in opts.scenarios:
        handler = info["handlers"].get(key) or {}
        if not handler.get("name"):
            found[key] = f"event handler missing: {handler.get('error') or 'unknown'}"
            continue
        name, state = handler["name"], handler["state"]
        if key == "search":

            def event(i, k, name=name, state=state):
                value = SEARCH_VALUES[(i + k) % len(SEARCH_VALUES)]
                return name, {"value": value}, lg.make_check([(state, "search", value), (state, "rows", lg.MISSING)])

            found[key] = lg.Scenario(label="search", path="/dossiers", event=event, cookie=cookie)
        elif key == "dossier":
            if dossier_id is None:
                found[key] = "jansen@example.nl has no dossier in the bench database"
                continue

            def event(i, k, name=name, state=state):
                return name, {}, lg.make_check([(state, "found", True), (state, "dossier_id", dossier_id)])

            found[key] = lg.Scenario(label="dossier", path=f"/dossiers/{dossier_id}", event=event, cookie=cookie)
        elif key == "message":
            if dossier_id is None or not message_ids:
                found[key] = "no message in jansen's dossiers"
                continue

            def event(i, k, name=name, state=state):
                if len(message_ids) > 1:  # two messages in turn: every event opens (and marks read) one
                    wanted = expected = message_ids[k % 2]
                else:  # one message: open, close, open, ...
                    wanted = message_ids[0]
                    expected = wanted if k % 2 == 0 else 0
                return name, {"message_id": str(wanted)}, lg.make_check([(state, "open_message_id", expected)])

            found[key] = lg.Scenario(label="message", path=f"/dossiers/{dossier_id}", event=event, cookie=cookie)
    return found


def measure_hydrate(target: lg.Target, cookie: str) -> dict:
    """Bytes of the hydrate snapshot for a signed-in client on /dossiers: as a browser's
    first connect sends it (with the compiled initial-state hashes: only what differs
    from the defaults comes back) and as every reconnect does (the full state)."""

    async def one(first: bool) -> dict:
        client = lg.ReflexClient(target, cookie=cookie, path="/dossiers")
        try:
            await client.connect(first_hydrate=first, timeout=30)
        finally:
            await client.close()
        updates = client.hydrate_updates
        snapshot_size, snapshot = updates[0] if updates else (0, {})
        delta_bytes = len(json.dumps(snapshot.get("delta") or {}, separators=(",", ":")).encode())
        return {
            "snapshot_frame_chars": snapshot_size,
            "snapshot_delta_bytes": delta_bytes,
            "until_hydrated_bytes": sum(size for size, _ in updates),
            "updates": len(updates),
            "translation_tables": lg.contains_translation_table(snapshot.get("delta") or {}),
            "largest_vars": _largest_vars(snapshot.get("delta") or {}),
        }

    first = asyncio.run(one(True))
    full = asyncio.run(one(False))
    return {"first_connect": first, "reconnect": full}


def _largest_vars(delta: dict, n: int = 3) -> list[str]:
    sizes = []
    for state, values in delta.items():
        if isinstance(values, dict):
            for var, value in values.items():
                short_state = state.rsplit(".", 1)[-1].split("____")[-1]
                sizes.append(
                    (
                        len(json.dumps(value, separators=(",", ":")).encode()),
                        f"{short_state}.{var.removesuffix(lg.VAR_SUFFIX)}",
                    )
                )
    return [f"{name} {size / 1024:.1f} KB" for size, name in sorted(sizes, reverse=True)[:n]]


# --------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------


def _stop(server: Server) -> None:
    server.stop()
    if server in _SERVERS:
        _SERVERS.remove(server)


@contextlib.contextmanager
def serving(start):
    """A fresh server from start() for the duration of the block, stopped afterwards."""
    server = start()
    try:
        yield server
    finally:
        _stop(server)


def run_bare(opts: Options, tmp: Path, results: Results, run_id: str) -> None:
    data = tmp / "bare"
    data.mkdir()
    env = base_env()
    env.update(REFLEX_STATES_WORKDIR=str(data / "states"), REFLEX_WEB_WORKDIR=str(data / "web"))
    info = app_info(["bare"], cwd=BARE_DIR, env=env)
    results.meta["bare_state_manager"] = os.environ.get("BENCH_BARE_STATE_MANAGER", "memory")
    scenario = bare_scenario(info)

    def start() -> Server:
        port = free_port()
        return start_server(
            "bare app",
            [
                str(Path(PY).parent / "reflex"),
                "run",
                "--env",
                "prod",
                "--backend-only",
                "--backend-port",
                str(port),
                "--backend-host",
                "127.0.0.1",
            ],
            BARE_DIR,
            env,
            port,
            data / "server.log",
            ready_path="/ping",
        )

    log("bare app: increment")
    for clients, events in opts.levels:
        if opts.seconds_left() <= 0:
            results.problems.append("BENCH_MAX_MINUTES reached: bare runs cut short")
            break
        with serving(start) as server:  # a fresh server per level: nothing left over from the last one
            target = target_for(server.port, info, origin=None, run_id=run_id)
            run_level(target, scenario, 5, 5, opts)  # warm-up, not recorded
            result, _ = run_level(target, scenario, clients, events, opts)
            results.bare[level_key(clients, events)] = result.as_dict()
    if opts.idle_clients and opts.seconds_left() > 0:
        with serving(start) as server:
            target = target_for(server.port, info, origin=None, run_id=run_id)
            results.memory["bare"] = idle_memory(server, target, "/", opts.idle_clients)
    results.server_log["bare"] = scan_server_log(data / "server.log")


def portal_env(port: int, data: Path, extra: dict) -> dict:
    env = base_env()
    env.update(
        PORTAL_ENV="production",
        PORT=str(port),
        DATA_DIR=str(data),
        PUBLIC_URL=f"http://localhost:{port}",
        BCRYPT_ROUNDS="4",
        REFLEX_STATES_WORKDIR=str(data / "states"),
        REFLEX_WEB_WORKDIR=str(data / "web"),
    )
    env.update(extra)
    return env


def run_portal_mode(mode: str, opts: Options, tmp: Path, results: Results, run_id: str) -> None:
    with contextlib.ExitStack() as stack:
        extra: dict = {}
        workers = 1
        if mode == "pg":
            extra["DATABASE_URL"] = stack.enter_context(throwaway_postgres(opts.postgres_url, run_id))
            extra["REDIS_URL"] = stack.enter_context(throwaway_redis_db(opts.redis_url, run_id))
            extra["GRANIAN_WORKERS"] = "2"
            workers = 2
        data = tmp / f"portal-{mode}"
        data.mkdir()
        setup_env = portal_env(free_port(), data, extra)
        log(f"portal ({MODE_TITLES[mode]}): migrate + seed-demo in {data}")
        run_checked(
            [PY, "-m", "portal_app.cli", "migrate"], cwd=ROOT, env=setup_env, timeout=300, what="portal_app.cli migrate"
        )
        run_checked(
            [PY, "-m", "portal_app.cli", "seed-demo", "--if-empty"],
            cwd=ROOT,
            env=setup_env,
            timeout=300,
            what="portal_app.cli seed-demo",
        )
        max_clients = max(c for c, _ in opts.levels)
        info = app_info(["portal", "--sessions", str(max_clients + 10)], cwd=ROOT, env=setup_env)
        results.meta.setdefault("portal_info", {})[mode] = {k: v for k, v in info.items() if k != "session_tokens"}

        def start() -> Server:
            # PORT / PUBLIC_URL follow the port (the websocket accepts PUBLIC_URL's origin only)
            port = free_port()
            return start_server(
                f"portal ({mode})",
                [PY, str(BENCH / "serve_backend.py"), str(port), "127.0.0.1"],
                ROOT,
                portal_env(port, data, extra),
                port,
                data / "server.log",
                ready_path="/health",
                workers=workers,
            )

        def target_of(server: Server, prefix: str = "") -> lg.Target:
            return target_for(server.port, info, origin=f"http://localhost:{server.port}", run_id=run_id + prefix)

        cookie = f"{info['cookie_name']}={info['session_tokens'][-1]}"
        with serving(start) as server:
            try:
                results.hydrate[mode] = measure_hydrate(target_of(server), cookie)
                h = results.hydrate[mode]
                log(
                    f"  hydrate on /dossiers: first connect {h['first_connect']['snapshot_delta_bytes']} B, "
                    f"reconnect {h['reconnect']['snapshot_delta_bytes']} B, translation tables: {h['reconnect']['translation_tables']}"
                )
            except Exception as exc:
                results.hydrate[mode] = {"error": f"{type(exc).__name__}: {exc}"}
                loud(f"hydrate measurement failed in mode {mode}: {exc}")

        scenarios = portal_scenarios(info, opts)
        mode_results = results.portal.setdefault(mode, {})
        health = results.health.setdefault(mode, {"latencies_ms": [], "errors": {}, "runs": []})
        for key in opts.scenarios:
            scenario = scenarios[key]
            if isinstance(scenario, str):
                mode_results[key] = {"skipped": scenario}
                loud(f"scenario {key} ({mode}) cannot run: {scenario}")
                continue
            log(f"portal {mode}: {SCENARIO_TITLES[key]}")
            for clients, events in opts.levels:
                if opts.seconds_left() <= 0:
                    results.problems.append(f"BENCH_MAX_MINUTES reached: {mode}/{key} cut short")
                    break
                # a fresh server per level: no poll loops or state left over from the last run
                with serving(start) as server:
                    target = target_of(server)
                    warm, _ = run_level(target, scenario, 5, 5, opts)  # warm-up, not recorded
                    if not warm.ok:
                        mode_results[key] = {
                            "skipped": f"BROKEN: the warm-up got no valid response: errors {warm.errors} connect errors {warm.connect_errors}"
                        }
                        loud(f"scenario {key} ({mode}) is {mode_results[key]['skipped']}")
                        break
                    probe_url = f"http://127.0.0.1:{server.port}/health" if clients >= 200 else None
                    result, probe = run_level(target, scenario, clients, events, opts, probe_url=probe_url)
                mode_results.setdefault(key, {})[level_key(clients, events)] = result.as_dict()
                if probe is not None:
                    health["latencies_ms"].extend(probe["latencies_ms"])
                    for name, count in probe["errors"].items():
                        health["errors"][name] = health["errors"].get(name, 0) + count
                    health["runs"].append(f"{key} {clients}x{events}")
                if redirect_share(result) > 0 or any("redirect" in k for k in result.connect_errors):
                    loud(
                        f"scenario {key} ({mode}, {clients} clients) is BROKEN: responses were redirects: {result.errors} {result.connect_errors}"
                    )
        if opts.idle_clients and opts.seconds_left() > 0:
            with serving(start) as server:
                try:
                    results.memory[mode] = idle_memory(server, target_of(server, "idle"), "/login", opts.idle_clients)
                except Exception as exc:
                    results.memory[mode] = {"error": repr(exc)}
        results.server_log[mode] = scan_server_log(data / "server.log")


def redirect_share(result_or_dict) -> float:
    errors = result_or_dict.errors if hasattr(result_or_dict, "errors") else result_or_dict.get("errors", {})
    total = (result_or_dict.ok if hasattr(result_or_dict, "ok") else result_or_dict.get("ok", 0)) + sum(errors.values())
    redirects = sum(v for k, v in errors.items() if k.startswith("redirect:"))
    return redirects / total if total else 0.0


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def ratio(a, b) -> float | None:
    if a is None or b in (None, 0):
        return None
    return a / b


def portal_cell_state(run: dict) -> str | None:
    """None when the run is usable, else why not (shown instead of numbers)."""
    if not run:
        return "not run"
    if "skipped" in run:
        return "SKIPPED"
    if redirect_share(run) > 0 or any("redirect" in k for k in run.get("connect_errors", {})):
        return "BROKEN (redirect)"
    if not run.get("ok"):
        return "BROKEN (no valid response)"
    return None


def report(results: Results, opts: Options) -> str:
    lines: list[str] = []
    meta = results.meta
    lines.append(f"# Portal vs bare Reflex benchmark — {meta['started']}")
    lines.append("")
    lines.append(
        f"Reflex {meta['reflex']}, Python {meta['python']}, {meta['cores']} cores; commit {meta['commit']}{' (work tree has changes)' if meta.get('dirty') else ''}; "
        f"{'QUICK' if opts.quick else 'full'} run, levels {', '.join(f'{c} clients × {e} events' for c, e in opts.levels)}. "
        f"Both backends: `reflex run --env prod --backend-only`, closed loop (each client sends its next event when the previous one's update arrived). "
        f"Bare app: one worker, {meta.get('bare_state_manager', 'disk')} state manager. Latencies in ms."
    )
    lines.append("")
    header = "| scenario | mode | clients × events | bare ev/s | portal ev/s | ratio | bare p50/p95/p99 | portal p50/p95/p99 | p95 ratio | portal errors |"
    lines.append(header)
    lines.append("|" + "|".join(["---"] * (header.count("|") - 1)) + "|")
    for key in opts.scenarios:
        for mode in opts.modes:
            runs = results.portal.get(mode, {}).get(key, {})
            for clients, events in opts.levels:
                lk = level_key(clients, events)
                bare = results.bare.get(lk, {})
                if "skipped" in runs:
                    why = runs["skipped"]
                    cell = (
                        f"**BROKEN**: {why.removeprefix('BROKEN: ')[:160]}"
                        if why.startswith("BROKEN")
                        else f"SKIPPED: {why[:160]}"
                    )
                    lines.append(
                        f"| {key} | {mode} | {clients} × {events} | {fmt(bare.get('events_per_s'))} | {cell} | | | | | | |"
                    )
                    continue
                run = runs.get(lk, {})
                state = portal_cell_state(run)
                bare_lat = f"{fmt(bare.get('p50_ms'), 2)} / {fmt(bare.get('p95_ms'), 2)} / {fmt(bare.get('p99_ms'), 2)}"
                errors = (
                    ", ".join(
                        f"{v}× {k}" for k, v in {**run.get("errors", {}), **run.get("connect_errors", {})}.items()
                    )
                    or "0"
                )
                if state:
                    lines.append(
                        f"| {key} | {mode} | {clients} × {events} | {fmt(bare.get('events_per_s'))} | **{state}** | - | {bare_lat} | - | - | {errors} |"
                    )
                    continue
                portal_lat = f"{fmt(run.get('p50_ms'), 2)} / {fmt(run.get('p95_ms'), 2)} / {fmt(run.get('p99_ms'), 2)}"
                lines.append(
                    f"| {key} | {mode} | {clients} × {events} | {fmt(bare.get('events_per_s'))} | {fmt(run.get('events_per_s'))} | "
                    f"{fmt(ratio(run.get('events_per_s'), bare.get('events_per_s')), 2)} | {bare_lat} | {portal_lat} | "
                    f"{fmt(ratio(run.get('p95_ms'), bare.get('p95_ms')), 2)} | {errors} |"
                )
    lines.append("")
    lines.append(
        "Scenarios: "
        + "; ".join(f"**{k}** = {SCENARIO_TITLES[k]}" for k in opts.scenarios)
        + ". Modes: "
        + "; ".join(f"**{m}** = {MODE_TITLES[m]}" for m in opts.modes)
        + "."
    )
    lines.append("")

    # extra rows
    lines.append("| extra measurement | mode | value | notes |")
    lines.append("|---|---|---|---|")
    for mode in opts.modes:
        health = results.health.get(mode) or {}
        values = health.get("latencies_ms") or []
        if values:
            lines.append(
                f"| GET /health p95 while 200 clients send events | {mode} | {fmt(lg.percentile(values, 95), 1)} ms | "
                f"p50 {fmt(lg.percentile(values, 50), 1)} ms, max {fmt(max(values), 1)} ms, {len(values)} GETs (10/s) during {', '.join(health.get('runs', []))}; errors {health.get('errors') or 0} |"
            )
    for mode in opts.modes:
        h = results.hydrate.get(mode)
        if not h:
            continue
        if "error" in h:
            lines.append(f"| hydrate bytes, signed-in client on /dossiers | {mode} | failed | {h['error'][:200]} |")
            continue
        first, full = h["first_connect"], h["reconnect"]
        lines.append(
            f"| hydrate bytes, signed-in client on /dossiers, first connect | {mode} | {first['snapshot_delta_bytes'] / 1024:.1f} KB | "
            f"browser's first connect sends the compiled initial-state hashes, so only vars that differ from the defaults come back; "
            f"translation table: {', '.join(first['translation_tables']) or 'none'}; largest: {', '.join(first['largest_vars'])} |"
        )
        lines.append(
            f"| hydrate bytes, signed-in client on /dossiers, reconnect (full state) | {mode} | {full['snapshot_delta_bytes'] / 1024:.1f} KB | "
            f"every reconnect (and `hydrate`) sends the whole state tree; translation table: {', '.join(full['translation_tables']) or 'none'}; "
            f"largest: {', '.join(full['largest_vars'])}; until hydrated incl. on_load: {full['until_hydrated_bytes'] / 1024:.1f} KB |"
        )
    for name in ["bare", *opts.modes]:
        m = results.memory.get(name)
        if not m:
            continue
        if "error" in m:
            lines.append(f"| backend RSS with idle clients | {name} | failed | {m['error'][:200]} |")
            continue
        who = "anonymous clients on /login" if name != "bare" else "clients on /"
        lines.append(
            f"| backend RSS with {m['connected']} idle clients | {name} | {m['rss_idle_clients_mb']:.0f} MB | "
            f"{m['rss_before_mb']:.0f} MB before, +{m['per_client_kb']:.0f} KB per client; sum of VmRSS of all {m['processes']} server processes; "
            f"{who}, connected and hydrated, not sending{'; connect errors ' + str(m['errors']) if m['errors'] else ''} |"
        )
    for name in ["bare", *opts.modes]:
        scan = results.server_log.get(name)
        if not scan:
            continue
        warned = "; ".join(
            f"{count}× {kind}" for kind, count in sorted(scan["warnings"].items(), key=lambda kv: -kv[1])[:4]
        )
        lines.append(
            f"| server log during the runs | {name} | {sum(scan['warnings'].values())} warnings, {scan['tracebacks']} tracebacks | {warned or 'none'} |"
        )
    lines.append("")

    if results.lighthouse:
        lines.append("## First paint (Lighthouse)")
        lines.append("")
        lines.extend(lighthouse.report_lines(results.lighthouse))
    if results.office:
        lines.append("## Big office (generated) against the demo data")
        lines.append("")
        lines.extend(big_office.report_lines(results.office))

    # targets
    lines.append("## Issue targets")
    lines.append("")
    for line in targets(results, opts) + lighthouse.targets(results.lighthouse) + big_office.targets(results.office):
        lines.append(f"- {line}")
    if results.problems:
        lines.append("")
        lines.append("## Problems")
        lines.append("")
        lines.extend(f"- {p}" for p in results.problems)
    lines.append("")
    return "\n".join(lines)


def _level(opts: Options, clients: int) -> str | None:
    for c, e in opts.levels:
        if c == clients:
            return level_key(c, e)
    return None


def targets(results: Results, opts: Options) -> list[str]:
    out: list[str] = []

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("PASS" if ok else "FAIL")

    def portal_run(mode, key, lk):
        run = results.portal.get(mode, {}).get(key, {})
        if "skipped" in run or lk is None:
            return None, run.get("skipped", "not run") if isinstance(run, dict) else "not run"
        run = run.get(lk, {})
        state = portal_cell_state(run)
        return (None, state) if state else (run, None)

    l50, l200, l1 = _level(opts, 50), _level(opts, 200), _level(opts, 1)
    for key in opts.scenarios:
        for mode in opts.modes:
            tag = f"{key}/{mode}"
            run, why = portal_run(mode, key, l50)
            bare = results.bare.get(l50 or "", {})
            if run:
                r = ratio(run["events_per_s"], bare.get("events_per_s"))
                out.append(
                    f"{verdict(r is not None and r >= 0.5)} 50 clients events/s ≥ 50% of bare [{tag}]: {fmt(run['events_per_s'])} vs {fmt(bare.get('events_per_s'))} = {fmt(r and r * 100, 0)}%"
                )
            else:
                out.append(f"FAIL 50 clients events/s ≥ 50% of bare [{tag}]: {why}")
            run, why = portal_run(mode, key, l200)
            bare = results.bare.get(l200 or "", {})
            if run:
                r = ratio(run["p95_ms"], bare.get("p95_ms"))
                out.append(
                    f"{verdict(r is not None and r <= 2.0)} 200 clients p95 ≤ 2× bare p95 [{tag}]: {fmt(run['p95_ms'], 2)} vs {fmt(bare.get('p95_ms'), 2)} ms = {fmt(r, 2)}×"
                )
            else:
                out.append(f"FAIL 200 clients p95 ≤ 2× bare p95 [{tag}]: {why}")
            run, why = portal_run(mode, key, l1)
            if run:
                out.append(
                    f"{verdict(run['p50_ms'] is not None and run['p50_ms'] <= 3.0)} 1 client p50 ≤ 3 ms [{tag}]: {fmt(run['p50_ms'], 2)} ms"
                )
            else:
                out.append(f"FAIL 1 client p50 ≤ 3 ms [{tag}]: {why}")
    for mode in opts.modes:
        values = (results.health.get(mode) or {}).get("latencies_ms") or []
        p95 = lg.percentile(values, 95)
        out.append(
            f"{verdict(None if p95 is None else p95 < 100)} /health p95 < 100 ms under 200 clients [{mode}]: {fmt(p95, 1)} ms"
        )
    for mode in opts.modes:
        h = results.hydrate.get(mode) or {}
        if "first_connect" not in h:
            out.append(f"FAIL hydrate ≤ 20 KB and no translation table [{mode}]: {h.get('error', 'not measured')}")
            continue
        for which, label in (("first_connect", "first connect"), ("reconnect", "reconnect/full")):
            m = h[which]
            ok = m["snapshot_delta_bytes"] <= 20 * 1024 and not m["translation_tables"]
            out.append(
                f"{verdict(ok)} hydrate ≤ 20 KB and no translation table [{mode}, {label}]: {m['snapshot_delta_bytes'] / 1024:.1f} KB, "
                f"translation table {'yes: ' + ', '.join(m['translation_tables']) if m['translation_tables'] else 'no'}"
            )
    if "pg" in opts.modes and "sqlite" in opts.modes:
        for key in opts.scenarios:
            for lk in filter(None, (l50, l200)):
                pg, why_pg = portal_run("pg", key, lk)
                lite, why_lite = portal_run("sqlite", key, lk)
                if pg and lite:
                    r = ratio(pg["events_per_s"], lite["events_per_s"])
                    out.append(
                        f"{verdict(r is not None and r >= 1.0)} PG+Redis 2 workers events/s ≥ 1.0× SQLite 1 worker [{key}, {lk}]: {fmt(pg['events_per_s'])} vs {fmt(lite['events_per_s'])} = {fmt(r, 2)}×"
                    )
                else:
                    out.append(
                        f"FAIL PG+Redis 2 workers events/s ≥ 1.0× SQLite 1 worker [{key}, {lk}]: {why_pg or why_lite}"
                    )
    else:
        out.append("n/a PG+Redis 2 workers events/s ≥ 1.0× SQLite 1 worker: needs BENCH_MODES=sqlite,pg")
    return out


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    opts = Options.from_env()
    if lighthouse.only() or big_office.only():  # one step alone: no event runs against the bare app
        opts.modes, opts.scenarios, opts.idle_clients = [], [], 0
    signal.signal(signal.SIGTERM, _terminate)
    started = datetime.now(UTC)
    run_id = uuid.uuid4().hex[:10]
    results = Results()
    results.meta.update(
        started=started.strftime("%Y-%m-%d %H:%M:%S UTC"),
        reflex=reflex_version(),
        python=sys.version.split()[0],
        cores=os.cpu_count(),
        commit=_git("rev-parse", "--short", "HEAD") or "?",
        dirty=bool(_git("status", "--porcelain", "--untracked-files=no")),
        quick=opts.quick,
        levels=opts.levels,
        modes=opts.modes,
    )
    tmp = Path(tempfile.mkdtemp(prefix=f"kp-bench-{run_id}-", dir="/tmp"))
    log(f"run {run_id}: temporary folder {tmp}; modes {opts.modes}; scenarios {opts.scenarios}; levels {opts.levels}")
    interrupted = False
    try:
        if lighthouse.enabled() and not big_office.only():
            try:
                lighthouse.run(sys.modules[__name__], opts, tmp, results)
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                results.problems.append(f"lighthouse: {type(exc).__name__}: {str(exc)[:1500]}")
                loud(f"lighthouse failed: {exc}")
                traceback.print_exc()
        try:
            if opts.scenarios:  # BENCH_LIGHTHOUSE=only: no event runs
                run_bare(opts, tmp, results, run_id)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            results.problems.append(f"bare app: {type(exc).__name__}: {str(exc)[:1500]}")
            loud(f"bare app failed: {exc}")
            traceback.print_exc()
        for mode in opts.modes:
            if opts.seconds_left() <= 0:
                results.problems.append(f"BENCH_MAX_MINUTES reached before mode {mode}")
                break
            try:
                run_portal_mode(mode, opts, tmp, results, run_id)
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                results.problems.append(f"portal {mode}: {type(exc).__name__}: {str(exc)[:1500]}")
                loud(f"portal mode {mode} failed: {exc}")
                traceback.print_exc()
        if big_office.enabled() and not lighthouse.only():
            try:
                big_office.run(sys.modules[__name__], opts, tmp, results, run_id)
            except Exception as exc:
                results.problems.append(f"big office: {type(exc).__name__}: {str(exc)[:1500]}")
                loud(f"big office failed: {exc}")
                traceback.print_exc()
    except KeyboardInterrupt:
        interrupted = True
        results.problems.append("interrupted: the results are incomplete")
        log("interrupted: stopping the servers")
    finally:
        stop_all_servers()
        if opts.keep_tmp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    text = report(results, opts)
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.md").write_text(text)
    if not interrupted:  # latest.md only ever shows a complete run
        (RESULTS / "latest.md").write_text(text)
    raw = {
        "meta": results.meta,
        "bare": results.bare,
        "portal": results.portal,
        "health": results.health,
        "hydrate": results.hydrate,
        "memory": results.memory,
        "server_log": results.server_log,
        "lighthouse": results.lighthouse,
        "office": results.office,
        "problems": results.problems,
    }
    (RESULTS / f"{stamp}.json").write_text(json.dumps(raw, indent=1, default=str))
    print("\n" + text)
    log(
        f"written to {RESULTS / f'{stamp}.md'}{'' if interrupted else ' and ' + str(RESULTS / 'latest.md')} (raw numbers: {stamp}.json)"
    )
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
