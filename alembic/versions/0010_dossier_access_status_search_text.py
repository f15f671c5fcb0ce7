"""the client's dossier list from the access index: dossieraccess.dossier_status, dossier_search_text, unread_count

A search keystroke in the client's dossier list counted its matches by reading, for each of the
client's dossiers, the dossier row for its search text: 0.4-1.2 ms for a client with 700
dossiers (a project developer) on a generated big office, most of the keystroke's database time.
The access row now holds copies of the dossier's status and search text, in the index that
already gives the list's order (account_id, dossier_created_at, dossier_id, dossier_status,
dossier_search_text): the page and the total then read that index alone (0.1 ms; issue 19).
portal_app/dossiers/services/search_index.py keeps the copies in step after every change;
existing rows get theirs here.

The unread badge of each row (documents and office messages the client has not opened) was
counted per row of the page on every keystroke (0.4 ms for a page of 25). The access row now
holds it too (unread_count, in the same index), kept by triggers that recount the rows a change
touches, whoever writes (portal_app/dossiers/models.py: the SQL, and why triggers).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:45:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from portal_app.dossiers.models import RECOUNT, drop_unread_count_ddl, unread_count_ddl

revision: str = "0010"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("dossieraccess", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dossier_status", sa.String(length=30), server_default="", nullable=False))
        batch_op.add_column(sa.Column("dossier_search_text", sa.String(length=400), server_default="", nullable=False))
        batch_op.add_column(sa.Column("unread_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE dossieraccess SET "
        "dossier_status = (SELECT dossier.status FROM dossier WHERE dossier.id = dossieraccess.dossier_id), "
        "dossier_search_text = (SELECT dossier.search_text FROM dossier WHERE dossier.id = dossieraccess.dossier_id) "
        "WHERE EXISTS (SELECT 1 FROM dossier WHERE dossier.id = dossieraccess.dossier_id)"
    )
    op.execute(RECOUNT + "1 = 1")
    for statement in unread_count_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.create_index(
        "ix_dossieraccess_client_list",
        "dossieraccess",
        ["account_id", "dossier_created_at", "dossier_id", "dossier_status", "dossier_search_text", "unread_count"],
        unique=False,
    )
    # its prefix: the new index serves every query the old one did
    op.drop_index("ix_dossieraccess_account_id_dossier_created_at", table_name="dossieraccess")


def downgrade() -> None:
    for statement in drop_unread_count_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.create_index(
        "ix_dossieraccess_account_id_dossier_created_at",
        "dossieraccess",
        ["account_id", "dossier_created_at", "dossier_id"],
        unique=False,
    )
    op.drop_index("ix_dossieraccess_client_list", table_name="dossieraccess")
    with op.batch_alter_table("dossieraccess", schema=None) as batch_op:
        batch_op.drop_column("unread_count")
        batch_op.drop_column("dossier_search_text")
        batch_op.drop_column("dossier_status")
