"""session 3: the dashboard summary files events by day, not finished dossiers by channel

The summary tables hold nothing that cannot be recounted from the dossiers and their
events, so they are dropped and made again in the new layout; the watermark row is
removed with them, and the next ``advance`` rebuilds the summary from the start.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 05:40:27.074658
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COUNTS = (
    "received",
    "received_online",
    "received_counter",
    "received_post",
    "settled",
    "settled_early",
    "settled_late",
    "refused",
    "withdrawn",
    "documents",
    "digitised_dossiers",
    "kept_documents",
    "registry_documents",
    "prefilled_fields",
    "reusing_dossiers",
    "fee_dossiers",
    "paid_online",
    "ratings",
    "rating_sum",
    "satisfied",
    "finished_unsettled",
    "supplement_requests",
    "first_supplements",
)
OLD_COUNTS = COUNTS[:1] + COUNTS[4:20]


def _summary_table(name: str, counts: tuple[str, ...], *, channel: bool) -> None:
    key = ["day", "agency_code", "procedure_code"] + (["channel"] if channel else [])
    op.create_table(
        name,
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        *([sa.Column("channel", sa.String(length=10), nullable=False)] if channel else []),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
        sa.PrimaryKeyConstraint(*key),
    )


def upgrade() -> None:
    for name in ("metrics_days", "metrics_months"):
        op.drop_table(name)
        _summary_table(name, COUNTS, channel=False)
    op.execute("DELETE FROM metrics_watermark")
    op.add_column(
        "metrics_watermark",
        sa.Column("layout", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "metrics_repeat_supplements",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("previous_day", sa.Date(), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "previous_day", "agency_code", "procedure_code"),
    )
    op.create_index(op.f("ix_dossier_documents_attached_at"), "dossier_documents", ["attached_at"])
    op.create_index(op.f("ix_fee_payments_created_at"), "fee_payments", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fee_payments_created_at"), table_name="fee_payments")
    op.drop_index(op.f("ix_dossier_documents_attached_at"), table_name="dossier_documents")
    op.drop_table("metrics_repeat_supplements")
    op.execute("DELETE FROM metrics_watermark")
    with op.batch_alter_table("metrics_watermark") as batch:
        batch.drop_column("layout")
    for name in ("metrics_days", "metrics_months"):
        op.drop_table(name)
        _summary_table(name, OLD_COUNTS, channel=True)
