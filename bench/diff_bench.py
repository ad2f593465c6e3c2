"""Benchmark of segment + diff_clauses against difflib.unified_diff on the same inputs.

Run by hand: ``.venv/bin/python bench/diff_bench.py``. Reads the corpus from /work/shared/corpus, or from
tests/fixtures/corpus when that is absent. Every timing starts with cold caches (normalise and sentence
splitting are cached per process), so figures are those of a fresh comparison of one pair.
"""

from __future__ import annotations

import difflib
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.clauses import normalise, segment, split_sentences  # noqa: E402
from monitor.diff import diff_clauses  # noqa: E402

SHARED = Path("/work/shared/corpus")
CORPUS = SHARED if SHARED.is_dir() else ROOT / "tests" / "fixtures" / "corpus"
SYNTHETIC_MIN_BYTES = 300_000
REPEATS = 3


def consecutive(files: list[Path]) -> Iterator[tuple[Path, Path]]:
    yield from zip(files, files[1:], strict=False)


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
    sources = sorted((CORPUS / "seeds").glob("*.txt")) + sorted((CORPUS / "ota-dev" / "pairs").glob("*/after.md"))
    parts: list[str] = []
    for path in sources:
        parts.append(path.read_text())
        if sum(map(len, parts)) >= SYNTHETIC_MIN_BYTES:
            break
    old = "\n\n".join(parts)
    paragraphs = old.split("\n\n")
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
    normalise.cache_clear()
    split_sentences.cache_clear()
    return diff_clauses(segment(old), segment(new))


def line_diff(old: str, new: str) -> object:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm=""))


def best_time(fn: Callable[[str, str], object], old: str, new: str) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(old, new)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def report(label: str, rows: list[tuple[str, float, float]]) -> None:
    ours = [r[1] for r in rows]
    theirs = [r[2] for r in rows]
    ratios = [r[1] / r[2] if r[2] else float("inf") for r in rows]
    worst = max(rows, key=lambda r: r[1])
    worst_ratio = max(rows, key=lambda r: r[1] / r[2] if r[2] else float("inf"))
    print(f"\n{label}: {len(rows)} pair(s)")
    print(f"  {'':24}{'segment+diff':>14}{'difflib':>12}{'ratio':>10}")
    print(f"  {'median ms':24}{statistics.median(ours):14.2f}{statistics.median(theirs):12.2f}"
          f"{statistics.median(ratios):10.2f}")
    print(f"  {'worst ms':24}{max(ours):14.2f}{max(theirs):12.2f}{max(ratios):10.2f}")
    print(f"  {'total ms':24}{sum(ours):14.1f}{sum(theirs):12.1f}{sum(ours) / sum(theirs):10.2f}")
    print(f"  slowest pair: {worst[0]} ({worst[1]:.1f} ms vs difflib {worst[2]:.1f} ms)")
    print(f"  highest ratio: {worst_ratio[0]} ({worst_ratio[1]:.1f} ms vs difflib {worst_ratio[2]:.1f} ms)")


def main() -> None:
    print(f"corpus: {CORPUS}")
    segment("Warm-up, e.g. to build the sentence segmenter. Done.")  # one-off cost, not per comparison
    rows = [(name, best_time(clause_diff, a, b), best_time(line_diff, a, b)) for name, a, b in corpus_pairs()]
    report("corpus pairs (histories, ota-dev pairs, ota-dev histories)", rows)
    old, new = synthetic_pair()
    print(f"\nsynthetic policy: {len(old) // 1000} KB old, {len(new) // 1000} KB new")
    report("synthetic policy", [("synthetic", best_time(clause_diff, old, new), best_time(line_diff, old, new))])
    stats = diff_clauses(segment(old), segment(new)).stats()
    print(f"  synthetic diff: {stats}")


if __name__ == "__main__":
    main()
