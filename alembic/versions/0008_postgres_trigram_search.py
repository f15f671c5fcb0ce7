"""PostgreSQL: trigram indexes of the staff search boxes' texts (pg_trgm)

The staff dossier search and the client search look for a part of a folded text
(`dossier.staff_search_text`, `account.client_search_text`) with LIKE '%part%'. On SQLite the
dossier search has its FTS5 trigram index since 0006. On PostgreSQL an ordinary index cannot
find a part of a text: the search read every entry of the column's index (20,000 dossiers of a
generated big office per keystroke). A pg_trgm GIN index gives PostgreSQL's LIKE the same
answer from the trigrams it holds (issue 19).

pg_trgm ships with PostgreSQL (Debian's postgresql package holds it) and is a trusted
extension since PostgreSQL 13: the portal's database owner may create it. If the database
refuses, the upgrade stops with what to run as the postgres user. SQLite: nothing to do.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:30:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = (
    ("ix_dossier_staff_search_text_trigram", "dossier", "staff_search_text"),
    ("ix_account_client_search_text_trigram", "account", "client_search_text"),
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        database = connection.exec_driver_sql("SELECT current_database()").scalar()
        raise RuntimeError(
            f"PostgreSQL did not let the portal create the pg_trgm extension ({error.orig}). "
            f"Run once as the postgres user: sudo -u postgres psql -d {database} -c 'CREATE EXTENSION pg_trgm', "
            "then run the upgrade again."
        ) from error
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
