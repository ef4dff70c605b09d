"""honest delivery: members' Telegram language, delivery payloads, rating forms claimed before sending

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("telegram_language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
    with op.batch_alter_table("rating_forms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("error", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("reminder_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reminder_claimed_at", sa.DateTime(timezone=True), nullable=True))
    # forms recorded before this migration were recorded as sent
    op.execute("UPDATE rating_forms SET status = 'sent' WHERE sent_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("rating_forms", schema=None) as batch_op:
        batch_op.drop_column("reminder_claimed_at")
        batch_op.drop_column("reminder_status")
        batch_op.drop_column("error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("status")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("payload")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("telegram_language")
