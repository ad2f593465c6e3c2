"""Import an Open Terms Archive collection as policy history: one version per commit that changed a document.

Each document ``<Service>/<Terms type>.md`` maps to a policy: the config entry whose ``ota`` names it, else
the entry named by its path slug, else an *archive-only* policy (history without live checks). Its commits
enter the pipeline at the store step (:func:`monitor.pipeline.ingest.ingest_series`) in batches, with
``source = "ota"``, the commit date as the capture time and the commit and collection as provenance, so
every change is diffed and judged like a live one. "Apply technical or declaration upgrade" commits are
stored as re-extractions, which never count as material.

Resumable and idempotent: each batch commits with a progress row per (collection, document) naming the
last commit handled, so an interrupted run resumes after it, a second run adds nothing, and a newer clone
of the same collection (same root commit) adds only its new commits.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.config import PolicySettings, Settings
from monitor.pipeline.ingest import IngestResult, Provenance, SeriesItem, ingest_series
from monitor.sources.ota import Collection, History, Record, document_slug, open_collection
from storage import queries
from storage.engine import session_scope
from storage.models import OTA, Change, OtaImportState, Policy, Version, utcnow
from storage.outbox import enqueue_backfill_digest

#: Commits per write transaction: big enough to amortise the commit, small enough to resume cheaply.
BATCH = 48
#: Below this many texts to analyse, starting worker processes costs more than it saves.
POOL_THRESHOLD = 64


@dataclass
class DocumentSummary:
    document: str
    policy: str
    archive_only: bool
    commits: int = 0  # commits of this document in the source (after the filters)
    skipped: int = 0  # already imported by an earlier run
    new_versions: int = 0
    unchanged: int = 0  # the text of the version before it (a re-added file): its time range grew
    deleted: int = 0  # commits that removed the file: no version
    reextractions: int = 0
    material: int = 0


@dataclass
class ImportSummary:
    collection: str
    collection_id: str
    head: str
    documents: list[DocumentSummary] = field(default_factory=list)
    seconds: float = 0.0
    alerts: int = 0

    @property
    def new_versions(self) -> int:
        return sum(document.new_versions for document in self.documents)

    @property
    def material(self) -> int:
        return sum(document.material for document in self.documents)

    @property
    def versions_per_second(self) -> float:
        return self.new_versions / self.seconds if self.seconds else 0.0


Progress = Callable[[DocumentSummary], None]


def import_collection(
    settings: Settings,
    engine: Engine,
    source: str,
    *,
    services: Sequence[str] = (),
    terms_types: Sequence[str] = (),
    since: datetime | None = None,
    notify: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ImportSummary:
    """Import the collection at ``source`` (a clone, a bare repository or a bundle) into the database."""
    started, started_at = time.perf_counter(), utcnow()
    with open_collection(source, name=name) as collection:
        histories = collection.histories(services=services, terms_types=terms_types)
        targets = _targets(settings, engine, collection, histories)
        states = _load_states(engine, collection.root_commit)
        summary = ImportSummary(collection.name, collection.root_commit, collection.head)
        todo = sum(len(history.records) for history in histories) - sum(s.commits for s in states.values())
        with _analysis_pool(todo) as pool:
            for history in histories:
                policy_settings, archive_only = targets[history.document]
                document = DocumentSummary(history.document, policy_settings.name, archive_only)
                summary.documents.append(document)
                _import_history(
                    engine, settings, collection, history, policy_settings, states.get(history.document),
                    document, since=since, batch=batch, progress=progress, pool=pool,
                )  # fmt: skip
    if notify:
        summary.alerts = _queue_digests(engine, settings, targets, summary, started_at)
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _analysis_pool(texts: int) -> Iterator[Executor | None]:
    """Worker processes for the analysis (pure and CPU-bound) when there is enough of it to share."""
    workers = min(2, os.cpu_count() or 1)
    if texts < POOL_THRESHOLD or workers < 2:
        yield None
        return
    # spawn, not fork: the parent holds database connections and a git subprocess.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def _targets(
    settings: Settings, engine: Engine, collection: Collection, histories: Sequence[History]
) -> dict[str, tuple[PolicySettings, bool]]:
    """The policy each document goes to, creating the archive-only ones (one transaction)."""
    by_document = {policy.ota: policy for policy in settings.policies if policy.ota}
    by_name = {policy.name: policy for policy in settings.policies}
    targets: dict[str, tuple[PolicySettings, bool]] = {}
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
        rows = {row.name: row for row in session.exec(select(Policy)).all()}
        known = {row.ota_document: row for row in rows.values() if row.ota_document}
        taken: set[str] = set()
        for history in histories:
            document = history.document
            configured = by_document.get(document) or by_name.get(document_slug(document))
            if configured is not None:
                targets[document] = (configured, False)
                row = rows[configured.name]
                row.ota_document = row.ota_document or document
                continue
            target = known.get(document) or _same_name(rows, document)
            if target is None:
                slug = _free_slug(document, rows, taken)
                target = Policy(
                    name=slug, url=f"ota:{collection.name}/{document}.md", enabled=False,
                    archive_only=True, ota_document=document, next_check_at=None,
                )  # fmt: skip
                session.add(target)
                rows[slug] = target
            target.ota_document = document
            taken.add(target.name)
            # Policies without a config entry: the store step only needs their name.
            policy_settings = PolicySettings.model_construct(name=target.name, url=target.url)
            targets[document] = (policy_settings, target.archive_only)
    return targets


def _same_name(rows: dict[str, Policy], document: str) -> Policy | None:
    """A policy no longer configured but named by the document's slug (and of no other document)."""
    row = rows.get(document_slug(document))
    return row if row is not None and row.ota_document in (None, document) else None


