"""Big-office rows of `make bench`: the event benchmark on the demo data and on a
generated big office (`portal_app.cli seed-office`), same scenarios, same run.

Called by bench/run_bench.py (which passes itself as `rb`). SQLite, one worker.
Per dataset (demo: migrate + seed-demo; big: the same plus seed-office at
BENCH_OFFICE_SIZE) a throwaway DATA_DIR; signed-in sessions made straight in
that database for a client (demo: jansen@example.nl; big: the generated client
with the most dossiers) and for the demo staff admin (notaris@example.nl). Both
datasets are made first; then per scenario a fresh server for each, a warm-up of
5 × 5 events that is not counted, and the levels of BENCH_OFFICE_LEVELS on the two
in turns (demo then big, then big then demo), so that a machine whose speed drifts
during the run weighs on both sides of a ratio alike:

    client  search   /dossiers             DossierListState.set_search
    client  dossier  /dossiers/<id>        DossierState.load_dossier
    client  message  /dossiers/<id>        MessagesState.open_message (marks read)
    staff   staff_search   /staff/dossiers StaffDossiersState.search
    staff   client_search  /staff/clienten StaffClientsState.search
    staff   audit    /staff/audit          StaffAuditState.load_audit (the page's on_load)
    staff   outbox   /staff/outbox         StaffOutboxState.load_outbox (the page's on_load)

Environment: BENCH_OFFICE=0 skips this step, BENCH_OFFICE=only runs only this
step; BENCH_OFFICE_SIZE (the issue's size: "5000,20000,200000,100000,1000000" =
clients, dossiers, messages, documents, audit rows); BENCH_OFFICE_LEVELS
(1x100,20x10); BENCH_OFFICE_SCENARIOS (a comma list of the keys above, default all).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from types import SimpleNamespace

import loadgen as lg

STAFF_ACCOUNT = "notaris@example.nl"
DEFAULT_SIZE = "5000,20000,200000,100000,1000000"
# searches a member of staff types: names, street parts, a year, a dossier number part
STAFF_QUERIES = ["jan", "de", "straat", "2024", "bakker", "van", "a", "berg"]
CLIENT_KEYS = ("search", "dossier", "message")
STAFF_KEYS = ("staff_search", "client_search", "audit", "outbox")
TITLES = {
    "search": "client dossier search",
    "dossier": "client open dossier",
    "message": "client mark message read",
    "staff_search": "staff dossier search",
    "client_search": "staff client search",
    "audit": "staff audit log page open",
    "outbox": "staff outbox page open",
}
# issue 19: p95 on the big office ≤ this × the demo-data p95
TARGETS = {
    "search": 1.5,
    "dossier": 1.5,
    "message": 1.5,
    "staff_search": 2.0,
    "client_search": 2.0,
    "audit": 2.0,
    "outbox": 2.0,
}


def enabled() -> bool:
    return os.environ.get("BENCH_OFFICE", "1").lower() not in {"0", "false", "no"}


def only() -> bool:
    return os.environ.get("BENCH_OFFICE", "").lower() == "only"


def size_args() -> list[str]:
    parts = [p.strip() for p in (os.environ.get("BENCH_OFFICE_SIZE") or DEFAULT_SIZE).split(",")]
    if len(parts) != 5 or not all(p.isdigit() for p in parts):
        raise SystemExit("BENCH_OFFICE_SIZE: five numbers, clients,dossiers,messages,documents,audit")
    names = ("--clients", "--dossiers", "--messages", "--documents", "--audit")
    return [arg for name, value in zip(names, parts, strict=True) for arg in (name, value)]


def scenario_keys() -> tuple[str, ...]:
    """The scenarios to run (BENCH_OFFICE_SCENARIOS, default all), in the table's order."""
    wanted = {k.strip() for k in (os.environ.get("BENCH_OFFICE_SCENARIOS") or "").split(",") if k.strip()}
    unknown = wanted - {*CLIENT_KEYS, *STAFF_KEYS}
    if unknown:
        raise SystemExit(f"BENCH_OFFICE_SCENARIOS: unknown {sorted(unknown)}; known {[*CLIENT_KEYS, *STAFF_KEYS]}")
    return tuple(k for k in (*CLIENT_KEYS, *STAFF_KEYS) if not wanted or k in wanted)


def levels() -> list[tuple[int, int]]:
    found = []
    for part in (os.environ.get("BENCH_OFFICE_LEVELS") or "1x100,20x10").split(","):
        clients, _, events = part.strip().partition("x")
        found.append((int(clients), int(events)))
    return found


