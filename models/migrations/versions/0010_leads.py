"""leads: funnel stages (seeded), products, sales departments, leads with unique contacts, stage changes,
hand-offs to sales

Revision ID: 0010
Revises: 0009 (re-chained when 0009_smm was merged; was 0008)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DEFAULT_STAGES = [("dialogue", 1, "open"), ("warm", 2, "open"), ("application", 3, "open"),
                  ("handed", 4, "open"), ("won", 5, "won"), ("lost", 6, "lost")]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    stages = op.create_table(
        "funnel_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funnel_stages")),
        sa.UniqueConstraint("key", name=op.f("uq_funnel_stages_key")),
    )
    op.bulk_insert(stages, [{"key": k, "name": None, "position": p, "kind": kind, "archived": False}
                            for k, p, kind in DEFAULT_STAGES])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("name", name=op.f("uq_products_name")),
    )
    op.create_table(
        "sales_departments",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        _fk("sales_departments", "department_id", "departments", "CASCADE"),
        _fk("sales_departments", "marked_by", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("department_id", name=op.f("pk_sales_departments")),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("instagram", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
        _fk("leads", "product_id", "products", "SET NULL"),
        _fk("leads", "stage_id", "funnel_stages", "RESTRICT"),
        _fk("leads", "owner_id", "members", "SET NULL"),
        _fk("leads", "created_by", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("phone", name=op.f("uq_leads_phone")),
        sa.UniqueConstraint("instagram", name=op.f("uq_leads_instagram")),
        sa.UniqueConstraint("email", name=op.f("uq_leads_email")),
    )
    op.create_index(op.f("ix_leads_created_at"), "leads", ["created_at"])
    op.create_index("ix_leads_owner_stage", "leads", ["owner_id", "stage_id"])
    op.create_index("ix_leads_owner_created", "leads", ["owner_id", "created_at"])
    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        _fk("lead_events", "lead_id", "leads", "CASCADE"),
        _fk("lead_events", "from_stage_id", "funnel_stages", "RESTRICT"),
        _fk("lead_events", "to_stage_id", "funnel_stages", "RESTRICT"),
        _fk("lead_events", "actor_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_events")),
    )
    op.create_index("ix_lead_events_lead_at", "lead_events", ["lead_id", "at", "to_stage_id"])
    op.create_index("ix_lead_events_at", "lead_events", ["at", "lead_id", "to_stage_id"])
    op.create_table(
        "lead_handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("open_lead_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("handed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_notified_at", sa.DateTime(timezone=True), nullable=True),
        _fk("lead_handoffs", "lead_id", "leads", "CASCADE"),
        _fk("lead_handoffs", "department_id", "departments", "CASCADE"),
        _fk("lead_handoffs", "handed_by", "members", "SET NULL"),
        _fk("lead_handoffs", "taken_by", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_handoffs")),
        sa.UniqueConstraint("open_lead_id", name=op.f("uq_lead_handoffs_open_lead_id")),
    )
    op.create_index(op.f("ix_lead_handoffs_lead_id"), "lead_handoffs", ["lead_id"])


def downgrade() -> None:
    op.drop_table("lead_handoffs")
    op.drop_table("lead_events")
    op.drop_table("leads")
    op.drop_table("sales_departments")
    op.drop_table("products")
    op.drop_table("funnel_stages")
