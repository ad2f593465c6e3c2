"""``policywatch demo``: a first look without a network or a config file.

Builds a throwaway database from real policy histories bundled with policywatch (Open Terms Archive data,
ODC-BY 1.0) through the real store step, then serves the web UI on it until Ctrl-C; the database is deleted
on exit unless ``--keep`` names a folder for it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import app
from monitor.cli.common import console, handle_errors


@app.command()
@handle_errors
def demo(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 8080,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Keep the demo database in this folder instead of deleting it on exit.",
                     file_okay=False),
    ] = None,
) -> None:
    """Serve real policy histories (Reddit, Quora, X; Open Terms Archive data) in the web UI: timelines,
    judged changes, search. Needs no network and no config."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        _run(keep, host, port)
        return
    with tempfile.TemporaryDirectory(prefix="policywatch-demo-") as folder:
        _run(Path(folder), host, port)


def _run(folder: Path, host: str, port: int) -> None:
    import socket

    import uvicorn

    from monitor.run.demo import ATTRIBUTION, build_demo, demo_settings
    from monitor.web import create_app

    if port == 0:  # pick a free port now, so the printed URL is the real one
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    settings = demo_settings(folder, host=host, port=port)
    console.print("building the demo database from bundled Open Terms Archive histories…", highlight=False)
    summary = build_demo(settings)
    console.print(
        f"{summary.policies} policies, {summary.versions} versions, {summary.changes} judged changes "
        f"({summary.material} material) in {summary.database}",
        highlight=False, soft_wrap=True,
    )
    console.print(ATTRIBUTION, style="dim", highlight=False)
    console.print(f"policywatch demo on http://{host}:{port} ; Ctrl-C stops it", highlight=False,
                  soft_wrap=True)
    web_app = create_app(settings, notice=ATTRIBUTION)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", proxy_headers=False)
