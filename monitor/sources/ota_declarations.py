"""Open Terms Archive service declarations → ``[[policies]]`` entries in config.toml.

A declaration is ``declarations/<service id>.json``: ``{"name": ..., "terms": {<terms type>: {...}}}``, each
terms object with ``fetch`` (a URL), ``select`` and ``remove`` (a CSS selector, a range object
``{startBefore|startAfter, endBefore|endAfter}``, or a list of those), ``executeClientScripts`` and
``filters``; or ``combine``, a list of such objects whose texts make one document, with the terms-level
``select``/``remove``/``executeClientScripts`` applying to every part that has none of its own.

:func:`read_declarations` is pure parsing and returns entries plus warnings naming the document;
:func:`append_policies` adds the new entries to the config file with tomlkit, keeping its comments and
layout, and validates the result before writing it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.config import PolicySettings, parse_config
from monitor.errors import ConfigError, SourceError
from monitor.sources.ota import document_slug

RANGE_KEYS = frozenset({"startBefore", "startAfter", "endBefore", "endAfter"})


@dataclass(frozen=True)
class Part:
    url: str
    select: tuple[str, ...]
    remove: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One policy to add: the document ``"<service id>/<terms type>"`` and how to fetch it."""

    document: str
    parts: tuple[Part, ...]  # one, or several joined in order (``combine``)
    browser: bool  # ``executeClientScripts``

    @property
    def name(self) -> str:
        return document_slug(self.document)


@dataclass
class Declarations:
    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise SourceError(f"{folder}: not a folder of Open Terms Archive declarations")
    inner = folder / "declarations"
    base = inner if inner.is_dir() else folder
    return sorted(path for path in base.glob("*.json"))


def read_declarations(folder: Path) -> Declarations:
    """Every terms document declared under ``folder`` (or its ``declarations/``), with warnings."""
    found = Declarations()
    for path in _folder_files(folder):
        if path.name.endswith(".history.json"):
            found.warnings.append(f"{path.name}: past declarations (history) are not read")
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            found.warnings.append(f"{path.name}: not a readable JSON declaration ({error}); skipped")
            continue
        terms = data.get("terms") if isinstance(data, dict) else None
        if not isinstance(terms, dict) or not terms:
            found.warnings.append(f"{path.name}: no `terms` object; skipped")
            continue
        for terms_type, declared in terms.items():
            document = f"{path.stem}/{terms_type}"
            entry = _entry(document, declared, found.warnings)
            if entry is not None:
                found.entries.append(entry)
    return found


def _entry(document: str, declared: Any, warnings: list[str]) -> Entry | None:
    if not isinstance(declared, dict):
        warnings.append(f"{document}: the terms declaration is not an object; skipped")
        return None
    sources = declared.get("combine") if "combine" in declared else [declared]
    if not isinstance(sources, list) or not sources:
        warnings.append(f"{document}: `combine` must be a non-empty list; skipped")
        return None
    parts: list[Part] = []
    browser = bool(declared.get("executeClientScripts"))
    for index, source in enumerate(sources):
        where = f"{document}" + (f" (combine[{index}])" if "combine" in declared else "")
        merged = {**{k: declared[k] for k in ("select", "remove") if k in declared}, **source}
        url = merged.get("fetch")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            warnings.append(f"{where}: `fetch` is not an http(s) URL; document skipped")
            return None
        browser = browser or bool(source.get("executeClientScripts"))
        select = _selectors(merged.get("select"), "select", where, warnings)
        remove = _selectors(merged.get("remove"), "remove", where, warnings)
        parts.append(Part(url, select, remove))
        _warn_filters(where, source.get("filters") if source is not declared else None, warnings)
    _warn_filters(document, declared.get("filters"), warnings)
    return Entry(document, tuple(parts), browser)


def _warn_filters(where: str, filters: Any, warnings: list[str]) -> None:
    if filters:
        names = ", ".join(str(name) for name in filters) if isinstance(filters, list) else str(filters)
        warnings.append(
            f"{where}: filters ({names}) are JavaScript functions and cannot run here; "
            "review the extracted text, or add `remove` selectors"
        )


def _selectors(value: Any, key: str, where: str, warnings: list[str]) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    css: list[str] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            css.append(item.strip())
        elif isinstance(item, dict) and set(item) & RANGE_KEYS:
            described = ", ".join(f"{k}={item[k]!r}" for k in sorted(item) if k in RANGE_KEYS)
            effect = "the whole page is kept" if key == "select" else "that range is kept"
            warnings.append(f"{where}: range selector in `{key}` ({described}) is not supported; "
                            f"{effect} — add a CSS selector by hand")  # fmt: skip
        else:
            warnings.append(f"{where}: `{key}` item {item!r} is neither a CSS selector nor a range; ignored")
    return tuple(css)


def _policy_table(entry: Entry, *, browser_supported: bool) -> dict[str, Any]:
    first = entry.parts[0]
    table: dict[str, Any] = {"name": entry.name, "url": first.url, "ota": entry.document}
    if len(entry.parts) == 1:
        if first.select:
            table["select"] = list(first.select)
        if first.remove:
            table["remove"] = list(first.remove)
    else:
        table["combine"] = [
            {"url": part.url}
            | ({"select": list(part.select)} if part.select else {})
            | ({"remove": list(part.remove)} if part.remove else {})
            for part in entry.parts
        ]
    if entry.browser and browser_supported:
        table["render"] = "browser"
    return table


def browser_rendering_supported() -> bool:
    """Does this policywatch's config accept ``render`` (script-rendered pages)?"""
    return "render" in PolicySettings.model_fields


@dataclass
class Appended:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def append_policies(config_path: Path, entries: Sequence[Entry], *, dry_run: bool = False) -> Appended:
    """Append the entries not yet configured (same name or same ``ota``) to ``config_path``."""
    import tomlkit

    try:
        original = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
        document = tomlkit.parse(original)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{config_path}: cannot read the config file: {error}") from None
    except tomlkit.exceptions.ParseError as error:
        raise ConfigError(f"{config_path}: invalid TOML: {error}") from None
    policies = document.get("policies")
    if policies is None:
        policies = tomlkit.aot()
        document.append("policies", policies)
    names = {str(p.get("name")) for p in policies}
    documents = {str(p.get("ota")) for p in policies if p.get("ota")}
    supported = browser_rendering_supported()
    result = Appended()
    for entry in entries:
        if entry.name in names or entry.document in documents:
            result.already.append(entry.name)
            continue
        if entry.browser and not supported:
            result.warnings.append(
                f"{entry.document}: executeClientScripts needs browser rendering, which this policywatch "
                "lacks; the page is fetched without running scripts"
            )
        table = tomlkit.table()
        for key, value in _policy_table(entry, browser_supported=supported).items():
            table[key] = value
        policies.append(table)
        names.add(entry.name)
        result.added.append(entry.name)
    text = tomlkit.dumps(document)
    parse_config(tomlkit.parse(text).unwrap(), path=config_path)  # never write a config that fails to load
    if result.added and not dry_run:
        _write_atomically(config_path, text)
    return result


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
