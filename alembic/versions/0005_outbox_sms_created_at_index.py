"""outbox sms created_at index

The staff outbox lists text messages newest first and filters them by period (issue 14):
without this index that is a scan and sort of the whole table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:45:00
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index(op.f("ix_outboxsms_created_at"), "outboxsms", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outboxsms_created_at"), table_name="outboxsms")
