"""The HTML pages. Routes are stable: alerts and feeds link to them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from monitor.core.analysis import analyse
from monitor.core.report import all_reasons
from monitor.web import views
from monitor.web.deps import DbSession, render
from monitor.web.searching import pattern_for, run_search
from monitor.web.svg import Mark, timeline_svg
from monitor.web.textmatch import highlight, highlight_inline
from storage import browse, queries
from storage.browse import ChangeRow, TimelineEntry
from storage.models import Version
from storage.search import BadSearchQuery

router = APIRouter(include_in_schema=False)

MAX_QUERY = 200


def change_path(policy: str, change_id: int) -> str:
    return f"/policies/{policy}/changes/{change_id}"


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, session: DbSession, category: str | None = None, severity: str | None = None
) -> Response:
    category, severity = views.parse_category(category), views.parse_severity(severity)
    material = browse.changes(session, material_only=True)
    by_policy: dict[str, list[ChangeRow]] = {}
    for row in material:
        by_policy.setdefault(row.policy, []).append(row)
    filtering = category is not None or severity is not None
    rows: list[dict[str, object]] = []
    for policy_row in browse.policy_rows(session):
        own = by_policy.get(policy_row.policy.name, [])
        selected = views.matching(own, category, severity)
        if filtering and not selected:
            continue
        health = views.health(policy_row.policy)
        rows.append(
            {"row": policy_row, "health": health, "last": own[0] if own else None, "selected": selected}
        )
    return render(
        request, "dashboard.html.j2", rows=rows, category=category, severity=severity, filtering=filtering,
        chips=views.category_counts(material), recent=views.matching(material, category, severity)[:10],
    )  # fmt: skip


def _marks(
    name: str, entries: list[TimelineEntry], rows: list[views.TimelineRow], category: str | None
) -> list[Mark]:
    marks = []
    for entry, row in zip(entries, rows, strict=True):
        if entry.change is None:
            continue
        version = entry.version
        marks.append(Mark(
            entry.version.observed_at, entry.change.severity, entry.change.direction, entry.change.material,
            change_path(name, entry.change.id),
            f"{version.observed_at:%Y-%m-%d}, version {version.number}: {views.label(entry.change)}",
            dim=category is not None and not row.highlighted,
        ))  # fmt: skip
    return marks


@router.get("/policies/{name}", response_class=HTMLResponse)
def policy_timeline(request: Request, session: DbSession, name: str, category: str | None = None) -> Response:
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    category = views.parse_category(category)
    entries = browse.timeline(session, policy.id)
    rows = views.timeline_rows(entries, category)
    changes = [entry.change for entry in entries if entry.change is not None]
    end = max((entry.version.last_seen for entry in entries), default=None)
    chart = timeline_svg(
        _marks(name, entries, rows, category), [entry.version.observed_at for entry in entries],
        title=f"Changes to {name} over time", now=end,
    )  # fmt: skip
    highlighted = [row.entry for row in rows if row.highlighted]
    first = highlighted[0] if highlighted else None
    clauses = []
    if first is not None and first.change is not None and category is not None:
        report = browse.reports(session, [first.change.id]).get(first.change.id, {})
        clauses = views.clauses_about(report, category)
    return render(
        request, "timeline.html.j2", policy=policy, health=views.health(policy), rows=list(reversed(rows)),
        chart=chart, chips=views.category_counts(changes), category=category, first_match=first,
        first_clauses=clauses, match_count=len(highlighted),
        material_count=sum(1 for change in changes if change.material),
    )  # fmt: skip


@router.get("/policies/{name}/versions/{number}", response_class=HTMLResponse)
def version_page(
    request: Request, session: DbSession, name: str, number: int, q: str | None = None
) -> Response:
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    version = queries.get_version(session, policy.id, number)
    entries = browse.timeline(session, policy.id)
    earlier, later = views.neighbours(entries, number)
    into = next((entry.change for entry in entries if entry.version.number == number), None)
    pattern = pattern_for(q[:MAX_QUERY]) if q else None
    return render(
        request, "version.html.j2", policy=policy, version=version, entries=entries, earlier=earlier,
        later=later, into=into, text=highlight(queries.version_text(version), pattern), q=q or "",
    )  # fmt: skip


def _change_context(report: dict[str, Any], new: Version) -> dict[str, Any]:
    material, other = views.split_entries(report)
    return {
        "report": report, "material": material, "other": other, "reasons": all_reasons(report),
        "context": views.unchanged_context(queries.version_text(new), report),
    }  # fmt: skip


@router.get("/policies/{name}/changes/{change_id}", response_class=HTMLResponse)
def change_page(
    request: Request, session: DbSession, name: str, change_id: int, view: str | None = None
) -> Response:
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    change = queries.get_change(session, policy.id, change_id)
    row = browse.change_row(session, change_id)
    new = session.get(Version, change.to_version_id)
    assert new is not None
    ordered = list(reversed(browse.changes(session, policy_id=policy.id)))
    ids = [item.id for item in ordered]
    at = ids.index(change_id) if change_id in ids else None
    previous = ordered[at - 1] if at is not None and at > 0 else None
    following = ordered[at + 1] if at is not None and at + 1 < len(ordered) else None
    return render(
        request, "change.html.j2", policy=policy, change=change, row=row, view=views.parse_view(view),
        from_number=row.from_number, to_number=row.to_number, previous=previous, following=following,
        **_change_context(change.report or {}, new),
    )  # fmt: skip


@router.get("/policies/{name}/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, session: DbSession, name: str, a: int, b: int, view: str | None = None
) -> Response:
    """Any two versions, oldest first: the stored change when they are time neighbours, else a fresh diff."""
    policy = queries.get_policy(session, name)
    assert policy.id is not None
    first, second = queries.get_version(session, policy.id, a), queries.get_version(session, policy.id, b)
    old, new = sorted((first, second), key=lambda v: (v.observed_at, v.id or 0))
    stored = browse.change_between(session, policy.id, old.number, new.number)
    if stored is not None and not stored.superseded and stored.id is not None:
        suffix = f"?view={views.parse_view(view)}" if view else ""
        return RedirectResponse(change_path(name, stored.id) + suffix, status_code=303)
    report = analyse(queries.version_text(old), queries.version_text(new)).report()
    return render(
        request, "change.html.j2", policy=policy, change=None, row=None, view=views.parse_view(view),
        from_number=old.number, to_number=new.number, previous=None, following=None,
        **_change_context(report, new),
    )  # fmt: skip


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: DbSession, q: str = "") -> Response:
    query = q.strip()
    error, results = None, []
    if len(query) > MAX_QUERY:
        error = f"the search is limited to {MAX_QUERY} characters"
    elif query:
        try:
            results = run_search(session, query)
        except BadSearchQuery as problem:
            error = str(problem)
    pattern = pattern_for(query) if query and error is None else None
    return render(
        request, "search.html.j2", q=query, results=results, error=error, pattern=pattern,
        highlight=highlight, highlight_inline=highlight_inline,
    )  # fmt: skip


ALERT_STATUSES = ("pending", "delivered", "dead")


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, session: DbSession, status: str | None = None) -> Response:
    counts = browse.alert_statuses(session)
    chosen = status if status in counts or status in ALERT_STATUSES else None
    return render(
        request, "alerts.html.j2", alerts=browse.alerts(session, status=chosen), counts=counts,
        statuses=sorted(set(ALERT_STATUSES) | set(counts)), status=chosen,
    )  # fmt: skip
