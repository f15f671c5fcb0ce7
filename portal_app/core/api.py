"""HTTP security layer: response headers, an upload size cap, an Origin check.

Mount in portal_app.py (the list order is inside-out: each item wraps the ones
before it, so the headers middleware sees every response):

    from portal_app.core import api as security
    app = rx.App(..., api_transformer=security.transformers())

`transformers()` returns [Starlette(routes=downloads.routes + icon routes), upload limit, headers].

The headers middleware also gives the production build's static files their
Cache-Control (see `cache_control`): `reflex run --env prod` serves them from
this backend, with ETag/Last-Modified and pre-compressed .gz sidecars of its own.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal_app.settings import PROJECT_ROOT, Settings, get_settings

# Reflex's production build of the frontend (served on the backend port by `reflex run --env prod`).
# Reflex builds the frontend into .web/ (or REFLEX_WEB_WORKDIR when set).
DEFAULT_BUILD_DIR = Path(os.environ.get("REFLEX_WEB_WORKDIR") or PROJECT_ROOT / ".web").resolve() / "build" / "client"
UPLOAD_PATH_SUFFIX = "/_upload"
# Multipart framing around the files of one upload request.
UPLOAD_OVERHEAD_BYTES = 1024 * 1024

_SCRIPT_RE = re.compile(
    r"<script\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)
_SRC_ATTR_RE = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)

# Vite names every build file under /assets/ `<name>-<8-character content hash>.<ext>`:
# a changed file gets a new name, so such a URL can be cached for good.
_HASHED_ASSET_RE = re.compile(r"/assets/[^/]*-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$")
CACHE_IMMUTABLE = b"public, max-age=31536000, immutable"
# Reuse only after asking the server, which answers 304 when the validator still matches.
CACHE_REVALIDATE = b"no-cache"


# --------------------------------------------------------------------------
# Content security policy
# --------------------------------------------------------------------------


def inline_script_hashes(html: str) -> set[str]:
    """CSP source expressions ('sha256-...') for every inline <script> body in `html`."""
    hashes: set[str] = set()
    # Browsers hash the script text after the HTML parser's newline normalisation.
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    for attributes, body in _SCRIPT_RE.findall(html):
        if _SRC_ATTR_RE.search(attributes):
            continue  # external script: covered by 'self'
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        hashes.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return hashes


def build_script_hashes(build_dir: Path) -> set[str]:
    """The hashes of the inline scripts of every *.html file under `build_dir`."""
    hashes: set[str] = set()
    if not build_dir.is_dir():
        return hashes
    for path in sorted(build_dir.rglob("*.html")):
        try:
            hashes |= inline_script_hashes(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return hashes


def websocket_origin(public_origin: str) -> str:
    parts = urlsplit(public_origin)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, script_hashes: Iterable[str]) -> str:
    script_src = " ".join(["'self'", *sorted(script_hashes)])
    directives = [
        "default-src 'self'",
        f"script-src {script_src}",
        # Radix Themes and emotion (used by Reflex components) set inline style
        # attributes and inject <style> elements at run time, without nonces:
        # they cannot work without 'unsafe-inline' for styles. Scripts stay strict.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src 'self' {settings.public_origin} {websocket_origin(settings.public_origin)}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


def cache_control(method: str, path: str, status: int, header_names: set[bytes]) -> bytes | None:
    """The Cache-Control for a response that has none, or None to leave it without.

    Hashed build files are immutable for a year. Any other file served with a
    validator (ETag or Last-Modified: the HTML pages, /portal.css, ...) is
    revalidated on every use, so a new build shows at once and an unchanged
    file costs a 304. Responses without a validator (routes, errors) are left alone.
    """
    if method not in ("GET", "HEAD") or status not in (200, 304):
        return None
    if _HASHED_ASSET_RE.search(path):
        return CACHE_IMMUTABLE
    if b"etag" in header_names or b"last-modified" in header_names:
        return CACHE_REVALIDATE
    return None


class PagePathsMiddleware:
    """Answers page URLs with the build file meant for them, without a redirect and with the
    page's own modules preloaded (core/services/page_paths.py). Only the path the static file
    server looks up changes; the browser's URL stays as it was."""

    def __init__(self, app: ASGIApp, build_dir: Path | None = None):
        from portal_app.core.services.page_paths import PagePaths

        self.app = app
        self.pages = PagePaths(Path(build_dir) if build_dir is not None else DEFAULT_BUILD_DIR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            target = self.pages.file_for(scope.get("path", ""))
            if target is not None:
                scope = {**scope, "path": target, "raw_path": target.encode()}
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (never replacing ones a route set),
    and Cache-Control to static files that have none (`cache_control`)."""

    # When the build is not there yet, look again at most this often.
    RETRY_SECONDS = 5.0

    def __init__(self, app: ASGIApp, settings: Settings | None = None, build_dir: Path | None = None):
        self.app = app
        self.settings = settings or get_settings()
        self.build_dir = Path(build_dir) if build_dir is not None else DEFAULT_BUILD_DIR
        self._lock = threading.Lock()
        self._csp: str | None = None
        self._checked_at = 0.0
        self._fallback_csp: str | None = None

    def csp(self) -> str:
        """The page CSP; the build's inline-script hashes are computed once, on first use."""
        if self._csp is not None:
            return self._csp
        with self._lock:
            if self._csp is not None:
                return self._csp
            now = time.monotonic()
            if self._fallback_csp is not None and now - self._checked_at < self.RETRY_SECONDS:
                return self._fallback_csp
            self._checked_at = now
            hashes = build_script_hashes(self.build_dir)
            policy = content_security_policy(self.settings, hashes)
            if hashes:
                self._csp = policy  # fixed per build: never recomputed
            else:
                self._fallback_csp = policy  # no build (yet): retry a little later
            return policy

    def headers(self, tls: bool = False) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-security-policy", self.csp().encode("latin-1")),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-content-type-options", b"nosniff"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        # HSTS only means something on a TLS response; behind a trusted proxy the scope says so (core/services/proxy.py)
        if tls or self.settings.public_url.startswith("https://"):
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = list(message.get("headers", []))
                present = {name.lower() for name, _ in existing}
                extra = [(name, value) for name, value in self.headers(tls) if name not in present]
                if b"cache-control" not in present:
                    policy = cache_control(
                        scope.get("method", "GET"), scope.get("path", ""), message["status"], present
                    )
                    if policy is not None:
                        extra.append((b"cache-control", policy))
                message = {**message, "headers": existing + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------
# Upload size cap
# --------------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


_TOO_LARGE_BODY = b'{"detail":"upload.too_large"}'


async def _send_413(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_TOO_LARGE_BODY)).encode()),
                (b"connection", b"close"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE_BODY})


