"""snapshots.charset: the codec a snapshot's body was decoded with

Revision ID: 0006_charset
Revises: 0005_ota

A wrongly labelled page (GBK served as ``charset=utf-8``) is decoded with the charset that reads it
cleanly; the snapshot records which one was used, so a stored text can be traced back to its bytes.
Snapshots stored before this revision have none (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_charset"
down_revision = "0005_ota"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("charset", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("charset")
