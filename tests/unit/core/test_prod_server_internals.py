"""scripts/prod_server.py serves an existing build by switching off two Reflex internals.

`serve` replaces `reflex.reflex._compile_app` and
`reflex.utils.build.setup_frontend_prod` (the compile and the frontend build
that `reflex run --env prod` does first) and leaves everything else to Reflex.
If a Reflex upgrade renames either, or stops calling them from the production
start, the patch would silently do nothing and every start would rebuild (or
serve a stale build): these tests fail loudly instead. The browser tests start
every server through the patched `serve`.
"""

from __future__ import annotations

import inspect

import reflex.reflex as reflex_cli
from reflex.utils import build as reflex_build
from reflex_base import constants

from scripts import prod_server

PINNED_REFLEX = "0.10.1"


def test_reflex_is_the_version_the_patch_was_written_for():
    assert constants.Reflex.VERSION == PINNED_REFLEX, (
        "Reflex was upgraded: check scripts/prod_server.py serve() against reflex/reflex.py _run_prod, then update PINNED_REFLEX"
    )


def test_the_patched_functions_exist():
    assert callable(getattr(reflex_cli, "_compile_app", None))
    assert callable(getattr(reflex_build, "setup_frontend_prod", None))


def test_the_production_start_calls_them_by_these_names():
    source = inspect.getsource(reflex_cli._run_prod)
    assert "_compile_app(" in source
    assert "build.setup_frontend_prod(" in source


def test_serve_refuses_to_start_when_an_internal_is_gone(monkeypatch, tmp_path):
    """The guard in serve(): a missing internal stops with a message, not a silent rebuild."""
    monkeypatch.setattr(prod_server, "build_problem", lambda *_args: None)
    monkeypatch.setattr(prod_server, "web_dir", lambda: tmp_path)
    monkeypatch.setattr("reflex.utils.prerequisites.needs_reinit", lambda: False)
    monkeypatch.delattr(reflex_build, "setup_frontend_prod")
    try:
        prod_server.serve(port=1, expected={})
    except SystemExit as stop:
        assert "setup_frontend_prod is gone" in str(stop)
    else:  # pragma: no cover - the guard is missing
        raise AssertionError("serve() started without its patch")
