"""Security headers, the page CSP with build script hashes, the upload cap, same_origin."""

from __future__ import annotations

import base64
import hashlib
import warnings

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal_app.core import api as security
from portal_app.core.api import SecurityHeadersMiddleware, UploadSizeLimitMiddleware, same_origin
from portal_app.settings import load_settings

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SCRIPT_1 = 'window.__reactRouterContext = {"basename":"/"};'
SCRIPT_2 = "\n  import('/assets/entry.client-abc.js');\n"
SCRIPT_3 = "(function(){try{document.documentElement.classList.add('light')}catch(e){}})()"
INDEX_HTML = f"""<!DOCTYPE html><html><head>
<script type="module" src="/assets/manifest-1.js"></script>
<script>{SCRIPT_1}</script>
<script type="module">{SCRIPT_2}</script>
</head><body><div id="root"></div></body></html>"""
OTHER_HTML = f"<html><body><SCRIPT data-x='a>b'>{SCRIPT_3}</SCRIPT></body></html>"


def _sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def _settings(tmp_path, public_url="http://localhost:3000"):
    return load_settings(
        {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 40, "PUBLIC_URL": public_url}
    )


def _page(request):
    return PlainTextResponse("hallo")


def _own_csp(request):
    return Response(b"x", headers={"Content-Security-Policy": "sandbox", "X-Frame-Options": "SAMEORIGIN"})


def _app():
    return Starlette(routes=[Route("/", _page), Route("/own", _own_csp)])


