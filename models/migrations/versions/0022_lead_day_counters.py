"""lead day counters: ``lead_counts`` gains the day rows (``month`` holding yyyymmdd): the facts summed by day
under each owner, the team and the departments, so that /funnel reads the partial months of any period (a week, a
few days, a quarter that is not whole months) from a few hundred counter rows a day instead of every fact of
those days (so ``ix_lead_facts_at``, through which they were read, is dropped). Built set-based by :func:`bot.services.lead_counts.rebuild_sync` (the month rows and the facts are
rebuilt with them, the same rows) in the team time zone: ``TIMEZONE`` from the environment (default
``Europe/Moscow``) or the ``timezone`` attribute of the Alembic config.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import os

from alembic import context, op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

#: a day (yyyymmdd) is at least this; a month (yyyymm) below it
DAY_ROWS = 10_000_000


def upgrade() -> None:
    # the days of a period are read from the day rows now, not from the facts by time: their covering index goes
    op.drop_index("ix_lead_facts_at", table_name="lead_facts")
    from bot.services.lead_counts import rebuild_sync

    tz = context.config.attributes.get("timezone") or os.environ.get("TIMEZONE") or "Europe/Moscow"
    rebuild_sync(op.get_bind(), tz, days=True)


def downgrade() -> None:
    op.execute(f"DELETE FROM lead_counts WHERE month >= {DAY_ROWS}")
    op.create_index("ix_lead_facts_at", "lead_facts",
                    ["at", "metric", "stage_id", "sig", "bucket", "owner_id", "source", "product_id"], unique=False)
