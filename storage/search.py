"""Full-text search over every version of every policy, on SQLite (FTS5) and PostgreSQL (tsvector).

The index holds words and positions only, never the texts themselves (those are stored compressed in
``versions``): SQLite uses a *contentless* FTS5 table whose rowid is the version id, PostgreSQL a
``version_search`` table with a ``tsvector`` column and a GIN index. Both stem English words (Porter on
SQLite, the ``english`` configuration on PostgreSQL), so ``share`` also finds "shared" and "sharing".

Queries use the web-search syntax on both dialects: words are all required, ``"quoted words"`` form a
phrase, ``or`` between terms makes either enough, and ``-word`` excludes a word.

Results are grouped per policy with the *transitions* of the phrase through the policy's time-ordered
history: the version (and change) where it first appeared, and where it disappeared again.

Versions are never deleted, which is what a contentless FTS5 table (insert-only on SQLite < 3.43) needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from monitor.errors import PolicywatchError
from storage.models import Change, Policy, Version

TABLE = "version_search"
#: PostgreSQL refuses tsvectors over 1 MB; no policy comes near this many characters of text.
PG_MAX_CHARS = 500_000

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
    "body, content='', tokenize='porter unicode61 remove_diacritics 2')"
)
POSTGRES_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "version_id INTEGER PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE, "
    "policy_id INTEGER NOT NULL, "
    "document TSVECTOR NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_document ON {TABLE} USING GIN (document)",
)


class BadSearchQuery(PolicywatchError):
    """The search text has no word to look for."""


# -- the query language --------------------------------------------------------------------------------

TermKind = Literal["word", "phrase", "or", "not"]


@dataclass(frozen=True, slots=True)
class Term:
    kind: TermKind
    text: str = ""


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _has_word(text: str) -> bool:
    return any(char.isalnum() for char in text)


def parse_query(query: str) -> tuple[Term, ...]:
    """Split web-search syntax into terms; punctuation-only pieces are dropped."""
    terms: list[Term] = []
    for match in _TOKEN.finditer(query):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            if _has_word(phrase):
                terms.append(Term("not" if negated else "phrase", " ".join(phrase.split())))
            continue
        if bare.lower() == "or":
            if terms and terms[-1].kind in {"word", "phrase"}:
                terms.append(Term("or"))
            continue
        if bare.startswith("-") and _has_word(bare[1:]):
            terms.append(Term("not", bare[1:]))
        elif _has_word(bare):
            terms.append(Term("word", bare))
    while terms and terms[-1].kind == "or":
        terms.pop()
    return tuple(terms)


def positive_terms(terms: Iterable[Term]) -> list[str]:
    """The words and phrases a match must contain (for highlighting), without operators."""
    return [term.text for term in terms if term.kind in {"word", "phrase"}]


def _fts5_string(text: str) -> str:
    # An FTS5 string is tokenised like the document, so "don't" or "opt-out" become phrases by themselves.
    return '"' + text.replace('"', '""') + '"'


def fts5_query(terms: Sequence[Term]) -> str:
    """The FTS5 MATCH expression for parsed terms; raises BadSearchQuery when nothing positive is left."""
    positive: list[str] = []
    negative: list[str] = []
    for term in terms:
        if term.kind == "or":
            positive.append("OR")
        elif term.kind == "not":
            negative.append(_fts5_string(term.text))
        else:
            positive.append(_fts5_string(term.text))
    if not [part for part in positive if part != "OR"]:
        raise BadSearchQuery("the search needs at least one word that is not excluded")
    expression = " ".join(positive)
    if negative:
        expression = f"({expression}) NOT " + " NOT ".join(negative)
    return expression


# -- indexing ------------------------------------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def index_version(session: Session, version: Version, text: str) -> None:
    """Add a just-stored version to the search index (inside the transaction that stores it)."""
    assert version.id is not None
    # PostgreSQL text cannot hold NUL: a stray one in a page must not cost the version it belongs to.
    text = text.replace("\x00", " ")
    if _dialect(session) == "sqlite":
        session.execute(
            sa.text(f"INSERT INTO {TABLE}(rowid, body) VALUES (:id, :body)"),
            {"id": version.id, "body": text},
        )
    else:
        session.execute(
            sa.text(
                f"INSERT INTO {TABLE}(version_id, policy_id, document) "
                "VALUES (:id, :policy_id, to_tsvector('english', :body)) ON CONFLICT (version_id) DO NOTHING"
            ),
            {"id": version.id, "policy_id": version.policy_id, "body": text[:PG_MAX_CHARS]},
        )


# -- searching -----------------------------------------------------------------------------------------


def matching_version_ids(session: Session, query: str) -> set[int]:
    """Ids of every version whose text matches ``query`` (web-search syntax)."""
    terms = parse_query(query)
    if _dialect(session) == "sqlite":
        rows = session.execute(
            sa.text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q"), {"q": fts5_query(terms)}
        )
    else:
        fts5_query(terms)  # the same rule on both dialects: at least one positive term
        rows = session.execute(
            sa.text(f"SELECT version_id FROM {TABLE} WHERE document @@ websearch_to_tsquery('english', :q)"),
            {"q": query},
        )
    return {int(row[0]) for row in rows}


@dataclass(frozen=True, slots=True)
class VersionRef:
    id: int
    number: int
    observed_at: datetime
    source: str


TransitionKind = Literal["appeared", "disappeared"]


@dataclass(frozen=True, slots=True)
class Transition:
    """The phrase appeared in (or disappeared from) ``version``, through change ``change_id``."""

    kind: TransitionKind
    version: VersionRef
    change_id: int | None


@dataclass(frozen=True, slots=True)
class PolicyHits:
    policy: str
    matching: tuple[VersionRef, ...]  # time order
    transitions: tuple[Transition, ...]  # time order
    present_now: bool

    @property
    def first_appeared(self) -> Transition | None:
        return next((t for t in self.transitions if t.kind == "appeared"), None)

    @property
    def last_disappeared(self) -> Transition | None:
        """Where the phrase went away for good (None while the latest version still has it)."""
        if self.present_now:
            return None
        return next((t for t in reversed(self.transitions) if t.kind == "disappeared"), None)


def transitions(history: Sequence[VersionRef], matching: set[int]) -> list[tuple[TransitionKind, VersionRef]]:
    """Where, walking the history in time order, the phrase comes in and goes out."""
    found: list[tuple[TransitionKind, VersionRef]] = []
    present = False
    for version in history:
        now = version.id in matching
        if now != present:
            found.append(("appeared" if now else "disappeared", version))
        present = now
    return found


def _histories(session: Session, policy_ids: Iterable[int]) -> dict[int, list[VersionRef]]:
    rows = session.execute(
        sa.select(
            col(Version.id),
            col(Version.policy_id),
            col(Version.number),
            col(Version.observed_at),
            col(Version.source),
        )
        .where(col(Version.policy_id).in_(list(policy_ids)))
        .order_by(col(Version.policy_id), col(Version.observed_at), col(Version.id))
    ).all()
    histories: dict[int, list[VersionRef]] = {}
    for version_id, policy_id, number, observed_at, source in rows:
        histories.setdefault(policy_id, []).append(VersionRef(version_id, number, observed_at, source))
    return histories


def _changes_into(session: Session, version_ids: Iterable[int]) -> dict[int, int]:
    ids = list(version_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Change.to_version_id, Change.id).where(
            col(Change.to_version_id).in_(ids), col(Change.superseded).is_(False)
        )
    ).all()
    return {to_id: change_id for to_id, change_id in rows}


def search(session: Session, query: str, *, policy: str | None = None) -> list[PolicyHits]:
    """Every policy with a version matching ``query``, by name, with the phrase's transitions."""
    matching = matching_version_ids(session, query)
    if not matching:
        return []
    owners = (
        session.execute(select(Version.policy_id).where(col(Version.id).in_(list(matching))).distinct())
        .scalars()
        .all()
    )
    names_query = select(Policy.id, Policy.name).where(col(Policy.id).in_(list(owners)))
    if policy is not None:
        names_query = names_query.where(Policy.name == policy)
    names = {policy_id: name for policy_id, name in session.execute(names_query).all()}
    histories = _histories(session, names)
    found = {pid: transitions(history, matching) for pid, history in histories.items()}
    into = _changes_into(session, (v.id for moves in found.values() for _kind, v in moves))
    results = [
        PolicyHits(
            policy=names[pid],
            matching=tuple(v for v in history if v.id in matching),
            transitions=tuple(Transition(kind, v, into.get(v.id)) for kind, v in found[pid]),
            present_now=history[-1].id in matching,
        )
        for pid, history in histories.items()
    ]
    return sorted(results, key=lambda hits: hits.policy)
