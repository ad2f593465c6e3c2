"""``serve``: the read-only change-history browser (web UI, JSON API, Atom feeds) under uvicorn."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli import app
from monitor.cli.common import EXIT_CONFIG, ConfigOption, console, err_console, handle_errors, settings_from

if TYPE_CHECKING:
    from monitor.config import Settings


def is_loopback(host: str) -> bool:
    """Only this machine can reach the address (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def with_address(settings: Settings, host: str | None, port: int | None) -> Settings:
    """Apply ``--host``/``--port``; a base_url left at its default follows them, so feed links stay right."""
    from monitor.config import WebSettings

    if host is None and port is None:
        return settings
    default_base_url = WebSettings().base_url
    web = settings.web
    changes: dict[str, object] = {"host": host or web.host, "port": port or web.port}
    if web.base_url == default_base_url:
        shown = changes["host"] if changes["host"] not in {"0.0.0.0", "::"} else "127.0.0.1"
        changes["base_url"] = f"http://{shown}:{changes['port']}"
    return settings.model_copy(update={"web": web.model_copy(update=changes)})


@app.command()
@handle_errors
def serve(
    config: ConfigOption = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to bind (default: [web] host, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default: [web] port, 8080).")
    ] = None,
    insecure_no_token: Annotated[
        bool,
        typer.Option(
            "--insecure-no-token",
            help="Serve on a non-loopback address without [web] token_env: anyone who can reach it reads "
            "everything.",
        ),
    ] = False,
) -> None:
    """Browse the history in a web browser: dashboard, timelines, clause diffs, search, alerts and feeds."""
    import uvicorn

    from monitor.web import create_app

    settings = with_address(settings_from(config, secrets=True), host, port)
    if not settings.web.token_env and not is_loopback(settings.web.host):
        exposed = (
            f"warning: serving on {settings.web.host} without a token: anyone who can reach this address "
            "can read every policy, change and alert. Set [web] token_env"
        )
        if not insecure_no_token:
            err_console.print(f"{exposed}, or pass --insecure-no-token to do it anyway.", soft_wrap=True,
                              markup=False, highlight=False)  # fmt: skip
            raise typer.Exit(EXIT_CONFIG)
        err_console.print(f"{exposed} (--insecure-no-token).", soft_wrap=True, markup=False, highlight=False)
    web_app = create_app(settings)
    login = " (login required)" if settings.web.token_env else ""
    console.print(
        f"policywatch web UI on http://{settings.web.host}:{settings.web.port}{login}; Ctrl-C stops it"
    )
    uvicorn.run(
        web_app, host=settings.web.host, port=settings.web.port, log_level="info", proxy_headers=False
    )
