"""Every key of the configuration models is documented in docs/configuration.md, as a backticked dotted path.

The convention (agreed for every page): `` `fetch.timeout` ``, list entries without an index
(`` `policies.render` ``), and table keys of a user's choosing as ``<id>`` (`` `notifiers.<id>.from` ``). The
walk reads the pydantic models, so a key added to monitor/config.py without a line in the manual fails here.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from monitor.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _models_in(annotation: Any) -> tuple[list[type[BaseModel]], str | None]:
    """The models inside an annotation, and how they nest: None (a section), "list" or "dict"."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation], None
    if origin in (Union, types.UnionType):
        found = [model for arg in get_args(annotation) for model in _models_in(arg)[0]]
        nested = {_models_in(arg)[1] for arg in get_args(annotation) if _models_in(arg)[0]}
        return found, nested.pop() if len(nested) == 1 else None
    if origin is list:
        return _models_in(get_args(annotation)[0])[0], "list"
    if origin is dict:
        return _models_in(get_args(annotation)[1])[0], "dict"
    return [], None


def config_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        path = prefix + (field.alias or name)
        models, nesting = _models_in(field.annotation)
        if not models:
            keys.add(path)
            continue
        if nesting is not None and "." in path:
            keys.add(path)  # a list or table of entries is a key itself (`policies.combine`)
        inner = path + (".<id>" if nesting == "dict" else "")
        for sub in models:
            keys |= config_keys(sub, inner + ".")
    return keys


def documented() -> set[str]:
    return set(re.findall(r"`([a-z_]+(?:\.(?:<id>|[a-z_]+))+)`", DOC.read_text(encoding="utf-8")))


def test_the_walk_sees_nested_sections_lists_and_notifier_tables() -> None:
    keys = config_keys(Settings)
    assert {"fetch.timeout", "policies.url", "notifiers.<id>.from", "notifiers.<id>.url"} <= keys
    assert "base_dir" not in keys and "notifiers.<id>.sender" not in keys


def test_every_config_key_is_documented() -> None:
    missing = sorted(config_keys(Settings) - documented())
    assert not missing, f"add these keys to docs/configuration.md as `dotted.paths`: {missing}"


def test_the_page_documents_no_key_that_does_not_exist() -> None:
    keys = config_keys(Settings)
    sections = {key.split(".")[0] for key in keys}
    # Only paths under a real section are config keys (the page also quotes `foo.example` URLs and the like).
    stale = sorted(key for key in documented() - keys if key.split(".")[0] in sections)
    assert not stale, f"docs/configuration.md names keys the models do not have: {stale}"
