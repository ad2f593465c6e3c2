"""Reads and small writes over the tables. Every function takes an open Session; callers own transactions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from monitor.config import Settings
from monitor.errors import NotFound
from storage.models import Alert, Change, Policy, Version, utcnow
from storage.texts import read_text

#: The advisory lock that serialises ``sync_policies`` on PostgreSQL (any constant unique to policywatch).
SYNC_POLICIES_LOCK = 0x70770001


def sync_policies(session: Session, settings: Settings, *, now: datetime | None = None) -> list[Policy]:
    """Mirror the config's policies into the database; policies no longer configured are disabled."""
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # Workers starting together would all insert the new policies; one at a time, the later ones see
        # the rows the first committed (SQLite's BEGIN IMMEDIATE already serialises them).
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_POLICIES_LOCK})
    existing = {policy.name: policy for policy in session.exec(select(Policy)).all()}
    configured = {policy.name for policy in settings.policies}
    imported = {row.ota_document: row for row in existing.values() if row.archive_only and row.ota_document}
    for entry in settings.policies:
        row = existing.get(entry.name) or adopt_imported(imported, entry.name, entry.ota)
        if row is None:
            row = Policy(name=entry.name, url=entry.url, enabled=entry.enabled, next_check_at=now)
            session.add(row)
        else:
            row.archive_only, row.ota_document = False, entry.ota or row.ota_document
            if row.url != entry.url:
                # A new URL is a new page: forget the old conditional-GET validators.
                row.url, row.etag, row.last_modified, row.last_body_sha256 = entry.url, None, None, None
            if entry.enabled and not row.enabled and row.next_check_at is None:
                row.next_check_at = now
            row.enabled = entry.enabled
    for row in existing.values():
        if row.name not in configured:
            row.enabled = False
    session.flush()
    return list(session.exec(select(Policy).where(col(Policy.name).in_(configured))).all())


def adopt_imported(imported: dict[str, Policy], name: str, document: str | None) -> Policy | None:
    """An archive-only policy whose document a config entry names with ``ota``: it becomes that entry,
    renamed, so live checks continue its imported history."""
    row = imported.pop(document, None) if document else None
    if row is not None:
        row.name = name
    return row


def get_policy(session: Session, name: str, *, for_update: bool = False) -> Policy:
    """The policy row; ``for_update`` locks it until the transaction ends (PostgreSQL; SQLite's write
    transactions are serialised anyway), so two writers of one policy's history take turns."""
    query = select(Policy).where(Policy.name == name)
    policy = session.exec(query.with_for_update() if for_update else query).first()
    if policy is None:
        raise NotFound(f"no policy named {name!r} in the database (run `policywatch check` first?)")
    return policy


def list_policies(session: Session, *, enabled_only: bool = False) -> list[Policy]:
    query = select(Policy).order_by(col(Policy.name))
    if enabled_only:
        query = query.where(col(Policy.enabled).is_(True))
    return list(session.exec(query).all())


def version_text(version: Version, session: Session | None = None) -> str:
    """A version's text; delta-stored texts resolve their base through ``session`` (default: the row's)."""
    return read_text(version, session)


def versions_in_time_order(session: Session, policy_id: int) -> list[Version]:
    return list(
        session.exec(
            select(Version)
            .where(Version.policy_id == policy_id)
            .order_by(col(Version.observed_at), col(Version.id))
        ).all()
    )


def get_version(session: Session, policy_id: int, number: int) -> Version:
    version = session.exec(
        select(Version).where(Version.policy_id == policy_id, Version.number == number)
    ).first()
    if version is None:
        raise NotFound(f"no version {number} of this policy")
    return version


def latest_version(session: Session, policy_id: int) -> Version | None:
    return session.exec(
        select(Version)
        .where(Version.policy_id == policy_id)
        .order_by(col(Version.observed_at).desc(), col(Version.id).desc())
    ).first()


def time_neighbours(
    session: Session, policy_id: int, observed_at: datetime
) -> tuple[Version | None, Version | None]:
    """The versions just before (or at) and just after a moment in the policy's history."""
    before = session.exec(
        select(Version)
        .where(Version.policy_id == policy_id, col(Version.observed_at) <= observed_at)
        .order_by(col(Version.observed_at).desc(), col(Version.id).desc())
    ).first()
    after = session.exec(
        select(Version)
        .where(Version.policy_id == policy_id, col(Version.observed_at) > observed_at)
        .order_by(col(Version.observed_at), col(Version.id))
    ).first()
    return before, after


def earlier_version_with_text(
    session: Session, policy_id: int, sha256: str, *, before: datetime
) -> Version | None:
    return session.exec(
        select(Version)
        .where(
            Version.policy_id == policy_id,
            Version.text_sha256 == sha256,
            col(Version.observed_at) < before,
        )
        .order_by(col(Version.observed_at))
    ).first()


def next_version_number(session: Session, policy_id: int) -> int:
    highest = session.exec(select(func.max(Version.number)).where(Version.policy_id == policy_id)).one()
    return (highest or 0) + 1


def version_count(session: Session, policy_id: int) -> int:
    return session.exec(select(func.count()).where(Version.policy_id == policy_id)).one()


def current_changes(session: Session, policy_id: int) -> list[Change]:
    """Changes between time neighbours, oldest first (superseded ones are left out)."""
    return list(
        session.exec(
            select(Change)
            .join(Version, col(Version.id) == col(Change.to_version_id))
            .where(Change.policy_id == policy_id, col(Change.superseded).is_(False))
            .order_by(col(Version.observed_at), col(Version.id))
        ).all()
    )


def change_into(session: Session, version_id: int) -> Change | None:
    """The current change that leads to a version."""
    return session.exec(
        select(Change).where(Change.to_version_id == version_id, col(Change.superseded).is_(False))
    ).first()


def get_change(session: Session, policy_id: int, change_id: int) -> Change:
    change = session.get(Change, change_id)
    if change is None or change.policy_id != policy_id:
        raise NotFound(f"no change {change_id} for this policy")
    return change


def last_material_change(session: Session, policy_id: int) -> Change | None:
    return session.exec(
        select(Change)
        .where(
            Change.policy_id == policy_id,
            col(Change.material).is_(True),
            col(Change.superseded).is_(False),
        )
        .order_by(col(Change.created_at).desc(), col(Change.id).desc())
    ).first()



@dataclass(frozen=True)
class AlertCounts:
    pending: int
    delivered: int
    dead: int


def alert_counts(session: Session, policy_id: int | None = None) -> AlertCounts:
    query = select(Alert.status, func.count()).group_by(Alert.status)
    if policy_id is not None:
        query = query.where(Alert.policy_id == policy_id)
    counts = {status: count for status, count in session.exec(query).all()}
    return AlertCounts(counts.get("pending", 0), counts.get("delivered", 0), counts.get("dead", 0))



def touch_checked(
    session: Session,
    policy_ids: Sequence[int],
    *,
    at: datetime,
    outcome: str,
    next_check_at: dict[int, datetime] | None = None,
) -> None:
    """Record a batch of healthy checks: the only write an unchanged page costs."""
    if not policy_ids:
        return
    session.execute(
        sa.update(Policy)
        .where(col(Policy.id).in_(list(policy_ids)))
        .values(last_check_at=at, last_outcome=outcome, last_error=None)
    )
    for policy_id, when in (next_check_at or {}).items():
        session.execute(sa.update(Policy).where(col(Policy.id) == policy_id).values(next_check_at=when))
