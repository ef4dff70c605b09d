"""the inbox's answered state (``inbound_updates.answered_at``): an update is done when its effects are
committed and answered when its handler returned (its replies went out). A process killed between the two
leaves the update done and unanswered: the next process sends its answer (``bot/inbox.py``). Rows already
done are taken as answered. The partial index holds only the few unanswered rows the sweep looks for.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE inbound_updates SET answered_at = done_at WHERE done_at IS NOT NULL")
    op.create_index("ix_inbound_updates_unanswered", "inbound_updates", ["update_id"],
                    sqlite_where=sa.text("answered_at IS NULL"), postgresql_where=sa.text("answered_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_inbound_updates_unanswered", table_name="inbound_updates")
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.drop_column("answered_at")