def staff_scenarios(info: dict) -> dict[str, lg.Scenario | str]:
    tokens = info.get("staff_tokens") or []
    cookie_name = info["cookie_name"]

    def cookie(i: int) -> str:
        return f"{cookie_name}={tokens[i % len(tokens)]}"

    found: dict[str, lg.Scenario | str] = {}
    paths = {"staff_search": "/staff/dossiers", "client_search": "/staff/clienten", "audit": "/staff/audit"}
    paths["outbox"] = "/staff/outbox"
    for key in STAFF_KEYS:
        handler = info["handlers"].get(key) or {}
        if not handler.get("name"):
            found[key] = f"event handler missing: {handler.get('error') or 'unknown'}"
            continue
        if not tokens:
            found[key] = f"no staff session ({STAFF_ACCOUNT})"
            continue
        name, state = handler["name"], handler["state"]
        if key in ("staff_search", "client_search"):

            def event(i, k, name=name, state=state):
                value = STAFF_QUERIES[(i + k) % len(STAFF_QUERIES)]
                return (
                    name,
                    {"form_data": {"q": value}},
                    lg.make_check([(state, "query", value), (state, "rows", lg.MISSING)]),
                )

        else:

            def event(i, k, name=name, state=state):
                return name, {}, lg.make_check([(state, "rows", lg.MISSING), (state, "total", lg.MISSING)])

        found[key] = lg.Scenario(label=key, path=paths[key], event=event, cookie=cookie)
    return found


def _prepare(rb, tmp: Path, name: str, store: dict) -> SimpleNamespace:
    """The dataset's DATA_DIR (migrated, seeded), its sessions, scenarios and a server starter."""
    data = tmp / f"office-{name}"
    data.mkdir()
    env = rb.portal_env(rb.free_port(), data, {})
    rb.log(f"big office ({name}): migrate + seed-demo in {data}")
    rb.run_checked([rb.PY, "-m", "portal_app.cli", "migrate"], cwd=rb.ROOT, env=env, timeout=300, what="migrate")
    rb.run_checked(
        [rb.PY, "-m", "portal_app.cli", "seed-demo", "--if-empty"], cwd=rb.ROOT, env=env, timeout=300, what="seed-demo"
    )
    if name == "big":
        args = size_args()
        rb.log(f"big office: seed-office {' '.join(args)} --seed 1 (minutes)")
        started = time.monotonic()
        out = rb.run_checked(
            [rb.PY, "-m", "portal_app.cli", "seed-office", *args, "--seed", "1"],
            cwd=rb.ROOT,
            env=env,
            timeout=3600,
            what="portal_app.cli seed-office",
        )
        store["seed_seconds"] = round(time.monotonic() - started, 1)
        store["seed_size"] = " ".join(args)
        store["seed_output"] = [line for line in out.splitlines() if "Generated office" in line][:1]
        rb.log(f"big office: seed-office took {store['seed_seconds']:.0f} s")
    wanted = max(c for c, _ in levels()) + 10
    client = "busiest" if name == "big" else "jansen@example.nl"
    info = rb.app_info(
        ["portal", "--sessions", str(wanted), "--client", client, "--staff", STAFF_ACCOUNT], cwd=rb.ROOT, env=env
    )
    store.setdefault("client", {})[name] = f"{info.get('client_email')} ({len(info.get('dossier_ids') or [])} dossiers)"
    scenarios = {**rb.portal_scenarios(info, SimpleNamespace(scenarios=list(CLIENT_KEYS))), **staff_scenarios(info)}

    def start():
        port = rb.free_port()
        return rb.start_server(
            f"portal ({name} office)",
            [rb.PY, str(rb.BENCH / "serve_backend.py"), str(port), "127.0.0.1"],
            rb.ROOT,
            rb.portal_env(port, data, {}),
            port,
            data / "server.log",
            ready_path="/health",
        )

    return SimpleNamespace(name=name, data=data, info=info, scenarios=scenarios, start=start)


def _measure(rb, opts, run_id: str, prepared: dict[str, SimpleNamespace], store: dict) -> None:
    """Per scenario a fresh server per dataset, both up at once, warmed up by 5 × 5 events that
    are not counted; then each level on both, in turns (demo first, then big first at the next
    level): a machine that slows down or speeds up during the run weighs on both sides alike."""
    for key in scenario_keys():
        with contextlib.ExitStack() as stack:
            ready: dict[str, tuple] = {}
            for name, dataset in prepared.items():
                runs = store.setdefault(name, {})
                scenario = dataset.scenarios[key]
                if isinstance(scenario, str):
                    runs[key] = {"skipped": scenario}
                    rb.loud(f"big office {name}/{key} cannot run: {scenario}")
                    continue
                rb.log(f"big office ({name}): {TITLES[key]}")
                server = stack.enter_context(rb.serving(dataset.start))
                target = rb.target_for(
                    server.port, dataset.info, origin=f"http://localhost:{server.port}", run_id=f"{run_id}o{name[0]}"
                )
                warm, _ = rb.run_level(target, scenario, 5, 5, opts)
                if not warm.ok:
                    runs[key] = {
                        "skipped": "BROKEN: the warm-up got no valid response: "
                        f"errors {warm.errors} connect errors {warm.connect_errors}"
                    }
                    rb.loud(f"big office {name}/{key} is {runs[key]['skipped']}")
                    continue
                ready[name] = (target, scenario)
            for index, (clients, events) in enumerate(levels()):
                for name in list(ready) if index % 2 == 0 else list(reversed(ready)):
                    target, scenario = ready[name]
                    rb.log(f"big office ({name}): {TITLES[key]} {clients}x{events}")
                    result, _ = rb.run_level(target, scenario, clients, events, opts)
                    store[name].setdefault(key, {})[rb.level_key(clients, events)] = result.as_dict()


