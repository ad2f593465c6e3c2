"""The JSON examples in the manual parse, and have the shape of what policywatch really prints.

The comparison document is checked against ``policywatch compare --json`` run on two fixture files (its
keys, its change entries' keys and its stats' keys); the daemon's check log line against the log formatter
fed a real check outcome. A field added to either without the example following fails here.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from monitor.pipeline.chain import CheckOutcome
from monitor.run.observe import JsonFormatter, check_fields

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAIR = ROOT / "tests" / "fixtures" / "corpus" / "histories" / "qnet"


def json_blocks(page: Path) -> list[Any]:
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"^( *)```json\n(.*?)^\1```", text, flags=re.S | re.M)
    return [json.loads("\n".join(line[len(indent):] for line in body.splitlines()))
            for indent, body in blocks]


def test_every_json_example_in_the_manual_parses() -> None:
    found = {page.name: json_blocks(page) for page in sorted(DOCS.glob("*.md"))}
    assert found["judgement.md"] and found["daemon.md"]  # json.loads raised already for a broken one


def real_comparison() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "compare", "--json", str(PAIR / "v02.md"), str(PAIR / "v03.md")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_the_comparison_example_has_the_shape_of_compare_json() -> None:
    (example,) = json_blocks(DOCS / "judgement.md")
    real = real_comparison()
    assert real["changes"], "the fixture pair has changes to compare shapes with"
    assert set(example) == set(real)
    assert set(example["stats"]) == set(real["stats"])
    example_change_keys = set().union(*(set(change) for change in example["changes"]))
    real_change_keys = set().union(*(set(change) for change in real["changes"]))
    assert example_change_keys == real_change_keys


def test_the_daemon_check_line_example_has_the_keys_the_daemon_writes() -> None:
    example = next(block for block in json_blocks(DOCS / "daemon.md") if block.get("event") == "check")
    outcome = CheckOutcome(policy="acme", outcome="new_version", duration_ms=412, http_status=200,
                           version_number=7, change_id=3, material=True, severity="high", alerts=1)
    record = logging.makeLogRecord({"name": "policywatch.daemon", "levelno": logging.INFO,
                                    "levelname": "INFO", "msg": "check",
                                    "fields": check_fields(outcome, worker="web1:4242")})
    real = json.loads(JsonFormatter().format(record))
    assert set(example) == set(real)
