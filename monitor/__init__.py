"""policywatch: a privacy-policy change monitor.

The public Python API is small; the pipeline steps are pure functions over text:

* ``monitor.core.extract.extract(body, content_type=..., select=..., remove=...) -> str``
* ``monitor.core.clauses.segment(text) -> tuple[Clause, ...]``
* ``monitor.core.diff.diff_clauses(old, new) -> ClauseDiff``
* ``monitor.core.materiality.classify(old_text, new_text, diff) -> Judgement``
* ``monitor.core.analysis.analyse(old_text, new_text) -> Analysis`` (all three at once; ``.report()`` is the
  ``compare --json`` document)

Configuration is ``monitor.config.load_config(path) -> Settings``; every error is a
``monitor.errors.PolicywatchError``. Importing this package opens nothing and starts nothing.
"""

from monitor.errors import (
    ArchiveError,
    ConfigError,
    DeliveryError,
    FetchError,
    NotFound,
    PolicywatchError,
    StorageError,
)

__version__ = "0.1.0"

__all__ = [
    "ArchiveError",
    "ConfigError",
    "DeliveryError",
    "FetchError",
    "NotFound",
    "PolicywatchError",
    "StorageError",
    "__version__",
]
