"""policywatch: a privacy-policy change monitor.

The public Python API is small, and everything in it is a pure function over text or a frozen value::

    import monitor

    old = monitor.extract(old_html, content_type="text/html")
    new = monitor.extract(new_html, content_type="text/html")
    analysis = monitor.analyse(old, new)        # segment → diff → classify
    analysis.judgement.material, analysis.judgement.severity, analysis.report()

* ``extract(body, content_type=..., select=..., remove=...) -> str`` — a page's policy text;
* ``segment(text) -> tuple[Clause, ...]``, ``diff_clauses(old, new) -> ClauseDiff``,
  ``classify(old_text, new_text, diff) -> Judgement``, or all three at once with
  ``analyse(old_text, new_text) -> Analysis`` (``.report()`` is the ``compare --json`` document);
* ``load_config(path) -> Settings``;
* one exception tree rooted at ``PolicywatchError`` (see ``monitor.errors``).

The list is pinned by ``__all__`` (and a test). Importing ``monitor`` opens nothing, starts nothing and
loads only the exception classes: every other name is imported on first use, so that a command importing
the package stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from monitor.errors import (
    ArchiveError,
    ArchiveRateLimited,
    ConfigError,
    ContentTooLarge,
    DeliveryError,
    FetchError,
    NotFound,
    PolicywatchError,
    RobotsDisallowed,
    StorageError,
)

if TYPE_CHECKING:
    from monitor.config import Settings, load_config
    from monitor.core.analysis import Analysis, analyse
    from monitor.core.clauses import Clause, segment
    from monitor.core.diff import ClauseDiff, diff_clauses
    from monitor.core.extract import extract
    from monitor.core.materiality import Judgement, classify

__version__ = "0.1.0"

#: Where each lazily imported name lives.
_LAZY = {
    "extract": "monitor.core.extract",
    "segment": "monitor.core.clauses",
    "Clause": "monitor.core.clauses",
    "diff_clauses": "monitor.core.diff",
    "ClauseDiff": "monitor.core.diff",
    "classify": "monitor.core.materiality",
    "Judgement": "monitor.core.materiality",
    "analyse": "monitor.core.analysis",
    "Analysis": "monitor.core.analysis",
    "load_config": "monitor.config",
    "Settings": "monitor.config",
}

__all__ = [
    "Analysis",
    "ArchiveError",
    "ArchiveRateLimited",
    "Clause",
    "ClauseDiff",
    "ConfigError",
    "ContentTooLarge",
    "DeliveryError",
    "FetchError",
    "Judgement",
    "NotFound",
    "PolicywatchError",
    "RobotsDisallowed",
    "Settings",
    "StorageError",
    "__version__",
    "analyse",
    "classify",
    "diff_clauses",
    "extract",
    "load_config",
    "segment",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'monitor' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
