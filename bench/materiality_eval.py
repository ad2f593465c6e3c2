"""Evaluate the materiality engine on every labelled set, each on its own, with the held-out sets marked.

Sets (``corpus/`` = ``../shared/corpus`` next to the repo, else ``tests/fixtures/corpus``):

* ``histories``       - ``histories/*/labels.json``, transitions v(k-1) → v(k) (English, synthetic edits);
* ``ota-dev``         - real English Open Terms Archive pairs (``pairs/<pair>/before.md → after.md``);
* ``ota-pga-dev``     - real English pairs from the Platform Governance Archive collection;
* ``ota-fr-dev/dev``  - the French pairs of half the services (chosen by a hash of the service name,
  ``french_split``), used while writing the French rules;
* ``ota-fr-dev/held`` - the French pairs of the other services.

Leave-one-collection-out record (which sets were *seen* while the rules were written, issue 13):

=================  ==========================================================================
set                status during rule development
=================  ==========================================================================
histories          seen (development)
ota-dev            seen (development, English)
ota-fr-dev/dev     seen (development, French: services whose sha256(name)[0] is even)
ota-pga-dev        HELD OUT - no pair, note or failure opened until the honest score was taken
ota-fr-dev/held    HELD OUT - same
=================  ==========================================================================

For each set it prints material precision/recall, false alarms on non-material pairs (and on cosmetic pairs:
non-material, not an anomaly), category recall and precision, anomaly accuracy, direction agreement on the
material pairs, and CPU time per ``classify``; then a leave-one-collection-out table, where each held-out
set's score is the engine's honest score on a collection it never saw during development.

Usage: ``.venv/bin/python bench/materiality_eval.py [corpus_dir] [--dev] [--show-held-out] [-v]``.
``--dev`` scores only the development sets (what a rule writer may look at); failures of held-out sets are
listed only with ``--show-held-out``.
"""

from __future__ import annotations

import hashlib
import inspect
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

HELD_OUT = frozenset({"ota-pga-dev", "ota-fr-dev/held"})
ENGLISH = frozenset({"histories", "ota-dev", "ota-pga-dev"})


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
    language: str = "en"


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
    cosmetic_false_alarms: list[str] = field(default_factory=list)
    misses: list[Result] = field(default_factory=list)
    false_alarms: list[Result] = field(default_factory=list)
    median_ms: float = 0.0
    max_ms: float = 0.0
    pairs: int = 0
    material_pairs: int = 0


def default_corpus() -> Path:
    shared = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return shared if shared.is_dir() else REPO / "tests" / "fixtures" / "corpus"


def french_split(service: str) -> str:
    """Development or held-out half of the French set, fixed by the service name alone."""
    return "dev" if hashlib.sha256(service.encode("utf-8")).digest()[0] % 2 == 0 else "held"


def _histories(corpus: Path) -> Iterator[Case]:
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


def _pairs(folder: Path) -> Iterator[tuple[dict[str, str], Case]]:
    for entry in json.loads((folder / "labels.json").read_text(encoding="utf-8")):
        pair = folder / "pairs" / entry["pair"]
        yield (
            entry,
            Case(
                entry["pair"],
                (pair / "before.md").read_text(encoding="utf-8"),
                (pair / "after.md").read_text(encoding="utf-8"),
                bool(entry["material"]),
                tuple(entry["categories"]),
                entry["direction"],
                entry.get("anomaly"),
                entry.get("note", ""),
                entry.get("lang", "en"),
            ),
        )


def load_sets(corpus: Path, *, dev_only: bool = False) -> dict[str, list[Case]]:
    """Set name → cases, for every labelled set present under ``corpus``."""
    sets: dict[str, list[Case]] = {}
    if (corpus / "histories").is_dir():
        sets["histories"] = list(_histories(corpus))
    for name in ("ota-dev", "ota-pga-dev"):
        if (corpus / name / "labels.json").is_file() and not (dev_only and name in HELD_OUT):
            sets[name] = [case for _, case in _pairs(corpus / name)]
    if (corpus / "ota-fr-dev" / "labels.json").is_file():
        for entry, case in _pairs(corpus / "ota-fr-dev"):
            name = f"ota-fr-dev/{french_split(entry['service'])}"
            if not (dev_only and name in HELD_OUT):
                sets.setdefault(name, []).append(case)
    return dict(sorted(sets.items(), key=lambda kv: (kv[0] in HELD_OUT, kv[0])))


def load_cases(corpus: Path) -> Iterator[Case]:
    for cases in load_sets(corpus).values():
        yield from cases


def _classify(case: Case, diff: object) -> Judgement:
    # The engine before issue 13 took no language; keep the bench able to score it for "before" figures.
    if "language" in inspect.signature(classify).parameters:
        return classify(case.old, case.new, diff, language=case.language)  # type: ignore[arg-type]
    return classify(case.old, case.new, diff)  # type: ignore[arg-type]


def run_cases(cases: list[Case]) -> list[Result]:
    results = []
    for case in cases:
        diff = diff_clauses(segment(case.old), segment(case.new))
        # CPU time of this process: wall time swings with whatever else the machine runs.
        start = time.process_time()
        judgement = _classify(case, diff)
        results.append(Result(case, judgement, (time.process_time() - start) * 1000))
    return results


