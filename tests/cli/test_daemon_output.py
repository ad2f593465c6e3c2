"""``policywatch run`` on a terminal reads as a person would want; off a terminal it writes JSON lines.

The daemon runs as a real subprocess against a loopback site: one policy that works, one whose page is
gone. Its stderr goes to a file, as it does under systemd.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from monitor.run.observe import ConsoleHandler, PassTally, check_line
from tests.run.daemon_harness import FAST_SCHEDULE, REPO
from tests.support.pages import policy_page
from tests.support.polling import wait_until
from tests.support.site import LoopbackSite

ConfigFactory = Callable[..., Path]
TEXT = "# Privacy Policy\n\n## Sharing\n\nWe do not sell your personal information to anyone, ever.\n" * 4


def start_daemon(config: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "80", "NO_COLOR": "1"}
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config), *extra],
                                cwd=REPO, stdout=sink, stderr=sink, env=env)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


def two_policies(site: LoopbackSite, make_config: ConfigFactory, database: str = "policywatch.db") -> Path:
    site.set("/privacy", policy_page(TEXT))
    return make_config(
        storage_url=f"sqlite:///{database}",
        policies=[{"name": "acme", "url": site.url("/privacy")},
                  {"name": "gone", "url": site.url("/missing")}],
        sections={"schedule": {**FAST_SCHEDULE, "interval": "1h"}},
    )


def test_text_log_has_one_line_per_check_and_a_pass_summary(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    config = two_policies(site, make_config)
    log = tmp_path / "daemon.log"
    process = start_daemon(config, log, "--log-format", "text")
    try:
        wait_until(lambda: "pass:" in log.read_text(), timeout=60, interval=0.1)
    finally:
        stop(process)
    lines = log.read_text().splitlines()
    assert not any(line.startswith("{") for line in lines), lines
    acme = [line for line in lines if " acme " in line]
    gone = [line for line in lines if " gone " in line]
    assert len(acme) == 1 and "first_version" in acme[0] and " v1" in acme[0], lines
    assert len(gone) == 1 and "failed" in gone[0] and "404" in gone[0], lines
    summary = next(line for line in lines if "pass:" in line)
    assert "2 checks" in summary and "1 new version" in summary and "1 failed" in summary
    assert all(len(line) <= 80 for line in acme + gone + [summary])
    assert any("started" in line for line in lines) and any("stopped" in line for line in lines)


def test_json_log_off_a_terminal_by_default_and_on_request(
    site: LoopbackSite, make_config: ConfigFactory, tmp_path: Path
) -> None:
    for extra in ((), ("--log-format", "json")):
        config = two_policies(site, make_config, f"run{len(extra)}.db")  # a fresh database: both are due
        log = tmp_path / f"daemon{len(extra)}.log"
        process = start_daemon(config, log, *extra)
        try:
            wait_until(lambda log=log: log.read_text().count('"event": "check"') >= 2, timeout=60,
                       interval=0.1)
        finally:
            stop(process)
        entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        assert {entry["policy"] for entry in entries if entry["event"] == "check"} == {"acme", "gone"}


def test_check_lines_and_summary_fit_80_columns() -> None:
    fields = {"policy": "a-very-long-policy-name-indeed", "outcome": "failed", "http_status": 503,
              "error": "http_503: " + "Service Unavailable " * 10, "duration_ms": 1234}
    line = check_line(time.time(), fields, width=80)
    assert len(line.plain) <= 80 and "HTTP 503" in line.plain
    tally = PassTally()
    tally.add(100.0, {"outcome": "unchanged"})
    tally.add(101.5, {"outcome": "new_version", "material": True})
    tally.add(102.0, {"outcome": "anomaly"})
    assert tally.summary() == "pass: 3 checks in 2.0 s · 1 unchanged · 1 new version (1 material) · 1 failed"


def test_the_handler_prints_the_summary_after_a_quiet_moment() -> None:
    import logging

    out = io.StringIO()
    handler = ConsoleHandler(Console(file=out, width=80, color_system=None), quiet_seconds=0.05)
    logger = logging.getLogger("tests.observe")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("check", extra={"fields": {"policy": "acme", "outcome": "unchanged", "version": 3}})
        wait_until(lambda: "pass: 1 check" in out.getvalue(), timeout=5)
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().index("acme") < out.getvalue().index("pass:")
