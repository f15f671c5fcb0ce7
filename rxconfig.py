"""Reflex configuration, derived from the portal settings (see portal_app/settings.py)."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from portal_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="portal_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The websocket and every backend route accept only the portal's own origin.
    cors_allowed_origins=[settings.public_origin],
    frontend_port=settings.port,
    backend_port=settings.port,
    deploy_url=settings.public_url,
    api_url=settings.public_url,
    redis_url=settings.redis_url,
    # One worker keeps tab states in memory: nothing is written to disk per
    # visitor, and a tab idle for an hour is dropped (it hydrates again from the
    # database when it comes back). Several workers share them through Redis.
    state_manager_mode="redis" if settings.redis_url else "memory",
    redis_token_expiration=3600,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"))],
    disable_plugins=[SitemapPlugin],
    frontend_compression_formats=["gzip"],
)
