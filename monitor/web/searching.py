"""Search results as the page and the API show them: where a phrase came and went, and the clause itself.

``storage.search`` finds the matching versions and the phrase's transitions; this adds the exact clause
where it first appeared, and the changes whose changed clauses mention it ("when did 'sell' change?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from monitor.core.clauses import segment
from monitor.web.textmatch import clauses_mentioning, first_clause_with, snippet, term_pattern
from storage import browse, queries
from storage.browse import ChangeRow
from storage.search import PolicyHits, parse_query, positive_terms, search

#: Changes listed per policy under "changes to clauses mentioning it".
MAX_TOUCHING = 20
REPORT_BATCH = 50


@dataclass(frozen=True, slots=True)
class Touching:
    change: ChangeRow
    clauses: tuple[dict[str, Any], ...]  # report entries whose old or new text mentions a term


@dataclass(frozen=True, slots=True)
class Result:
    hits: PolicyHits
    first_clause: str | None  # where the phrase first appeared: the clause, or a stretch of the text
    touching: tuple[Touching, ...]  # oldest first


def pattern_for(query: str) -> re.Pattern[str] | None:
    return term_pattern(positive_terms(parse_query(query)))


def _first_clause(
    session: Session, policy_id: int, hits: PolicyHits, pattern: re.Pattern[str] | None
) -> str | None:
    first = hits.first_appeared
    if first is None or pattern is None:
        return None
    if first.change_id is not None:
        report = browse.reports(session, [first.change_id]).get(first.change_id, {})
        for entry in clauses_mentioning(report, pattern):
            if entry.get("new") and pattern.search(entry["new"]):
                return str(entry["new"])
    text = queries.version_text(queries.get_version(session, policy_id, first.version.number))
    clause = first_clause_with((clause.text for clause in segment(text)), pattern)
    return clause if clause is not None else snippet(text, pattern, width=240)


def _touching(session: Session, policy_id: int, pattern: re.Pattern[str] | None) -> tuple[Touching, ...]:
    if pattern is None:
        return ()
    rows = list(reversed(browse.changes(session, policy_id=policy_id)))
    found: list[Touching] = []
    # Reports are the large part of a change: read them a batch at a time, and stop once enough are found.
    for start in range(0, len(rows), REPORT_BATCH):
        batch = rows[start : start + REPORT_BATCH]
        reports = browse.reports(session, [row.id for row in batch])
        for row in batch:
            mentioning = clauses_mentioning(reports.get(row.id, {}), pattern)
            if mentioning:
                found.append(Touching(row, tuple(mentioning)))
        if len(found) >= MAX_TOUCHING:
            break
    return tuple(found[:MAX_TOUCHING])


def run_search(session: Session, query: str, *, policy: str | None = None) -> list[Result]:
    """Search every version; raises ``BadSearchQuery`` when the query has no word to look for."""
    pattern = pattern_for(query)
    results = []
    for hits in search(session, query, policy=policy):
        policy_row = queries.get_policy(session, hits.policy)
        assert policy_row.id is not None
        results.append(
            Result(
                hits,
                _first_clause(session, policy_row.id, hits, pattern),
                _touching(session, policy_row.id, pattern),
            )
        )
    return results
