"""The values that travel along the chain, each a small frozen dataclass.

A step takes values and returns values; none takes a dozen loose arguments. In chain order:

* :class:`PolicyState` — what the pass read ahead about a policy (validators, hashes, health);
* :class:`RawCapture` — a body as fetched or archived (the extract step's input);
* :class:`LiveCheck` — what a live fetch adds for the health record (validators, status, timing);
* :class:`Observation` — a text seen at a moment (the store step's input; an import starts here);
* :class:`Neighbours` — the stored versions around that moment, with their texts;
* :class:`Plan` — the analyses the store step writes (into the new text, and out of it);
* :class:`Stored` — what the store step did; :class:`CheckOutcome` — what one check did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.core.analysis import Analysis
from monitor.core.facts import VersionFacts
from storage.models import ARCHIVE, LIVE


@dataclass(frozen=True)
class PolicyState:
    """A policy's row as the pass needs it; read ahead for many policies in one query."""

    policy_id: int
    etag: str | None
    last_modified: str | None
    body_sha256: str | None  # the last body whose text is the latest version's
    text_sha256: str | None  # the latest version's text
    fingerprint: str | None  # the extraction fingerprint of that text (see monitor.core.fingerprint)
    failing: bool


@dataclass(frozen=True)
class RawCapture:
    """A body as fetched (live) or as archived (``archived_at`` set), kept as a snapshot when stored."""

    url: str
    body: bytes
    status_code: int | None
    content_type: str | None
    headers: dict[str, str]
    fetched_at: datetime
    archive_digest: str | None = None
    archived_at: datetime | None = None
    #: The codec its text was read with (None: not text, or not known yet: the store step finds it).
    charset: str | None = None
    renderer: str = "static"  # or "browser": what produced the body, recorded on the version

    @property
    def source(self) -> str:
        return ARCHIVE if self.archived_at is not None else LIVE

    @property
    def observed_at(self) -> datetime:
        return self.archived_at or self.fetched_at


@dataclass(frozen=True)
class LiveCheck:
    """What a live check records on the policy besides the text: validators, status, timing."""

    http_status: int | None
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    fetched_at: datetime
    duration_ms: int
    worker: str


@dataclass(frozen=True)
class Provenance:
    """Where an imported text was recorded: the Open Terms Archive commit and collection."""

    commit: str | None = None
    collection: str | None = None


@dataclass(frozen=True)
class Observation:
    """A policy text as seen at ``observed_at``: the store step's input, whatever produced it."""

    policy: str
    text: str
    text_sha256: str
    observed_at: datetime
    source: str = LIVE
    archived_at: datetime | None = None
    raw: RawCapture | None = None
    fingerprint: str | None = None
    #: Queue alerts for a material change (live checks); backfill and imports queue digests instead.
    alerts: bool = True
    digest_group: str | None = None
    provenance: Provenance | None = None
    #: The text is a re-extraction of the same document: its change is stored but never material.
    reextraction: bool = False


@dataclass(frozen=True)
class VersionRef:
    id: int
    number: int
    text_sha256: str
    language: str | None = None


@dataclass(frozen=True)
class Neighbours:
    """The versions just before (or at) and just after a moment, with their texts (None: no version)."""

    before: VersionRef | None
    after: VersionRef | None
    before_text: str | None
    after_text: str | None

    @property
    def ids(self) -> tuple[int | None, int | None]:
        return (self.before.id if self.before else None, self.after.id if self.after else None)

    def holds(self, text_sha256: str) -> VersionRef | None:
        """The neighbour with this very text, if any (the observation only extends its time range)."""
        for ref in (self.before, self.after):
            if ref is not None and ref.text_sha256 == text_sha256:
                return ref
        return None


@dataclass(frozen=True)
class Plan:
    """The analyses for the change records the store step writes; computed before its transaction."""

    neighbours: Neighbours
    into_new: Analysis | None  # before → the new text
    out_of_new: Analysis | None  # the new text → after (a capture inserted into the past)
    facts: VersionFacts | None = None  # the new text's language and stated date, detected once


@dataclass(frozen=True)
class Stored:
    outcome: str  # first_version | new_version | reverted | unchanged
    version_number: int
    version_id: int
    change_id: int | None
    material: bool
    severity: str
    alerts: int = 0


@dataclass(frozen=True)
class Failure:
    """A check that did not yield a version: a fetch error, or a capture that is no policy text."""

    outcome: str  # failed | anomaly | robots_disallowed
    reason: str
    message: str
    http_status: int | None

    @property
    def error(self) -> str:
        return f"{self.reason}: {self.message}"


@dataclass(frozen=True)
class CheckOutcome:
    """What one check did; ``outcome`` is one of the words in ``OUTCOMES``."""

    policy: str
    outcome: str
    duration_ms: int
    http_status: int | None = None
    version_number: int | None = None
    version_id: int | None = None
    change_id: int | None = None
    material: bool = False
    severity: str = "none"
    error: str | None = None
    alerts: int = 0
    #: The check raised an unexpected exception (recorded as a failed check; the pass went on).
    crashed: bool = False

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES


OUTCOMES = (
    "unchanged",
    "not_modified",
    "first_version",
    "new_version",
    "reverted",
    "failed",
    "anomaly",
    "robots_disallowed",
)
FAILED_OUTCOMES = frozenset({"failed", "anomaly", "robots_disallowed"})
ANOMALY_REASONS = frozenset(
    {"error_page", "bot_wall", "login_wall", "too_short", "language_changed", "partial_capture"}
)
