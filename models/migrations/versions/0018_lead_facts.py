"""lead_facts: each lead's facts at their instants (exact /funnel medians, any period); the lead counters rebuilt
with entries by day and department rows

The counters (``lead_counts``) gain the rows of each department (``owner_id`` -1 - department id) and count a
lead's entry into a stage once per day with the previous day; ``lead_facts`` holds the facts they sum, so a period
that is not whole months and a median are read exactly. Both are
the recount of ``python -m bot rebuild-stats`` (:func:`bot.services.lead_counts.rebuild_sync`, set-based: a few
``INSERT … SELECT``, seconds at 200,000 leads where the first version, lead by lead in Python, took 12 minutes) in the team time
zone: ``TIMEZONE`` from the environment (default ``Europe/Moscow``) or the ``timezone`` attribute of the Alembic
config.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context, op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("sig", sa.String(length=250), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_facts")),
    )
    op.create_index(op.f("ix_lead_facts_lead_id"), "lead_facts", ["lead_id"], unique=False)
    op.create_index("ix_lead_facts_pick", "lead_facts", ["metric", "stage_id", "bucket", "at", "seconds", "owner_id"],
                    unique=False)
    op.create_index("ix_lead_facts_at", "lead_facts",
                    ["at", "metric", "stage_id", "sig", "bucket", "owner_id", "source", "product_id"], unique=False)
    # rebuilt below with entries by day and department rows, keyed owner first (a scope's months: one range)
    op.drop_table("lead_counts")
    _counts(("owner_id", "month", "metric", "source", "product_id", "stage_id", "sig", "bucket"))
    from bot.services.lead_counts import rebuild_sync

    tz = context.config.attributes.get("timezone") or os.environ.get("TIMEZONE") or "Europe/Moscow"
    rebuild_sync(op.get_bind(), tz, days=False)  # set-based (INSERT … SELECT); the day rows come with 0022


def downgrade() -> None:
    op.drop_index("ix_lead_facts_at", table_name="lead_facts")
    op.drop_index("ix_lead_facts_pick", table_name="lead_facts")
    op.drop_index(op.f("ix_lead_facts_lead_id"), table_name="lead_facts")
    op.drop_table("lead_facts")
    # the counters of 0018 are not those of 0016 (entries by day, department rows): /funnel recounts until a
    # rebuild (python -m bot rebuild-stats)
    op.drop_table("lead_counts")
    _counts(("month", "metric", "owner_id", "source", "product_id", "stage_id", "sig", "bucket"))
    op.execute("DELETE FROM stats_meta WHERE key = 'lead_counts_tz'")


def _counts(key: tuple[str, ...]) -> None:
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
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_lead_counts")),
    )
