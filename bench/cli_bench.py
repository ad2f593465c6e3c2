"""Whole-process start-up and comparison times of the ``policywatch`` command, beside its peers.

Run by hand: ``.venv/bin/python bench/cli_bench.py [--runs N] [--urlwatch PATH]``. Every figure is a
whole process, timed from outside (start to exit), so it includes the interpreter's start-up and every
import, which is what a user waits for. Each case runs the policywatch command (A) and its yardstick (B) in
turn, A B A B ..., and takes the ratio A/B pair by pair, so a machine whose speed drifts during the run
(other jobs on the cores) still gives a fair ratio. Printed: min / median / max seconds of A and B, and
the median of the pair ratios.

Cases and targets (issue 17):

* ``--help`` vs ``urlwatch --help``: ratio <= 1;
* ``status`` on a 5-policy database (one check's worth of versions) vs ``urlwatch --help``: ratio <= 2;
* ``compare`` of two ~5 KB policy files vs ``urlwatch --help``: ratio <= 2;
* ``compare`` of a ~300 KB real policy pair vs a difflib unified diff of the same files (a whole Python
  process): ratio <= 5;
* ``compare`` over every real pair in ``tests/fixtures/corpus/ota-dev/pairs`` (once each): median < 0.35 s.

urlwatch is the peer named by the issue (``pip install urlwatch==2.29`` into any venv); it is found with
``--urlwatch``, ``$URLWATCH`` or on ``PATH``. Without it, those cases print A's figures only.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
PAIRS = CORPUS / "ota-dev" / "pairs"
SMALL_PAIR = (CORPUS / "histories" / "qnap" / "v00.md", CORPUS / "histories" / "qnap" / "v01.md")
LARGE_PAIR = (PAIRS / "08_llama-api_2025-11-12" / "before.md", PAIRS / "08_llama-api_2025-11-12" / "after.md")
HISTORIES = ("qnet", "qeg", "qxpress", "hqonline", "qnap")
DIFFLIB = (
    "import difflib, sys\n"
    "a, b = (open(p, encoding='utf-8').readlines() for p in sys.argv[1:3])\n"
    "sys.stdout.writelines(difflib.unified_diff(a, b, sys.argv[1], sys.argv[2]))\n"
)


def policywatch() -> str:
    return str(Path(sys.executable).with_name("policywatch"))


def run_once(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def spread(values: Sequence[float]) -> str:
    return f"{min(values):6.3f} / {statistics.median(values):6.3f} / {max(values):6.3f} s"


def paired(name: str, a: Sequence[str], b: Sequence[str] | None, runs: int, env: dict[str, str],
           target: float | None) -> None:
    """Time A and B alternately (one warm-up each), then print both spreads and the median ratio."""
    run_once(a, env)
    if b is not None:
        run_once(b, env)
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(runs):
        times_a.append(run_once(a, env))
        if b is not None:
            times_b.append(run_once(b, env))
    print(f"{name}")
    print(f"  policywatch  {spread(times_a)}  (min / median / max)")
    if b is None or not times_b:
        return
    ratio = statistics.median(x / y for x, y in zip(times_a, times_b, strict=True))
    verdict = "" if target is None else ("  ok" if ratio <= target else f"  OVER target {target:g}x")
    print(f"  peer         {spread(times_b)}")
    print(f"  ratio        {ratio:6.2f}x (median of pairs; target <= {target:g}x){verdict}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_histories(root: Path) -> Iterator[int]:
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def small_database(workdir: Path, env: dict[str, str]) -> Path:
    """Five policies served from 127.0.0.1, checked once: a real database with one version each."""
    site = workdir / "site"
    site.mkdir()
    for name in HISTORIES:
        shutil.copy(CORPUS / "histories" / name / "v00.md", site / f"{name}.md")
    config = workdir / "config.toml"
    with serve_histories(site) as port:
        lines = [
            'storage.url = "sqlite:///bench.db"',
            "[fetch]",
            'per_host_interval = "0s"',
            "retries = 0",
        ]
        for name in HISTORIES:
            lines += ["[[policies]]", f'name = "{name}"', f'url = "http://127.0.0.1:{port}/{name}.md"']
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for command in ("init", "check"):
            subprocess.run([policywatch(), command, "--config", str(config)], env=env, check=True,
                           stdout=subprocess.DEVNULL)
    return config


def corpus_median(env: dict[str, str]) -> None:
    pairs = sorted(path for path in PAIRS.iterdir() if (path / "after.md").is_file())
    times = [run_once([policywatch(), "compare", str(p / "before.md"), str(p / "after.md")], env)
             for p in pairs]
    median = statistics.median(times)
    verdict = "ok" if median < 0.35 else "OVER target 0.35 s"
    print(f"compare, every real pair in {PAIRS.relative_to(ROOT)} ({len(pairs)} pairs, once each)")
    print(f"  policywatch  {spread(times)}  target median < 0.35 s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--urlwatch", default=os.environ.get("URLWATCH") or shutil.which("urlwatch"))
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "PAGER": "cat"}
    urlwatch = [args.urlwatch, "--help"] if args.urlwatch else None
    if urlwatch is None:
        print("urlwatch not found (--urlwatch PATH): start-up cases print policywatch's figures only")
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as tmp:
        workdir = Path(tmp)
        config = small_database(workdir, env)
        pw = policywatch()
        paired("--help  vs  urlwatch --help", [pw, "--help"], urlwatch, args.runs, env, 1.0)
        paired("status (5 policies)  vs  urlwatch --help", [pw, "status", "--config", str(config)],
               urlwatch, args.runs, env, 2.0)
        small = [str(path) for path in SMALL_PAIR]
        size = SMALL_PAIR[1].stat().st_size // 1000
        paired(f"compare, {size} KB pair  vs  urlwatch --help", [pw, "compare", *small], urlwatch,
               args.runs, env, 2.0)
        large = [str(path) for path in LARGE_PAIR]
        size = LARGE_PAIR[1].stat().st_size // 1000
        paired(f"compare, {size} KB real pair  vs  difflib unified diff (whole process)",
               [pw, "compare", *large], [sys.executable, "-c", DIFFLIB, *large], args.runs, env, 5.0)
        corpus_median(env)


if __name__ == "__main__":
    main()
