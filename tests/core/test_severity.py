"""The one severity scale: order, thresholds and the highest of several."""

from __future__ import annotations

from monitor.core.materiality import SEVERITY_ORDER as JUDGEMENT_ORDER
from monitor.core.severity import (
    SEVERITY_ORDER,
    highest_severity,
    severities_at_least,
    severity_at_least,
    severity_rank,
)
from storage.browse import SEVERITY_RANK as BROWSE_RANK


def test_levels_run_from_none_to_high_and_every_layer_reads_the_same_scale() -> None:
    assert SEVERITY_ORDER == ("none", "low", "medium", "high")
    assert JUDGEMENT_ORDER is SEVERITY_ORDER
    assert BROWSE_RANK == {"none": 0, "low": 1, "medium": 2, "high": 3}


def test_a_threshold_admits_its_level_and_the_ones_above() -> None:
    assert severity_at_least("medium", "medium") and severity_at_least("high", "medium")
    assert not severity_at_least("low", "medium")
    assert severities_at_least("medium") == ["medium", "high"]


def test_an_unknown_level_ranks_as_none() -> None:
    assert severity_rank("catastrophic") == 0 and not severity_at_least("catastrophic", "low")


def test_highest_of_several_and_of_none() -> None:
    assert highest_severity(["low", "high", "medium"]) == "high"
    assert highest_severity([]) == "none"
