"""``policywatch add``: choose the policy URL for a page, and append it to config.toml without disturbing it.

The file is edited with tomlkit, which keeps every comment, blank line and key order; the new text is
validated as a whole config before it replaces the old one (atomically), so a failed ``add`` never leaves a
broken or half-written file behind.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config import Settings, parse_config
from monitor.config_fields import SLUG
from monitor.errors import ConfigError, PolicywatchError
from monitor.sources.discover import Discovery

NEW_FILE_HEADER = "# policywatch configuration (created by `policywatch add`). Keys: docs/configuration.md\n"


@dataclass(frozen=True)
class Choice:
    url: str
    why: str


def choose(discovery: Discovery) -> Choice:
    """The start page when it is a policy itself, else the best candidate; PolicywatchError if none."""
    if discovery.start_is_policy:
        return Choice(discovery.url, "the page itself is a privacy policy: " + "; ".join(discovery.page.why))
    if not discovery.candidates or discovery.candidates[0].score <= 0:
        raise PolicywatchError(
            f"no privacy-policy link found on {discovery.url}; give the policy's URL itself"
        )
    best = discovery.candidates[0]
    return Choice(
        best.url, f"best of {len(discovery.candidates)} candidates ({best.score:g}): " + "; ".join(best.why)
    )


def default_name(url: str, taken: set[str]) -> str:
    """A slug from the host ("www.example.co.uk" → "example-co-uk"), made unique with -2, -3 …"""
    host = (urlsplit(url).hostname or "policy").lower().removeprefix("www.")
    base = re.sub(r"[^a-z0-9]+", "-", host).strip("-")[:60] or "policy"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    return name


def ensure_not_watched(settings: Settings, url: str) -> None:
    for policy in settings.policies:
        if policy.url == url:
            raise ConfigError(f"{url} is already watched as policy {policy.name!r}")


def entry_for(settings: Settings, url: str, *, name: str | None, select: list[str]) -> dict[str, object]:
    """The ``[[policies]]`` table to append; ConfigError when the name or URL is already watched."""
    names = {policy.name for policy in settings.policies}
    ensure_not_watched(settings, url)
    if name is not None:
        if not SLUG.match(name):
            raise ConfigError(f"--name {name!r} must be a slug: lower-case letters, digits, '.', '_' or '-'")
        if name in names:
            raise ConfigError(f"a policy named {name!r} already exists")
    for selector in select:
        _check_selector(selector)
    entry: dict[str, object] = {"name": name or default_name(url, names), "url": url}
    if select:
        entry["select"] = list(select)
    return entry


def _check_selector(selector: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    try:
        LexborHTMLParser("<p></p>").css(selector)
    except Exception:  # Lexbor raises a plain exception type for a bad selector
        raise ConfigError(f"--select {selector!r} is not a valid CSS selector") from None


def appended_text(path: Path, entry: dict[str, object]) -> str:
    """The config file's text with ``entry`` appended as a ``[[policies]]`` table, all else unchanged."""
    import tomlkit

    original = path.read_text(encoding="utf-8") if path.exists() else NEW_FILE_HEADER
    try:
        document = tomlkit.parse(original)
    except tomlkit.exceptions.ParseError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = tomlkit.table()
    for key, value in entry.items():
        table.add(key, value)
    policies = document.get("policies")
    if policies is None:
        array = tomlkit.aot()
        array.append(table)
        document.add("policies", array)
    elif isinstance(policies, tomlkit.items.AoT):
        policies.append(table)
    else:
        raise ConfigError(f"{path}: policies: must be an array of tables ([[policies]])")
    text = tomlkit.dumps(document)
    parse_config(tomllib.loads(text), path=path)  # the whole file must still be a valid config
    return text


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step (same folder, then rename), keeping its permissions."""
    folder = path.resolve().parent
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
