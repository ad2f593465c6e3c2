"""Reads for the change-history browser (web UI, JSON API, feeds).

Listings select plain columns into small frozen rows, never the compressed texts or the stored reports, so
a dashboard over years of history stays cheap; only a single change or version page loads those.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from monitor.core.severity import SEVERITY_RANK as SEVERITY_RANK  # the web UI filters by it too
from monitor.core.severity import severities_at_least
from monitor.errors import NotFound
from storage.models import Alert, Change, Policy, Version


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    policy_id: int
    number: int
    observed_at: datetime
    first_seen: datetime
    last_seen: datetime
    source: str
    archived_at: datetime | None
    reverted_to: int | None
    text_sha256: str
    text_size: int
    language: str | None = None
    stated_date: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeRow:
    id: int
    policy: str
    from_number: int
    to_number: int
    observed_at: datetime  # when the new text was first seen
    created_at: datetime
    material: bool
    severity: str
    direction: str
    categories: tuple[str, ...]
    anomaly: str | None
    summary: str
    reverted_to: int | None
    notice: str | None = None  # undated | redated | None

    def matches(self, *, category: str | None = None, min_severity: str | None = None) -> bool:
        if category is not None and category not in self.categories:
            return False
        return min_severity is None or SEVERITY_RANK.get(self.severity, 0) >= SEVERITY_RANK[min_severity]


@dataclass(frozen=True, slots=True)
class PolicyRow:
    policy: Policy
    version_count: int
    latest_observed_at: datetime | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    version: VersionRow
    change: ChangeRow | None  # the current change into this version (None for the first one)


@dataclass(frozen=True, slots=True)
class AlertRow:
    alert: Alert
    policy: str
    change_to_number: int | None


_VERSION_COLUMNS = tuple(
    col(column)
    for column in (
        Version.id, Version.policy_id, Version.number, Version.observed_at, Version.first_seen,
        Version.last_seen, Version.source, Version.archived_at, Version.reverted_to, Version.text_sha256,
        Version.text_size, Version.language, Version.stated_date,
    )
)  # fmt: skip


def _version_row(row: Sequence[Any]) -> VersionRow:
    return VersionRow(*row)


def policy_rows(session: Session) -> list[PolicyRow]:
    """Every policy by name, with its version count and the time of its newest version."""
    stats = {
        policy_id: (count, latest)
        for policy_id, count, latest in session.execute(
            select(Version.policy_id, func.count(), func.max(Version.observed_at)).group_by(
                col(Version.policy_id)
            )
        ).all()
    }
    rows = []
    for policy in session.exec(select(Policy).order_by(col(Policy.name))).all():
        count, latest = stats.get(policy.id, (0, None))
        rows.append(PolicyRow(policy, count, latest))
    return rows


@cache
def _change_query() -> sa.Select[*tuple[Any, ...]]:  # a wide row, typed loosely on purpose
    # Built once: aliased joins are slow to construct, and a shared statement also hits the compiled cache.
    old = aliased(Version)
    new = aliased(Version)
    columns = (
        Change.id, Policy.name, old.number, new.number, new.observed_at, Change.created_at,
        Change.material, Change.severity, Change.direction, Change.categories, Change.anomaly,
        Change.summary, Change.reverted_to, Change.notice,
    )  # fmt: skip
    query = (
        sa.select(*(col(column) for column in columns))
        .join(Policy, col(Policy.id) == col(Change.policy_id))
        .join(old, col(old.id) == col(Change.from_version_id))
        .join(new, col(new.id) == col(Change.to_version_id))
        .where(col(Change.superseded).is_(False))
        .order_by(col(new.observed_at).desc(), col(Change.id).desc())
    )
    return query


def _change_row(row: Sequence[Any]) -> ChangeRow:
    values = list(row)
    values[9] = tuple(values[9] or ())
    return ChangeRow(*values)


def changes(
    session: Session,
    *,
    policy_id: int | None = None,
    material_only: bool = False,
    category: str | None = None,
    min_severity: str | None = None,
    limit: int | None = None,
) -> list[ChangeRow]:
    """Current (not superseded) changes, newest first, filtered by category and minimum severity."""
    query = _change_query()
    if policy_id is not None:
        query = query.where(col(Change.policy_id) == policy_id)
    if material_only:
        query = query.where(col(Change.material).is_(True))
    if min_severity is not None:
        query = query.where(col(Change.severity).in_(severities_at_least(min_severity)))
    # Categories are a JSON list: filtered here so the same code serves SQLite and PostgreSQL.
    rows = (_change_row(row) for row in session.execute(query).all())
    selected = [row for row in rows if category is None or category in row.categories]
    return selected[:limit] if limit is not None else selected


def timeline(session: Session, policy_id: int) -> list[TimelineEntry]:
    """The policy's versions in time order, each with the change that led to it."""
    versions = [
        _version_row(row)
        for row in session.execute(
            sa.select(*_VERSION_COLUMNS)
            .where(col(Version.policy_id) == policy_id)
            .order_by(col(Version.observed_at), col(Version.id))
        ).all()
    ]
    into = {row.to_number: row for row in changes(session, policy_id=policy_id)}
    return [TimelineEntry(version, into.get(version.number)) for version in versions]


def version_row(session: Session, policy_id: int, number: int) -> VersionRow:
    row = session.execute(
        sa.select(*_VERSION_COLUMNS).where(col(Version.policy_id) == policy_id, col(Version.number) == number)
    ).first()
    if row is None:
        raise NotFound(f"no version {number} of this policy")
    return _version_row(row)


def change_row(session: Session, change_id: int) -> ChangeRow:
    row = session.execute(_change_query().where(col(Change.id) == change_id)).first()
    if row is None:
        raise NotFound(f"no change {change_id}")
    return _change_row(row)


def change_into_number(session: Session, policy_id: int, number: int) -> Change | None:
    """The current change into version ``number`` of a policy (with its report)."""
    return session.exec(
        select(Change)
        .join(Version, col(Version.id) == col(Change.to_version_id))
        .where(Version.policy_id == policy_id, Version.number == number, col(Change.superseded).is_(False))
    ).first()


def change_between(session: Session, policy_id: int, old_number: int, new_number: int) -> Change | None:
    """The stored change from one version straight to another, if the two are (or were) time neighbours."""
    old = aliased(Version)
    new = aliased(Version)
    return session.exec(
        select(Change)
        .join(old, col(old.id) == col(Change.from_version_id))
        .join(new, col(new.id) == col(Change.to_version_id))
        .where(Change.policy_id == policy_id, old.number == old_number, new.number == new_number)
        .order_by(col(Change.superseded))
    ).first()


def reports(session: Session, change_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The stored compare reports of some changes, by change id."""
    ids = list(change_ids)
    if not ids:
        return {}
    rows = session.execute(select(Change.id, Change.report).where(col(Change.id).in_(ids))).all()
    return {change_id: report or {} for change_id, report in rows}


def alerts(session: Session, *, status: str | None = None, limit: int = 200) -> list[AlertRow]:
    """The newest alerts (the outbox and its outcome), with their policy and the version they announce."""
    query = (
        select(Alert, Policy.name, Version.number)
        .join(Policy, col(Policy.id) == col(Alert.policy_id))
        .outerjoin(Change, col(Change.id) == col(Alert.change_id))
        .outerjoin(Version, col(Version.id) == col(Change.to_version_id))
        .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(col(Alert.status) == status)
    return [AlertRow(alert, name, number) for alert, name, number in session.execute(query).all()]


def alert_statuses(session: Session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, func.count()).group_by(col(Alert.status))).all()
    return {status: count for status, count in rows}