def _office_upload_cap() -> int:
    """The larger of the two upload limits in the office settings, plus form overhead.

    Each upload handler then applies the limit of its own kind (client or staff)
    while it streams the file."""
    from portal_app.office.services import office_settings

    office = office_settings.profile()
    return max(office.client_max_upload_bytes, office.staff_max_upload_bytes) + UPLOAD_OVERHEAD_BYTES


class UploadSizeLimitMiddleware:
    """413 for requests to .../_upload whose body exceeds `max_bytes`.

    Refused up front on Content-Length, and counted while streaming (chunked
    bodies, lying Content-Length): the app's `receive` raises once the total
    passes the cap, and whatever the app then tries to send is replaced by 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int | Callable[[], int], path_suffix: str = UPLOAD_PATH_SUFFIX):
        self.app = app
        # a number, or a function read per request (the office settings' upload limits)
        self._max_bytes = max_bytes
        self.path_suffix = path_suffix

    @property
    def max_bytes(self) -> int:
        return self._max_bytes() if callable(self._max_bytes) else self._max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").rstrip("/").endswith(self.path_suffix):
            await self.app(scope, receive, send)
            return

        limit = self.max_bytes
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await _send_413(send)
                    return

        state = {"received": 0, "exceeded": False, "app_started": False, "sent_413": False}

        async def limited_receive() -> Message:
            if state["exceeded"]:
                raise _BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["exceeded"] = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            if state["exceeded"]:
                return await _finish_too_large()
            if message["type"] == "http.response.start":
                state["app_started"] = True
            await send(message)

        async def _finish_too_large() -> None:
            if state["sent_413"]:
                return
            state["sent_413"] = True
            if not state["app_started"]:
                await _send_413(send)
            else:  # a streamed response had begun: end it
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            pass
        except Exception:
            if not state["exceeded"]:
                raise
        if state["exceeded"]:
            await _finish_too_large()


# --------------------------------------------------------------------------
# Origin check for plain POST routes (login, logout, ...)
# --------------------------------------------------------------------------


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Any, settings: Settings | None = None) -> bool:
    """True when the request comes from a page of the portal itself.

    Use on every state-changing plain HTTP route (POST /login etc.) against CSRF.
    Our pages send `Referrer-Policy: no-referrer`, so browsers submit their forms
    with `Origin: null` and no Referer; for those the browser's own
    `Sec-Fetch-Site: same-origin` (a header pages cannot forge) decides.
    A request with none of these headers is refused.
    """
    settings = settings or get_settings()
    expected = settings.public_origin.lower()
    headers = request.headers
    origin = headers.get("origin")
    if origin and origin != "null":
        return _origin_of(origin) == expected
    referer = headers.get("referer")
    if referer:
        return _origin_of(referer) == expected
    return bool(headers.get("sec-fetch-site") == "same-origin")


# --------------------------------------------------------------------------
# Favicon and apple-touch icon
# --------------------------------------------------------------------------

FAVICON_PATH = "/favicon.ico"
TOUCH_ICON_PATH = "/apple-touch-icon.png"
# The defaults shipped in assets/ (Reflex copies them into the build, so a
# reverse proxy serving the build, and the dev server, find them too).
DEFAULT_ICONS = {
    FAVICON_PATH: PROJECT_ROOT / "assets" / "favicon.ico",
    TOUCH_ICON_PATH: PROJECT_ROOT / "assets" / "apple-touch-icon.png",
}
ICON_TYPES = {FAVICON_PATH: "image/x-icon", TOUCH_ICON_PATH: "image/png"}
FAVICON_SIZES = [(16, 16), (32, 32), (48, 48)]
TOUCH_ICON_SIDE = 180
_ICON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def icon_from_logo(logo_png: bytes, path: str) -> bytes:
    """The office logo centred on a square canvas: an ICO for /favicon.ico, a PNG for the touch icon."""
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(logo_png), formats=["PNG"]) as opened:
        logo = opened.convert("RGBA")
    side = max(logo.size)
    # iOS shows a transparent touch icon on black: give it a white ground.
    ground = (255, 255, 255, 255) if path == TOUCH_ICON_PATH else (0, 0, 0, 0)
    square = Image.new("RGBA", (side, side), ground)
    square.alpha_composite(logo, ((side - logo.width) // 2, (side - logo.height) // 2))
    out = BytesIO()
    if path == FAVICON_PATH:
        square.save(out, format="ICO", sizes=FAVICON_SIZES)
    else:
        square = square.resize((TOUCH_ICON_SIDE, TOUCH_ICON_SIDE), Image.Resampling.LANCZOS)
        square.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


class IconSource:
    """The bytes of the two icons: made from the office logo when there is one, else the shipped defaults."""

    def __init__(
        self,
        settings: Callable[[], Settings] = get_settings,
        logo: Callable[[], tuple[str, bytes] | None] | None = None,
    ):
        self._settings = settings
        self._logo = logo or self._office_logo
        self._lock = threading.Lock()
        # (path, logo file name or "") -> (bytes, etag); one logo at a time is kept
        self._made: dict[tuple[str, str], tuple[bytes, str]] = {}

    def _office_logo(self) -> tuple[str, bytes] | None:
        from portal_app.office.services import branding, office_settings

        profile = office_settings.profile()
        path = branding.logo_path(self._settings(), profile)
        data = branding.read_logo(path) if path is not None else None
        return (profile.logo_file, data) if data is not None else None

    def icon(self, path: str) -> tuple[bytes, str] | None:
        """(bytes, quoted etag) of the icon at `path`, or None when there is none."""
        try:
            logo = self._logo()
        except Exception:  # no database (yet): the default icon still serves
            logo = None
        key = (path, logo[0] if logo else "")
        with self._lock:
            made = self._made.get(key)
        if made is not None:
            return made
        data: bytes | None = None
        if logo is not None:
            try:
                data = icon_from_logo(logo[1], path)
            except Exception:  # a logo Pillow cannot read after all: fall back to the default
                data = None
        if data is None:
            try:
                data = DEFAULT_ICONS[path].read_bytes()
            except OSError:
                return None
        made = (data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"')
        with self._lock:
            if len(self._made) > 8:
                self._made.clear()
            self._made[key] = made
        return made


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


def icon_routes(source: IconSource | None = None) -> list[BaseRoute]:
    """GET/HEAD /favicon.ico and /apple-touch-icon.png (no sign-in: every page, the login page too, shows them).

    The page head links to fixed URLs, so the answer is `no-cache` with an ETag:
    a browser revalidates (304) and sees a new office logo on its next visit.
    """
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    icons = source or IconSource()

    async def icon(request: Request) -> Response:
        path = request.url.path
        found = await run_in_threadpool(icons.icon, path)
        if found is None:
            return PlainTextResponse(
                "Not found", status_code=404, headers={**_ICON_HEADERS, "Cache-Control": "no-store"}
            )
        data, etag = found
        headers = {**_ICON_HEADERS, "Cache-Control": CACHE_REVALIDATE.decode(), "ETag": etag}
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        body = b"" if request.method == "HEAD" else data
        headers["Content-Length"] = str(len(data))
        return Response(body, media_type=ICON_TYPES[path], headers=headers)

    return [Route(path, icon, methods=["GET", "HEAD"]) for path in (FAVICON_PATH, TOUCH_ICON_PATH)]


# --------------------------------------------------------------------------
# Operations: /ready and /metrics (the checks and numbers: core/services/readiness.py, metrics.py)
# --------------------------------------------------------------------------


async def ready(_request: Any) -> Any:
    """GET /ready: 200 when every check passes, else 503; one `name: detail` line per check.

    `/health` (accounts/api.py) stays process-only: a proxy restarts nothing because the database blinked.
    """
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse

    from portal_app.core.services import readiness

    checks = await run_in_threadpool(readiness.run_checks)
    body = "\n".join(f"{check.name}: {check.detail}" for check in checks) + "\n"
    status = 200 if all(check.ok for check in checks) else 503
    return PlainTextResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def metrics_endpoint(request: Any) -> Any:
    """GET /metrics: 404 while METRICS_TOKEN is unset, 401 without `Authorization: Bearer <METRICS_TOKEN>`."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse

    from portal_app.core.services import metrics

    token = get_settings().metrics_token
    headers = {"Cache-Control": "no-store"}
    if not token:
        return PlainTextResponse("Not found", status_code=404, headers=headers)
    if not metrics.token_matches(request.headers.get("authorization"), token):
        return PlainTextResponse(
            "Unauthorized", status_code=401, headers={**headers, "WWW-Authenticate": 'Bearer realm="metrics"'}
        )
    body = await run_in_threadpool(metrics.exposition)
    return PlainTextResponse(body, headers=headers, media_type="text/plain; version=0.0.4")


