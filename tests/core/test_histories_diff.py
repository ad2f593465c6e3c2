"""Every labelled step of the synthetic policy histories gives the clause diff a reader would expect.

Each step of ``histories/<policy>/`` applies one edit, described by its ``note`` in ``labels.json``. The
formatting-only and reordering steps must show no wording change; every other step must show a handful of
changed clauses, among them the edited text.
"""

from __future__ import annotations

import itertools
import json

import pytest

from tests.core.conftest_diff import HISTORIES, changed_text, content_changes, diff_texts

# Steps whose edit leaves the wording alone (from their notes): they must produce no content change.
FORMATTING_ONLY = {
    ("qnap", "v02.md"): "punctuation and spacing fixes",
    ("qnet", "v04.md"): "two sections swap places",
}

# For every content step, words that the note says were edited in, or out, of the policy.
EVIDENCE = {
    ("hqonline", "v01.md"): "Mar 01, 2023",
    ("hqonline", "v02.md"): "aged 13",
    ("hqonline", "v03.md"): "share log data",
    ("hqonline", "v04.md"): "30 days",
    ("qeg", "v01.md"): "indefinitely",
    ("qeg", "v02.md"): "June 3, 2025",
    ("qeg", "v03.md"): "advertising partners",
    ("qeg", "v04.md"): "60 working days",
    ("qnap", "v01.md"): "delete the data",
    ("qnap", "v03.md"): "Taiwan",
    ("qnap", "v04.md"): "machine learning",
    ("qnap", "v05.md"): "merger",
    ("qnet", "v01.md"): "March 2016",
    ("qnet", "v02.md"): "data brokers",
    ("qnet", "v03.md"): "ten years",
    ("qnet", "v05.md"): "precise location",
    ("qnet", "v06.md"): "without notice",
    ("qnet", "v07.md"): "personalize",
    ("qxpress", "v01.md"): "advertising and analytics partners",
    ("qxpress", "v02.md"): "1 September 2019",
    ("qxpress", "v03.md"): "facial geometry",
    ("qxpress", "v04.md"): "encryption",
}
MAX_CHANGED_CLAUSES = 5


def steps() -> list[tuple[str, str, str, str]]:
    out = []
    for folder in sorted(p for p in HISTORIES.iterdir() if p.is_dir()):
        labels = json.loads((folder / "labels.json").read_text())
        for previous, current in itertools.pairwise(labels):
            out.append((folder.name, previous["file"], current["file"], current["note"]))
    return out


STEPS = steps()


def test_every_step_is_classified() -> None:
    assert {(policy, new) for policy, _, new, _ in STEPS} == set(FORMATTING_ONLY) | set(EVIDENCE)


@pytest.mark.parametrize(("policy", "old", "new", "note"), STEPS, ids=[f"{s[0]}-{s[2]}" for s in STEPS])
def test_history_step_diff(policy: str, old: str, new: str, note: str) -> None:
    folder = HISTORIES / policy
    diff = diff_texts((folder / old).read_text(), (folder / new).read_text())
    if (policy, new) in FORMATTING_ONLY:
        assert content_changes(diff) == 0, note
        return
    assert 1 <= content_changes(diff) <= MAX_CHANGED_CLAUSES, note
    assert diff.stats()["moved"] == 0, note
    assert EVIDENCE[(policy, new)] in changed_text(diff), note


def test_section_swap_is_reported_as_moves() -> None:
    folder = HISTORIES / "qnet"
    diff = diff_texts((folder / "v03.md").read_text(), (folder / "v04.md").read_text())
    assert diff.stats()["moved"] >= 1
    assert all(change.kind == "moved" for change in diff.changes)
