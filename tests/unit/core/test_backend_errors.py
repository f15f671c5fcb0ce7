"""A failed event: the Storing page when the database is unreachable, Reflex's handling otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from portal_app.core.states import backend_errors


def redirect_path(spec) -> str | None:
    if spec is None or "redirect" not in str(spec.handler.fn):
        return None
    return next(str(value).strip('"') for name, value in spec.args if str(name) == "path")


@pytest.mark.parametrize("error", [OperationalError("SELECT 1", {}, Exception("down")), InterfaceError("x", {}, None)])
def test_database_unreachable_sends_the_tab_to_the_storing_page(error):
    assert redirect_path(backend_errors.on_backend_exception(error)) == "/storing"


def test_an_unreachable_database_behind_another_error_counts_too():
    try:
        try:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        except OperationalError as cause:
            raise RuntimeError("the handler failed") from cause
    except RuntimeError as error:
        assert redirect_path(backend_errors.on_backend_exception(error)) == "/storing"


@pytest.mark.parametrize("error", [ValueError("a bug"), IntegrityError("INSERT", {}, Exception("duplicate"))])
def test_other_errors_keep_reflexs_handling(error):
    spec = backend_errors.on_backend_exception(error)
    assert spec is not None and redirect_path(spec) is None


def test_the_storing_page_itself_never_redirects_to_itself(monkeypatch):
    """Its own load fails as well while the database is down: a redirect there would loop."""
    monkeypatch.setattr(backend_errors, "_event_path", lambda: "/storing")
    assert backend_errors.on_backend_exception(OperationalError("x", {}, Exception("down"))) is None
