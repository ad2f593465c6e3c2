"""Each command imports only what it uses: run the real CLI in a fresh interpreter and list what it loaded.

Start-up time is dominated by imports, so this guards the figures of bench/cli_bench.py without timing
anything: it asserts which heavy modules a command does *not* load. A fresh subprocess is the only honest
way to see it; inside the test process everything is imported already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ConfigFactory

ROOT = Path(__file__).resolve().parents[2]
SMALL_PAIR = ROOT / "tests" / "fixtures" / "corpus" / "histories" / "qnap"

# Runs the command as the console script does, then writes every loaded module's name to a file (so the
# command's own output, and its exit, cannot get in the way).
PROBE = """
import json, sys
out, sys.argv = sys.argv[1], ["policywatch", *sys.argv[2:]]
try:
    from monitor.cli import main
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
finally:
    with open(out, "w") as file:
        json.dump({"modules": sorted(sys.modules), "exit": code}, file)
"""

#: Never needed to print help or to compare two files.
WEB_AND_DELIVERY = {"fastapi", "starlette", "uvicorn", "aiosmtplib", "jinja2", "feedgen", "prometheus_client",
                    "notifiers", "monitor.web", "monitor.run", "apscheduler", "httpx", "monitor.sources"}
DATABASE = {"sqlmodel", "sqlalchemy", "alembic", "psycopg", "storage", "monitor.pipeline"}
ANALYSIS = {"monitor.core.materiality", "monitor.core.analysis", "monitor.core.extract", "selectolax",
            "trafilatura", "pysbd", "diff_match_patch"}
OPTIONAL = {"playwright", "pypdf", "mako"}


def loaded(tmp_path: Path, *args: str, exits: tuple[int | None, ...] = (0, None)) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert out.is_file(), done.stderr
    report = json.loads(out.read_text())
    assert report["exit"] in exits, (report["exit"], done.stdout, done.stderr)
    return set(report["modules"])


def present(modules: set[str], names: set[str]) -> set[str]:
    """Which of ``names`` (packages or dotted prefixes) are among ``modules``."""
    return {name for name in names if any(m == name or m.startswith(name + ".") for m in modules)}


def test_help_loads_no_database_web_analysis_or_rich(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "--help")
    assert present(modules, WEB_AND_DELIVERY | DATABASE | ANALYSIS | OPTIONAL) == set()
    # typer's rich help pulls in pygments and markdown-it; the plain help needs neither, nor the config.
    assert present(modules, {"rich", "pygments", "markdown_it", "pydantic", "monitor.config"}) == set()


def test_every_command_help_is_as_light_as_the_top_level_help(tmp_path: Path) -> None:
    commands = ("compare", "diff", "history", "status", "run", "serve", "alerts", "backfill")
    commands += ("discover", "add")
    for command in commands:
        modules = loaded(tmp_path, command, "--help")
        assert present(modules, WEB_AND_DELIVERY | DATABASE | ANALYSIS | OPTIONAL) == set(), command


def test_compare_loads_the_analysis_but_no_database_web_or_delivery(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "compare", str(SMALL_PAIR / "v00.md"), str(SMALL_PAIR / "v01.md"))
    assert {"monitor.core.analysis", "monitor.core.materiality"} <= modules  # the probe saw real work
    assert present(modules, WEB_AND_DELIVERY | DATABASE | OPTIONAL) == set()
    assert "monitor.config" not in modules  # no config is read: compare needs none


def test_compare_json_needs_no_renderer(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "compare", "--json", str(SMALL_PAIR / "v00.md"), str(SMALL_PAIR / "v01.md"))
    assert present(modules, WEB_AND_DELIVERY | DATABASE | {"monitor.core.render", "rich.panel"}) == set()


def test_status_reads_the_database_without_web_delivery_fetching_or_analysis(
    tmp_path: Path, make_config: ConfigFactory
) -> None:
    config = make_config(policies=[{"name": "acme", "url": "https://acme.example/privacy"}])
    assert loaded(tmp_path, "init", "--config", str(config))
    modules = loaded(tmp_path, "status", "--config", str(config))
    assert {"storage.queries", "monitor.config"} <= modules
    assert present(modules, WEB_AND_DELIVERY | ANALYSIS | OPTIONAL | {"alembic", "psycopg"}) == set()


@pytest.mark.parametrize("command", ["history", "show"])
def test_reading_commands_load_no_web_delivery_or_analysis(
    tmp_path: Path, make_config: ConfigFactory, command: str
) -> None:
    config = make_config(policies=[{"name": "acme", "url": "https://acme.example/privacy"}])
    loaded(tmp_path, "init", "--config", str(config))
    # show exits 3 here (no version yet: NotFound): the database was read all the same.
    modules = loaded(tmp_path, command, "acme", "--config", str(config), exits=(0, 3))
    assert "storage.queries" in modules
    assert present(modules, WEB_AND_DELIVERY | ANALYSIS | OPTIONAL | {"alembic"}) == set()
