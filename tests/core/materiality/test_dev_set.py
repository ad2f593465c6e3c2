"""Every labelled set in tests/fixtures/corpus, scored on its own, stays at or above its measured level.

Issue 13's targets are: English sets material recall and precision >= 0.95, no false alarm on cosmetic pairs,
category recall >= 0.90 and precision >= 0.80; French sets recall and precision >= 0.90. Where the engine
does not meet a target yet, the floor below is the measured figure (rounded down) and docs/judgement.md says
so; raise a floor to its target when a general rule gets there. These are aggregate regression checks; the
rules themselves are tested with sentences written for the purpose (test_triggers, test_non_triggers,
test_patterns, test_languages, test_cosmetic_classes).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "fixtures" / "corpus"

# set: (recall, precision, cosmetic false alarms at most, category recall and precision, anomaly accuracy)
FLOORS: dict[str, tuple[float, float, int, float, float, float]] = {
    "histories": (0.95, 0.95, 0, 0.90, 0.80, 1.0),
    "ota-dev": (0.95, 0.95, 0, 0.90, 0.65, 1.0),  # category precision target 0.80: not met (0.69)
    "ota-pga-dev": (0.90, 0.90, 2, 0.75, 0.55, 1.0),  # held out; targets 0.95/0.95/0/0.90/0.80: not met
    "ota-fr-dev/dev": (0.80, 0.95, 0, 0.60, 0.45, 1.0),  # recall target 0.90: not met (0.82)
    "ota-fr-dev/held": (0.85, 0.85, 1, 0.40, 0.35, 0.9),  # held out; targets 0.90/0.90: not met (0.88/0.88)
}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("materiality_eval", REPO / "bench" / "materiality_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def per_set() -> dict[str, Any]:
    bench = _bench()
    sets = bench.load_sets(CORPUS)
    assert {name: len(cases) for name, cases in sets.items()} == {
        "histories": 24,
        "ota-dev": 44,
        "ota-fr-dev/dev": 16,
        "ota-fr-dev/held": 15,
        "ota-pga-dev": 41,
    }
    return {name: bench.evaluate(bench.run_cases(cases)) for name, cases in sets.items()}


@pytest.mark.parametrize("name", FLOORS)
def test_material_recall_and_precision_hold(per_set: dict[str, Any], name: str) -> None:
    recall, precision = per_set[name].recall, per_set[name].precision
    assert recall >= FLOORS[name][0] and precision >= FLOORS[name][1]


@pytest.mark.parametrize("name", FLOORS)
def test_cosmetic_pairs_do_not_alert(per_set: dict[str, Any], name: str) -> None:
    alarms = len(per_set[name].cosmetic_false_alarms)
    assert alarms <= FLOORS[name][2]


@pytest.mark.parametrize("name", FLOORS)
def test_categories_named_are_the_ones_that_changed(per_set: dict[str, Any], name: str) -> None:
    recall, precision = per_set[name].category_recall, per_set[name].category_precision
    assert recall >= FLOORS[name][3] and precision >= FLOORS[name][4]


@pytest.mark.parametrize("name", FLOORS)
def test_labelled_anomalies_are_found(per_set: dict[str, Any], name: str) -> None:
    accuracy = per_set[name].anomaly_accuracy
    assert accuracy >= FLOORS[name][5]
