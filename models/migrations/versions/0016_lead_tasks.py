"""leads and tasks joined: the foreign key of ``tasks.lead_id`` (set null when a lead is deleted)

SQLite cannot add a constraint to an existing table: ``batch_alter_table`` copies the table there (and is a
plain ALTER TABLE on PostgreSQL).

Revision ID: 0016
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a task may name a lead that no longer exists (the column had no constraint): unlink it first
    op.execute("UPDATE tasks SET lead_id = NULL WHERE lead_id IS NOT NULL"
               " AND lead_id NOT IN (SELECT id FROM leads)")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_tasks_lead_id_leads"), "leads", ["lead_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_lead_id_leads"), type_="foreignkey")
