"""the weekly SMM section's place, a manager's choice in /settings → Digests: ``digest_preferences.smm_digest``
(``with_weekly``: inside the weekly digest; ``own``: its own message; NULL: the default, with_weekly)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digest_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("smm_digest", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_preferences", schema=None) as batch_op:
        batch_op.drop_column("smm_digest")
