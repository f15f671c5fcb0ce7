"""Shared helpers for the tables: every timestamp is timezone-aware UTC (SQLModel refuses naive ones)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
