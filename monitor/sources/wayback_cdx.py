"""The Wayback Machine's CDX listing, as pure functions: query parameters in, validated rows out.

The CDX server answers ``output=json`` with a header row naming the fields, one row per capture and, when
asked with ``showResumeKey=true`` and there is more, an empty row followed by a one-element row holding
the key for the next page::

    [["timestamp", "original", "mimetype", "statuscode", "digest", "length"],
     ["20151009140015", "http://www.qnet.net/privacy", "text/html", "200", "ZK4Q…", "5123"],
     [],
     ["net,qnet)/privacy 20151009140015"]]

Rows that are not usable captures are counted, not returned: revisit records (``warc/revisit`` with status
``-``: "same as an earlier capture"), redirects (3xx), other statuses, non-text types and malformed rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from monitor.errors import ArchiveError

CDX_FIELDS = ("timestamp", "original", "mimetype", "statuscode", "digest", "length")
REVISIT_MIMETYPE = "warc/revisit"
TIMESTAMP = re.compile(r"^\d{14}$")
DIGEST = re.compile(r"^[A-Za-z0-9+/=:_-]{8,128}$")
#: Anything else (images, archives) cannot be a policy text the extract step understands; PDFs can.
TEXT_MIMETYPE = re.compile(r"^(text/|application/(xhtml\+xml|xml|pdf|x-pdf)|unk$)", re.I)


@dataclass(frozen=True, slots=True)
class CdxRow:
    """One archived capture of a URL, as the CDX server lists it."""

    timestamp: str  # 14 digits, UTC; the exact key of the capture
    original: str  # the URL as it was captured
    mimetype: str
    status: int
    digest: str  # SHA-1 of the payload (base32): equal digests, equal bytes
    length: int | None

    @property
    def captured_at(self) -> datetime:
        return parse_timestamp(self.timestamp)


@dataclass(frozen=True, slots=True)
class CdxPage:
    """The usable rows of one CDX answer, what was skipped, and the key of the next page."""

    rows: tuple[CdxRow, ...]
    revisits: int = 0
    redirects: int = 0
    unusable: int = 0  # other statuses and non-text types
    malformed: int = 0
    resume_key: str | None = None


def parse_timestamp(value: str) -> datetime:
    """A 14-digit Wayback timestamp as an aware UTC datetime; ValueError if it is not one."""
    if not TIMESTAMP.match(value):
        raise ValueError(f"not a 14-digit Wayback timestamp: {value!r}")
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def cdx_params(
    url: str, *, since: date | None, until: date | None, limit: int, resume_key: str | None
) -> dict[str, str]:
    """The query of one CDX page. ``since``/``until`` are whole days, both included."""
    params = {
        "url": url,
        "output": "json",
        "fl": ",".join(CDX_FIELDS),
        "filter": "statuscode:200",
        "collapse": "digest",
        "limit": str(limit),
        "showResumeKey": "true",
    }
    if since is not None:
        params["from"] = since.strftime("%Y%m%d")
    if until is not None:
        params["to"] = until.strftime("%Y%m%d")
    if resume_key is not None:
        params["resumeKey"] = resume_key
    return params


def _split_resume_key(body: list[Any]) -> tuple[list[Any], str | None]:
    """Separate the trailing ``[], [key]`` from the rows."""
    if len(body) >= 2 and body[-2] == [] and _is_key_row(body[-1]):
        return body[:-2], body[-1][0]
    return body, None


def _is_key_row(row: Any) -> bool:
    return isinstance(row, list) and len(row) == 1 and isinstance(row[0], str) and bool(row[0])


def _header_positions(header: Any) -> dict[str, int]:
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise ArchiveError("CDX answer has no header row of field names")
    positions = {name: index for index, name in enumerate(header)}
    missing = [name for name in CDX_FIELDS if name not in positions]
    if missing:
        raise ArchiveError(f"CDX header row lacks the fields {', '.join(missing)}")
    return positions


def _parse_length(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def parse_row(raw: Any, positions: dict[str, int]) -> CdxRow | str:
    """A validated row, or the word saying why it is skipped (revisit, redirect, unusable, malformed)."""
    if not isinstance(raw, list) or len(raw) != len(positions) or not all(isinstance(v, str) for v in raw):
        return "malformed"
    fields = {name: raw[index] for name, index in positions.items()}
    if fields["mimetype"] == REVISIT_MIMETYPE or fields["statuscode"] == "-":
        return "revisit"
    timestamp, original, digest = fields["timestamp"], fields["original"], fields["digest"]
    if not TIMESTAMP.match(timestamp) or not original.startswith(("http://", "https://")):
        return "malformed"
    if not DIGEST.match(digest) or not fields["statuscode"].isdigit():
        return "malformed"
    try:
        parse_timestamp(timestamp)
    except ValueError:
        return "malformed"
    status = int(fields["statuscode"])
    if 300 <= status < 400:
        return "redirect"
    if status != 200 or not TEXT_MIMETYPE.match(fields["mimetype"]):
        return "unusable"
    return CdxRow(timestamp, original, fields["mimetype"], status, digest, _parse_length(fields["length"]))


def parse_cdx_json(payload: Any) -> CdxPage:
    """Read one ``output=json`` CDX answer (already JSON-decoded)."""
    if not isinstance(payload, list):
        raise ArchiveError("CDX answer is not a JSON list")
    if not payload:
        return CdxPage(rows=())
    body, resume_key = _split_resume_key(payload)
    if not body:
        return CdxPage(rows=(), resume_key=resume_key)
    positions = _header_positions(body[0])
    rows: list[CdxRow] = []
    skipped = {"revisit": 0, "redirect": 0, "unusable": 0, "malformed": 0}
    for raw in body[1:]:
        parsed = parse_row(raw, positions)
        if isinstance(parsed, CdxRow):
            rows.append(parsed)
        else:
            skipped[parsed] += 1
    return CdxPage(
        rows=tuple(rows),
        revisits=skipped["revisit"],
        redirects=skipped["redirect"],
        unusable=skipped["unusable"],
        malformed=skipped["malformed"],
        resume_key=resume_key,
    )


class RowDeduper:
    """Drops rows listed twice (same timestamp and digest), across the pages of one listing.

    ``collapse=digest`` only folds *adjacent* equal digests within one page, so a listing can still
    repeat a row at a page boundary.
    """

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    def fresh(self, rows: tuple[CdxRow, ...]) -> tuple[tuple[CdxRow, ...], int]:
        kept: list[CdxRow] = []
        for row in rows:
            key = (row.timestamp, row.digest)
            if key not in self._seen:
                self._seen.add(key)
                kept.append(row)
        return tuple(kept), len(rows) - len(kept)
