"""SQLModel tables: the same models serve SQLite (default) and PostgreSQL.

Texts and raw bodies are stored compressed (see ``storage.codec``); timestamps are timezone-aware UTC on
both dialects (SQLite has no time zones, so ``UTCDateTime`` re-attaches UTC on the way out).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

LIVE = "live"
ARCHIVE = "archive"
#: Versions imported from an Open Terms Archive collection (one per commit that changed the document).
OTA = "ota"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A DateTime that only accepts aware datetimes and always returns them in UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _json() -> Any:
    return Field(default=None, sa_type=sa.JSON, nullable=True)


class Policy(SQLModel, table=True):
    """A tracked policy: a mirror of its config entry, its schedule, lease and health."""

    __tablename__ = "policies"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    url: str
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # schedule and lease (claimed by one worker at a time)
    next_check_at: datetime | None = _time(index=True)
    lease_owner: str | None = None
    lease_expires_at: datetime | None = _time()
    # health
    last_check_at: datetime | None = _time()
    last_outcome: str | None = None
    last_error: str | None = None
    last_http_status: int | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = _time()
    broken_alerted: bool = False
    # conditional GET and the skip-extraction shortcut
    etag: str | None = None
    last_modified: str | None = None
    last_body_sha256: str | None = None
    #: The latest version's text hash and extraction fingerprint: an unchanged page is told from these
    #: without reading (or decoding) the stored version.
    latest_text_sha256: str | None = None
    extract_fingerprint: str | None = None
    backfilled_at: datetime | None = _time()
    #: Imported history with no [[policies]] entry: listed and browsable, never checked live.
    archive_only: bool = False
    #: The Open Terms Archive document ("Service/Terms type") whose history this policy holds, if any.
    ota_document: str | None = None


class Snapshot(SQLModel, table=True):
    """A raw body as fetched, live or from the archive, kept whenever the bytes change."""

    __tablename__ = "snapshots"

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policies.id", index=True)
    source: str = LIVE
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    archived_at: datetime | None = _time()
    archive_digest: str | None = Field(default=None, index=True)
    url: str
    status_code: int | None = None
    content_type: str | None = None
    headers: dict[str, str] | None = _json()
    body_sha256: str = Field(index=True)
    body_size: int = 0
    body_codec: str = "zstd"
    body: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    version_id: int | None = Field(default=None, foreign_key="versions.id", index=True)
    #: The codec the body was decoded with: the label's, or the one that read a mislabelled page cleanly.
    charset: str | None = Field(default=None, max_length=40)


class Version(SQLModel, table=True):
    """A distinct text of a policy. Numbers are per policy, in insertion order, and never change."""

    __tablename__ = "versions"
    __table_args__ = (sa.UniqueConstraint("policy_id", "number", name="uq_versions_policy_number"),)

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policies.id", index=True)
    number: int
    text_sha256: str = Field(index=True)
    text_size: int = 0
    text_codec: str = "zstd"
    text_blob: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    source: str = LIVE
    #: When the text was first seen: the capture time for archived versions, the fetch time for live ones.
    observed_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    first_seen: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen: datetime = Field(sa_type=UTCDateTime, nullable=False)
    archived_at: datetime | None = _time()
    reverted_to: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    #: For imported versions: the commit that recorded the text, and the collection it came from.
    ota_commit: str | None = Field(default=None, max_length=40)
    ota_collection: str | None = None
    #: "static" (the HTTP body) or "browser" (the DOM after headless Chromium ran the page's scripts).
    renderer: str = Field(default="static", sa_column_kwargs={"server_default": "static"})
    #: Detected once when the version is stored (ISO 639-1, None when it could not be told); see
    #: ``monitor.core.facts``. The stated "last updated"/"effective" date: ``2025-03-03`` or ``2025-03``.
    language: str | None = Field(default=None, sa_type=sa.String(16), nullable=True)
    stated_date: str | None = Field(default=None, sa_type=sa.String(10), nullable=True)


class Change(SQLModel, table=True):
    """The clause diff and judgement between two time-neighbour versions."""

    __tablename__ = "changes"
    __table_args__ = (sa.UniqueConstraint("from_version_id", "to_version_id", name="uq_changes_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policies.id", index=True)
    from_version_id: int = Field(foreign_key="versions.id")
    to_version_id: int = Field(foreign_key="versions.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    material: bool = False
    severity: str = "none"
    direction: str = "neutral"
    categories: list[str] | None = _json()
    anomaly: str | None = None
    summary: str = ""
    reverted_to: int | None = None
    #: True once a version inserted between the two (a backfill) replaced this pair.
    superseded: bool = False
    report: dict[str, Any] | None = _json()
    #: The new text is a re-extraction of the same document (a technical upgrade), not a change of it.
    reextraction: bool = False
    #: ``undated`` (material, without a new stated date), ``redated`` (only the stated date changed) or None.
    notice: str | None = Field(default=None, sa_type=sa.String(16), nullable=True)


class CheckEvent(SQLModel, table=True):
    """Every check that did something other than confirm an unchanged page."""

    __tablename__ = "check_events"

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policies.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    outcome: str
    http_status: int | None = None
    error: str | None = None
    duration_ms: int | None = None
    version_id: int | None = Field(default=None, foreign_key="versions.id")
    worker: str | None = None
    #: The capture a failed check kept for inspection (an error page, a wall, a page in another language).
    snapshot_id: int | None = Field(default=None, foreign_key="snapshots.id")


class Alert(SQLModel, table=True):
    """The outbox: one row per alert per notifier, written with the change that caused it."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=sa.Column(sa.String(200), unique=True, nullable=False))
    policy_id: int = Field(foreign_key="policies.id", index=True)
    change_id: int | None = Field(default=None, foreign_key="changes.id", index=True)
    notifier_id: str
    kind: str = "change"
    severity: str = "none"
    payload: dict[str, Any] | None = _json()
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    lease_owner: str | None = None
    lease_expires_at: datetime | None = _time()
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime | None = _time()
    #: Alerts with the same group and notifier go out as one digest message.
    digest_group: str | None = None


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ok: bool
    error: str | None = None
    duration_ms: int | None = None
    worker: str | None = None


class RateLimit(SQLModel, table=True):
    """A rate limiter shared by every worker: the next free slot, and a pause after a 429."""

    __tablename__ = "rate_limits"

    name: str = Field(primary_key=True, max_length=64)
    next_slot_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    paused_until: datetime | None = _time()


class BackfillState(SQLModel, table=True):
    """Where an archive backfill stands, so an interrupted one resumes."""

    __tablename__ = "backfill_state"

    policy_id: int = Field(foreign_key="policies.id", primary_key=True)
    resume_key: str | None = None
    since: str | None = None
    until: str | None = None
    listed: int = 0
    fetched: int = 0
    new_versions: int = 0
    started_at: datetime | None = _time()
    completed_at: datetime | None = _time()


class OtaImportState(SQLModel, table=True):
    """How far the import of one document of one Open Terms Archive collection got, so a re-run resumes.

    ``collection_id`` is the collection's root commit: the same for every clone and bundle of it.
    """

    __tablename__ = "ota_imports"

    collection_id: str = Field(primary_key=True, max_length=40)
    document: str = Field(primary_key=True, max_length=400)
    collection: str
    policy_id: int = Field(foreign_key="policies.id", index=True)
    last_commit: str = Field(max_length=40)
    last_committed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    commits: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
