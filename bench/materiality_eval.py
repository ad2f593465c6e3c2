"""Evaluate the materiality engine on the labelled development corpus.

Runs every labelled transition - ``corpus/histories/*/labels.json`` (v(k-1) → v(k)) and
``corpus/ota-dev/labels.json`` (pairs/<pair>/before.md → after.md) - through segment → diff_clauses →
classify, and prints document-level precision/recall/false-alarm rate, per-category recall and
precision, anomaly accuracy, direction agreement, timing, and the misses and false alarms.

Usage: ``.venv/bin/python bench/materiality_eval.py [corpus_dir] [-v]``. The corpus defaults to
``/work/shared/corpus`` (``../shared/corpus`` next to the repo), falling back to ``tests/fixtures/corpus``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from monitor.core.clauses import segment  # noqa: E402
from monitor.core.diff import diff_clauses  # noqa: E402
from monitor.core.materiality import CATEGORIES, Judgement, classify  # noqa: E402

FORMATTING_WORDS = (
    "format",
    "whitespace",
    "markdown",
    "typo",
    "link",
    "apostrophe",
    "restyling",
    "token",
    "spelling",
    "punctuation",
    "date",
    "swap",
    "obfuscation",
    "artefact",
    "banner",
)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    old: str
    new: str
    material: bool
    categories: tuple[str, ...]
    direction: str
    anomaly: str | None
    note: str


@dataclass(slots=True)
class Result:
    case: Case
    judgement: Judgement
    ms: float


@dataclass(slots=True)
class Metrics:
    precision: float
    recall: float
    false_alarm_rate: float
    category_recall: float
    category_precision: float
    per_category: dict[str, tuple[int, int, int]] = field(
        default_factory=dict
    )  # label count, recalled, predicted
    anomaly_accuracy: float = 0.0
    direction_agreement: float = 0.0
    formatting_false_alarms: list[str] = field(default_factory=list)
    misses: list[Result] = field(default_factory=list)
    false_alarms: list[Result] = field(default_factory=list)
    median_ms: float = 0.0
    max_ms: float = 0.0


def default_corpus() -> Path:
    shared = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return shared if shared.is_dir() else REPO / "tests" / "fixtures" / "corpus"


def load_cases(corpus: Path) -> Iterator[Case]:
    for labels in sorted((corpus / "histories").glob("*/labels.json")):
        entries = json.loads(labels.read_text(encoding="utf-8"))
        for prev, entry in pairwise(entries):
            yield Case(
                f"{labels.parent.name}/{entry['file']}",
                (labels.parent / prev["file"]).read_text(encoding="utf-8"),
                (labels.parent / entry["file"]).read_text(encoding="utf-8"),
                bool(entry["material"]),
                tuple(entry["categories"]),
                entry["direction"],
                entry.get("anomaly"),
                entry.get("note", ""),
            )
    ota = corpus / "ota-dev"
    for entry in json.loads((ota / "labels.json").read_text(encoding="utf-8")):
        pair = ota / "pairs" / entry["pair"]
        yield Case(
            entry["pair"],
            (pair / "before.md").read_text(encoding="utf-8"),
            (pair / "after.md").read_text(encoding="utf-8"),
            bool(entry["material"]),
            tuple(entry["categories"]),
            entry["direction"],
            entry.get("anomaly"),
            entry.get("note", ""),
        )


def run(corpus: Path) -> list[Result]:
    # Warm-up: the language model loads once per process (~0.5 s); timings are per-pair steady state.
    classify(
        "warm up text " * 40, "texte de chauffe " * 40, diff_clauses(segment("a b c."), segment("d e f."))
    )
    results = []
    for case in load_cases(corpus):
        diff = diff_clauses(segment(case.old), segment(case.new))
        # CPU time of this process: wall time swings with whatever else the machine runs.
        start = time.process_time()
        judgement = classify(case.old, case.new, diff)
        results.append(Result(case, judgement, (time.process_time() - start) * 1000))
    return results


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def evaluate(results: list[Result]) -> Metrics:
    tp = sum(r.case.material and r.judgement.material for r in results)
    fp = sum(not r.case.material and r.judgement.material for r in results)
    positives = sum(r.case.material for r in results)
    negatives = len(results) - positives
    per_cat: dict[str, tuple[int, int, int]] = {}
    label_total = recalled_total = predicted_total = correct_predicted = 0
    for cat in CATEGORIES:
        labelled = [r for r in results if r.case.material and cat in r.case.categories]
        predicted = [r for r in results if r.case.material and cat in r.judgement.categories]
        hit = sum(cat in r.judgement.categories for r in labelled)
        per_cat[cat] = (len(labelled), hit, len(predicted))
        label_total += len(labelled)
        recalled_total += hit
        predicted_total += len(predicted)
        correct_predicted += sum(cat in r.case.categories for r in predicted)
    material_pairs = [r for r in results if r.case.material and r.judgement.material]
    times = [r.ms for r in results]
    return Metrics(
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, positives),
        false_alarm_rate=_ratio(fp, negatives),
        category_recall=_ratio(recalled_total, label_total),
        category_precision=_ratio(correct_predicted, predicted_total),
        per_category=per_cat,
        anomaly_accuracy=_ratio(sum(r.case.anomaly == r.judgement.anomaly for r in results), len(results)),
        direction_agreement=_ratio(
            sum(r.case.direction == r.judgement.direction for r in material_pairs), len(material_pairs)
        ),
        formatting_false_alarms=[
            r.case.name
            for r in results
            if not r.case.material
            and r.judgement.material
            and not r.case.anomaly
            and any(w in r.case.note.lower() for w in FORMATTING_WORDS)
        ],
        misses=[r for r in results if r.case.material and not r.judgement.material],
        false_alarms=[r for r in results if not r.case.material and r.judgement.material],
        median_ms=statistics.median(times) if times else 0.0,
        max_ms=max(times, default=0.0),
    )


def report(results: list[Result], m: Metrics, verbose: bool = False) -> str:
    lines = [
        f"pairs: {len(results)} ({sum(r.case.material for r in results)} material)",
        f"material detection: precision {m.precision:.3f}  recall {m.recall:.3f}  "
        f"false-alarm rate {m.false_alarm_rate:.3f}",
        f"categories: recall {m.category_recall:.3f}  precision {m.category_precision:.3f}",
        f"anomaly accuracy {m.anomaly_accuracy:.3f}  direction agreement {m.direction_agreement:.3f}",
        f"classify CPU time: median {m.median_ms:.2f} ms  max {m.max_ms:.2f} ms",
        "per category (labelled / recalled / predicted on material pairs):",
    ]
    lines += [f"  {cat:24s} {n:3d} {hit:3d} {pred:3d}" for cat, (n, hit, pred) in m.per_category.items()]
    lines.append(f"formatting-only false alarms: {m.formatting_false_alarms or 'none'}")
    for title, rows in (("MISSES", m.misses), ("FALSE ALARMS", m.false_alarms)):
        lines.append(f"{title}: {len(rows)}")
        for r in rows:
            lines.append(f"  {r.case.name}: {r.case.note}")
            lines += [
                f"      {reason}" for c in r.judgement.changes if c.material for reason in c.reasons[:2]
            ][:6]
    for r in results:
        cats_missing = set(r.case.categories) - set(r.judgement.categories) if r.case.material else set()
        wrong_anomaly = r.case.anomaly != r.judgement.anomaly
        if verbose or cats_missing or wrong_anomaly:
            lines.append(
                f"- {r.case.name}: label {r.case.material} {list(r.case.categories)} {r.case.direction} "
                f"{r.case.anomaly}; got {r.judgement.material} {list(r.judgement.categories)} "
                f"{r.judgement.direction} {r.judgement.anomaly} ({r.ms:.1f} ms)"
            )
            if cats_missing:
                lines.append(f"    missing categories: {sorted(cats_missing)}")
            if verbose:
                lines.append(f"    {r.judgement.summary}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("-")]
    corpus = Path(args[0]) if args else default_corpus()
    results = run(corpus)
    print(f"corpus: {corpus}")
    print(report(results, evaluate(results), verbose="-v" in argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
