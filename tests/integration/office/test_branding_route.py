"""GET /branding/logo.png: the office's current logo, public, cacheable, sandboxed; 404 without one."""

from __future__ import annotations

import warnings
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session
from starlette.applications import Starlette

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from portal_app.accounts.models import StaffRole
from portal_app.accounts.services import accounts
from portal_app.core.api import SecurityHeadersMiddleware
from portal_app.office import api as branding_route
from portal_app.office.services import branding, office_settings
from portal_app.settings import load_settings

ORIGIN = "http://portaal.test:3000"


def png(width=900, height=300) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (122, 31, 31)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 40, "PUBLIC_URL": ORIGIN}
    )


@pytest.fixture
def admin(engine):
    with Session(engine, expire_on_commit=False) as db:
        account = accounts.create_staff(db, email="notaris@kantoor.nl", name="Notaris", role=StaffRole.ADMIN)
        db.commit()
    return account


@pytest.fixture
def client(engine, settings, tmp_path):
    office_settings.invalidate()
    app = Starlette(routes=branding_route.make_routes(engine=engine, settings=settings))
    wrapped = SecurityHeadersMiddleware(app, settings, tmp_path / "no-build")
    with TestClient(wrapped, base_url=ORIGIN, follow_redirects=False) as test_client:
        yield test_client


def set_logo(engine, settings, admin, data=None):
    with Session(engine, expire_on_commit=False) as db:
        profile = branding.store_logo(
            session=db, actor=admin, filename="logo.png", data=data or png(), settings=settings
        )
        db.commit()
    return profile


def test_no_logo_gives_404(client):
    response = client.get("/branding/logo.png")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not response.headers["content-type"].startswith("image/")


def test_current_logo_is_served_with_safe_cacheable_headers(client, engine, settings, admin):
    profile = set_logo(engine, settings, admin)
    response = client.get(profile.logo_url)  # /branding/logo.png?v=<version>, as the pages link it
    assert response.status_code == 200
    assert response.content == branding.logo_path(settings, profile).read_bytes()
    headers = response.headers
    assert headers["content-type"] == "image/png"
    assert headers["cache-control"] == "public, max-age=86400"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; sandbox"  # not replaced by the page CSP
    assert headers["content-length"] == str(len(response.content))
    assert "set-cookie" not in headers
    with Image.open(BytesIO(response.content)) as image:
        assert image.format == "PNG" and image.size == (600, 200)

    head = client.head("/branding/logo.png")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(response.content))


def test_a_new_logo_replaces_the_old_and_removal_gives_404(client, engine, settings, admin):
    first = set_logo(engine, settings, admin, png(300, 100))
    second = set_logo(engine, settings, admin, png(200, 200))
    assert first.logo_url != second.logo_url
    response = client.get(first.logo_url)  # an old versioned URL gets the current logo
    with Image.open(BytesIO(response.content)) as image:
        assert image.size == (200, 200)
    with Session(engine) as db:
        branding.remove_logo(session=db, actor=admin)
        db.commit()
    assert client.get("/branding/logo.png").status_code == 404


def test_missing_file_gives_404(client, engine, settings, admin):
    profile = set_logo(engine, settings, admin)
    branding.logo_path(settings, profile).unlink()
    assert client.get("/branding/logo.png").status_code == 404


def test_only_get_and_head(client, engine, settings, admin):
    set_logo(engine, settings, admin)
    assert client.post("/branding/logo.png").status_code == 405
    assert client.put("/branding/logo.png", content=png()).status_code == 405


def test_route_is_registered_in_the_app():
    paths = [route.path for route in branding_route.routes]
    assert paths == ["/branding/logo.png"]
    app_module = Path(branding_route.__file__).resolve().parent.parent / "portal_app.py"
    assert "*branding_routes.routes" in app_module.read_text(encoding="utf-8")
