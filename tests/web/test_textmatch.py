"""Finding search terms again in policy text: patterns, escaped highlights, snippets, matching clauses."""

from __future__ import annotations

from monitor.web.textmatch import (
    clauses_mentioning,
    first_clause_with,
    highlight,
    highlight_inline,
    snippet,
    term_pattern,
)


def test_a_word_matches_its_family_and_a_phrase_spans_punctuation() -> None:
    pattern = term_pattern(["share", "data brokers"])
    assert pattern is not None
    found = [m.group(0) for m in pattern.finditer("Shared, sharing, shares; data-brokers and data  brokers")]
    assert found == ["Shared", "sharing", "shares", "data-brokers", "data  brokers"]


def test_no_words_no_pattern() -> None:
    assert term_pattern(["--", ""]) is None
    assert highlight("<b>x</b>", None) == "&lt;b&gt;x&lt;/b&gt;"


def test_highlight_escapes_text_and_marks_matches() -> None:
    pattern = term_pattern(["sell"])
    html = highlight('We <script>alert("sell")</script> sell data', pattern)
    assert html == (
        "We &lt;script&gt;alert(&#34;<mark>sell</mark>&#34;)&lt;/script&gt; <mark>sell</mark> data"
    )


def test_highlight_inline_marks_inside_insertions_and_deletions() -> None:
    pattern = term_pattern(["sell"])
    inline = [[0, "We "], [-1, "do not sell"], [1, "may sell <b>"], [0, " data"]]
    assert highlight_inline(inline, pattern) == (
        "We <del>do not <mark>sell</mark></del><ins>may <mark>sell</mark> &lt;b&gt;</ins> data"
    )


def test_snippet_centres_on_the_first_match() -> None:
    text = "x " * 200 + "we may sell your data" + " y" * 200
    piece = snippet(text, term_pattern(["sell"]), width=40)
    assert piece.startswith("…") and piece.endswith("…") and "we may sell your data" in piece
    assert snippet("short text", term_pattern(["absent"])) == "short text"


def test_clauses_mentioning_looks_at_old_and_new_wording() -> None:
    report = {"changes": [
        {"kind": "removed", "old": "We never sell data.", "new": None},
        {"kind": "added", "old": None, "new": "We keep logs."},
        {"kind": "modified", "old": "We keep data.", "new": "We sell data."},
    ]}  # fmt: skip
    pattern = term_pattern(["sell"])
    assert pattern is not None
    assert [entry["kind"] for entry in clauses_mentioning(report, pattern)] == ["removed", "modified"]
    assert first_clause_with(["a", "we sold", "we sell it"], pattern) == "we sell it"
