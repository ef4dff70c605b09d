"""smm: social accounts of projects and their weekly figures

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "smm_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=False),
        sa.Column("week_end", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_status", sa.String(length=8), nullable=True),
        sa.Column("channel_count", sa.Integer(), nullable=True),
        sa.Column("channel_counted_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_smm_accounts_project_id_projects"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["responsible_id"], ["members.id"],
                                name=op.f("fk_smm_accounts_responsible_id_members"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["created_by"], ["members.id"], name=op.f("fk_smm_accounts_created_by_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smm_accounts")),
        sa.UniqueConstraint("project_id", "network", "handle", name="uq_smm_accounts_project_handle"),
    )
    op.create_index(op.f("ix_smm_accounts_project_id"), "smm_accounts", ["project_id"])
    op.create_index(op.f("ix_smm_accounts_responsible_id"), "smm_accounts", ["responsible_id"])
    op.create_index(op.f("ix_smm_accounts_chat_id"), "smm_accounts", ["chat_id"])
    op.create_table(
        "smm_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("week_end", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in (
            "followers", "posts", "likes", "comments", "saves", "shares", "reach", "views", "interactions")),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["smm_accounts.id"],
                                name=op.f("fk_smm_weeks_account_id_smm_accounts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reported_by"], ["members.id"], name=op.f("fk_smm_weeks_reported_by_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smm_weeks")),
        sa.UniqueConstraint("account_id", "week_end", name="uq_smm_weeks_account_week"),
    )
    op.create_index("ix_smm_weeks_week_end", "smm_weeks",
                    ["week_end", "account_id", "followers", "likes", "comments", "saves", "shares", "reach"])


def downgrade() -> None:
    op.drop_index("ix_smm_weeks_week_end", table_name="smm_weeks")
    op.drop_table("smm_weeks")
    op.drop_index(op.f("ix_smm_accounts_chat_id"), table_name="smm_accounts")
    op.drop_index(op.f("ix_smm_accounts_responsible_id"), table_name="smm_accounts")
    op.drop_index(op.f("ix_smm_accounts_project_id"), table_name="smm_accounts")
    op.drop_table("smm_accounts")
