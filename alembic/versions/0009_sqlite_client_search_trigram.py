"""SQLite: a trigram index of the staff client search's text (account_trigram)

The staff client search looks for a part of `account.client_search_text`. On SQLite its count
read every client's search text from ix_account_client_search_text (0.5 ms for 6,000 accounts
of a generated big office, on every keystroke). An FTS5 table with the trigram tokenizer over
the column, kept by triggers like the dossiers' one of 0006, finds the matches in 0.1-0.2 ms
(issue 19). PostgreSQL has its pg_trgm index since 0008.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:05:00
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS account_trigram USING fts5("
    "client_search_text, content='account', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS account_trigram_insert AFTER INSERT ON account BEGIN "
    "INSERT INTO account_trigram(rowid, client_search_text) VALUES (new.id, new.client_search_text); END",
    "CREATE TRIGGER IF NOT EXISTS account_trigram_delete AFTER DELETE ON account BEGIN "
    "INSERT INTO account_trigram(account_trigram, rowid, client_search_text) "
    "VALUES ('delete', old.id, old.client_search_text); END",
    "CREATE TRIGGER IF NOT EXISTS account_trigram_update AFTER UPDATE OF client_search_text ON account BEGIN "
    "INSERT INTO account_trigram(account_trigram, rowid, client_search_text) "
    "VALUES ('delete', old.id, old.client_search_text); "
    "INSERT INTO account_trigram(rowid, client_search_text) VALUES (new.id, new.client_search_text); END",
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for statement in DDL:
        connection.exec_driver_sql(statement)
    # the index of the accounts there are already (an external-content table reads them itself)
    connection.exec_driver_sql("INSERT INTO account_trigram(account_trigram) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("account_trigram_insert", "account_trigram_delete", "account_trigram_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS account_trigram")
