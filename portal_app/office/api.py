"""Public route for the office's logo: GET /branding/logo.png.

No sign-in needed (the login page shows the logo). It always serves the
current logo (a PNG the portal wrote itself, see office/services/branding.py); the
pages link to it as `/branding/logo.png?v=<version>`, so it may be cached for
a day. 404 when the office has no logo (or its file is gone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.core.services.db import get_engine, session_scope
from portal_app.office.services import branding, office_settings
from portal_app.settings import Settings, get_settings

LOGO_PATH = "/branding/logo.png"
LOGO_CSP = "default-src 'none'; sandbox"
CACHE_SECONDS = 86400

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": LOGO_CSP,
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class _Config:
    engine: Callable[[], Engine]
    settings: Callable[[], Settings]


def _current_logo(config: _Config) -> tuple[bytes, str] | None:
    with session_scope(config.engine()) as session:
        profile = office_settings.profile(session)
    path = branding.logo_path(config.settings(), profile)
    if path is None:
        return None
    data = branding.read_logo(path)
    return (data, profile.logo_version) if data is not None else None


def not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers={**COMMON_HEADERS, "Cache-Control": "no-store"})


def make_routes(*, engine: Engine | None = None, settings: Settings | None = None) -> list[Route]:
    """The logo route; without arguments it uses the app's settings and database."""
    config = _Config(
        engine=(lambda: engine) if engine is not None else get_engine,
        settings=(lambda: settings) if settings is not None else get_settings,
    )

    async def logo(request: Request) -> Response:
        found = await run_in_threadpool(_current_logo, config)
        if found is None:
            return not_found()
        data, version = found
        headers = {
            **COMMON_HEADERS,
            "Cache-Control": f"public, max-age={CACHE_SECONDS}",
            "Content-Length": str(len(data)),
            "ETag": f'"{version}"',
        }
        body = b"" if request.method == "HEAD" else data
        return Response(body, media_type="image/png", headers=headers)

    return [Route(LOGO_PATH, logo, methods=["GET", "HEAD"], name="office_logo")]


routes = make_routes()
