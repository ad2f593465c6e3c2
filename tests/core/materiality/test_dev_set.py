"""The whole labelled development set (tests/fixtures/corpus) meets the target metrics."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "fixtures" / "corpus"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("materiality_eval", REPO / "bench" / "materiality_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def metrics() -> Any:
    bench = _bench()
    results = bench.run(CORPUS)
    assert len(results) == 24 + 44  # history transitions + OTA pairs
    return bench.evaluate(results)


def test_material_recall(metrics: Any) -> None:
    assert metrics.recall >= 0.95


def test_material_precision(metrics: Any) -> None:
    assert metrics.precision >= 0.90


def test_category_recall(metrics: Any) -> None:
    assert metrics.category_recall >= 0.85


def test_no_false_alarm_on_formatting_only_pairs(metrics: Any) -> None:
    assert metrics.formatting_false_alarms == []


def test_labelled_anomalies_are_found(metrics: Any) -> None:
    assert metrics.anomaly_accuracy == 1.0
