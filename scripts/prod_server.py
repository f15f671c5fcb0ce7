"""Start the portal in production mode without rebuilding an unchanged frontend.

`reflex run --env prod --single-port` compiles the app and runs the Vite
production build at every start (tens of seconds on a small machine), even
when nothing changed. This script splits that start in two:

    build   make sure $REFLEX_WEB_WORKDIR/build (default .web/build) is the
            production build of the current code and configuration: when the
            stamp next to it does not match, `reflex export --frontend-only
            --no-zip` builds it (the same compile + build `reflex run --env
            prod` does) and a new stamp is written.
    serve   `reflex run --env prod --single-port` without its compile and
            build steps: it serves the existing build, and refuses to start
            (exit code 3) when the stamp does not match the current inputs.
    run     build, then serve (what `make run` calls).
    check   say whether the build is current (exit 0) or not (exit 3).

The stamp (build/portal-stamp.json, outside the served build/client) records
a SHA-256 of the inputs: every file under portal_app/ and assets/, rxconfig.py,
requirements.txt, reflex.lock/, .env, this script and the installed reflex
versions (file contents, never mtimes), plus the Reflex configuration that ends
up in the frontend (api_url, deploy_url, frontend options, REFLEX_*/VITE_*
build variables). Reflex deletes build/ before it builds, so an interrupted
build leaves no stamp behind. The stamp is written only when the inputs were
the same before and after the build.

The browser tests (tests/e2e/conftest.py) build once per session with this
script and give every server a copy whose backend URL carries its own port
(`copy_build`).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP_NAME = "portal-stamp.json"
STAMP_FORMAT = 1
# Exit code of `serve` when the build is missing or stale.
EXIT_STALE = 3

# What the frontend build is made from (relative to ROOT).
SOURCE_PATHS = (
    "portal_app",
    "assets",
    "rxconfig.py",
    "requirements.txt",
    "reflex.lock",
    ".env",
    "scripts/prod_server.py",
)
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
# compiled files: their sources (.py, .po) are hashed already
_SKIP_SUFFIXES = {".pyc", ".pyo", ".mo"}

# Reflex config fields that only matter to the running backend, never to the
# built frontend (api_url and deploy_url are recorded on their own).
_RUNTIME_CONFIG_FIELDS = {
    "api_url",
    "deploy_url",
    "frontend_port",
    "backend_port",
    "backend_host",
    "trusted_proxy_hops",
    "db_url",
    "async_db_url",
    "redis_url",
    "state_manager_mode",
    "redis_lock_expiration",
    "redis_lock_warning_threshold",
    "redis_token_expiration",
    "cors_allowed_origins",
    "telemetry_enabled",
    "loglevel",
    "bun_path",
    "env_file",
    "_non_default_attributes",
    "_skip_plugins_checks",
    "_app_name_is_valid",
}
# REFLEX_*/VITE_* variables that do not change the build output.
_RUNTIME_ENV = {
    "REFLEX_WEB_WORKDIR",
    "REFLEX_STATES_WORKDIR",
    "REFLEX_UPLOADED_FILES_DIR",
    "REFLEX_DIR",
    "REFLEX_TELEMETRY_ENABLED",
    "REFLEX_CHECK_LATEST_VERSION",
    "REFLEX_USE_SYSTEM_BUN",
    "REFLEX_USE_SYSTEM_NODE",
    "REFLEX_ENV_MODE",
    "REFLEX_COMPILE_CONTEXT",
    "REFLEX_SKIP_COMPILE",
    "REFLEX_BACKEND_ONLY",
    "REFLEX_FRONTEND_ONLY",
    "REFLEX_MOUNT_FRONTEND_COMPILED_APP",
    "REFLEX_BACKEND_START_METHOD",
    "REFLEX_LOGLEVEL",
}


# --------------------------------------------------------------------------
# Fingerprint of the inputs
# --------------------------------------------------------------------------


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.parent.name == "reflex.lock" and path.suffix == ".json":
        # Reflex rewrites reflex.lock/package.json in another layout: hash the content.
        try:
            return json.dumps(json.loads(data), sort_keys=True).encode()
        except ValueError:
            pass
    return data


def _source_files(path: Path):
    if path.is_symlink() and path.is_dir():
        yield path, f"symlink:{os.readlink(path)}".encode()
        return
    if path.is_file():
        yield path, _file_bytes(path)
        return
    if not path.is_dir():
        return
    for folder, dirs, files in os.walk(path):
        folder_path = Path(folder)
        kept = []
        for name in sorted(dirs):
            sub = folder_path / name
            if name in _SKIP_DIRS:
                continue
            if sub.is_symlink():  # os.walk does not descend into it: record where it points
                yield sub, f"symlink:{os.readlink(sub)}".encode()
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            file_path = folder_path / name
            if file_path.suffix in _SKIP_SUFFIXES:
                continue
            try:
                yield file_path, _file_bytes(file_path)
            except FileNotFoundError:  # removed while we walk (or a dangling link)
                yield file_path, b"<missing>"


def _reflex_versions() -> list[str]:
    found = set()
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name.startswith("reflex"):
            found.add(f"{name}=={dist.version}")
    return sorted(found)


def source_digest(root: Path = ROOT) -> str:
    """SHA-256 over the contents of every file the frontend build is made from."""
    digest = hashlib.sha256()
    for rel in SOURCE_PATHS:
        base = root / rel
        if not base.exists() and not base.is_symlink():
            digest.update(f"{rel}\0<absent>\0".encode())
            continue
        for path, data in _source_files(base):
            name = path.relative_to(root).as_posix()
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
    digest.update("\0".join(_reflex_versions()).encode())
    return digest.hexdigest()


def config_fingerprint() -> dict:
    """The part of the Reflex configuration (rxconfig.py + environment) the build depends on."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from reflex_base.config import get_config

    config = get_config()
    fields = {
        field.name: repr(getattr(config, field.name, None))
        for field in dataclasses.fields(config)
        if field.name not in _RUNTIME_CONFIG_FIELDS
    }
    build_env = {
        key: value
        for key, value in os.environ.items()
        if key.startswith(("REFLEX_", "VITE_"))
        and key not in _RUNTIME_ENV
        # REFLEX_<FIELD> overrides of config fields are covered by `fields` above
        and key.removeprefix("REFLEX_").lower() not in _RUNTIME_CONFIG_FIELDS
    }
    config_hash = hashlib.sha256(json.dumps({"fields": fields, "env": build_env}, sort_keys=True).encode()).hexdigest()
    return {"config": config_hash, "api_url": str(config.api_url), "deploy_url": str(config.deploy_url or "")}


