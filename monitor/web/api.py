"""The JSON API under ``/api/``: the pages' data, described by the OpenAPI schema at ``/openapi.json``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from monitor.web import views
from monitor.web.deps import DbSession, State
from monitor.web.searching import run_search
from storage import browse, queries
from storage.browse import ChangeRow, VersionRow
from storage.search import BadSearchQuery

router = APIRouter(prefix="/api", tags=["api"])


class ChangeOut(BaseModel):
    id: int
    policy: str
    from_version: int
    to_version: int
    observed_at: datetime
    material: bool
    severity: str
    direction: str
    categories: list[str]
    anomaly: str | None
    summary: str
    reverted_to: int | None
    #: ``undated`` (material, without a new stated date), ``redated`` (only the stated date changed), null.
    notice: str | None = None
    url: str


class ChangeDetailOut(ChangeOut):
    superseded: bool
    report: dict[str, Any]


class HealthOut(BaseModel):
    state: str
    since: datetime | None
    detail: str | None


class PolicyOut(BaseModel):
    name: str
    source_url: str
    enabled: bool
    last_check_at: datetime | None
    health: HealthOut
    version_count: int
    latest_version_at: datetime | None
    last_material_change: ChangeOut | None
    url: str


class VersionOut(BaseModel):
    number: int
    observed_at: datetime
    first_seen: datetime
    last_seen: datetime
    source: str
    archived_at: datetime | None
    reverted_to: int | None
    text_sha256: str
    text_size: int
    #: The version's language (ISO 639-1) and stated "last updated" date (``2025-03-03`` or ``2025-03``).
    language: str | None = None
    stated_date: str | None = None
    change_id: int | None
    url: str


class VersionTextOut(VersionOut):
    text: str


class TransitionOut(BaseModel):
    kind: str
    version: int
    observed_at: datetime
    change_id: int | None
    version_url: str
    change_url: str | None


class SearchResultOut(BaseModel):
    policy: str
    versions: list[int]
    present_now: bool
    first_appeared: TransitionOut | None
    disappeared: TransitionOut | None
    transitions: list[TransitionOut]
    first_clause: str | None
    changes_mentioning: list[ChangeOut]


def _base(state: State) -> str:
    return state.settings.web.base_url


def change_out(row: ChangeRow, base: str) -> ChangeOut:
    return ChangeOut(
        id=row.id, policy=row.policy, from_version=row.from_number, to_version=row.to_number,
        observed_at=row.observed_at, material=row.material, severity=row.severity,
        direction=row.direction, categories=list(row.categories), anomaly=row.anomaly, summary=row.summary,
        reverted_to=row.reverted_to, notice=row.notice, url=f"{base}/policies/{row.policy}/changes/{row.id}",
    )  # fmt: skip


def version_out(policy: str, row: VersionRow, change: ChangeRow | None, base: str) -> dict[str, Any]:
    return {
        "number": row.number, "observed_at": row.observed_at, "first_seen": row.first_seen,
        "last_seen": row.last_seen, "source": row.source, "archived_at": row.archived_at,
        "reverted_to": row.reverted_to, "text_sha256": row.text_sha256, "text_size": row.text_size,
        "language": row.language, "stated_date": row.stated_date,
        "change_id": change.id if change else None, "url": f"{base}/policies/{policy}/versions/{row.number}",
    }  # fmt: skip


@router.get("/policies", response_model=list[PolicyOut])
def api_policies(session: DbSession, state: State) -> list[PolicyOut]:
    """Every tracked policy with its health, version count and last material change."""
    base = _base(state)
    last: dict[str, ChangeRow] = {}
    for row in browse.changes(session, material_only=True):
        last.setdefault(row.policy, row)
    out = []
    for item in browse.policy_rows(session):
        policy, health = item.policy, views.health(item.policy)
        latest = last.get(policy.name)
        out.append(PolicyOut(
            name=policy.name, source_url=policy.url, enabled=policy.enabled,
            last_check_at=policy.last_check_at,
            health=HealthOut(state=health.state, since=health.since, detail=health.detail),
            version_count=item.version_count, latest_version_at=item.latest_observed_at,
            last_material_change=change_out(latest, base) if latest else None,
            url=f"{base}/policies/{policy.name}",
        ))  # fmt: skip
    return out


@router.get("/policies/{name}/versions", response_model=list[VersionOut])
def api_versions(name: str, session: DbSession, state: State) -> list[dict[str, Any]]:
    """The policy's versions in time order (oldest first), live and archived."""
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    return [
        version_out(name, entry.version, entry.change, _base(state))
        for entry in browse.timeline(session, policy.id)
    ]


