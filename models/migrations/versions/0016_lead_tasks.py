"""leads and tasks joined: the foreign key of ``tasks.lead_id`` (set null when a lead is deleted); the /funnel
month counters ``lead_counts`` (backfilled by migration 0018, with the spans it adds)

SQLite cannot add a constraint to an existing table: ``batch_alter_table`` copies the table there (and is a
plain ALTER TABLE on PostgreSQL).

Revision ID: 0016
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a task may name a lead that no longer exists (the column had no constraint): unlink it first
    op.execute("UPDATE tasks SET lead_id = NULL WHERE lead_id IS NOT NULL"
               " AND lead_id NOT IN (SELECT id FROM leads)")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_tasks_lead_id_leads"), "leads", ["lead_id"], ["id"],
                                    ondelete="SET NULL")
    op.create_table(
        "lead_counts",
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("sig", sa.String(length=250), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "metric", "owner_id", "source", "product_id", "stage_id", "sig", "bucket",
                                name=op.f("pk_lead_counts")),
    )
    # the backfill is migration 0018's (the same recount, with the spans it adds): until then /funnel recounts


def downgrade() -> None:
    op.drop_table("lead_counts")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_lead_id_leads"), type_="foreignkey")
