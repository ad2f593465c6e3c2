"""``compare`` (two files, no database) and ``diff`` (two stored versions)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli import app
from monitor.cli.common import ConfigOption, handle_errors, open_engine, print_json, settings_from
from monitor.cli.output import color_enabled, paged
from monitor.errors import NotFound, PolicywatchError

# compare needs the analysis (segment, diff, classify) but never the database; diff needs both. Each
# command imports what it uses, so ``compare`` loads no SQL layer and ``--help`` loads neither.


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


def _format_options(as_json: bool, as_html: bool, as_text: bool) -> OutputFormat:
    if sum((as_json, as_html, as_text)) > 1:
        raise typer.BadParameter("choose one of --json, --html, --text")
    return OutputFormat.json if as_json else OutputFormat.html if as_html else OutputFormat.text


JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object (shape in docs/judgement.md).")]
HtmlFlag = Annotated[bool, typer.Option("--html", help="A self-contained HTML page.")]
TextFlag = Annotated[bool, typer.Option("--text", help="Readable terminal output (the default).")]


def _content_type(path: Path, raw: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm", ".xhtml"}:
        return "text/html"
    if suffix in {".md", ".markdown"}:
        return "text/markdown"
    head = raw[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "text/html"
    return "text/plain"


def read_policy_file(path: Path) -> str:
    """A file as policy text: HTML is extracted, Markdown and text are normalised."""
    from monitor.core.extract import extract

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PolicywatchError(f"{path}: cannot read: {error.strerror}") from None
    return extract(raw, content_type=_content_type(path, raw), url=path.resolve().as_uri())


def emit(report: dict[str, Any], output: OutputFormat, title: str) -> None:
    if output is OutputFormat.json:
        print_json(report)
    elif output is OutputFormat.html:
        from monitor.core.render import render_html

        typer.echo(render_html(report, title=title))
    else:
        from monitor.core.render import render_text

        with paged() as out:
            out.print(render_text(report, title=title, color=color_enabled()))


@app.command()
@handle_errors
def compare(
    old: Annotated[Path, typer.Argument(help="The older version (HTML, Markdown or text).")],
    new: Annotated[Path, typer.Argument(help="The newer version.")],
    as_json: JsonFlag = False,
    as_html: HtmlFlag = False,
    as_text: TextFlag = False,
) -> None:
    """Compare two policy files clause by clause and judge the change. Needs no database."""
    from monitor.core.analysis import analyse

    output = _format_options(as_json, as_html, as_text)
    analysis = analyse(read_policy_file(old), read_policy_file(new))
    emit(analysis.report(), output, f"{old.name} → {new.name}")


@app.command()
@handle_errors
def diff(
    name: Annotated[str, typer.Argument(help="Policy name.")],
    from_number: Annotated[int | None, typer.Option("--from", help="Older version number.")] = None,
    to_number: Annotated[int | None, typer.Option("--to", help="Newer version number.")] = None,
    config: ConfigOption = None,
    as_json: JsonFlag = False,
    as_html: HtmlFlag = False,
    as_text: TextFlag = False,
) -> None:
    """Show the clause diff between two stored versions (default: the last two)."""
    from monitor.core.analysis import analyse
    from storage import queries
    from storage.engine import session_scope

    output = _format_options(as_json, as_html, as_text)
    engine = open_engine(settings_from(config), readonly=True)
    with session_scope(engine) as session:
        policy = queries.get_policy(session, name)
        assert policy.id is not None
        ordered = queries.versions_in_time_order(session, policy.id)
        if len(ordered) < 2 and (from_number is None or to_number is None):
            raise NotFound(f"policy {name!r} has fewer than two versions")
        newer = queries.get_version(session, policy.id, to_number) if to_number else ordered[-1]
        if from_number is not None:
            older = queries.get_version(session, policy.id, from_number)
        else:
            position = next(i for i, v in enumerate(ordered) if v.id == newer.id)
            if position == 0:
                raise NotFound(f"version {newer.number} is the first version; give --from")
            older = ordered[position - 1]
        stored = queries.change_into(session, newer.id) if newer.id is not None else None
        report = stored.report if stored and stored.from_version_id == older.id and stored.report else None
        old_text, new_text = queries.version_text(older), queries.version_text(newer)
        title = f"{name}: version {older.number} → {newer.number}"
    if report is None:
        report = analyse(old_text, new_text).report()
    emit(report, output, title)
