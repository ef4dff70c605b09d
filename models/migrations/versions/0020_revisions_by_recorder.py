"""revisions by who recorded them (``ix_revisions_recorded_by_received_at``): the digests' and the client
report's client lines ask for the period's revisions recorded by clients; through the ``received_at`` index
that read every revision of the period (about 8,000 a month at 500 members) and kept the clients' few

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index("ix_revisions_recorded_by_received_at", ["recorded_by", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_revisions_recorded_by_received_at")
