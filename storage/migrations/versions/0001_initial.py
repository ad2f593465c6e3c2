"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 23:04:43.012921
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_check_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(), nullable=True),
    sa.Column('lease_expires_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_check_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('last_http_status', sa.Integer(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failing_since', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('broken_alerted', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(), nullable=True),
    sa.Column('last_modified', sa.String(), nullable=True),
    sa.Column('last_body_sha256', sa.String(), nullable=True),
    sa.Column('backfilled_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_next_check_at'), ['next_check_at'], unique=False)

    op.create_table('rate_limits',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('next_slot_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paused_until', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('backfill_state',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('resume_key', sa.String(), nullable=True),
    sa.Column('since', sa.String(), nullable=True),
    sa.Column('until', sa.String(), nullable=True),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.Column('fetched', sa.Integer(), nullable=False),
    sa.Column('new_versions', sa.Integer(), nullable=False),
    sa.Column('started_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.PrimaryKeyConstraint('policy_id')
    )
    op.create_table('versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(), nullable=False),
    sa.Column('text_size', sa.Integer(), nullable=False),
    sa.Column('text_codec', sa.String(), nullable=False),
    sa.Column('text_blob', sa.LargeBinary(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('observed_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_seen', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reverted_to', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('policy_id', 'number', name='uq_versions_policy_number')
    )
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_versions_observed_at'), ['observed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_versions_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_versions_text_sha256'), ['text_sha256'], unique=False)

    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=False),
    sa.Column('to_version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('material', sa.Boolean(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('direction', sa.String(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=True),
    sa.Column('anomaly', sa.String(), nullable=True),
    sa.Column('summary', sa.String(), nullable=False),
    sa.Column('reverted_to', sa.Integer(), nullable=True),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['from_version_id'], ['versions.id'], ),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.ForeignKeyConstraint(['to_version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('from_version_id', 'to_version_id', name='uq_changes_pair')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_to_version_id'), ['to_version_id'], unique=False)

    op.create_table('check_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('worker', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('check_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_events_policy_id'), ['policy_id'], unique=False)

    op.create_table('snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('fetched_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archive_digest', sa.String(), nullable=True),
    sa.Column('url', sa.String(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.Column('body_sha256', sa.String(), nullable=False),
    sa.Column('body_size', sa.Integer(), nullable=False),
    sa.Column('body_codec', sa.String(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshots_archive_digest'), ['archive_digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_snapshots_body_sha256'), ['body_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_snapshots_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_snapshots_version_id'), ['version_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('notifier_id', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('severity', sa.String(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(), nullable=True),
    sa.Column('lease_expires_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(), nullable=True),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('digest_group', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], ),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_status'), ['status'], unique=False)

    op.create_table('delivery_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.String(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('worker', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempts_alert_id'), ['alert_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_attempts_alert_id'))

    op.drop_table('delivery_attempts')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_status'))
        batch_op.drop_index(batch_op.f('ix_alerts_policy_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_change_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snapshots_version_id'))
        batch_op.drop_index(batch_op.f('ix_snapshots_policy_id'))
        batch_op.drop_index(batch_op.f('ix_snapshots_body_sha256'))
        batch_op.drop_index(batch_op.f('ix_snapshots_archive_digest'))

    op.drop_table('snapshots')
    with op.batch_alter_table('check_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_events_policy_id'))
        batch_op.drop_index(batch_op.f('ix_check_events_at'))

    op.drop_table('check_events')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_to_version_id'))
        batch_op.drop_index(batch_op.f('ix_changes_policy_id'))

    op.drop_table('changes')
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_versions_text_sha256'))
        batch_op.drop_index(batch_op.f('ix_versions_policy_id'))
        batch_op.drop_index(batch_op.f('ix_versions_observed_at'))

    op.drop_table('versions')
    op.drop_table('backfill_state')
    op.drop_table('rate_limits')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_next_check_at'))

    op.drop_table('policies')
