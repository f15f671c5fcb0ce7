"""Reflex configuration of the bare reference app of the benchmark (bench/README.md)."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

config = rx.Config(
    app_name="bare_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Same state manager as the portal without Redis (rxconfig.py of the portal);
    # Memory, like the portal with one worker; BENCH_BARE_STATE_MANAGER=disk switches it.
    state_manager_mode=os.environ.get("BENCH_BARE_STATE_MANAGER", "memory"),
    disable_plugins=[SitemapPlugin],
)
