"""The staff world of tests/unit/conftest.py builds (the fixture most staff tests use)."""

from __future__ import annotations

from portal_app.accounts.models import StaffRole


def test_world_builds(world):
    assert world.admin.staff_role == StaffRole.ADMIN
    assert world.client.is_staff is False
