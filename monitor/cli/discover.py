"""Finding policies: ``discover`` ranks a page's privacy-policy links; ``add`` appends the chosen one to the
config. Heavy modules (httpx, the fetcher, tomlkit) are imported inside the commands."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli import app
from monitor.cli.common import ConfigOption, JsonOption, console, handle_errors, print_json

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.sources.discover import Discovery

UrlArgument = Annotated[str, typer.Argument(help="A homepage or any page of the site (http:// or https://).")]


def _settings(config: Path | None) -> tuple[Settings, Path]:
    """The config's settings (fetch politeness, browser); defaults when no config file exists yet."""
    from monitor.config import Settings, default_config_path, load_config

    path = config if config is not None else default_config_path()
    if config is None and not path.exists():
        return Settings(base_dir=Path.cwd()), path
    return load_config(path), path


def _discover(settings: Settings, url: str) -> Discovery:
    from monitor.errors import ConfigError
    from monitor.sources.discover import discover as run_discovery

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"URL {url!r} must start with http:// or https://")
    return asyncio.run(run_discovery(settings, url))


@app.command()
@handle_errors
def discover(url: UrlArgument, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Rank the page's links that may lead to its privacy policy, best first, with the reasons."""
    settings, _ = _settings(config)
    found = _discover(settings, url)
    if as_json:
        print_json([candidate.as_json() for candidate in found.candidates])
        return
    if not found.candidates:
        console.print(f"no privacy-policy candidates on {found.url}", highlight=False)
        return
    from rich.markup import escape

    # One block per candidate rather than a table: URLs and reasons stay whole at any terminal width.
    for rank, candidate in enumerate(found.candidates, start=1):
        console.print(f"{rank}. [bold]{candidate.score:g}[/]  {escape(candidate.text)}", highlight=False)
        console.print(f"   {candidate.url}", highlight=False, soft_wrap=True, markup=False)
        console.print(f"   why: {'; '.join(candidate.why)}", highlight=False, soft_wrap=True, markup=False)


@app.command()
@handle_errors
def add(
    url: UrlArgument,
    config: ConfigOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Policy name (default: from the host).")] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="CSS selector of the policy text (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be added; change nothing.")
    ] = False,
) -> None:
    """Watch the privacy policy of a site: discover it from URL when URL is not a policy, then append it."""
    import tomlkit

    from monitor.run.add_policy import appended_text, choose, ensure_not_watched, entry_for, write_atomically

    settings, path = _settings(config)
    ensure_not_watched(settings, url)
    choice = choose(_discover(settings, url))
    entry = entry_for(settings, choice.url, name=name, select=list(select or []))
    console.print(f"chose {choice.url}", highlight=False, soft_wrap=True)
    console.print(f"why: {choice.why}", highlight=False, soft_wrap=True, markup=False)
    text = appended_text(path, entry)
    snippet = tomlkit.dumps({"policies": [entry]}).strip()
    if dry_run:
        console.print(f"would append to {path}:\n{snippet}", highlight=False, markup=False)
        return
    write_atomically(path, text)
    console.print(f"added to {path}:\n{snippet}", highlight=False, markup=False)
    console.print(f"next: policywatch check {entry['name']} --config {path}", highlight=False, markup=False)
