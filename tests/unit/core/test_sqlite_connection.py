"""Every SQLite connection of the portal gets its settings (core/services/db.py)."""

from __future__ import annotations

from sqlalchemy import text

from portal_app.core.services.db import SQLITE_CACHE_KIB, make_engine


def test_sqlite_connections_use_wal_foreign_keys_and_a_page_cache_for_a_big_office(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
            # negative: KiB, not pages; 32 MB holds a 20,000-dossier office's search columns
            assert connection.execute(text("PRAGMA cache_size")).scalar() == -SQLITE_CACHE_KIB == -32 * 1024
    finally:
        engine.dispose()