@router.get("/policies/{name}/versions/{number}", response_model=VersionTextOut)
def api_version(name: str, number: int, session: DbSession, state: State) -> dict[str, Any]:
    """One version with its full text."""
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    row = browse.version_row(session, policy.id, number)
    into = browse.change_into_number(session, policy.id, number)
    change = browse.change_row(session, into.id) if into is not None and into.id is not None else None
    text = queries.version_text(queries.get_version(session, policy.id, number))
    return {**version_out(name, row, change, _base(state)), "text": text}


@router.get("/policies/{name}/changes", response_model=list[ChangeOut])
def api_changes(
    name: str,
    session: DbSession,
    state: State,
    material: Annotated[bool, Query(description="Only material changes.")] = False,
    category: Annotated[str | None, Query(description="Only changes in this category.")] = None,
) -> list[ChangeOut]:
    """The policy's current changes between time-neighbour versions, newest first."""
    policy = queries.get_policy(session, name)
    rows = browse.changes(session, policy_id=policy.id, material_only=material, category=category)
    return [change_out(row, _base(state)) for row in rows]


@router.get("/policies/{name}/changes/{change_id}", response_model=ChangeDetailOut)
def api_change(name: str, change_id: int, session: DbSession, state: State) -> ChangeDetailOut:
    """One change with its full compare report (the ``compare --json`` document)."""
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    change = queries.get_change(session, policy.id, change_id)
    row = change_out(browse.change_row(session, change_id), _base(state))
    return ChangeDetailOut(**row.model_dump(), superseded=change.superseded, report=change.report or {})


def _transition(
    policy: str, kind: str, number: int, at: datetime, change_id: int | None, base: str
) -> TransitionOut:
    return TransitionOut(
        kind=kind, version=number, observed_at=at, change_id=change_id,
        version_url=f"{base}/policies/{policy}/versions/{number}",
        change_url=f"{base}/policies/{policy}/changes/{change_id}" if change_id is not None else None,
    )  # fmt: skip


@router.get("/search", response_model=list[SearchResultOut])
def api_search(
    session: DbSession,
    state: State,
    q: Annotated[str, Query(min_length=1, max_length=200, description='Words, "a phrase", or, -word.')],
) -> list[SearchResultOut]:
    """Full-text search across every version: where the phrase first appeared and where it disappeared."""
    base = _base(state)
    try:
        results = run_search(session, q)
    except BadSearchQuery as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    out = []
    for result in results:
        hits = result.hits
        moves = [
            _transition(hits.policy, t.kind, t.version.number, t.version.observed_at, t.change_id, base)
            for t in hits.transitions
        ]
        first = next((move for move in moves if move.kind == "appeared"), None)
        gone = hits.last_disappeared
        out.append(SearchResultOut(
            policy=hits.policy, versions=[v.number for v in hits.matching], present_now=hits.present_now,
            first_appeared=first, transitions=moves, first_clause=result.first_clause,
            disappeared=_transition(hits.policy, gone.kind, gone.version.number, gone.version.observed_at,
                                    gone.change_id, base) if gone else None,
            changes_mentioning=[change_out(touch.change, base) for touch in result.touching],
        ))  # fmt: skip
    return out
