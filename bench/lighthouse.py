"""First-paint rows of `make bench`: Lighthouse on the portal next to a bare Reflex page.

Called by bench/run_bench.py (which passes itself as `rb`, so the servers
started here are in its list and are stopped with the others). In one run on
the same machine:

* the bare app (bench/bare_app) with its frontend: `reflex run --env prod
  --single-port` (compile + production build + serve) from a fresh web folder;
* the portal on a throwaway SQLite DATA_DIR with the demo data: the production
  build of the current code (`scripts/prod_server.py build`, made for the
  bench's port) served by `scripts/prod_server.py serve`, like `make run`;
* Lighthouse (pinned in the Makefile, installed into .tools/ by `make bench`,
  never at run time) with Debian's chromium (CHROME_PATH), mobile preset
  (Lighthouse's default: simulated slow 4G and a 4x slower CPU), performance
  only, on the bare page `/`, the portal's login page, Home and a dossier page
  (the demo client signed in) and the staff dossier list (notaris@example.nl):
  the session cookie, made in the database, goes along via --extra-headers.

Per page it keeps the score, FCP, LCP, CLS, requests and transferred KiB, the
split by resource type and the largest requests (where the bytes come from),
and the elements that shifted. The raw Lighthouse reports stay in the bench's
/tmp folder (BENCH_KEEP_TMP=1 keeps it).

Environment: BENCH_LIGHTHOUSE=0 skips this step, BENCH_LIGHTHOUSE=only runs only
this step (no event runs); BENCH_LIGHTHOUSE_RUNS (1) runs
every page that many times and keeps the run with the median score.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path

LIGHTHOUSE_BIN = "lighthouse"
# Which portal pages are measured: (key, title, path or None for the dossier page, who is signed in)
PORTAL_PAGES = (
    ("login", "portal login", "/login", None),
    ("home", "portal Home (client)", "/", "client"),
    ("dossier", "portal dossier page (client)", None, "client"),
    ("staff", "staff dossier list (staff)", "/staff/dossiers", "staff"),
)
STAFF_ACCOUNT = "notaris@example.nl"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def enabled() -> bool:
    return os.environ.get("BENCH_LIGHTHOUSE", "1").lower() not in {"0", "false", "no"}


def only() -> bool:
    """BENCH_LIGHTHOUSE=only: the Lighthouse rows without the event runs."""
    return os.environ.get("BENCH_LIGHTHOUSE", "").lower() == "only"


def runs_per_page() -> int:
    return max(1, int(os.environ.get("BENCH_LIGHTHOUSE_RUNS") or 1))


def lighthouse_path(root: Path) -> Path | None:
    candidate = root / ".tools" / "node_modules" / ".bin" / LIGHTHOUSE_BIN
    return candidate if candidate.exists() else None


def chrome_path() -> str | None:
    path = os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def seed_web_dir(root: Path, web_dir: Path) -> None:
    """Reflex's installed frontend packages for a new build folder, copied from ./.web
    (as tests/e2e/conftest.py does) or BENCH_WEB_SEED (another web folder with
    node_modules), so the build need not install them; without either Reflex
    installs them with bun from the configured registry."""
    candidates = [root / ".web"] + ([Path(os.environ["BENCH_WEB_SEED"])] if os.environ.get("BENCH_WEB_SEED") else [])
    source = next((c for c in candidates if (c / "node_modules").is_dir()), None)
    if web_dir.exists() or source is None:
        return
    top = str(source)
    shutil.copytree(
        source,
        web_dir,
        symlinks=True,
        ignore=lambda folder, names: {"build", ".states"} & set(names) if folder == top else set(),
    )


def _summary(report: dict) -> dict:
    audits = report.get("audits", {})

    def numeric(name: str) -> float | None:
        value = (audits.get(name) or {}).get("numericValue")
        return float(value) if value is not None else None

    requests = ((audits.get("network-requests") or {}).get("details") or {}).get("items") or []
    by_type: dict[str, dict] = {}
    for item in ((audits.get("resource-summary") or {}).get("details") or {}).get("items") or []:
        by_type[item.get("resourceType", "?")] = {
            "requests": item.get("requestCount", 0),
            "kib": round((item.get("transferSize") or 0) / 1024, 1),
        }
    largest = sorted(requests, key=lambda r: r.get("transferSize") or 0, reverse=True)[:8]
    shifts = []
    for item in ((audits.get("layout-shifts") or {}).get("details") or {}).get("items") or []:
        node = item.get("node") or {}
        shifts.append(
            {
                "score": round(float(item.get("score") or 0), 4),
                "selector": node.get("selector"),
                "snippet": node.get("snippet"),
            }
        )
    performance = (report.get("categories", {}).get("performance") or {}).get("score")
    return {
        "score": performance,
        "fcp_ms": numeric("first-contentful-paint"),
        "lcp_ms": numeric("largest-contentful-paint"),
        "cls": numeric("cumulative-layout-shift"),
        "tbt_ms": numeric("total-blocking-time"),
        "requests": len(requests),
        "transferred_kib": round((numeric("total-byte-weight") or 0) / 1024, 1),
        "by_type": by_type,
        "largest": [
            {
                "url": r.get("url", "")[-90:],
                "kib": round((r.get("transferSize") or 0) / 1024, 1),
                "type": r.get("resourceType"),
            }
            for r in largest
        ],
        "shifts": shifts[:5],
        "final_url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        "runtime_error": (report.get("runtimeError") or {}).get("message"),
    }


def run_lighthouse(rb, url: str, out: Path, *, cookie: str | None, env: dict) -> dict:
    """One Lighthouse run (mobile preset, performance only); the summary of its report."""
    command = [
        str(lighthouse_path(rb.ROOT)),
        url,
        "--only-categories=performance",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
        "--max-wait-for-load=60000",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, cwd=out.parent
    )
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse {url} exited {done.returncode}: {(done.stdout + done.stderr)[-1500:]}")
    return _summary(json.loads(out.read_text()))


def measure(rb, url: str, key: str, folder: Path, *, cookie: str | None, env: dict) -> dict:
    runs = []
    for n in range(runs_per_page()):
        rb.log(f"  lighthouse {key} ({url}) run {n + 1}")
        runs.append(run_lighthouse(rb, url, folder / f"lighthouse-{key}-{n + 1}.json", cookie=cookie, env=env))
    runs.sort(key=lambda r: r["score"] if r["score"] is not None else -1)
    chosen = dict(runs[len(runs) // 2])
    chosen["runs"] = len(runs)
    if len(runs) > 1:
        chosen["score_spread"] = [r["score"] for r in runs]
        chosen["fcp_median_ms"] = statistics.median(r["fcp_ms"] or 0 for r in runs)
    return chosen


def run(rb, opts, tmp: Path, results) -> None:
    """Lighthouse on the bare page and the portal's pages; results.lighthouse[key] = summary."""
    store = results.lighthouse
    tool = lighthouse_path(rb.ROOT)
    chrome = chrome_path()
    if tool is None or chrome is None:
        results.problems.append(
            "lighthouse rows skipped: "
            + ("lighthouse is not installed in .tools (run `make bench`, which installs it)" if tool is None else "")
            + (" no chromium (CHROME_PATH / /usr/bin/chromium)" if chrome is None else "")
        )
        return
    folder = tmp / "lighthouse"
    folder.mkdir()
    lh_env = {**rb.base_env(), "CHROME_PATH": chrome, "HOME": str(folder)}

    # --- the bare app with its frontend build
    data = tmp / "lh-bare"
    data.mkdir()
    env = rb.base_env()
    env.update(REFLEX_STATES_WORKDIR=str(data / "states"), REFLEX_WEB_WORKDIR=str(data / "web"))
    seed_web_dir(rb.ROOT, data / "web")
    port = rb.free_port()
    rb.log("lighthouse: bare app, production build (a minute or more)")
    try:
        with rb.serving(
            lambda: rb.start_server(
                "bare app (frontend)",
                [
                    str(Path(rb.PY).parent / "reflex"),
                    "run",
                    "--env",
                    "prod",
                    "--single-port",
                    "--frontend-port",
                    str(port),
                    "--backend-port",
                    str(port),
                    "--backend-host",
                    "127.0.0.1",
                ],
                rb.BARE_DIR,
                env,
                port,
                data / "server.log",
                ready_path="/",
                timeout=900,
            )
        ):
            store["bare"] = measure(rb, f"http://localhost:{port}/", "bare", folder, cookie=None, env=lh_env)
    except Exception as exc:
        store["bare"] = {"error": f"{type(exc).__name__}: {str(exc)[:800]}"}
        rb.loud(f"lighthouse on the bare app failed: {exc}")

    # --- the portal: demo data on SQLite, its production build for this port
    data = tmp / "lh-portal"
    data.mkdir()
    port = rb.free_port()
    env = rb.portal_env(port, data, {})
    try:
        rb.log(f"lighthouse: portal, migrate + seed-demo + production build in {data}")
        rb.run_checked([rb.PY, "-m", "portal_app.cli", "migrate"], cwd=rb.ROOT, env=env, timeout=300, what="migrate")
        rb.run_checked(
            [rb.PY, "-m", "portal_app.cli", "seed-demo", "--if-empty"],
            cwd=rb.ROOT,
            env=env,
            timeout=300,
            what="seed-demo",
        )
        info = rb.app_info(["portal", "--sessions", "4", "--staff", STAFF_ACCOUNT], cwd=rb.ROOT, env=env)
        seed_web_dir(rb.ROOT, data / "web")
        prod_server = str(rb.ROOT / "scripts" / "prod_server.py")
        rb.run_checked([rb.PY, prod_server, "build"], cwd=rb.ROOT, env=env, timeout=1200, what="frontend build")
        with rb.serving(
            lambda: rb.start_server(
                "portal (frontend)",
                [rb.PY, prod_server, "serve", "--port", str(port)],
                rb.ROOT,
                env,
                port,
                data / "server.log",
                ready_path="/login",
                timeout=300,
            )
        ):
            for n, (key, _title, path, who) in enumerate(PORTAL_PAGES):
                if path is None:
                    if info.get("dossier_id") is None:
                        store[key] = {"error": "the demo client has no dossier"}
                        continue
                    path = f"/dossiers/{info['dossier_id']}"
                # its own session per page: the pages do not see each other's tab state
                tokens = {"client": info["session_tokens"], "staff": info.get("staff_tokens") or []}.get(who or "")
                cookie = f"{info['cookie_name']}={tokens[n]}" if tokens else None
                try:
                    store[key] = measure(rb, f"http://localhost:{port}{path}", key, folder, cookie=cookie, env=lh_env)
                    final = store[key].get("final_url") or ""
                    if who and "/login" in final:
                        store[key]["error"] = f"BROKEN: redirected to {final} (the session was not accepted)"
                except Exception as exc:
                    store[key] = {"error": f"{type(exc).__name__}: {str(exc)[:800]}"}
                    rb.loud(f"lighthouse on {path} failed: {exc}")
    except Exception as exc:
        results.problems.append(f"lighthouse portal: {type(exc).__name__}: {str(exc)[:1500]}")
        rb.loud(f"lighthouse on the portal failed: {exc}")


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _cell(value, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _ratio(value, base) -> str:
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def report_lines(store: dict) -> list[str]:
    """Markdown rows: one column per page, the bare page first; ratios vs bare."""
    if not store:
        return []
    bare = store.get("bare") or {}
    pages = [("bare", "bare Reflex page")] + [(key, title) for key, title, _p, _s in PORTAL_PAGES]
    lines = [
        "Lighthouse (mobile preset: simulated slow 4G, 4× CPU slowdown; performance only), "
        "Debian's chromium, all pages in this run; ratio = portal page / bare page.",
        "",
        "| | " + " | ".join(title for _k, title in pages) + " |",
        "|---|" + "---|" * len(pages),
    ]
    rows = [
        ("performance score", "score", ".2f", False),
        ("first contentful paint (ms)", "fcp_ms", ".0f", True),
        ("largest contentful paint (ms)", "lcp_ms", ".0f", True),
        ("cumulative layout shift", "cls", ".3f", False),
        ("total blocking time (ms)", "tbt_ms", ".0f", False),
        ("requests", "requests", "d", True),
        ("transferred KiB", "transferred_kib", ".1f", True),
    ]
    for label, field, fmt, with_ratio in rows:
        cells = []
        for key, _title in pages:
            page = store.get(key) or {}
            if page.get("error"):
                cells.append("BROKEN" if "BROKEN" in page["error"] else "error")
                continue
            text = _cell(page.get(field), fmt)
            if with_ratio and key != "bare":
                text += f" ({_ratio(page.get(field), bare.get(field))})"
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    for key, title in pages:
        page = store.get(key) or {}
        if page.get("error"):
            lines.append(f"- {title}: {page['error']}")
            continue
        types = ", ".join(
            f"{t} {v['requests']}/{v['kib']} KiB"
            for t, v in (page.get("by_type") or {}).items()
            if t != "total" and v["requests"]
        )
        biggest = ", ".join(
            f"{r['url'].rsplit('/', 1)[-1][:40]} {r['kib']} KiB" for r in (page.get("largest") or [])[:4]
        )
        shifts = "; ".join(f"{s['score']} {s['selector']}" for s in page.get("shifts") or [])
        lines.append(
            f"- {title}: by type (requests/KiB) {types}; largest: {biggest}" + (f"; shifts: {shifts}" if shifts else "")
        )
    lines.append("")
    return lines


def targets(store: dict) -> list[str]:
    """The issue's first-paint targets (issue 19)."""
    if not store:  # BENCH_LIGHTHOUSE=0
        return []
    bare = store.get("bare") or {}
    out = []
    for key, title, _p, _s in PORTAL_PAGES:
        page = store.get(key) or {}
        if page.get("error") or not page:
            out.append(f"FAIL Lighthouse [{title}]: {page.get('error', 'not measured')}")
            continue
        fcp, bare_fcp = page.get("fcp_ms"), bare.get("fcp_ms")
        if fcp is not None and bare_fcp:
            verdict = "PASS" if fcp <= 1.2 * bare_fcp else "FAIL"
            out.append(f"{verdict} FCP ≤ 1.2× bare [{title}]: {fcp:.0f} vs {bare_fcp:.0f} ms = {fcp / bare_fcp:.2f}×")
        cls = page.get("cls")
        if cls is not None:
            out.append(f"{'PASS' if cls < 0.05 else 'FAIL'} CLS < 0.05 [{title}]: {cls:.3f}")
        score = page.get("score")
        if score is not None:
            out.append(f"{'PASS' if score >= 0.9 else 'FAIL'} performance ≥ 0.9 [{title}]: {score:.2f}")
    return out
