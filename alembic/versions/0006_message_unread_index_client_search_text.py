"""message index for a dossier's unread client messages; the accounts' client search text; trigram index of the staff dossier search

Three costs of the staff searches at 20,000 dossiers and 6,000 accounts (issue 19):

- The staff dossier list counts, for the 25 dossiers of its page, the client messages no staff
  member opened yet (dossier_id IN (...) AND from_office = 0 AND staff_read_at IS NULL). With only
  (dossier_id, from_office) SQLite chose the staff home's (from_office, staff_read_at) index and
  walked every unread client message of the office: 2.7 ms of every keystroke, against 0.1 ms on
  this index. It replaces (dossier_id, from_office), which is its prefix: the client's unread
  counts use it as before.
- The staff client search ran lower(name) LIKE, email LIKE and lower(company_name) LIKE on every
  client account. `account.client_search_text` holds the three folded into one column (None for
  staff), so a keystroke costs one LIKE per account, read from an index of (text, deleted_at,
  name) that also gives the page's order without reading the accounts. Existing accounts get
  theirs here.
- The staff dossier search read every dossier's staff_search_text (LIKE '%straat%': 3-7 ms). On
  SQLite an FTS5 trigram index of that column (dossier_trigram, kept by triggers; see
  portal_app/dossiers/models.py) finds and counts the matches in under a millisecond. It is
  built here from the existing dossiers. PostgreSQL keeps searching with LIKE.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 18:10:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 1000


def upgrade() -> None:
    op.create_index(
        "ix_message_dossier_id_from_office_staff_read_at",
        "message",
        ["dossier_id", "from_office", "staff_read_at"],
        unique=False,
    )
    op.drop_index("ix_message_dossier_id_from_office", table_name="message")

    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_search_text", sa.String(length=700), nullable=True))

    from portal_app.accounts.models import client_search_text

    account = sa.table(
        "account",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("company_name", sa.String),
        sa.column("email", sa.String),
        sa.column("client_search_text", sa.String),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(account.c.id, account.c.kind, account.c.name, account.c.company_name, account.c.email)
            .where(account.c.id > last_id)
            .order_by(account.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for account_id, kind, name, company_name, email in rows:
            connection.execute(
                account.update()
                .where(account.c.id == account_id)
                .values(client_search_text=client_search_text(kind, name, company_name, email))
            )
        last_id = rows[-1][0]
    op.create_index(
        "ix_account_client_search_text", "account", ["client_search_text", "deleted_at", "name"], unique=False
    )

    if connection.dialect.name == "sqlite":
        from portal_app.dossiers.models import STAFF_SEARCH_TRIGRAM_DDL

        for statement in STAFF_SEARCH_TRIGRAM_DDL:
            connection.exec_driver_sql(statement)
        # the index of the dossiers there are already (an external-content table reads them itself)
        connection.exec_driver_sql("INSERT INTO dossier_trigram(dossier_trigram) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("dossier_trigram_insert", "dossier_trigram_delete", "dossier_trigram_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS dossier_trigram")
    op.drop_index("ix_account_client_search_text", table_name="account")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("client_search_text")
    op.create_index("ix_message_dossier_id_from_office", "message", ["dossier_id", "from_office"], unique=False)
    op.drop_index("ix_message_dossier_id_from_office_staff_read_at", table_name="message")