def run(rb, opts, tmp: Path, results, run_id: str) -> None:
    store = results.office
    prepared: dict[str, SimpleNamespace] = {}
    for name in ("demo", "big"):
        try:
            prepared[name] = _prepare(rb, tmp, name, store)
        except Exception as exc:
            store.setdefault(name, {})["error"] = f"{type(exc).__name__}: {str(exc)[:1500]}"
            results.problems.append(f"big office ({name}): {type(exc).__name__}: {str(exc)[:1500]}")
            rb.loud(f"big office ({name}) failed: {exc}")
            if name == "demo":
                return
    _measure(rb, opts, run_id, prepared, store)
    for name, dataset in prepared.items():
        store.setdefault("server_log", {})[name] = rb.scan_server_log(dataset.data / "server.log")


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def report_lines(store: dict) -> list[str]:
    if not store:
        return []
    lines = [
        "SQLite, one worker; the same scenarios on the demo data and on the generated office, p50/p95 in ms; "
        f"clients: {', '.join(f'{k}: {v}' for k, v in (store.get('client') or {}).items())}; staff: {STAFF_ACCOUNT}.",
        "",
    ]
    if "seed_seconds" in store:
        lines.append(
            f"Generated office: `seed-office {store.get('seed_size')} --seed 1` in {store['seed_seconds']:.0f} s "
            f"(target ≤ 300 s at the issue's size). {' '.join(store.get('seed_output') or [])}"
        )
        lines.append("")
    lines.append(
        "| scenario | clients × events | demo p50 / p95 | big office p50 / p95 | p95 ratio | target | big office errors |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    demo, big = store.get("demo") or {}, store.get("big") or {}
    for key in scenario_keys():
        d_runs, b_runs = demo.get(key) or {}, big.get(key) or {}
        if "skipped" in d_runs or "skipped" in b_runs:
            why = (d_runs.get("skipped") or b_runs.get("skipped") or "")[:160]
            lines.append(f"| {TITLES[key]} | | **{'BROKEN' if 'BROKEN' in why else 'SKIPPED'}**: {why} | | | | |")
            continue
        for clients, events in levels():
            lk = f"{clients}x{events}"
            d, b = d_runs.get(lk) or {}, b_runs.get(lk) or {}
            ratio = b.get("p95_ms") / d["p95_ms"] if b.get("p95_ms") and d.get("p95_ms") else None
            errors = ", ".join(f"{v}× {k}" for k, v in {**b.get("errors", {}), **b.get("connect_errors", {})}.items())
            lines.append(
                f"| {TITLES[key]} | {clients} × {events} | {_fmt(d.get('p50_ms'))} / {_fmt(d.get('p95_ms'))} | "
                f"{_fmt(b.get('p50_ms'))} / {_fmt(b.get('p95_ms'))} | {_fmt(ratio)} | ≤ {TARGETS[key]}× | {errors or '0'} |"
            )
    for name in ("demo", "big"):
        if (store.get(name) or {}).get("error"):
            lines.append(f"\n{name}: {store[name]['error'][:600]}")
    lines.append("")
    return lines


def targets(store: dict) -> list[str]:
    out = []
    if not store:
        return out
    if "seed_seconds" in store:
        full = store.get("seed_size") == " ".join(
            f"{n} {v}"
            for n, v in zip(
                ("--clients", "--dossiers", "--messages", "--documents", "--audit"),
                DEFAULT_SIZE.split(","),
                strict=True,
            )
        )
        verdict = ("PASS" if store["seed_seconds"] <= 300 else "FAIL") if full else "INFO (smaller size)"
        out.append(f"{verdict} seed-office ≤ 5 min: {store['seed_seconds']:.0f} s")
    demo, big = store.get("demo") or {}, store.get("big") or {}
    for key in scenario_keys():
        for clients, events in levels():
            lk = f"{clients}x{events}"
            d, b = (demo.get(key) or {}).get(lk) or {}, (big.get(key) or {}).get(lk) or {}
            if not d.get("p95_ms") or not b.get("p95_ms"):
                out.append(f"FAIL big office p95 ≤ {TARGETS[key]}× demo [{TITLES[key]} {lk}]: not measured")
                continue
            ratio = b["p95_ms"] / d["p95_ms"]
            verdict = "PASS" if ratio <= TARGETS[key] else "FAIL"
            out.append(
                f"{verdict} big office p95 ≤ {TARGETS[key]}× demo [{TITLES[key]} {lk}]: "
                f"{b['p95_ms']:.2f} vs {d['p95_ms']:.2f} ms = {ratio:.2f}×"
            )
    return out