@pytest.fixture
def build_dir(tmp_path):
    directory = tmp_path / ".web" / "build" / "client"
    (directory / "dossiers").mkdir(parents=True)
    (directory / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    (directory / "dossiers" / "index.html").write_text(OTHER_HTML, encoding="utf-8")
    return directory


def _csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_headers_on_normal_response(tmp_path, build_dir):
    settings = _settings(tmp_path)
    client = TestClient(SecurityHeadersMiddleware(_app(), settings, build_dir))
    response = client.get("/")
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"
    assert "strict-transport-security" not in headers  # plain http

    csp = _csp_directives(headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert set(csp["script-src"][1:]) == {_sha(SCRIPT_1), _sha(SCRIPT_2), _sha(SCRIPT_3)}
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["font-src"] == ["'self'", "data:"]
    assert "'self'" in csp["connect-src"] and "ws://localhost:3000" in csp["connect-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]


def test_route_headers_are_not_overridden(tmp_path, build_dir):
    client = TestClient(SecurityHeadersMiddleware(_app(), _settings(tmp_path), build_dir))
    response = client.get("/own")
    assert response.headers["content-security-policy"] == "sandbox"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_https_adds_hsts_and_wss(tmp_path, build_dir):
    settings = _settings(tmp_path, "https://portaal.notaris.nl")
    response = TestClient(SecurityHeadersMiddleware(_app(), settings, build_dir)).get("/")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "wss://portaal.notaris.nl" in _csp_directives(response.headers["content-security-policy"])["connect-src"]


def test_hashes_are_computed_lazily_after_the_build(tmp_path):
    build_dir = tmp_path / "later"
    middleware = SecurityHeadersMiddleware(_app(), _settings(tmp_path), build_dir)
    middleware.RETRY_SECONDS = 0
    client = TestClient(middleware)
    before = _csp_directives(client.get("/").headers["content-security-policy"])
    assert before["script-src"] == ["'self'"]
    build_dir.mkdir()
    (build_dir / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    after = _csp_directives(client.get("/").headers["content-security-policy"])
    assert _sha(SCRIPT_1) in after["script-src"]
    # fixed per build once found
    (build_dir / "index.html").write_text("<script>changed()</script>", encoding="utf-8")
    assert _csp_directives(client.get("/").headers["content-security-policy"]) == after


def test_transformers_list(tmp_path):
    settings = _settings(tmp_path)
    items = security.transformers(settings, tmp_path / "build")
    assert isinstance(items[0], Starlette)
    wrapped = items[3](items[2](items[1](lambda scope, receive, send: None)))
    assert isinstance(wrapped, SecurityHeadersMiddleware)
    assert isinstance(wrapped.app, security.PagePathsMiddleware)
    assert isinstance(wrapped.app.app, UploadSizeLimitMiddleware)


# -- upload size cap ---------------------------------------------------------

LIMIT = 1000


def _upload_app(seen: dict):
    async def upload(request: Request):
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            seen["bytes"] = total
        return PlainTextResponse(f"ok {total}")

    async def swallowing(request: Request):
        try:
            await request.body()
        except Exception:  # a handler that hides errors still gets no 200 out
            return PlainTextResponse("handled", status_code=400)
        return PlainTextResponse("ok")

    async def other(request: Request):
        return PlainTextResponse(f"other {len(await request.body())}")

    return Starlette(
        routes=[
            Route("/_upload", upload, methods=["POST"]),
            Route("/backend/_upload", swallowing, methods=["POST"]),
            Route("/other", other, methods=["POST"]),
        ]
    )


def test_upload_refused_on_content_length():
    seen = {}
    client = TestClient(UploadSizeLimitMiddleware(_upload_app(seen), LIMIT))
    response = client.post("/_upload", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert seen == {}  # the app never ran
    assert client.post("/_upload", content=b"x" * LIMIT).text == f"ok {LIMIT}"
    assert client.post("/other", content=b"x" * (LIMIT * 5)).status_code == 200
    assert client.post("/_upload", content=b"x", headers={"content-length": "junk"}).status_code == 413


async def _stream(size: int, chunk: int = 100):
    for _ in range(size // chunk):
        yield b"y" * chunk


async def test_upload_refused_while_streaming_chunked_body():
    seen = {}
    app = UploadSizeLimitMiddleware(_upload_app(seen), LIMIT)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        request = client.build_request("POST", "/_upload", content=_stream(LIMIT * 20))
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        response = await client.send(request)
        assert response.status_code == 413
        assert seen["bytes"] <= LIMIT  # stopped at the cap, not after 20 KB

        response = await client.post("/backend/_upload", content=_stream(LIMIT * 20))
        assert response.status_code == 413

        response = await client.post("/_upload", content=_stream(LIMIT))
        assert response.status_code == 200 and response.text == f"ok {LIMIT}"


async def test_lying_content_length_is_still_capped():
    seen = {}
    app = UploadSizeLimitMiddleware(_upload_app(seen), LIMIT)
    messages = [b"z" * 600, b"z" * 600, b"z" * 600]
    sent = []

    async def receive():
        body = messages.pop(0) if messages else b""
        return {"type": "http.request", "body": body, "more_body": bool(messages)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/_upload",
        "raw_path": b"/_upload",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-length", b"10")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert seen.get("bytes", 0) <= LIMIT


# -- same origin -------------------------------------------------------------


class _Req:
    def __init__(self, **headers):
        self.headers = {k.replace("_", "-"): v for k, v in headers.items()}


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"origin": "https://portaal.notaris.nl"}, True),
        ({"origin": "https://PORTAAL.notaris.nl"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "http://portaal.notaris.nl"}, False),
        ({"origin": "https://portaal.notaris.nl.evil.example"}, False),
        ({"origin": "https://evil.example", "referer": "https://portaal.notaris.nl/login"}, False),
        ({"referer": "https://portaal.notaris.nl/login?next=/"}, True),
        ({"referer": "https://portaal.notaris.nl@evil.example/"}, False),
        ({"origin": "null"}, False),
        ({}, False),
    ],
)
def test_same_origin(tmp_path, headers, expected):
    settings = _settings(tmp_path, "https://portaal.notaris.nl")
    assert same_origin(_Req(**headers), settings) is expected


def test_inline_script_hashes_normalise_newlines():
    assert security.inline_script_hashes("<script>a();\r\nb();</script>") == {_sha("a();\nb();")}
    assert security.inline_script_hashes('<script src="/x.js"></script><script>c()</script>') == {_sha("c()")}


def test_upload_cap_is_read_per_request():
    """The portal passes a function (the office settings' upload limits): a
    changed limit applies to the next upload without a restart."""
    seen = {}
    limit = {"bytes": LIMIT}
    client = TestClient(UploadSizeLimitMiddleware(_upload_app(seen), lambda: limit["bytes"]))
    assert client.post("/_upload", content=b"x" * (LIMIT + 1)).status_code == 413
    limit["bytes"] = LIMIT * 2
    assert client.post("/_upload", content=b"x" * (LIMIT + 1)).text == f"ok {LIMIT + 1}"


def test_office_upload_cap_follows_the_office_settings(tmp_path, monkeypatch):
    from sqlmodel import Session, SQLModel

    from portal_app.core.services.db import make_engine
    from portal_app.office.services import office_settings

    engine = make_engine(f"sqlite:///{tmp_path / 'cap.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr("portal_app.core.services.db.get_engine", lambda: engine)
    office_settings.invalidate()
    with Session(engine) as db:
        office_settings.update(db, {"client_max_upload_mb": "3", "staff_max_upload_mb": "7"}, actor_id=None)
        db.commit()
    assert security._office_upload_cap() == 7 * 1024 * 1024 + security.UPLOAD_OVERHEAD_BYTES
    with Session(engine) as db:
        office_settings.update(db, {"staff_max_upload_mb": "2"}, actor_id=None)
        db.commit()
    assert security._office_upload_cap() == 3 * 1024 * 1024 + security.UPLOAD_OVERHEAD_BYTES
    office_settings.invalidate()
    engine.dispose()


# -- caching of the build's static files ---------------------------------------


def _static_app(build_dir, routes=()):
    """The build served the way `reflex run --env prod` does (PrecompressedStaticFiles, gzip sidecars)."""
    from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles
    from starlette.routing import Mount

    static = PrecompressedStaticFiles(directory=build_dir, html=True, encodings=["gzip"])
    return Starlette(routes=[*routes, Mount("/", app=static)])


@pytest.fixture
def served_build(build_dir):
    import gzip

    assets = build_dir / "assets"
    assets.mkdir()
    script = b"console.log('portal');" * 50
    (assets / "entry.client-BIZoJNQ2.js").write_bytes(script)
    (assets / "entry.client-BIZoJNQ2.js.gz").write_bytes(gzip.compress(script, mtime=0))
    (assets / "manifest-bb649e12.js").write_bytes(b"m()")
    (assets / "unhashed.js").write_bytes(b"u()")
    (build_dir / "portal.css").write_text("body{}", encoding="utf-8")
    (build_dir / "index.html.gz").write_bytes(gzip.compress(INDEX_HTML.encode(), mtime=0))
    return build_dir


def _documents_route():
    from portal_app.documents import api as downloads

    # the download route's own headers, plus a validator: the route's no-store still wins
    headers = {**downloads.COMMON_HEADERS, "Last-Modified": "Sun, 06 Dec 2026 09:00:00 GMT"}
    return Route("/files/{file_id}", lambda request: Response(b"pdf", headers=headers))


def test_hashed_build_files_are_immutable(tmp_path, served_build):
    client = TestClient(SecurityHeadersMiddleware(_static_app(served_build), _settings(tmp_path), served_build))
    for path in ("/assets/entry.client-BIZoJNQ2.js", "/assets/manifest-bb649e12.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"  # the security headers stay
        assert "content-security-policy" in response.headers
    # an unhashed file in assets/ and a missing hashed one are not cached for good
    assert client.get("/assets/unhashed.js").headers["cache-control"] == "no-cache"
    missing = client.get("/assets/gone-AAAAAAAA.js")
    assert missing.status_code == 404 and "immutable" not in missing.headers.get("cache-control", "")


def test_pre_compressed_sidecars_are_served_gzip(tmp_path, served_build):
    client = TestClient(SecurityHeadersMiddleware(_static_app(served_build), _settings(tmp_path), served_build))
    response = client.get("/assets/entry.client-BIZoJNQ2.js", headers={"accept-encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content == b"console.log('portal');" * 50  # httpx decoded it
    plain = client.get("/assets/entry.client-BIZoJNQ2.js", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    page = client.get("/", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and page.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/", "/index.html", "/portal.css"])
def test_html_and_unhashed_files_revalidate(tmp_path, served_build, path):
    client = TestClient(SecurityHeadersMiddleware(_static_app(served_build), _settings(tmp_path), served_build))
    response = client.get(path, headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    etag, modified = response.headers["etag"], response.headers["last-modified"]
    assert response.headers["x-frame-options"] == "DENY"

    again = client.get(path, headers={"accept-encoding": "identity", "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == "no-cache" and again.headers["etag"] == etag
    since = client.get(path, headers={"accept-encoding": "identity", "if-modified-since": modified})
    assert since.status_code == 304


def test_route_responses_keep_their_own_cache_control(tmp_path, served_build):
    app = _static_app(served_build, routes=[_documents_route(), Route("/plain", _page)])
    client = TestClient(SecurityHeadersMiddleware(app, _settings(tmp_path), served_build))
    response = client.get("/files/7")
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers["x-content-type-options"] == "nosniff"
    # a route without a validator is left as it was
    assert "cache-control" not in client.get("/plain").headers


def test_cache_control_rules():
    hashed = "/assets/_dossiers_.__dossier_id_._index-a50fWEXy.js"
    assert security.cache_control("GET", hashed, 200, set()) == security.CACHE_IMMUTABLE
    assert security.cache_control("HEAD", "/prefix/assets/root-CG_mNDhm.js", 304, set()) == security.CACHE_IMMUTABLE
    assert security.cache_control("GET", hashed, 404, set()) is None
    assert security.cache_control("POST", hashed, 200, set()) is None
    assert security.cache_control("GET", "/dossiers", 200, {b"etag"}) == security.CACHE_REVALIDATE
    assert security.cache_control("GET", "/_upload", 200, set()) is None


# -- favicon and apple-touch icon ---------------------------------------------


def _logo_png(width=60, height=20) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _icon_client(tmp_path, served_build, logo):
    source = security.IconSource(logo=lambda: logo["value"])
    app = _static_app(served_build, routes=security.icon_routes(source))
    return TestClient(SecurityHeadersMiddleware(app, _settings(tmp_path), served_build))


def test_default_icons_are_served(tmp_path, served_build):
    from io import BytesIO

    from PIL import Image

    client = _icon_client(tmp_path, served_build, {"value": None})
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200
    assert favicon.headers["content-type"] == "image/x-icon"
    assert favicon.content == security.DEFAULT_ICONS["/favicon.ico"].read_bytes()
    assert favicon.headers["cache-control"] == "no-cache"
    assert favicon.headers["x-content-type-options"] == "nosniff"
    assert client.get("/favicon.ico", headers={"if-none-match": favicon.headers["etag"]}).status_code == 304
    assert client.head("/favicon.ico").status_code == 200

    touch = client.get("/apple-touch-icon.png")
    assert touch.status_code == 200 and touch.headers["content-type"] == "image/png"
    assert Image.open(BytesIO(touch.content)).size == (180, 180)


def test_icons_follow_the_office_logo(tmp_path, served_build):
    from io import BytesIO

    from PIL import Image

    logo = {"value": ("logo-0123456789abcdef.png", _logo_png())}
    client = _icon_client(tmp_path, served_build, logo)
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.headers["content-type"] == "image/x-icon"
    assert favicon.content != security.DEFAULT_ICONS["/favicon.ico"].read_bytes()
    icon = Image.open(BytesIO(favicon.content))
    assert icon.format == "ICO" and icon.size[0] == icon.size[1]
    touch = Image.open(BytesIO(client.get("/apple-touch-icon.png").content)).convert("RGB")
    assert touch.size == (180, 180)
    assert touch.getpixel((90, 90)) == (200, 30, 30) and touch.getpixel((90, 5)) == (255, 255, 255)

    # a new logo: the old ETag no longer matches, so the browser gets the new icon
    logo["value"] = ("logo-fedcba9876543210.png", _logo_png(20, 60))
    changed = client.get("/favicon.ico", headers={"if-none-match": favicon.headers["etag"]})
    assert changed.status_code == 200 and changed.content != favicon.content
    # logo removed: the default again
    logo["value"] = None
    assert client.get("/favicon.ico").content == security.DEFAULT_ICONS["/favicon.ico"].read_bytes()


def test_icons_are_mounted_by_transformers(tmp_path):
    items = security.transformers(_settings(tmp_path), tmp_path / "build", routes=[])
    paths = {route.path for route in items[0].routes}
    assert {"/favicon.ico", "/apple-touch-icon.png"} <= paths
