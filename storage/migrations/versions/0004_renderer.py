"""which renderer produced each version

Revision ID: 0004_renderer
Revises: 0006_charset
Create Date: 2026-12-02 14:30:00

``versions.renderer`` is ``static`` (the HTTP body, HTML/text/PDF) or ``browser`` (the DOM after headless
Chromium ran the page's scripts). Versions stored before this migration were all static.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_renderer"
down_revision = "0006_charset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("renderer", sa.String(), nullable=False, server_default="static"))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("renderer")
