"""Open Terms Archive in and out: ``import-ota``, ``import-ota-declarations`` and ``export``.

Heavy modules (storage, the pipeline, git reading) are imported inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli import app
from monitor.cli.common import ConfigOption, JsonOption, console, err_console, handle_errors, print_json

if TYPE_CHECKING:
    from monitor.run.ota_import import DocumentSummary, ImportSummary


def _since(value: str | None) -> datetime | None:
    """``--since``: a date (``YYYY-MM-DD``) or a full ISO 8601 time; a date means its first moment, UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only versions recorded on or after this date (YYYY-MM-DD).")
]


def _document_row(document: DocumentSummary) -> dict[str, Any]:
    return {
        "document": document.document,
        "policy": document.policy,
        "archive_only": document.archive_only,
        "commits": document.commits,
        "skipped": document.skipped,
        "new_versions": document.new_versions,
        "unchanged": document.unchanged,
        "deleted": document.deleted,
        "reextractions": document.reextractions,
        "material": document.material,
    }


def _summary_json(summary: ImportSummary) -> dict[str, Any]:
    return {
        "collection": summary.collection,
        "collection_id": summary.collection_id,
        "head": summary.head,
        "new_versions": summary.new_versions,
        "material": summary.material,
        "seconds": round(summary.seconds, 3),
        "versions_per_second": round(summary.versions_per_second, 2),
        "alerts": summary.alerts,
        "documents": [_document_row(document) for document in summary.documents],
    }


@app.command("import-ota")
@handle_errors
def import_ota(
    source: Annotated[
        str, typer.Argument(help="An OTA versions collection: a clone, a bare repository or a bundle.")
    ],
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Only this service (repeatable).")
    ] = None,
    terms_type: Annotated[
        list[str] | None, typer.Option("--terms-type", help="Only this terms type (repeatable).")
    ] = None,
    since: SinceOption = None,
    notify: Annotated[
        bool, typer.Option("--notify", help="Queue the material changes found as one digest per policy.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--collection", help="Collection name to record (default: from SOURCE).")
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import an Open Terms Archive collection as history: one version per commit that changed a document."""
    from monitor.cli.common import open_engine, settings_from
    from monitor.run.ota_import import import_collection

    settings = settings_from(config)
    engine = open_engine(settings)
    show = not as_json and console.is_terminal

    def progress(document: DocumentSummary) -> None:
        if show:
            console.print(f"  {document.document}: {document.new_versions} new", highlight=False)

    summary = import_collection(
        settings, engine, source, services=service or (), terms_types=terms_type or (),
        since=_since(since), notify=notify, name=name, progress=progress,
    )  # fmt: skip
    if as_json:
        print_json(_summary_json(summary))
        return
    _print_summary(summary)


def _print_summary(summary: ImportSummary) -> None:
    from rich.table import Table

    table = Table("document", "policy", "commits", "new", "re-extractions", "material")
    for document in summary.documents:
        policy = document.policy + (" (archive only)" if document.archive_only else "")
        table.add_row(
            document.document, policy, str(document.commits), str(document.new_versions),
            str(document.reextractions), str(document.material),
        )  # fmt: skip
    console.print(table)
    console.print(
        f"{summary.collection} @ {summary.head[:12]}: {summary.new_versions} new versions in "
        f"{len(summary.documents)} documents, {summary.material} material changes, "
        f"{summary.seconds:.1f} s ({summary.versions_per_second:.1f} versions/s)"
        + (f", {summary.alerts} alerts queued" if summary.alerts else ""),
        highlight=False,
    )
    if not summary.documents:
        err_console.print("no <Service>/<Terms type>.md documents matched", highlight=False)


class Format(StrEnum):
    ota = "ota"
    jsonl = "jsonl"


@app.command("export")
@handle_errors
def export(
    target: Annotated[Path, typer.Argument(help="Folder to write (with --zip: the zip file, .zip added).")],
    format: Annotated[
        Format, typer.Option("--format", help="ota: Open Terms Archive's dataset layout; jsonl: JSON Lines.")
    ] = Format.ota,
    policy: Annotated[
        list[str] | None, typer.Option("--policy", help="Only this policy (repeatable; default: all).")
    ] = None,
    since: SinceOption = None,
    pack: Annotated[bool, typer.Option("--zip", help="Pack the dataset into one zip file.")] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export histories as a dataset: OTA's layout (one Markdown file per version) or JSON Lines."""
    from monitor.cli.common import open_engine, settings_from
    from monitor.run.export import export_dataset

    settings = settings_from(config)
    engine = open_engine(settings, readonly=True)
    summary = export_dataset(
        settings, engine, target, format=format.value, policies=policy or (), since=_since(since), pack=pack
    )
    if as_json:
        print_json({
            "target": str(summary.target), "format": summary.format, "policies": summary.policies,
            "versions": summary.versions, "changes": summary.changes, "files": summary.files,
        })  # fmt: skip
        return
    what = f"{summary.policies} policies, {summary.versions} versions"
    if summary.format == "jsonl":
        what += f", {summary.changes} changes"
    console.print(f"exported {what} to {summary.target}", highlight=False)


@app.command("import-ota-declarations")
@handle_errors
def import_ota_declarations(
    folder: Annotated[
        Path, typer.Argument(help="A folder of OTA declarations (or a collection holding declarations/).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be added; write nothing.")
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Append a [[policies]] entry to config.toml for every terms document the declarations track."""
    from rich.markup import escape

    from monitor.config import default_config_path
    from monitor.sources.ota_declarations import append_policies, read_declarations

    path = config if config is not None else default_config_path()
    declarations = read_declarations(folder)
    appended = append_policies(path, declarations.entries, dry_run=dry_run)
    warnings = declarations.warnings + appended.warnings
    if as_json:
        print_json({"added": appended.added, "already_configured": appended.already, "warnings": warnings,
                    "config": str(path), "written": bool(appended.added) and not dry_run})  # fmt: skip
        return
    for warning in warnings:
        err_console.print(f"[yellow]warning[/]: {escape(warning)}", highlight=False, soft_wrap=True)
    verb = "would add" if dry_run else "added"
    console.print(
        f"{verb} {len(appended.added)} policies to {path}"
        + (f" ({len(appended.already)} already configured)" if appended.already else ""),
        highlight=False,
    )
    for name in appended.added:
        console.print(f"  {name}", highlight=False)