def fingerprint() -> dict:
    return {"format": STAMP_FORMAT, "sources": source_digest(), **config_fingerprint()}


# --------------------------------------------------------------------------
# The build and its stamp
# --------------------------------------------------------------------------


def web_dir() -> Path:
    return Path(os.environ.get("REFLEX_WEB_WORKDIR") or ROOT / ".web").resolve()


def stamp_path(web: Path) -> Path:
    return web / "build" / STAMP_NAME


def read_stamp(web: Path) -> dict | None:
    try:
        return json.loads(stamp_path(web).read_text())
    except (OSError, ValueError):
        return None


def _write_stamp(web: Path, stamp: dict) -> None:
    path = stamp_path(web)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"written": time.strftime("%Y-%m-%dT%H:%M:%S"), **stamp}, indent=1))
    tmp.replace(path)


_STAMP_KEYS = ("format", "sources", "config", "api_url", "deploy_url")


def build_problem(web: Path, expected: dict) -> str | None:
    """Why the build in `web` cannot be served for `expected` (None: it can)."""
    if not (web / "build" / "client" / "index.html").is_file():
        return f"there is no frontend build in {web}"
    stamp = read_stamp(web)
    if stamp is None:
        return f"the frontend build in {web} has no stamp ({STAMP_NAME})"
    changed = [key for key in _STAMP_KEYS if stamp.get(key) != expected.get(key)]
    if changed:
        what = {"sources": "the code (portal_app/, assets/, rxconfig.py, ...)", "config": "the Reflex configuration"}
        return "the frontend build is stale: " + ", ".join(what.get(key, key) for key in changed) + " changed"
    return None


def build(web: Path | None = None, attempts: int = 3) -> bool:
    """Make the build in `web` current; True when a build ran."""
    web = web or web_dir()
    expected = fingerprint()
    if build_problem(web, expected) is None:
        print(f"Frontend build is up to date ({web / 'build'}).", flush=True)
        return False
    for _ in range(attempts):
        started = time.monotonic()
        # The same compile and production build as `reflex run --env prod`,
        # without starting a server (and without zipping).
        done = subprocess.run(
            [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=ROOT,
            env={**os.environ, "REFLEX_WEB_WORKDIR": str(web)},
        )
        if done.returncode != 0:
            raise SystemExit(f"The frontend build failed (reflex export exited with {done.returncode}).")
        # Pages with a parameter (/dossiers/123) preload their own modules (issue 19).
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))  # run as a script: scripts/ is on the path, not the project
        from portal_app.core.services import page_paths

        route_pages = page_paths.write_route_pages(web / "build" / "client")
        print(f"Route pages written: {route_pages}.", flush=True)
        after = fingerprint()
        if after == expected:
            _write_stamp(web, expected)
            print(f"Frontend built in {time.monotonic() - started:.0f}s; stamp written.", flush=True)
            return True
        print("The sources changed during the frontend build: building again.", flush=True)
        expected = after
    raise SystemExit("The sources keep changing during the frontend build; no stamp written.")