def _warm_up() -> None:
    # The language model loads once per process (~0.5 s); timings are per-pair steady state.
    classify(
        "warm up text " * 40, "texte de chauffe " * 40, diff_clauses(segment("a b c."), segment("d e f."))
    )


def run(corpus: Path) -> list[Result]:
    _warm_up()
    return run_cases(list(load_cases(corpus)))


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
        cosmetic_false_alarms=[
            r.case.name
            for r in results
            if not r.case.material and r.judgement.material and not r.case.anomaly
        ],
        misses=[r for r in results if r.case.material and not r.judgement.material],
        false_alarms=[r for r in results if not r.case.material and r.judgement.material],
        median_ms=statistics.median(times) if times else 0.0,
        max_ms=max(times, default=0.0),
        pairs=len(results),
        material_pairs=positives,
    )


def _row(name: str, m: Metrics) -> str:
    mark = "HELD OUT" if name in HELD_OUT else "seen"
    return (
        f"{name:16s} {mark:8s} {m.pairs:4d} {m.material_pairs:4d}  {m.precision:5.2f} {m.recall:5.2f} "
        f"{len(m.false_alarms):3d} {len(m.cosmetic_false_alarms):3d}  {m.category_recall:5.2f} "
        f"{m.category_precision:5.2f}  {m.anomaly_accuracy:5.2f} {m.direction_agreement:5.2f}  "
        f"{m.median_ms:6.1f}"
    )


HEADER = (
    f"{'set':16s} {'status':8s} {'pairs':>4s} {'mat':>4s}  {'prec':>5s} {'rec':>5s} {'FA':>3s} {'cFA':>3s}  "
    f"{'catR':>5s} {'catP':>5s}  {'anom':>5s} {'dir':>5s}  {'ms':>6s}"
)


def table(per_set: dict[str, Metrics]) -> str:
    return "\n".join([HEADER, *(_row(name, m) for name, m in per_set.items())])


def loo_table(per_set: dict[str, Metrics]) -> str:
    """Leave-one-collection-out: each held-out collection scored by the engine that never saw it."""
    lines = ["leave-one-collection-out (honest score = a collection held out while the rules were written):"]
    for name, m in per_set.items():
        if name in HELD_OUT:
            lines.append(
                f"  {name:16s} left out: precision {m.precision:.2f} recall {m.recall:.2f} "
                f"cosmetic FA {len(m.cosmetic_false_alarms)} category R/P {m.category_recall:.2f}/"
                f"{m.category_precision:.2f} direction {m.direction_agreement:.2f}"
            )
        else:
            lines.append(f"  {name:16s} seen during development: its score above is not an honest one")
    return "\n".join(lines)


def details(name: str, results: list[Result], m: Metrics, verbose: bool) -> str:
    lines = [f"== {name}", "per category (labelled / recalled / predicted on material pairs):"]
    lines += [
        f"  {cat:24s} {n:3d} {hit:3d} {pred:3d}"
        for cat, (n, hit, pred) in m.per_category.items()
        if n or pred
    ]
    for title, rows in (("MISSES", m.misses), ("FALSE ALARMS", m.false_alarms)):
        lines.append(f"{title}: {len(rows)}")
        for r in rows:
            lines.append(f"  {r.case.name}: {r.case.note}")
            lines += [
                f"      {reason}" for c in r.judgement.changes if c.material for reason in c.reasons[:2]
            ][:6]
    for r in results:
        cats_missing = set(r.case.categories) - set(r.judgement.categories) if r.case.material else set()
        cats_extra = set(r.judgement.categories) - set(r.case.categories) if r.case.material else set()
        wrong = r.case.anomaly != r.judgement.anomaly or (
            r.case.material and r.judgement.material and r.case.direction != r.judgement.direction
        )
        if verbose or cats_missing or cats_extra or wrong:
            lines.append(
                f"- {r.case.name}: label {r.case.material} {list(r.case.categories)} {r.case.direction} "
                f"{r.case.anomaly}; got {r.judgement.material} {list(r.judgement.categories)} "
                f"{r.judgement.direction} {r.judgement.anomaly} ({r.ms:.1f} ms)"
            )
            if cats_missing or cats_extra:
                lines.append(f"    missing {sorted(cats_missing)} extra {sorted(cats_extra)}")
            if verbose:
                lines.append(f"    {r.case.note}")
                lines.append(f"    {r.judgement.summary}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("-")]
    corpus = Path(args[0]) if args else default_corpus()
    sets = load_sets(corpus, dev_only="--dev" in argv)
    _warm_up()
    results = {name: run_cases(cases) for name, cases in sets.items()}
    per_set = {name: evaluate(rs) for name, rs in results.items()}
    print(f"corpus: {corpus}")
    print("FA = false alarms on non-material pairs; cFA = of those, on cosmetic pairs (no anomaly)")
    print(table(per_set))
    english = [r for name, rs in results.items() if name in ENGLISH for r in rs]
    if english:
        m = evaluate(english)
        print(f"English material pairs: direction agreement {m.direction_agreement:.2f}")
    print(loo_table(per_set))
    for name, rs in results.items():
        if name in HELD_OUT and "--show-held-out" not in argv:
            continue
        print(details(name, rs, per_set[name], verbose="-v" in argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