def operations_routes() -> list[BaseRoute]:
    """/metrics (mounted in portal_app.py; /ready sits with /health in accounts/api.py)."""
    from starlette.routing import Route

    return [Route("/metrics", metrics_endpoint, methods=["GET"])]


# --------------------------------------------------------------------------
# Mounting
# --------------------------------------------------------------------------


def transformers(
    settings: Settings | None = None,
    build_dir: Path | None = None,
    upload_max_bytes: int | None = None,
    routes: list[BaseRoute] | None = None,
) -> list[Any]:
    """The `api_transformer` list for rx.App: plain HTTP routes (default: downloads) and the icons, upload cap,
    page paths, security headers, request log and metrics, and outermost the trusted-proxy rewrite (core/services/proxy.py)."""
    from starlette.applications import Starlette

    from portal_app.core.services import metrics
    from portal_app.core.services.proxy import ProxyHeadersMiddleware
    from portal_app.documents import api as downloads

    settings = settings or get_settings()
    upload_limit: int | Callable[[], int] = upload_max_bytes if upload_max_bytes is not None else _office_upload_cap
    wrap_upload: Callable[[ASGIApp], ASGIApp] = lambda app: UploadSizeLimitMiddleware(app, upload_limit)  # noqa: E731
    wrap_headers: Callable[[ASGIApp], ASGIApp] = lambda app: SecurityHeadersMiddleware(app, settings, build_dir)  # noqa: E731
    wrap_pages: Callable[[ASGIApp], ASGIApp] = lambda app: PagePathsMiddleware(app, build_dir)  # noqa: E731
    plain_routes = [*(downloads.routes if routes is None else routes), *icon_routes()]
    wrap_log: Callable[[ASGIApp], ASGIApp] = lambda app: metrics.RequestLogMiddleware(app)  # noqa: E731
    wrap_proxy: Callable[[ASGIApp], ASGIApp] = lambda app: ProxyHeadersMiddleware(app, settings.trusted_proxies)  # noqa: E731
    return [Starlette(routes=plain_routes), wrap_upload, wrap_pages, wrap_headers, wrap_log, wrap_proxy]