# --------------------------------------------------------------------------
# A copy of a build for another port (browser tests)
# --------------------------------------------------------------------------

_COMPRESSED_SUFFIXES = (".gz", ".br", ".zst")
_TEXT_SUFFIXES = {".js", ".mjs", ".html", ".json", ".css", ".txt", ".map"}


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_build(source: Path, target: Path, old_netloc: str, new_netloc: str) -> int:
    """Copy the build in web dir `source` into web dir `target` for another host:port.

    Reflex bakes the backend URLs (http://host:port/..., ws://host:port/_event)
    into the bundle; every `//old_netloc` is replaced by `//new_netloc` and the
    .gz next to a changed file is written again. Unchanged files are hard
    links. Returns the number of build files changed (at least one, or ValueError).
    """
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(source / "build" / "client", target / "build" / "client", copy_function=_link_or_copy)
    if (source / "backend").is_dir():
        shutil.copytree(source / "backend", target / "backend")  # small; the backend may rewrite its markers
    for name in ("reflex.json", "env.json"):
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)

    pattern = re.compile(re.escape(f"//{old_netloc}".encode()) + rb"(?![0-9A-Za-z.\-])")
    replacement = f"//{new_netloc}".encode()
    changed = 0
    candidates = [
        target / "env.json",
        *(p for p in (target / "build" / "client").rglob("*") if p.suffix in _TEXT_SUFFIXES),
    ]
    for path in candidates:
        if not path.is_file():
            continue
        data = path.read_bytes()
        new_data, count = pattern.subn(replacement, data)
        if not count:
            continue
        path.unlink()  # never write through a hard link into the shared build
        path.write_bytes(new_data)
        if path.name != "env.json":
            changed += 1
        for suffix in _COMPRESSED_SUFFIXES:
            sidecar = path.with_name(path.name + suffix)
            if sidecar.exists():
                sidecar.unlink()
                if suffix == ".gz":
                    sidecar.write_bytes(gzip.compress(new_data, compresslevel=9, mtime=0))
                # other encodings: the plain file is served instead
    if not changed:
        raise ValueError(f"//{old_netloc} does not occur in the build in {source}")

    stamp = read_stamp(source)
    if stamp is not None:
        for key in ("api_url", "deploy_url"):
            if isinstance(stamp.get(key), str):
                stamp[key] = pattern.sub(replacement, stamp[key].encode()).decode()
        _write_stamp(target, stamp)
    return changed


# --------------------------------------------------------------------------
# Serving an existing build
# --------------------------------------------------------------------------


def _skip(*_args, **_kwargs) -> None:
    return None


def serve(port: int | None, expected: dict | None = None) -> int:
    """`reflex run --env prod --single-port` minus the compile and the build."""
    os.chdir(ROOT)
    web = web_dir()
    problem = build_problem(web, expected or fingerprint())
    if problem:
        print(
            f"Not starting: {problem}. Build it with `python scripts/prod_server.py build` (make run does).",
            file=sys.stderr,
        )
        return EXIT_STALE

    import reflex.reflex as reflex_cli
    from reflex.utils import build as reflex_build
    from reflex.utils import prerequisites

    if prerequisites.needs_reinit():
        print(
            f"Not starting: Reflex would initialise {web} again (reflex.json missing or another version).",
            file=sys.stderr,
        )
        return EXIT_STALE
    # `reflex run --env prod` calls these two right before it starts the
    # backend that serves build/client (reflex/reflex.py: _run_prod). Both are
    # replaced, nothing else: ports, state reset, workers and the static mount
    # stay Reflex's own.
    for module, name in ((reflex_cli, "_compile_app"), (reflex_build, "setup_frontend_prod")):
        if not callable(getattr(module, name, None)):
            raise SystemExit(
                f"reflex {module.__name__}.{name} is gone: this script needs updating for this Reflex version"
            )
        setattr(module, name, _skip)
    print(
        f"Serving the frontend build of {read_stamp(web).get('written', '?')} from {web / 'build'} (no rebuild).",
        flush=True,
    )
    args = ["run", "--env", "prod", "--single-port"]
    if port:
        args += ["--frontend-port", str(port), "--backend-port", str(port)]
    reflex_cli.cli.main(args=args, prog_name="reflex")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "serve", "run", "check"])
    parser.add_argument("--port", type=int, default=None, help="the one port (default: PORT / rxconfig)")
    args = parser.parse_args(argv)
    if args.command == "check":
        problem = build_problem(web_dir(), fingerprint())
        print(problem or "up to date")
        return EXIT_STALE if problem else 0
    if args.command == "build":
        build()
        return 0
    if args.command == "serve":
        return serve(args.port)
    # run: build when needed, then serve (again when the code changed in between)
    for _ in range(2):
        build()
        result = serve(args.port)
        if result != EXIT_STALE:
            break
    return result


if __name__ == "__main__":
    sys.exit(main())
