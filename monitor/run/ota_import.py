"""Import an Open Terms Archive collection as policy history: one version per commit that changed a document.

Each document ``<Service>/<Terms type>.md`` maps to a policy: the config entry whose ``ota`` names it, else
the entry named by its path slug, else an *archive-only* policy (history without live checks). Its commits
enter the pipeline at the store step (:func:`monitor.pipeline.chain.ingest_series`) in batches, with
``source = "ota"``, the commit date as the capture time and the commit and collection as provenance, so
every change is diffed and judged like a live one. "Apply technical or declaration upgrade" commits are
stored as re-extractions, which never count as material.

Resumable and idempotent: each batch commits with a progress row per (collection, document) naming the
last commit handled, so an interrupted run resumes after it, a second run adds nothing, and a newer clone
of the same collection (same root commit) adds only its new commits.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.config import PolicySettings, Settings
from monitor.core.analysis import Analysis, analyse
from monitor.pipeline.chain import ingest_series
from monitor.pipeline.ingest import IngestResult, Provenance, SeriesItem
from monitor.run.ota_analysis import Pair, lookahead
from monitor.sources.ota import Collection, History, Record, document_slug, open_collection
from storage import queries
from storage.codec import sha256_hex
from storage.engine import session_scope
from storage.models import OTA, Change, OtaImportState, Policy, Version, utcnow
from storage.outbox import enqueue_backfill_digest

#: Commits per write transaction: big enough to amortise the commit, small enough to resume cheaply.
BATCH = 48


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
        jobs = [_job(engine, history, targets, states, since) for history in histories]
        summary.documents = [job.summary for job in jobs]
        expected = sum(len(job.pending) for job in jobs)
        with lookahead(_pairs(engine, collection, jobs), expected) as ahead:
            analyser: Callable[[str | None, str], Analysis] = ahead or analyse
            for job in jobs:
                _import_job(engine, settings, collection, job, batch, progress, analyser)
    if notify:
        summary.alerts = _queue_digests(engine, settings, targets, summary, started_at)
    summary.seconds = time.perf_counter() - started
    return summary


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


@dataclass
class _Job:
    """One document to import: where it goes, and the commits a previous run has not handled."""

    history: History
    policy_settings: PolicySettings
    summary: DocumentSummary
    pending: list[Record]
    handled_before: int


def _job(
    engine: Engine,
    history: History,
    targets: dict[str, tuple[PolicySettings, bool]],
    states: dict[str, OtaImportState],
    since: datetime | None,
) -> _Job:
    policy_settings, archive_only = targets[history.document]
    summary = DocumentSummary(history.document, policy_settings.name, archive_only)
    records = tuple(r for r in history.records if since is None or r.committed_at >= since)
    state = states.get(history.document)
    pending = _pending(History(history.document, records), state, _stored_commits(engine, summary.policy))
    summary.commits, summary.skipped = len(records), len(records) - len(pending)
    return _Job(history, policy_settings, summary, pending, state.commits if state is not None else 0)


def _pairs(engine: Engine, collection: Collection, jobs: Sequence[_Job]) -> Iterator[Pair]:
    """Every (old, new) pair the store step will analyse, in the order it asks (see ingest_series)."""
    reader = collection.open_reader()
    for job in jobs:
        wanted = [record.blob for record in job.pending if record.blob is not None]
        if not wanted:
            continue
        previous = _latest_text(engine, job.policy_settings.name)
        previous_sha = sha256_hex(previous) if previous is not None else None
        for _sha, body in reader.read(wanted):
            text = _decode(body)
            sha = sha256_hex(text)
            if sha == previous_sha:
                continue
            if previous is not None:
                yield previous, text
            previous, previous_sha = text, sha


def _latest_text(engine: Engine, name: str) -> str | None:
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        latest = queries.latest_version(session, policy.id)
        return queries.version_text(latest, session) if latest is not None else None


def _import_job(
    engine: Engine,
    settings: Settings,
    collection: Collection,
    job: _Job,
    batch: int,
    progress: Progress | None,
    analyser: Callable[[str | None, str], Analysis],
) -> None:
    summary, pending = job.summary, job.pending
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        items = _items(collection, chunk, summary)
        last, handled = chunk[-1], job.handled_before + start + len(chunk)

        def save(session: Session, last: Record = last, handled: int = handled) -> None:
            _save_state(session, collection, job.history.document, summary, last, handled)

        results = ingest_series(
            engine, settings, job.policy_settings, items, source=OTA, in_transaction=save, analyser=analyser
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
