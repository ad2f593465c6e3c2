"""Find a site's privacy policy from its homepage (or any page): the I/O around monitor/core/policylinks.py.

The start page is fetched like a policy (robots.txt, pacing, User-Agent; rendered in the browser when it
is a script shell and Chromium is there). Its links are scored; the best few are fetched and read, and
each target's own score (is it a policy?) is added to its link's. The ranking comes back best first,
each candidate with the reasons for its score.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from monitor.config import PolicySettings, Settings
from monitor.core.extract import decode_body, extract, split_content_type
from monitor.core.policylinks import (
    Link,
    Scored,
    is_policy,
    names_privacy,
    page_links,
    score_link,
    score_page,
)
from monitor.core.sniff import sniff_body
from monitor.errors import FetchError
from monitor.sources.fetch import Fetcher, FetchResult
from monitor.sources.page import fetch_page

#: How many of the best-scored links are fetched and read.
LOOK_AT = 5
#: A target that could not be fetched keeps its link score, minus this.
UNREACHABLE_PENALTY = 5.0


@dataclass(frozen=True)
class Candidate:
    url: str
    score: float
    text: str
    why: tuple[str, ...]
    page_score: float | None = None  # the target's own score, when it was fetched and read

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "score": self.score, "text": self.text, "why": "; ".join(self.why)}


@dataclass(frozen=True)
class Discovery:
    """The start page (after redirects), how much it reads like a policy itself, and the ranked links."""

    url: str
    page: Scored
    candidates: tuple[Candidate, ...]

    @property
    def start_is_policy(self) -> bool:
        """The start page is a policy, and reads as more of one than every page it links to."""
        return is_policy(self.page) and all(
            candidate.page_score is None or candidate.page_score <= self.page.score
            for candidate in self.candidates
        )


async def discover(settings: Settings, url: str, *, look_at: int = LOOK_AT) -> Discovery:
    """Rank the privacy-policy candidates linked from ``url``. Raises FetchError if ``url`` fails."""
    async with Fetcher(settings.fetch) as fetcher:
        start = await _fetch(fetcher, settings, url)
        html = _as_html(start)
        page = score_page(html)
        scored = sorted(
            ((link, score_link(link)) for link in page_links(html, start.url)),
            key=lambda item: -item[1].score,
        )
        scored = [(link, score) for link, score in scored if names_privacy(link)]
        # Only links with a positive score are worth a request; the others are listed as they scored.
        worth = [(link, score) for link, score in scored if score.score > 0][:look_at]
        looked = await asyncio.gather(*(_look(fetcher, settings, link, score) for link, score in worth))
        rest = [
            Candidate(link.url, score.score, link.text, score.why)
            for link, score in scored
            if (link, score) not in worth
        ]
    ranked = sorted(looked, key=lambda candidate: -candidate.score) + rest
    return Discovery(start.url, page, tuple(ranked))


async def _look(fetcher: Fetcher, settings: Settings, link: Link, score: Scored) -> Candidate:
    try:
        target = _as_html(await _fetch(fetcher, settings, link.url))
    except FetchError as error:
        why = (*score.why, f"could not be fetched ({error.reason})")
        return Candidate(link.url, round(score.score - UNREACHABLE_PENALTY, 2), link.text, why)
    page = score_page(target)
    why = (*score.why, *(f"target: {reason}" for reason in page.why))
    return Candidate(link.url, round(score.score + page.score, 2), link.text, why, page.score)


async def _fetch(fetcher: Fetcher, settings: Settings, url: str) -> FetchResult:
    policy = PolicySettings(name="discover", url=url)
    return await fetch_page(fetcher, settings, policy)


def _as_html(result: FetchResult) -> str:
    """HTML to read: the page itself, or a PDF's text as paragraphs (policies are often PDFs)."""
    if sniff_body(result.body, split_content_type(result.content_type)[0]) == "pdf":
        text = extract(result.body, content_type=result.content_type)
        title, _, _ = text.lstrip("# ").partition("\n")
        paragraphs = "".join(f"<p>{_escape(block)}</p>" for block in text.split("\n\n"))
        return f"<html><head><title>{_escape(title)}</title></head><body>{paragraphs}</body></html>"
    return decode_body(result.body, result.content_type)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
