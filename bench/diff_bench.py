"""Benchmark of segment + diff_clauses against difflib.unified_diff on the same inputs.

Run by hand: ``.venv/bin/python bench/diff_bench.py``. Reads the corpus from /work/shared/corpus, or from
tests/fixtures/corpus when that is absent. Each pair is timed (best of REPEATS, wall clock) in two conditions:

* cold: every parse cache cleared first (whole texts, blocks, sentences, normalised keys), as in a fresh
  process comparing that pair once;
* warm: caches cleared, then the old text segmented once, untimed, as the daemon did when that text was the
  new side of the previous comparison (it diffs version N with N+1, then N+1 with N+2).

pysbd's compiled patterns are kept in both conditions, as in any process that has split a sentence before.
``--cpu`` times with the process's CPU clock instead of the wall clock: on a busy machine (other jobs
competing for the cores) wall-clock figures mostly measure the wait for a core.
"""

from __future__ import annotations

import difflib
import itertools
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.core.clauses import clear_caches, segment  # noqa: E402
from monitor.core.diff import diff_clauses  # noqa: E402

SHARED = Path("/work/shared/corpus")
CORPUS = SHARED if SHARED.is_dir() else ROOT / "tests" / "fixtures" / "corpus"
SYNTHETIC_MIN_BYTES = 300_000
REPEATS = 5
CLOCK = time.process_time if "--cpu" in sys.argv[1:] else time.perf_counter


def consecutive(files: list[Path]) -> Iterator[tuple[Path, Path]]:
    yield from itertools.pairwise(files)


def corpus_pairs() -> list[tuple[str, str, str]]:
    pairs: list[tuple[Path, Path]] = []
    for folder in sorted((CORPUS / "histories").iterdir()):
        pairs += consecutive(sorted(folder.glob("v*.md")))
    for folder in sorted((CORPUS / "ota-dev" / "pairs").iterdir()):
        pairs.append((folder / "before.md", folder / "after.md"))
    for folder in sorted((CORPUS / "ota-dev" / "histories").iterdir()):
        pairs += consecutive(sorted(folder.glob("[0-9]*.md")))
    return [(f"{a.parent.name}/{a.name}->{b.name}", a.read_text(), b.read_text()) for a, b in pairs]


def synthetic_pair() -> tuple[str, str]:
    """A ≥300 KB policy of distinct real texts, and a copy with edits of every kind."""
    seeds = sorted((CORPUS / "seeds").glob("*.txt"))
    sources = seeds + sorted((CORPUS / "ota-dev" / "pairs").glob("*/after.md"))
    paragraphs: list[str] = []
    for path in sources:
        paragraphs += path.read_text().split("\n\n")
        if sum(map(len, paragraphs)) >= SYNTHETIC_MIN_BYTES:
            break
    while sum(map(len, paragraphs[:-1])) >= SYNTHETIC_MIN_BYTES:  # trim to just over the size
        paragraphs.pop()
    old = "\n\n".join(paragraphs)
    new_paragraphs = list(paragraphs)
    for k in range(10, len(paragraphs), max(1, len(paragraphs) // 40)):  # ~40 one-word edits
        new_paragraphs[k] = re.sub(r"\bwe\b", "we and our partners", paragraphs[k], count=1)
    del new_paragraphs[len(paragraphs) // 3]  # a removed paragraph
    new_paragraphs.insert(len(paragraphs) // 2, "We may sell your personal information to data brokers.")
    a, b = len(paragraphs) // 4, 3 * len(paragraphs) // 4  # a moved block
    new_paragraphs[a:a] = new_paragraphs[b : b + 5]
    del new_paragraphs[b + 5 : b + 10]
    return old, "\n\n".join(new_paragraphs)


def clause_diff(old: str, new: str) -> object:
    return diff_clauses(segment(old), segment(new))


def line_diff(old: str, new: str) -> object:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm=""))


def cold(old: str, new: str) -> None:
    clear_caches()


def warm(old: str, new: str) -> None:
    clear_caches()
    segment(old)


def best_time(
    fn: Callable[[str, str], object], old: str, new: str, prepare: Callable[[str, str], None] = cold
) -> float:
    times = []
    for _ in range(REPEATS):
        prepare(old, new)
        start = CLOCK()
        fn(old, new)
        times.append(CLOCK() - start)
    return min(times) * 1000


Row = tuple[str, float, float, float]  # name, cold ms, warm ms, difflib ms


def measure(name: str, old: str, new: str) -> Row:
    theirs = best_time(line_diff, old, new)
    return name, best_time(clause_diff, old, new, cold), best_time(clause_diff, old, new, warm), theirs


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def report(label: str, rows: list[Row]) -> None:
    theirs = [r[3] for r in rows]
    print(
        f"\n{label}: {len(rows)} pair(s); difflib.unified_diff median {statistics.median(theirs):.2f} ms, "
        f"worst {max(theirs):.2f} ms"
    )
    print(
        f"  {'segment+diff':14}{'median ms':>11}{'p90 ms':>9}{'worst ms':>10}"
        f"{'median×difflib':>16}{'p90×':>7}{'worst×':>8}   slowest pair"
    )
    for condition, ours in (("cold", [r[1] for r in rows]), ("warm", [r[2] for r in rows])):
        ratios = [t / d if d else float("inf") for t, d in zip(ours, theirs, strict=True)]
        slowest = rows[ours.index(max(ours))]
        print(
            f"  {condition:14}{statistics.median(ours):11.2f}{p90(ours):9.2f}{max(ours):10.2f}"
            f"{statistics.median(ratios):16.1f}{p90(ratios):7.1f}{max(ratios):8.1f}   {slowest[0]}"
        )


def main() -> None:
    clock = "CPU" if CLOCK is time.process_time else "wall-clock"
    print(
        f"corpus: {CORPUS}; {clock} ms, best of {REPEATS}; ×difflib = our time / difflib's on the same pair"
    )
    segment("Warm-up, e.g. to build the sentence segmenter. Done.")  # one-off cost, not per comparison
    pairs = corpus_pairs()
    for _, old, new in pairs:  # compile pysbd's per-abbreviation patterns once, as a running process has
        clause_diff(old, new)
    report("corpus pairs (histories, ota-dev pairs, ota-dev histories)", [measure(*pair) for pair in pairs])
    old, new = synthetic_pair()
    print(f"\nsynthetic policy: {len(old) // 1000} KB old, {len(new) // 1000} KB new")
    report("synthetic policy", [measure("synthetic", old, new)])
    stats = diff_clauses(segment(old), segment(new)).stats()
    print(f"  synthetic diff: {stats}")


if __name__ == "__main__":
    main()
