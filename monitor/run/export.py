"""Export stored histories as datasets: Open Terms Archive's layout, or JSON Lines for pandas and DuckDB.

``ota`` writes ``<Service>/<Terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md``, one file per version (OTA's own dataset
layout, colons replaced so the names are valid on every file system), plus ``README.md`` with the
attribution of every source and ``LICENSE``. ``jsonl`` writes ``versions.jsonl`` (one object per version,
with its text) and ``changes.jsonl`` (one object per change, with its judgement). Either can be packed into
one zip file. Reading is one pass per policy; texts come from the decoded-text cache along delta chains.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import Settings
from monitor.core.report import all_reasons
from monitor.errors import ExportError
from storage import queries
from storage.engine import session_scope
from storage.models import ARCHIVE, LIVE, OTA, Change, Policy, Version

ExportFormat = Literal["ota", "jsonl"]
#: The terms type of a policy that names no OTA document (policywatch tracks privacy policies).
DEFAULT_TERMS_TYPE = "Privacy Policy"
OTA_LICENCE = "Open Data Commons Attribution License (ODC-BY 1.0), https://opendatacommons.org/licenses/by/1-0/"


class _Sink(Protocol):
    def write(self, name: str, data: bytes) -> None: ...


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class _Zip:
    def __init__(self, archive: zipfile.ZipFile, prefix: str) -> None:
        self.archive, self.prefix = archive, prefix

    def write(self, name: str, data: bytes) -> None:
        self.archive.writestr(f"{self.prefix}/{name}", data)


@dataclass
class ExportSummary:
    target: Path
    format: ExportFormat
    policies: int = 0
    versions: int = 0
    changes: int = 0
    files: int = 0
    sources: dict[str, set[str]] = field(default_factory=dict)  # source kind -> collections or URLs


def ota_path(policy: Policy, settings: Settings) -> tuple[str, str]:
    """(Service, Terms type) of a policy: its OTA document, its config ``ota`` key, else its name."""
    configured = next((p.ota for p in settings.policies if p.name == policy.name and p.ota), None)
    document = policy.ota_document or configured
    if document and "/" in document:
        service, terms_type = document.split("/", 1)
        return _safe(service), _safe(terms_type)
    return policy.name, DEFAULT_TERMS_TYPE


def _safe(part: str) -> str:
    cleaned = "".join("_" if char in '\\:*?"<>|' or ord(char) < 32 else char for char in part).strip()
    return cleaned.lstrip(".") or "_"


def file_stamp(moment: datetime) -> str:
    """``2021-08-01T01-03-12Z``: ISO 8601 in UTC, the time's colons replaced (as in OTA's datasets)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


