"""tasks with reminders: the tasks table (a recurring task is a chain of rows); ``lead_id`` without a foreign
key until the leads table exists (the leads feature adds it)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("recurrence", sa.String(length=8), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["creator_id"], ["members.id"], name=op.f("fk_tasks_creator_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignee_id"], ["members.id"], name=op.f("fk_tasks_assignee_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_tasks_unit_id_units"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["done_by"], ["members.id"], name=op.f("fk_tasks_done_by_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("ix_tasks_status_due_at", "tasks", ["status", "due_at"])
    op.create_index("ix_tasks_assignee_status_due_at", "tasks", ["assignee_id", "status", "due_at"])
    op.create_index("ix_tasks_creator_status_due_at", "tasks", ["creator_id", "status", "due_at"])
    op.create_index("ix_tasks_lead_id", "tasks", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_lead_id", table_name="tasks")
    op.drop_index("ix_tasks_creator_status_due_at", table_name="tasks")
    op.drop_index("ix_tasks_assignee_status_due_at", table_name="tasks")
    op.drop_index("ix_tasks_status_due_at", table_name="tasks")
    op.drop_table("tasks")
