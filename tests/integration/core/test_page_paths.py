"""Page URLs answered from the build without a redirect, and pages with a parameter preloading
their own modules (issue 19: core/services/page_paths.py, core/api.py PagePathsMiddleware)."""

from __future__ import annotations

import gzip
import json
import warnings

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from portal_app.core.api import PagePathsMiddleware
from portal_app.core.services import page_paths

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

FALLBACK = (
    '<!DOCTYPE html><html><head><link rel="modulepreload" href="/assets/entry.client-AAAAAAAA.js"/>'
    '<link rel="modulepreload" href="/assets/root-BBBBBBBB.js"/></head><body>fallback</body></html>'
)
MANIFEST = {
    "entry": {"module": "/assets/entry.client-AAAAAAAA.js", "imports": []},
    "routes": {
        "root": {"id": "root", "path": "", "module": "/assets/root-BBBBBBBB.js", "imports": []},
        "routes/[login]._index": {
            "id": "routes/[login]._index",
            "path": "login",
            "index": True,
            "module": "/assets/_login_._index-CCCCCCCC.js",
            "imports": [],
        },
        "routes/[dossiers].$[dossier_id]._index": {
            "id": "routes/[dossiers].$[dossier_id]._index",
            "path": "dossiers/:dossier_id",
            "index": True,
            "module": "/assets/_dossiers_.__dossier_id_._index-DDDDDDDD.js",
            "imports": ["/assets/root-BBBBBBBB.js", "/assets/icons-EEEEEEEE.js"],
        },
        "routes/$": {"id": "routes/$", "path": "*", "module": "/assets/splat-FFFFFFFF.js", "imports": []},
    },
}


@pytest.fixture
def client_dir(tmp_path):
    """A production build as Reflex writes it: pages as name.html and name/index.html, the fallback."""
    client = tmp_path / "client"
    (client / "assets").mkdir(parents=True)
    (client / "assets" / "manifest-12345678.js").write_text(
        "window.__reactRouterManifest=" + json.dumps(MANIFEST) + ";", encoding="utf-8"
    )
    (client / "__spa-fallback.html").write_text(FALLBACK, encoding="utf-8")
    (client / "404.html").write_text(FALLBACK, encoding="utf-8")
    (client / "login").mkdir()
    (client / "login" / "index.html").write_text("<html>login page</html>", encoding="utf-8")
    (client / "login.html").write_text("<html>login page</html>", encoding="utf-8")
    (client / "index.html").write_text("<html>home</html>", encoding="utf-8")
    return client


def _served(client_dir, routes=()):
    """The build behind the middleware, served the way `reflex run --env prod` does."""
    from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

    static = PrecompressedStaticFiles(directory=client_dir, html=True, encodings=["gzip"])
    app = Starlette(routes=[*routes, Mount("/", app=static)])
    return TestClient(PagePathsMiddleware(app, client_dir), follow_redirects=False)


def test_route_regex_only_for_routes_with_parameters():
    assert page_paths.route_regex("dossiers/:dossier_id") == r"^/dossiers/[^/]+/?$"
    assert page_paths.route_regex("staff/clienten/:client_id") == r"^/staff/clienten/[^/]+/?$"
    assert page_paths.route_regex("login") is None
    assert page_paths.route_regex("") is None
    assert page_paths.route_regex("*") is None
    assert page_paths.route_regex("files/:id/*") is None  # a splat is left to the fallback


def test_write_route_pages_preloads_the_route_modules(client_dir):
    assert page_paths.write_route_pages(client_dir) == 1
    index = json.loads((client_dir / "__routes" / "index.json").read_text())
    assert [entry["pattern"] for entry in index] == [r"^/dossiers/[^/]+/?$"]
    page = (client_dir / index[0]["page"].lstrip("/")).read_text()
    assert page.count('href="/assets/root-BBBBBBBB.js"') == 1  # already in the fallback: not twice
    head = page.split("</head>")[0]
    assert '<link rel="modulepreload" href="/assets/_dossiers_.__dossier_id_._index-DDDDDDDD.js"/>' in head
    assert '<link rel="modulepreload" href="/assets/icons-EEEEEEEE.js"/>' in head
    assert page.endswith("<body>fallback</body></html>")
    sidecar = client_dir / (index[0]["page"].lstrip("/") + ".gz")
    assert gzip.decompress(sidecar.read_bytes()).decode() == page


def test_write_route_pages_refuses_a_build_without_manifest(client_dir):
    for manifest in (client_dir / "assets").glob("manifest-*.js"):
        manifest.unlink()
    with pytest.raises(ValueError, match="manifest"):
        page_paths.write_route_pages(client_dir)


def test_page_without_slash_is_answered_without_redirect(client_dir):
    client = _served(client_dir)
    # what the static server alone does: a redirect first
    from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

    bare = TestClient(
        Starlette(routes=[Mount("/", app=PrecompressedStaticFiles(directory=client_dir, html=True))]),
        follow_redirects=False,
    )
    assert bare.get("/login").status_code in (301, 307, 308)
    response = client.get("/login?fout=1")
    assert response.status_code == 200 and response.text == "<html>login page</html>"
    assert client.get("/login/").text == "<html>login page</html>"


def test_page_with_parameter_gets_its_route_page(client_dir):
    page_paths.write_route_pages(client_dir)
    client = _served(client_dir)
    for path in ("/dossiers/12", "/dossiers/12/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "_dossiers_.__dossier_id_._index-DDDDDDDD.js" in response.text
    # gzip sidecar served when asked for
    assert client.get("/dossiers/12", headers={"accept-encoding": "gzip"}).headers["content-encoding"] == "gzip"


def test_other_paths_are_untouched(client_dir):
    page_paths.write_route_pages(client_dir)
    route = Route("/files/{document_id:int}", lambda request: PlainTextResponse("file route"))
    client = _served(client_dir, routes=[route])
    assert client.get("/files/7").text == "file route"
    assert client.get("/").text == "<html>home</html>"
    assert client.post("/login").status_code != 200  # only GET and HEAD are rewritten
    assert client.get("/assets/manifest-12345678.js").status_code == 200
    assert client.get("/dossiers/12/extra").text == FALLBACK  # no route: the fallback as before
    # no traversal through the rewrite
    assert page_paths.PagePaths(client_dir).file_for("/../secret") is None


def test_without_route_index_nothing_is_rewritten(client_dir):
    pages = page_paths.PagePaths(client_dir)
    assert pages.file_for("/dossiers/12") is None  # build written before this feature
    page_paths.write_route_pages(client_dir)
    assert pages.file_for("/dossiers/12") == "/__routes/routes_dossiers_dossier_id__index.html"