def _free_slug(document: str, rows: dict[str, Policy], taken: set[str]) -> str:
    slug = document_slug(document)
    if slug not in rows and slug not in taken:
        return slug
    # Two documents with the same slug ("A.b/X" and "A b/X"): the second gets a stable suffix.
    return f"{slug[:56].rstrip('-')}-{hashlib.sha256(document.encode()).hexdigest()[:7]}"


def _load_states(engine: Engine, collection_id: str) -> dict[str, OtaImportState]:
    with session_scope(engine) as session:
        rows = session.exec(select(OtaImportState).where(OtaImportState.collection_id == collection_id))
        return {row.document: row for row in rows.all()}


def _stored_commits(engine: Engine, policy_name: str) -> set[str]:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, policy_name)
        found = session.exec(
            select(Version.ota_commit).where(
                Version.policy_id == policy.id, col(Version.ota_commit).is_not(None)
            )
        ).all()
    return {commit for commit in found if commit}


def _pending(history: History, state: OtaImportState | None, stored: set[str]) -> list[Record]:
    """The records after the last one a previous run handled (all of them if it is not in this history)."""
    records = list(history.records)
    commits = [record.commit for record in records]
    if state is not None and state.last_commit in commits:
        records = records[commits.index(state.last_commit) + 1 :]
    return [record for record in records if record.commit not in stored]


def _import_history(
    engine: Engine,
    settings: Settings,
    collection: Collection,
    history: History,
    policy_settings: PolicySettings,
    state: OtaImportState | None,
    summary: DocumentSummary,
    *,
    since: datetime | None,
    batch: int,
    progress: Progress | None,
    pool: Executor | None = None,
) -> None:
    records = [r for r in history.records if since is None or r.committed_at >= since]
    summary.commits = len(records)
    pending = _pending(
        History(history.document, tuple(records)), state, _stored_commits(engine, summary.policy)
    )
    summary.skipped = len(records) - len(pending)
    previous_total = state.commits if state is not None else 0
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        items = _items(collection, chunk, summary)
        last = chunk[-1]
        handled = previous_total + start + len(chunk)

        def save(session: Session, last: Record = last, handled: int = handled) -> None:
            _save_state(session, collection, history.document, summary, last, handled)

        results = ingest_series(
            engine, settings, policy_settings, items, source=OTA, in_transaction=save, pool=pool
        )
        _count(summary, items, results)
        if progress is not None:
            progress(summary)
    if not pending and progress is not None:
        progress(summary)


def _items(collection: Collection, chunk: Sequence[Record], summary: DocumentSummary) -> list[SeriesItem]:
    wanted = [record for record in chunk if record.blob is not None]
    summary.deleted += len(chunk) - len(wanted)
    texts = dict(collection.blobs(record.blob for record in wanted if record.blob is not None))
    return [
        SeriesItem(
            text=_decode(texts[record.blob]),
            observed_at=record.committed_at,
            provenance=Provenance(commit=record.commit, collection=collection.name),
            reextraction=record.reextraction,
        )
        for record in wanted
        if record.blob is not None
    ]


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        # OTA writes UTF-8; a stray byte must not stop the import (the text keeps U+FFFD in its place).
        return body.decode("utf-8", errors="replace")


def _save_state(
    session: Session, collection: Collection, document: str, summary: DocumentSummary, last: Record,
    handled: int,
) -> None:  # fmt: skip
    state = session.get(OtaImportState, (collection.root_commit, document))
    policy_id = queries.get_policy(session, summary.policy).id
    assert policy_id is not None
    if state is None:
        state = OtaImportState(
            collection_id=collection.root_commit, document=document, collection=collection.name,
            policy_id=policy_id, last_commit=last.commit, last_committed_at=last.committed_at,
        )  # fmt: skip
    state.collection, state.policy_id = collection.name, policy_id
    state.last_commit, state.last_committed_at = last.commit, last.committed_at
    state.commits = handled
    state.updated_at = utcnow()
    session.add(state)


def _count(summary: DocumentSummary, items: Sequence[SeriesItem], results: Sequence[IngestResult]) -> None:
    for item, result in zip(items, results, strict=True):
        if result.outcome == "unchanged":
            summary.unchanged += 1
            continue
        summary.new_versions += 1
        summary.reextractions += item.reextraction and result.change_id is not None
        summary.material += result.material


def _queue_digests(
    engine: Engine,
    settings: Settings,
    targets: dict[str, tuple[PolicySettings, bool]],
    summary: ImportSummary,
    started_at: datetime,
) -> int:
    """With ``--notify``: each policy's material changes from this run, as one digest per notifier."""
    queued = 0
    with session_scope(engine) as session:
        for document in summary.documents:
            if not document.material:
                continue
            policy_settings, _ = targets[document.document]
            policy = queries.get_policy(session, policy_settings.name)
            changes = list(
                session.exec(
                    select(Change)
                    .where(
                        Change.policy_id == policy.id,
                        col(Change.material).is_(True),
                        col(Change.superseded).is_(False),
                        col(Change.created_at) >= started_at,
                    )
                    .order_by(col(Change.id))
                ).all()
            )
            group = f"ota:{summary.collection}:{policy.name}:{started_at.isoformat()}"
            queued += len(
                enqueue_backfill_digest(session, settings, policy_settings, policy, changes, group=group)
            )
    return queued
