"""Which file of the frontend build answers a page URL, without an extra round trip (issue 19).

Two costs on the first visit that the production build leaves in:

* `/login` (no slash) is redirected to `/login/` by the static file server before
  the page comes: one more round trip, on a phone easily 300 ms. The build has
  `login.html` next to `login/index.html`; that file answers `/login` at once.
* A page with a parameter (`/dossiers/123`) has no file of its own: the server
  answers with the SPA fallback page, which names only the app's shared modules.
  The browser learns which modules the dossier page needs only after those ran,
  and then fetches them in a second wave. `write_route_pages` (called by
  `scripts/prod_server.py build`) writes, per such route, a copy of the fallback
  page that also preloads that route's modules (from React Router's manifest),
  and an index of the route patterns; `PagePaths.file_for` picks it.

Plain file work, no Reflex import: used by the build script and by the ASGI
middleware in core/api.py.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROUTE_PAGES_DIR = "__routes"
INDEX_NAME = "index.json"
FALLBACK_NAME = "__spa-fallback.html"
_MANIFEST_PREFIX = "window.__reactRouterManifest="
_PARAM_SEGMENT = re.compile(r"^:[A-Za-z_][A-Za-z0-9_]*$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def read_manifest(client_dir: Path) -> dict[str, Any]:
    """React Router's route manifest of the build in `client_dir` (build/client)."""
    found = sorted((client_dir / "assets").glob("manifest-*.js"))
    if len(found) != 1:
        raise ValueError(f"expected one assets/manifest-*.js in {client_dir}, found {len(found)}")
    text = found[0].read_text(encoding="utf-8").strip()
    if not text.startswith(_MANIFEST_PREFIX):
        raise ValueError(f"{found[0]} is not a React Router manifest")
    manifest = json.loads(text[len(_MANIFEST_PREFIX) :].rstrip(";"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{found[0]} holds no route table")
    return manifest


def route_regex(route_path: str) -> str | None:
    """A regex for the URL paths of a route with parameters ("dossiers/:dossier_id"), else None."""
    segments = [segment for segment in route_path.strip("/").split("/") if segment]
    if not any(_PARAM_SEGMENT.match(segment) for segment in segments):
        return None  # static routes have their own prerendered file
    if any(not _PARAM_SEGMENT.match(segment) and re.search(r"[:*?]", segment) for segment in segments):
        return None  # splats and optional segments are left to the fallback page
    parts = ["[^/]+" if _PARAM_SEGMENT.match(segment) else re.escape(segment) for segment in segments]
    return "^/" + "/".join(parts) + "/?$"


def _with_preloads(fallback_html: str, modules: list[str]) -> str:
    missing = [module for module in dict.fromkeys(modules) if f'href="{module}"' not in fallback_html]
    links = "".join(f'<link rel="modulepreload" href="{module}"/>' for module in missing)
    marker = "</head>"
    if marker not in fallback_html:
        raise ValueError("the SPA fallback page has no </head>")
    return fallback_html.replace(marker, links + marker, 1)


def write_route_pages(client_dir: Path) -> int:
    """Write one page per route with parameters, and the index; returns how many pages."""
    manifest = read_manifest(client_dir)
    fallback = (client_dir / FALLBACK_NAME).read_text(encoding="utf-8")
    target = client_dir / ROUTE_PAGES_DIR
    target.mkdir(exist_ok=True)
    index = []
    for route in manifest.get("routes", {}).values():
        pattern = route_regex(route.get("path") or "")
        if pattern is None or not route.get("module"):
            continue
        name = _UNSAFE_NAME.sub("_", route["id"]).strip("_") + ".html"
        html = _with_preloads(fallback, [route["module"], *route.get("imports", [])])
        (target / name).write_text(html, encoding="utf-8")
        (target / f"{name}.gz").write_bytes(gzip.compress(html.encode("utf-8"), compresslevel=9, mtime=0))
        index.append({"pattern": pattern, "page": f"/{ROUTE_PAGES_DIR}/{name}"})
    (target / INDEX_NAME).write_text(json.dumps(index, indent=1), encoding="utf-8")
    return len(index)


@dataclass
class PagePaths:
    """The build's page files for URL paths (the index is read once, on first use)."""

    client_dir: Path
    _routes: list[tuple[re.Pattern[str], str]] | None = None

    def _route_pages(self) -> list[tuple[re.Pattern[str], str]]:
        if self._routes is None:
            try:
                entries = json.loads((self.client_dir / ROUTE_PAGES_DIR / INDEX_NAME).read_text(encoding="utf-8"))
                self._routes = [(re.compile(entry["pattern"]), entry["page"]) for entry in entries]
            except (OSError, ValueError, KeyError, TypeError):
                return []  # no index (yet): nothing is rewritten, looked for again next time
        return self._routes

    def file_for(self, path: str) -> str | None:
        """The path to serve instead of `path`, or None to serve `path` as asked.

        Only page URLs are touched: no file extension in the last segment, nothing
        under /assets or a backend prefix, and never a path the build has a file for.
        """
        if not path.startswith("/") or path == "/" or path.startswith(("/assets/", "/_")) or ".." in path:
            return None
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if "." in last:
            return None
        relative = path.strip("/")
        if not path.endswith("/") and (self.client_dir / f"{relative}.html").is_file():
            return f"/{relative}.html"
        for pattern, page in self._route_pages():
            if pattern.match(path) and not (self.client_dir / relative).exists():
                return page
        return None
