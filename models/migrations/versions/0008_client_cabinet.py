"""client cabinet: the client role (no department), client projects, client invites, client decisions,
project approval mode

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.alter_column("department_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("invites") as batch:
        batch.alter_column("department_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("approval_mode", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("show_authors", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "client_projects",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_client_projects_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_client_projects_project_id_projects"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["added_by"], ["members.id"], name=op.f("fk_client_projects_added_by_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("member_id", "project_id", name=op.f("pk_client_projects")),
    )
    op.create_index(op.f("ix_client_projects_project_id"), "client_projects", ["project_id"])
    op.create_table(
        "invite_projects",
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["invite_id"], ["invites.id"], name=op.f("fk_invite_projects_invite_id_invites"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_invite_projects_project_id_projects"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("invite_id", "project_id", name=op.f("pk_invite_projects")),
    )
    op.create_table(
        "client_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("round_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_client_decisions_unit_id_units"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["members.id"], name=op.f("fk_client_decisions_client_id_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_decisions")),
        sa.UniqueConstraint("unit_id", "round_at", name="uq_client_decisions_unit_round"),
    )
    op.create_index(op.f("ix_client_decisions_unit_id"), "client_decisions", ["unit_id"])
    op.create_index(op.f("ix_client_decisions_decided_at"), "client_decisions", ["decided_at"])


def downgrade() -> None:
    op.drop_table("client_decisions")
    op.drop_table("invite_projects")
    op.drop_index(op.f("ix_client_projects_project_id"), table_name="client_projects")
    op.drop_table("client_projects")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("show_authors")
        batch.drop_column("approval_mode")
    with op.batch_alter_table("invites") as batch:
        batch.alter_column("department_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("members") as batch:
        batch.alter_column("department_id", existing_type=sa.Integer(), nullable=False)
