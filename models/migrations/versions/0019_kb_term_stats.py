"""knowledge base search, bounded for common words: ``kb_term_stats`` (term → indexed articles having it; the
empty term → indexed articles), filled from the postings, and the postings by weight
(``ix_kb_terms_term_weight``) so that a term's heaviest articles are read without sorting all of its postings

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_term_stats",
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_kb_term_stats")),
    )
    op.execute("INSERT INTO kb_term_stats (term, df) SELECT term, count(*) FROM kb_terms GROUP BY term")
    op.execute("INSERT INTO kb_term_stats (term, df) SELECT '', count(DISTINCT article_id) FROM kb_terms"
               " HAVING count(*) > 0")
    with op.batch_alter_table("kb_terms", schema=None) as batch_op:
        batch_op.create_index("ix_kb_terms_term_weight", ["term", "weight", "article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_terms_term_weight")
    op.drop_table("kb_term_stats")
