"""service: the inbox of updates (stored before they are confirmed) and the scheduler leader's lease

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbound_updates")),
    )
    op.create_index("ix_inbound_updates_done_at", "inbound_updates", ["done_at"])
    op.create_index("ix_inbound_updates_sender_id", "inbound_updates", ["sender_id", "done_at"])
    op.create_table(
        "service_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_leases")),
    )


def downgrade() -> None:
    op.drop_table("service_leases")
    op.drop_index("ix_inbound_updates_sender_id", table_name="inbound_updates")
    op.drop_index("ix_inbound_updates_done_at", table_name="inbound_updates")
    op.drop_table("inbound_updates")
