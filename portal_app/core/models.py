"""Shared helpers for the tables: every timestamp is timezone-aware UTC (SQLModel refuses naive ones).

Row ids: every table declares `id: int | None` because a new row has no id until the
session flushes it. A row read from the database, or flushed, always has one, so the
services state that with `assert row.id is not None` (or bind `row_id = row.id` and assert
once per function) before passing the id on as an `int`: a None there is a programming
error, never a case to handle, and the assert makes mypy agree.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
