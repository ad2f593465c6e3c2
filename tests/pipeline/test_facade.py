"""The public facade: a small pinned ``__all__``, every name usable, and ``import monitor`` stays cheap."""

from __future__ import annotations

import subprocess
import sys

import monitor


def test_the_public_api_is_pinned() -> None:
    assert monitor.__all__ == [
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


def test_every_public_name_resolves_and_errors_share_one_root() -> None:
    for name in monitor.__all__:
        assert getattr(monitor, name) is not None
        if name.endswith("Error") or name in {"NotFound", "RobotsDisallowed", "ContentTooLarge"}:
            assert issubclass(getattr(monitor, name), monitor.PolicywatchError)


def test_the_facade_runs_the_pure_chain_on_two_texts() -> None:
    old = monitor.extract("<main><h1>Privacy</h1><p>We never sell your data.</p></main>",
                          content_type="text/html")
    new = monitor.extract("<main><h1>Privacy</h1><p>We sell your data to advertisers.</p></main>",
                          content_type="text/html")
    analysis = monitor.analyse(old, new)
    assert isinstance(analysis, monitor.Analysis)
    assert analysis.diff == monitor.diff_clauses(monitor.segment(old), monitor.segment(new))
    assert analysis.judgement == monitor.classify(old, new, analysis.diff)


def test_importing_monitor_loads_no_heavy_module() -> None:
    probe = (
        "import sys, monitor\n"
        "heavy = {'sqlalchemy', 'sqlmodel', 'httpx', 'selectolax', 'pydantic', 'monitor.core.materiality'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
