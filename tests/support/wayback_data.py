"""Archived histories for backfill tests: corpus texts as captured pages, timestamps, rate checks."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path

from monitor.sources.wayback_cdx import parse_timestamp
from tests.support.pages import policy_page
from tests.support.wayback import ARCHIVED_URL, WaybackEmulator

HISTORIES = Path(__file__).resolve().parent.parent / "fixtures" / "corpus" / "histories"


def history_texts(policy: str = "qnet", count: int | None = None) -> list[str]:
    """The corpus history's versions in order; extended with dated contact edits up to ``count``."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((HISTORIES / policy).glob("v*.md"))]
    extra = 0
    while count is not None and len(texts) < count:
        extra += 1
        texts.append(
            texts[-1].rstrip()
            + f"\n\n## Regional contact {extra}\n\nResidents of region {extra} may write to our privacy "
            f"office at privacy-region{extra}@example.com about this policy.\n"
        )
    return texts[:count] if count is not None else texts


def capture_page(markdown: str, *, variant: str = "") -> str:
    """A policy page as the archive would have stored it; ``variant`` changes the bytes, not the text."""
    page = policy_page(markdown)
    return page.replace("</body>", f"<!-- served by node {variant} -->\n</body>") if variant else page


def timestamp_of(year: int, month: int = 1, day: int = 1, hour: int = 12) -> str:
    return f"{year:04d}{month:02d}{day:02d}{hour:02d}0000"


def at(stamp: str) -> datetime:
    return parse_timestamp(stamp)


def serve_history(
    archive: WaybackEmulator, count: int, *, url: str = ARCHIVED_URL, year: int = 2013
) -> list[str]:
    """``count`` distinct corpus texts, one capture a quarter; returns their timestamps."""
    stamps = [timestamp_of(year + i // 4, 1 + 3 * (i % 4), 1) for i in range(count)]
    for text, stamp in zip(history_texts("qnet", count), stamps, strict=True):
        archive.add_capture(stamp, url, capture_page(text))
    return stamps


def spacing(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


def assert_within_rate(times: list[float], interval: float, label: str = "") -> None:
    """Arrivals no faster than one per ``interval``. A loaded machine delays a single request by tens of
    milliseconds (shortening one gap), so each gap gets slack and the whole run a tight bound."""
    times = sorted(times)
    assert min(spacing(times)) >= 0.6 * interval, (label, spacing(times))
    assert times[-1] - times[0] >= (len(times) - 1) * interval - 0.05, (label, times)
