"""Fixtures the unit tests of several domains share."""

from __future__ import annotations

import pytest

from tests.unit.helpers import World, build_world


@pytest.fixture
def world(db, tmp_path) -> World:
    """The staff world (tests/unit/helpers.py); a test module may define its own `world`."""
    return build_world(db, tmp_path)
