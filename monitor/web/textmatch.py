"""Finding search terms in policy text again, for highlights and "the exact clause" (pure functions).

The index stems words, so these patterns match the same families loosely: ``share`` highlights "shared"
and "sharing" too. Everything returned as Markup is escaped first: policy text is third-party input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

_SUFFIXES = ("ing", "ies", "ed", "es", "s", "e", "y")
_WORD = re.compile(r"\w+")


def _stem(word: str) -> str:
    lowered = word.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 3:
            return lowered[: -len(suffix)]
    return lowered


def _word_pattern(word: str) -> str:
    return r"\b" + re.escape(_stem(word)) + r"\w*"


def term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for words and phrases (a phrase's words may be split by punctuation)."""
    alternatives = []
    for term in terms:
        words = _WORD.findall(term)
        if words:
            alternatives.append(r"\W+".join(_word_pattern(word) for word in words))
    if not alternatives:
        return None
    return re.compile("|".join(f"(?:{alternative})" for alternative in alternatives), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str] | None) -> Markup:
    """``text`` escaped, with every match wrapped in <mark>."""
    if pattern is None:
        return Markup(escape(text))
    parts: list[Markup] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(Markup(escape(text[position : match.start()])))
        parts.append(Markup("<mark>{}</mark>").format(match.group(0)))
        position = match.end()
    parts.append(Markup(escape(text[position:])))
    return Markup("").join(parts)


def highlight_inline(inline: Sequence[Sequence[Any]], pattern: re.Pattern[str] | None) -> Markup:
    """Word-diff ops (``[op, text]``) as <del>/<ins> HTML, with matches marked inside each piece."""
    parts = []
    for op, chunk in inline:
        body = highlight(str(chunk), pattern)
        wrapper = {-1: "<del>{}</del>", 1: "<ins>{}</ins>"}.get(int(op))
        parts.append(Markup(wrapper).format(body) if wrapper else body)
    return Markup("").join(parts)


def snippet(text: str, pattern: re.Pattern[str] | None, *, width: int = 160) -> str:
    """The stretch of ``text`` around the first match (the start of the text when nothing matches)."""
    match = pattern.search(text) if pattern is not None else None
    if match is None:
        return _shorten(text, width)
    start = max(0, match.start() - width // 2)
    end = min(len(text), match.end() + width // 2)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width].rstrip() + "…"


def clauses_mentioning(report: dict[str, Any], pattern: re.Pattern[str]) -> list[dict[str, Any]]:
    """Changed clauses of a stored report whose old or new wording contains a term."""
    return [
        entry
        for entry in report.get("changes", [])
        if any(pattern.search(entry.get(side) or "") for side in ("old", "new"))
    ]


def first_clause_with(texts: Iterable[str], pattern: re.Pattern[str]) -> str | None:
    return next((text for text in texts if pattern.search(text)), None)
