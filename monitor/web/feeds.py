"""Atom feeds of material changes: all of them, per policy, and per category (feedgen, ETag + 304).

A feed's bytes depend only on its changes (the feed's ``updated`` is its newest entry, not "now"), so its
ETag is a hash of the document and a reader polling with ``If-None-Match`` gets 304 until something changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from markupsafe import Markup

from monitor.core.materiality import CATEGORIES
from monitor.core.render import inline_html
from monitor.core.report import all_reasons, material_changes
from monitor.web.deps import DbSession, web_state
from monitor.web.views import label
from storage import browse, queries
from storage.browse import ChangeRow

router = APIRouter(include_in_schema=False)

ATOM = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _clause_html(entry: dict[str, Any]) -> Markup:
    section = Markup("<p><em>§ {}</em></p>").format(entry["section"]) if entry.get("section") else Markup("")
    if entry.get("kind") == "modified" and entry.get("inline"):
        body = inline_html(entry["inline"])
    elif entry.get("kind") == "removed":
        body = Markup("<del>{}</del>").format(entry.get("old") or "")
    else:
        body = Markup("<ins>{}</ins>").format(entry.get("new") or "")
    return section + Markup("<blockquote>{}</blockquote>").format(body)


def entry_html(row: ChangeRow, report: dict[str, Any]) -> str:
    """The entry's content: summary, reasons, then the material clauses (all escaped)."""
    parts = [Markup("<p>{}</p>").format(row.summary)]
    reasons = all_reasons(report)
    if reasons:
        items = Markup("").join(Markup("<li>{}</li>").format(reason) for reason in reasons)
        parts.append(Markup("<ul>{}</ul>").format(items))
    parts.extend(_clause_html(entry) for entry in material_changes(report))
    return str(Markup("").join(parts))


def build_feed(
    rows: Sequence[ChangeRow], reports: dict[int, dict[str, Any]], *, base: str, path: str, title: str
) -> bytes:
    feed = FeedGenerator()
    feed.id(base + path)
    feed.title(title)
    feed.subtitle("Material changes to privacy policies, as judged by policywatch")
    feed.link(href=base + path, rel="self", type="application/atom+xml")
    feed.link(href=base + "/", rel="alternate", type="text/html")
    feed.updated(max((row.observed_at for row in rows), default=EPOCH))
    feed.generator("policywatch")
    for row in rows:
        url = f"{base}/policies/{row.policy}/changes/{row.id}"
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.title(f"{row.policy}: {label(row)}")
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(row.observed_at)
        entry.updated(row.observed_at)
        entry.author({"name": "policywatch"})
        for category in row.categories:
            entry.category(term=category)
        entry.summary(row.summary)
        entry.content(entry_html(row, reports.get(row.id, {})), type="html")
    document: bytes = feed.atom_str(pretty=True)
    return document


def etag_of(document: bytes) -> str:
    return '"' + hashlib.sha256(document).hexdigest()[:32] + '"'


def matches_etag(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _respond(request: Request, session: DbSession, rows: list[ChangeRow], title: str) -> Response:
    reports = browse.reports(session, [row.id for row in rows])
    base = web_state(request).settings.web.base_url
    document = build_feed(rows, reports, base=base, path=request.url.path, title=title)
    etag = etag_of(document)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if matches_etag(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(document, media_type=ATOM, headers=headers)


@router.get("/feed")
def feed_all(request: Request, session: DbSession) -> Response:
    rows = browse.changes(session, material_only=True, limit=FEED_SIZE)
    return _respond(request, session, rows, "policywatch: material changes")


@router.get("/feed/category/{category}")
def feed_category(request: Request, session: DbSession, category: str) -> Response:
    if category not in CATEGORIES:
        raise HTTPException(
            status_code=404, detail=f"no category {category!r}; known: {', '.join(CATEGORIES)}"
        )
    rows = browse.changes(session, material_only=True, category=category, limit=FEED_SIZE)
    return _respond(request, session, rows, f"policywatch: {category.replace('_', ' ')} changes")


@router.get("/feed/{name}")
def feed_policy(request: Request, session: DbSession, name: str) -> Response:
    policy = queries.get_policy(session, name)
    rows = browse.changes(session, policy_id=policy.id, material_only=True, limit=FEED_SIZE)
    return _respond(request, session, rows, f"policywatch: {name}")
