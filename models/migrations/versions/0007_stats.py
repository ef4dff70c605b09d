"""counters: member/day/project month stats and rating stats, kept with every write; backfilled

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:45:00

The backfill recomputes the counters with :func:`bot.services.stats.rebuild_sync` in the team time
zone: ``TIMEZONE`` from the environment (default ``Europe/Moscow``), or the ``timezone`` attribute of
the Alembic config. The zone is recorded in ``stats_meta``; ``python -m bot`` rebuilds the counters at
start-up when ``TIMEZONE`` differs from it (``python -m bot rebuild-stats`` does it on demand).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.Integer(), nullable=False, server_default="0") for n in names]


def upgrade() -> None:
    op.create_table(
        "member_month_stats",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        *_counts("written", "sent", "revision", "approved", "revisions"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_month_stats_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stream_id"], ["streams.id"], name=op.f("fk_member_month_stats_stream_id_streams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("month", "member_id", "stream_id", name=op.f("pk_member_month_stats")),
    )
    op.create_table(
        "member_day_stats",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        *_counts("done"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_day_stats_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("day", "member_id", name=op.f("pk_member_day_stats")),
    )
    op.create_index("ix_member_day_stats_member_day", "member_day_stats", ["member_id", "day"], unique=False)
    op.create_index("ix_member_day_stats_day_done", "member_day_stats", ["day", "member_id", "done"], unique=False)
    op.create_table(
        "project_month_stats",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        *_counts("done", "revisions"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_project_month_stats_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_project_month_stats_project_id_projects"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("month", "member_id", "project_id", name=op.f("pk_project_month_stats")),
    )
    op.create_table(
        "rating_stats",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("rated_id", sa.Integer(), nullable=False),
        *_counts("count", "raters", "total", "s1", "s2", "s3", "s4", "s5"),
        sa.ForeignKeyConstraint(["policy_id"], ["rating_policies.id"],
                                name=op.f("fk_rating_stats_policy_id_rating_policies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rated_id"], ["members.id"], name=op.f("fk_rating_stats_rated_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period", "policy_id", "rated_id", name=op.f("pk_rating_stats")),
    )
    op.create_table(
        "stats_meta",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stats_meta")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("ix_plans_month", ["month"], unique=False)

    from bot.services.stats import rebuild_sync

    tz = context.config.attributes.get("timezone") or os.environ.get("TIMEZONE") or "Europe/Moscow"
    rebuild_sync(op.get_bind(), tz)


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("ix_plans_month")
    for table in ("stats_meta", "rating_stats", "project_month_stats", "member_day_stats", "member_month_stats"):
        op.drop_table(table)
