"""``policywatch backfill`` end to end against the Wayback emulator, including Ctrl-C and resuming."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Settings
from tests.support.polling import wait_until
from tests.support.wayback import WaybackEmulator
from tests.support.wayback_data import serve_history
from tests.support.webhook import WebhookReceiver

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def config(archive_settings: Callable[..., Settings], tmp_path: Path) -> Path:
    archive_settings(page_limit=3)
    path = tmp_path / "config.toml"
    assert invoke("init", "--config", str(path)).exit_code == 0
    return path


def test_backfill_imports_the_history_and_a_second_run_fetches_nothing(
    wayback_archive: WaybackEmulator, config: Path
) -> None:
    serve_history(wayback_archive, 4)
    first = invoke("backfill", "acme", "--config", str(config), "--json")
    assert first.exit_code == 0, first.output
    [summary] = json.loads(first.stdout)
    assert (summary["new_versions"], summary["fetched"], summary["complete"]) == (4, 4, True)

    again = invoke("backfill", "acme", "--config", str(config), "--json")
    [summary] = json.loads(again.stdout)
    assert (summary["new_versions"], summary["capture_calls"], summary["skipped_known"]) == (0, 0, 4)

    history = invoke("history", "acme", "--config", str(config), "--json")
    assert [row["source"] for row in json.loads(history.stdout)] == ["archive"] * 4


def test_the_table_reports_each_policy(wayback_archive: WaybackEmulator, config: Path) -> None:
    serve_history(wayback_archive, 2)
    result = invoke("backfill", "acme", "--since", "2013-01-01", "--until", "2013", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "acme" in result.stdout and "complete" in result.stdout
    query = wayback_archive.of_kind("cdx")[0].params
    assert (query["from"], query["to"]) == ("20130101", "20131231")  # --until 2013: all of 2013


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "yesterday"], "not a date"),
        (["--since", "2020-01-01", "--until", "2019-01-01"], "--since is after --until"),
    ],
)
def test_bad_dates_are_refused(config: Path, options: list[str], message: str) -> None:
    result = invoke("backfill", "acme", *options, "--config", str(config))
    assert result.exit_code == 2 and message in result.output


def test_an_unreadable_listing_exits_non_zero_and_names_the_error(
    wayback_archive: WaybackEmulator, config: Path
) -> None:
    wayback_archive.fail("cdx", 503, times=100)
    result = invoke("backfill", "acme", "--config", str(config))
    assert result.exit_code == 1
    assert "error" in result.stdout and "503" in result.stdout


def test_ctrl_c_leaves_a_run_that_the_next_command_resumes(
    wayback_archive: WaybackEmulator, config: Path
) -> None:
    stamps = serve_history(wayback_archive, 6)
    wayback_archive.fail("capture", None, delay=30, after=3)  # the 4th capture hangs until Ctrl-C
    command = [sys.executable, "-m", "monitor", "backfill", "acme", "--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: wayback_archive.arrived("capture") >= 4, timeout=30)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "run the same command again to resume" in err
    done = set(wayback_archive.captures(200))
    assert done == set(stamps[:3])

    wayback_archive.clear_requests()
    resumed = invoke("backfill", "acme", "--config", str(config), "--json")
    [summary] = json.loads(resumed.stdout)
    assert summary["resumed"] and summary["complete"] and summary["new_versions"] == 3
    assert sorted(wayback_archive.captures()) == stamps[3:]


def test_the_progress_bar_counts_captures_listed_fetched_and_new_versions() -> None:
    from io import StringIO

    from rich.console import Console
    from rich.progress import Progress

    from monitor.cli.backfill import _Bars, backfill_columns
    from monitor.run.backfill import BackfillSummary

    screen = StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with Progress(*backfill_columns(), console=console) as progress:
        bars = _Bars(progress)
        bars.update(BackfillSummary("acme", listed=40, processed=12, fetched=9, new_versions=5))
        [task] = progress.tasks
        assert (task.description, task.total, task.completed) == ("acme", 40, 12)
        assert task.fields == {"fetched": 9, "new": 5}
    assert "fetched 9" in screen.getvalue() and "new 5" in screen.getvalue()


def test_notify_sends_the_material_history_as_one_digest(
    wayback_archive: WaybackEmulator,
    archive_settings: Callable[..., Settings],
    webhook_receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    archive_settings(hook_url=webhook_receiver.url)
    config = tmp_path / "config.toml"
    assert invoke("init", "--config", str(config)).exit_code == 0
    serve_history(wayback_archive, 5)  # qnet's history: several material changes
    result = invoke("backfill", "acme", "--notify", "--config", str(config), "--json")
    [summary] = json.loads(result.stdout)
    assert summary["alerts"] == 2  # qnet v01→v02 (sale) and v02→v03 (retention) are material
    [message] = webhook_receiver.json()  # one digest message, not one per change
    assert message["event"] == "digest"
    assert [alert["observed_at"][:10] for alert in message["alerts"]] == ["2013-07-01", "2013-10-01"]