@contextmanager
def _sink(target: Path, pack: bool) -> Iterator[tuple[_Sink, Path]]:
    if not pack:
        if target.exists() and not target.is_dir():
            raise ExportError(f"{target}: exists and is not a folder")
        target.mkdir(parents=True, exist_ok=True)
        yield _Folder(target), target
        return
    archive_path = target if target.suffix == ".zip" else target.with_name(target.name + ".zip")
    archive_path.parent.mkdir(parents=True, exist_ok=True)
    partial = archive_path.with_name(archive_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        yield _Zip(archive, archive_path.stem), archive_path
    partial.replace(archive_path)  # a failed export leaves no half-written zip under the real name


def export_dataset(
    settings: Settings,
    engine: Engine,
    target: Path,
    *,
    format: ExportFormat = "ota",
    policies: Sequence[str] = (),
    since: datetime | None = None,
    pack: bool = False,
) -> ExportSummary:
    """Write the histories of ``policies`` (default: every policy with versions) under ``target``."""
    try:
        with _sink(target, pack) as (sink, written_to), session_scope(engine) as session:
            summary = ExportSummary(written_to, format)
            rows = _policies(session, policies)
            if format == "ota":
                _write_ota(session, settings, sink, rows, since, summary)
            else:
                _write_jsonl(session, settings, sink, rows, since, summary)
    except OSError as error:
        raise ExportError(f"{target}: cannot write the export: {error.strerror or error}") from None
    return summary


def _policies(session: Session, names: Sequence[str]) -> list[Policy]:
    if names:
        return [queries.get_policy(session, name) for name in names]
    return queries.list_policies(session)


def _versions(session: Session, policy: Policy, since: datetime | None) -> list[Version]:
    assert policy.id is not None
    rows = queries.versions_in_time_order(session, policy.id)
    return [row for row in rows if since is None or row.observed_at >= since]


def _note_source(summary: ExportSummary, policy: Policy, version: Version) -> None:
    origin = version.ota_collection if version.source == OTA else policy.url
    summary.sources.setdefault(version.source, set()).add(origin or policy.name)


def _write_ota(
    session: Session, settings: Settings, sink: _Sink, rows: Sequence[Policy], since: datetime | None,
    summary: ExportSummary,
) -> None:  # fmt: skip
    for policy in rows:
        versions = _versions(session, policy, since)
        if not versions:
            continue
        summary.policies += 1
        service, terms_type = ota_path(policy, settings)
        used: set[str] = set()
        for version in versions:
            stamp = file_stamp(version.observed_at)
            name = stamp if stamp not in used else f"{stamp}-v{version.number}"
            used.add(name)
            sink.write(f"{service}/{terms_type}/{name}.md", queries.version_text(version, session).encode())
            summary.versions += 1
            summary.files += 1
            _note_source(summary, policy, version)
    sink.write("README.md", _readme(summary, since).encode())
    sink.write("LICENSE", _licence(summary).encode())
    summary.files += 2


def _write_jsonl(
    session: Session, settings: Settings, sink: _Sink, rows: Sequence[Policy], since: datetime | None,
    summary: ExportSummary,
) -> None:  # fmt: skip
    version_lines: list[str] = []
    change_lines: list[str] = []
    for policy in rows:
        versions = _versions(session, policy, since)
        if not versions:
            continue
        summary.policies += 1
        service, terms_type = ota_path(policy, settings)
        by_id = {version.id: version for version in versions}
        for version in versions:
            version_lines.append(_dumps(_version_object(session, policy, version, service, terms_type)))
            _note_source(summary, policy, version)
        assert policy.id is not None
        for change in queries.current_changes(session, policy.id):
            new = by_id.get(change.to_version_id)
            if new is None:
                continue  # before --since
            old = by_id.get(change.from_version_id) or session.get(Version, change.from_version_id)
            change_lines.append(_dumps(_change_object(policy, change, old, new)))
        summary.versions += len(versions)
    summary.changes = len(change_lines)
    sink.write("versions.jsonl", "".join(version_lines).encode())
    sink.write("changes.jsonl", "".join(change_lines).encode())
    sink.write("README.md", _readme(summary, since).encode())
    sink.write("LICENSE", _licence(summary).encode())
    summary.files += 4


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


def _version_object(
    session: Session, policy: Policy, version: Version, service: str, terms_type: str
) -> dict[str, Any]:
    return {
        "policy": policy.name,
        "service": service,
        "terms_type": terms_type,
        "number": version.number,
        "observed_at": _iso(version.observed_at),
        "first_seen": _iso(version.first_seen),
        "last_seen": _iso(version.last_seen),
        "source": version.source,
        "archived_at": _iso(version.archived_at),
        "ota_collection": version.ota_collection,
        "ota_commit": version.ota_commit,
        "sha256": version.text_sha256,
        "size": version.text_size,
        "reverted_to": version.reverted_to,
        "text": queries.version_text(version, session),
    }


def _change_object(policy: Policy, change: Change, old: Version | None, new: Version) -> dict[str, Any]:
    report = change.report or {}
    return {
        "policy": policy.name,
        "change_id": change.id,
        "from_version": old.number if old is not None else None,
        "to_version": new.number,
        "from_observed_at": _iso(old.observed_at) if old is not None else None,
        "observed_at": _iso(new.observed_at),
        "source": new.source,
        "ota_commit": new.ota_commit,
        "material": change.material,
        "severity": change.severity,
        "categories": list(change.categories or []),
        "direction": change.direction,
        "reasons": all_reasons(report),
        "notice": report.get("notice"),
        "language": report.get("language"),
        "anomaly": change.anomaly,
        "reextraction": change.reextraction,
        "reverted_to": change.reverted_to,
        "summary": change.summary,
        "stats": report.get("stats"),
    }


_SOURCE_WORDS = {
    OTA: "Open Terms Archive collection",
    ARCHIVE: "Internet Archive Wayback Machine captures of",
    LIVE: "fetched by policywatch from",
}


def _readme(summary: ExportSummary, since: datetime | None) -> str:
    lines = [
        "# policywatch dataset",
        "",
        f"Exported by policywatch on {_iso(datetime.now(UTC))}: {summary.policies} policies, "
        f"{summary.versions} versions" + (f", {summary.changes} changes" if summary.format == "jsonl" else "")
        + (f", versions since {_iso(since)}" if since else "") + ".",
        "",
    ]  # fmt: skip
    if summary.format == "ota":
        lines += [
            "Layout (Open Terms Archive's dataset format):",
            "`<Service>/<Terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md`, one Markdown file per version, named by",
            "the time the version was first recorded (UTC).",
            "",
        ]
    else:
        lines += [
            "`versions.jsonl`: one JSON object per version (with its text). `changes.jsonl`: one object per",
            "change between time-neighbour versions, with policywatch's judgement (material, severity,",
            "categories, direction, reasons, notice). Re-extractions are changes of extraction, not of the",
            "document, and are never material.",
            "",
        ]
    lines += ["## Sources and attribution", ""]
    for collection in sorted(summary.sources.get(OTA, ())):
        lines.append(
            f"- **Open Terms Archive**, collection `{collection}`: versions recorded by Open Terms Archive "
            f"and its contributors, under the {OTA_LICENCE}. Attribution: \"Open Terms Archive\"."
        )
    for kind in (ARCHIVE, LIVE):
        for origin in sorted(summary.sources.get(kind, ())):
            lines.append(f"- {_SOURCE_WORDS[kind]} <{origin}>")
    lines += [
        "",
        "The texts are the services' own documents; they remain their publishers' works. See LICENSE.",
        "",
    ]
    return "\n".join(lines)


def _licence(summary: ExportSummary) -> str:
    lines = ["Licence note", "============", ""]
    if summary.sources.get(OTA):
        collections = ", ".join(sorted(summary.sources[OTA]))
        lines += [
            f"This dataset contains data from Open Terms Archive ({collections}), made available under",
            f"the {OTA_LICENCE}.",
            "Any use or copy of that data, or of a part of it, must keep the attribution",
            '"Open Terms Archive".',
            "",
        ]
    lines += [
        "The judgements (changes.jsonl) are produced by policywatch (Apache-2.0). The policy texts are the",
        "works of the services that publish them and are reproduced for research, archiving and review.",
        "",
    ]
    return "\n".join(lines)
