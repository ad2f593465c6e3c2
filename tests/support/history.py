"""Histories for storage tests and benchmarks, built through the real store step.

:func:`build_corpus_history` fills a database with the corpus histories (``tests/fixtures/corpus/histories``)
through :func:`monitor.pipeline.chain.ingest_text`, live and archived (out of time order, so changes get
superseded), with snapshots, check events, alerts, a delivery attempt, a rate limiter and a backfill state: a
row in every table. :func:`small_edit_history` makes a long history of small edits for the
delta-storage figures.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import Settings
from monitor.pipeline.chain import ingest_text
from monitor.pipeline.values import RawCapture
from storage import queries, ratelimit
from storage.engine import session_scope
from storage.models import ARCHIVE, Alert, BackfillState, DeliveryAttempt, OtaImportState

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "corpus" / "histories"
START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
ARCHIVED_STEP = 2


def corpus_dir() -> Path:
    """The corpus histories (copied from ../shared/corpus into tests/fixtures; see its README)."""
    return FIXTURES


def corpus_histories() -> dict[str, list[str]]:
    """Policy name → its version texts (``v00.md``, ``v01.md`` ...), in order."""
    return {
        folder.name: [path.read_text(encoding="utf-8") for path in sorted(folder.glob("v*.md"))]
        for folder in sorted(corpus_dir().iterdir())
        if folder.is_dir()
    }


def corpus_settings(notifier_url: str = "http://127.0.0.1:9/hook") -> dict[str, object]:
    """Config sections for the corpus policies (for ``parse_config``), with one webhook notifier."""
    return {
        "alerts": {"min_severity": "low"},
        "notifiers": {"hook": {"kind": "webhook", "url": notifier_url}},
        "policies": [
            {"name": name, "url": f"https://{name}.example/privacy"} for name in corpus_histories()
        ],
    }


def build_corpus_history(engine: Engine, settings: Settings) -> dict[str, int]:
    """Store every corpus history; return policy name → number of versions."""
    with session_scope(engine) as session:
        queries.sync_policies(session, settings, now=START)
    counts: dict[str, int] = {}
    for index, (name, history) in enumerate(corpus_histories().items()):
        policy = settings.policy(name)
        times = [START + timedelta(days=30 * number, minutes=index) for number in range(len(history))]
        # Version 2 comes from the archive after the others, the way a backfill inserts it: the change
        # 1 → 3 is superseded by 1 → 2 → 3, and number order differs from time order.
        for number, text in enumerate(history):
            if number != ARCHIVED_STEP:
                ingest_text(
                    engine, settings, policy, text, observed_at=times[number],
                    raw=_raw(policy.url, text, times[number], f'"{name}-{number}"'),
                    event={"outcome": "changed", "http_status": 200, "duration_ms": 12, "worker": "w1"},
                )
        ingest_text(
            engine, settings, policy, history[ARCHIVED_STEP], observed_at=times[ARCHIVED_STEP],
            source=ARCHIVE, archived_at=times[ARCHIVED_STEP], alerts=False,
            raw=_raw(policy.url, history[ARCHIVED_STEP], times[ARCHIVED_STEP], None),
        )
        counts[name] = len(history)
    _add_outbox_and_state(engine)
    return counts


def _raw(url: str, text: str, at: datetime, etag: str | None) -> RawCapture:
    return RawCapture(
        url=url, body=f"<html><body>{text}</body></html>".encode(), status_code=200,
        content_type="text/html; charset=utf-8", headers={"etag": etag} if etag else {}, fetched_at=at,
    )


def _add_outbox_and_state(engine: Engine) -> None:
    ratelimit.reserve_slot(engine, "wayback", timedelta(seconds=2.5), now=START)
    with session_scope(engine) as session:
        alert = session.exec(select(Alert).order_by(col(Alert.id))).first()
        assert alert is not None and alert.id is not None, "the corpus has material changes"
        alert.status, alert.attempts, alert.delivered_at = "delivered", 1, START + timedelta(hours=1)
        session.add(alert)
        session.add(DeliveryAttempt(alert_id=alert.id, at=START + timedelta(hours=1), ok=True,
                                    duration_ms=40, worker="w1"))
        session.add(BackfillState(policy_id=alert.policy_id, resume_key="20150101000000", listed=12,
                                  fetched=10, new_versions=1, started_at=START,
                                  completed_at=START + timedelta(minutes=5)))
        session.add(OtaImportState(collection_id="0" * 40, document="Acme/Privacy Policy",
                                   collection="demo-versions", policy_id=alert.policy_id,
                                   last_commit="1" * 40, last_committed_at=START, commits=3,
                                   updated_at=START))


def small_edit_history(text: str, count: int, *, seed: int = 7) -> list[str]:
    """``count`` versions of ``text``, each a small edit of the one before: a word swapped, a sentence
    added or removed, or the "last updated" line changed; every version differs from the previous one."""
    rng = random.Random(seed)
    words = ["data", "partners", "cookies", "advertising", "retain", "securely", "affiliates", "consent"]
    versions = [text]
    lines = text.split("\n")
    while len(versions) < count:
        step = len(versions)
        at = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.4 and lines[at].strip():
            tokens = lines[at].split(" ")
            tokens[rng.randrange(len(tokens))] = rng.choice(words)
            lines[at] = " ".join(tokens)
        elif roll < 0.7:
            lines.insert(at, f"We may share {rng.choice(words)} with {rng.choice(words)} (revision {step}).")
        elif roll < 0.85 and len(lines) > 10:
            del lines[at]
        elif lines[0].startswith("Last updated:"):
            lines[0] = f"Last updated: revision {step}"
        else:
            lines.insert(0, f"Last updated: revision {step}")
        candidate = "\n".join(lines)
        if candidate != versions[-1]:
            versions.append(candidate)
    return versions
