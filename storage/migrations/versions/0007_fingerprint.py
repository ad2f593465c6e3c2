"""cheap unchanged checks and kept anomaly captures

Revision ID: 0007_fingerprint
Revises: 0003_facts

``policies.latest_text_sha256`` and ``policies.extract_fingerprint`` let a check tell an unchanged page
from the state read ahead for the pass, without reading the stored version; existing policies get their
latest text's hash here (the fingerprint fills in on the next check). ``check_events.snapshot_id`` links a
failed check to the capture it kept for inspection.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_fingerprint"
down_revision = "0003_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("policies", sa.Column("latest_text_sha256", sa.String(), nullable=True))
    op.add_column("policies", sa.Column("extract_fingerprint", sa.String(), nullable=True))
    with op.batch_alter_table("check_events") as batch:
        batch.add_column(sa.Column("snapshot_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_check_events_snapshot_id", "snapshots", ["snapshot_id"], ["id"])
    op.execute(
        "UPDATE policies SET latest_text_sha256 = ("
        " SELECT v.text_sha256 FROM versions v WHERE v.policy_id = policies.id"
        " ORDER BY v.observed_at DESC, v.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("check_events") as batch:
        batch.drop_constraint("fk_check_events_snapshot_id", type_="foreignkey")
        batch.drop_column("snapshot_id")
    op.drop_column("policies", "extract_fingerprint")
    op.drop_column("policies", "latest_text_sha256")
