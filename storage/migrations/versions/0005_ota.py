"""Open Terms Archive import: archive-only policies, commit provenance, re-extractions, import progress

Revision ID: 0005_ota
Revises: 0002
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0005_ota"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("policies", sa.Column("archive_only", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("policies", sa.Column("ota_document", sa.String(), nullable=True))
    op.add_column("versions", sa.Column("ota_commit", sa.String(length=40), nullable=True))
    op.add_column("versions", sa.Column("ota_collection", sa.String(), nullable=True))
    op.add_column("changes", sa.Column("reextraction", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "ota_imports",
        sa.Column("collection_id", sa.String(length=40), nullable=False),
        sa.Column("document", sa.String(length=400), nullable=False),
        sa.Column("collection", sa.String(), nullable=False),
        sa.Column("policy_id", sa.Integer(), sa.ForeignKey("policies.id"), nullable=False),
        sa.Column("last_commit", sa.String(length=40), nullable=False),
        sa.Column("last_committed_at", UTCDateTime(), nullable=False),
        sa.Column("commits", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "document"),
    )
    op.create_index("ix_ota_imports_policy_id", "ota_imports", ["policy_id"])


def downgrade() -> None:
    op.drop_index("ix_ota_imports_policy_id", table_name="ota_imports")
    op.drop_table("ota_imports")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("reextraction")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("ota_collection")
        batch.drop_column("ota_commit")
    with op.batch_alter_table("policies") as batch:
        batch.drop_column("ota_document")
        batch.drop_column("archive_only")
