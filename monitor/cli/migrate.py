"""``policywatch migrate-db``: copy a whole history between databases (SQLite ⇄ PostgreSQL) and verify it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli import app
from monitor.cli.common import console, err_console, handle_errors
from monitor.errors import StorageError

if TYPE_CHECKING:
    from rich.table import Table

    from storage.migrate_db import Verification

#: storage.migrate_db.DEFAULT_BATCH, repeated so the help text does not import the SQL layer (a test keeps
#: the two equal).
DEFAULT_BATCH = 500

FromOption = Annotated[
    str,
    typer.Option("--from", help="Source database URL, e.g. sqlite:///policywatch.db.", show_default=False),
]
ToOption = Annotated[
    str,
    typer.Option(
        "--to",
        help="Target database URL (empty, or with no schema yet), e.g. "
        "postgresql+psycopg://user:pass@host/policywatch.",
        show_default=False,
    ),
]
BatchOption = Annotated[int, typer.Option("--batch", min=1, help="Rows per insert.")]


def _report(verification: Verification) -> Table:
    from rich.table import Table

    table = Table("table", "source rows", "target rows", "source sha256", "target sha256", "ok")
    for check in verification.tables:
        table.add_row(
            check.table, str(check.source_rows), str(check.target_rows), check.source_sha256[:16],
            check.target_sha256[:16], "[green]yes[/]" if check.ok else "[red]NO[/]",
        )
    return table


@app.command("migrate-db")
@handle_errors
def migrate_db(source: FromOption, target: ToOption, batch: BatchOption = DEFAULT_BATCH) -> None:
    """Copy every table from one database into an empty one, then verify by counts and hashes.

    Stop the workers first: what they write after the copy started is not copied. The target is brought to
    the current schema if it has none; a target that holds any row is refused.
    """
    from storage.migrate_db import migrate

    verification = migrate(source, target, batch=batch, progress=lambda line: err_console.print(line))
    console.print(_report(verification))
    texts_line = f"texts: {verification.texts_checked} versions decoded on the target"
    if verification.text_mismatches:
        shown = ", ".join(str(version_id) for version_id in verification.text_mismatches[:10])
        texts_line += f", [red]{len(verification.text_mismatches)} do not match their sha256 (ids {shown})[/]"
    else:
        texts_line += ", every sha256 matches"
    console.print(texts_line)
    if verification.search_entries is not None:
        console.print(f"search index: {verification.search_entries} versions indexed")
    if not verification.ok:
        raise StorageError("verification failed: the target differs from the source (see above)")
    console.print("[green]migration verified[/]: the target holds the same history as the source")
