"""Judgements are deterministic: the same pair gives the same report in every process.

Python randomises string hashing per process, so any iteration over a set of strings would reorder
reasons or categories between runs; running under different hash seeds catches that.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"

SCRIPT = """
import hashlib, json, sys
from pathlib import Path
from monitor.core.analysis import analyse
digest = hashlib.sha256()
for before, after in zip(sys.argv[1::2], sys.argv[2::2]):
    report = analyse(Path(before).read_text(), Path(after).read_text()).report()
    digest.update(json.dumps(report).encode())
print(digest.hexdigest())
"""


def report_digest(seed: int, files: list[str]) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *files],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    return result.stdout.strip()


def test_reports_are_identical_under_different_hash_seeds() -> None:
    pairs = sorted((CORPUS / "ota-dev" / "pairs").glob("*"))[::4]
    files = [str(path) for pair in pairs for path in (pair / "before.md", pair / "after.md")]
    assert len(files) >= 20
    digests = {report_digest(seed, files) for seed in (1, 2, 3)}
    assert len(digests) == 1, "the report depends on the process's hash seed"
    assert len(next(iter(digests))) == len(hashlib.sha256().hexdigest())
