"""Sentence splitting of one paragraph, list item or table cell text (used by ``monitor.core.clauses``).

Most sentence ends are plain (``word. Next``) and are cut here with one regex pass. Only stretches holding
a candidate that may be an abbreviation or an initial (``e.g. Google``, ``U.S. Partners``) go to pysbd,
which knows abbreviations but is slow (it builds regexes on every call).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pysbd

_SEGMENTER: pysbd.Segmenter | None = None


class _PatternCache:
    """Stands in for the ``re`` module inside pysbd's modules: the same functions on the same patterns, but
    the compiled patterns are kept here. pysbd formats a few regexes per abbreviation it meets, hundreds in
    all, so ``re``'s own 512-entry cache churns and pysbd spent most of its time recompiling them."""

    _LIMIT = 1 << 13

    def __init__(self) -> None:
        self._compiled: dict[tuple[Any, int], re.Pattern[str]] = {}

    def __getattr__(self, name: str) -> Any:  # escape, IGNORECASE, Pattern, ...: as in re
        return getattr(re, name)

    def compile(self, pattern: Any, flags: int = 0) -> re.Pattern[str]:
        key = (pattern, flags)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) >= self._LIMIT:
                self._compiled.clear()
            compiled = self._compiled[key] = re.compile(pattern, flags)
        return compiled

    def sub(self, pattern: Any, repl: Any, string: str, count: int = 0, flags: int = 0) -> str:
        return self.compile(pattern, flags).sub(repl, string, count)

    def split(self, pattern: Any, string: str, maxsplit: int = 0, flags: int = 0) -> list[Any]:
        return self.compile(pattern, flags).split(string, maxsplit)

    def findall(self, pattern: Any, string: str, flags: int = 0) -> list[Any]:
        return self.compile(pattern, flags).findall(string)

    def finditer(self, pattern: Any, string: str, flags: int = 0) -> Iterator[re.Match[str]]:
        return self.compile(pattern, flags).finditer(string)

    def search(self, pattern: Any, string: str, flags: int = 0) -> re.Match[str] | None:
        return self.compile(pattern, flags).search(string)

    def match(self, pattern: Any, string: str, flags: int = 0) -> re.Match[str] | None:
        return self.compile(pattern, flags).match(string)


def _segmenter() -> pysbd.Segmenter:
    """pysbd's Segmenter takes long to build, so build it once, on first use."""
    global _SEGMENTER
    if _SEGMENTER is None:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        patterns = _PatternCache()
        for name, module in list(sys.modules.items()):
            if name.startswith("pysbd") and getattr(module, "re", None) is re:
                module.re = patterns  # type: ignore[attr-defined]
        _SEGMENTER = segmenter
    return _SEGMENTER


# A sentence-ending candidate: terminal punctuation, closing quotes/brackets/emphasis, then a space.
_CANDIDATE = re.compile(r"[.!?]+[\"')\]*_”’]*\s+(?=\S)")
_ABBREVIATIONS = frozenset(
    {
        *("e.g", "i.e", "etc", "inc", "ltd", "llc", "co", "corp", "mr", "mrs", "ms", "dr", "prof", "st"),
        *("no", "nos", "vs", "approx", "art", "sec", "para", "fig", "p", "pp", "vol", "ed", "al", "cf"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("u.s", "u.k", "e.u", "a.m", "p.m", "op", "ph.d", "dept", "est", "gov"),
    }
)
# Spans the splitter must not cut inside: whole links (their targets hold dots and question marks),
# Markdown escapes ("1\\. Title") and a leading enumerator ("2. ").
_ATOMIC = re.compile(r"!?\[[^\]]*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|\\[.!?]|^\s*\(?\w{1,4}[.)]\s")
# The leading-enumerator alternative of _ATOMIC alone: without "[" or "\\" in a text it is all that can match.
_ATOMIC_START = re.compile(r"\s*\(?\w{1,4}[.)]\s")
_TERMINALS = ".!?"


def _abbreviation_like(word: str) -> bool:
    word = word.lstrip("([\"'“‘*_").lower()
    return word in _ABBREVIATIONS or len(word) == 1 or "." in word


def _chunks(view: str) -> Iterator[tuple[int, int, bool]]:
    """Cut ``view`` at plain ``word. Next`` boundaries; flag chunks holding a candidate that may be an
    abbreviation or initial (``e.g. Google``, ``U.S. Partners``): only those need pysbd, which is slow."""
    start, ambiguous = 0, False
    for match in _CANDIDATE.finditer(view):
        following = view[match.end() : match.end() + 24].split(maxsplit=1)[0]
        if following.islower():  # "etc. and", "e.g. your": not a sentence end ("xAI", "iOS" may start one)
            continue
        word = view[view.rfind(" ", 0, match.start()) + 1 : match.start()]
        if word and _abbreviation_like(word):
            ambiguous = True
            continue
        yield start, match.end(), ambiguous
        start, ambiguous = match.end(), False
    yield start, len(view), ambiguous


def _pysbd_spans(view: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans pysbd finds in ``view[start:end]``, as offsets into ``view``."""
    pos = start
    for piece in _pysbd_segment(view[start:end]):
        found = view.find(piece.strip(), pos, end)
        if found < 0:  # pysbd normalised something inside: give up on this chunk rather than lose words
            yield pos, end
            return
        pos = found + len(piece.strip())
        yield found, pos
    if pos < end:
        yield pos, end


@lru_cache(maxsize=1 << 12)
def _pysbd_segment(chunk: str) -> tuple[str, ...]:
    """pysbd's sentences of one ambiguous chunk (cached: the same chunk recurs across versions)."""
    return tuple(_segmenter().segment(chunk))


def _mask(text: str) -> str:
    """``text`` with its atomic spans hidden behind same-length filler (offsets stay offsets in the text)."""
    if "[" in text or "\\" in text:
        return _ATOMIC.sub(lambda m: "x" * len(m[0]), text)
    head = _ATOMIC_START.match(text)
    return "x" * head.end() + text[head.end() :] if head else text


@lru_cache(maxsize=1 << 14)
def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences of one paragraph or list item, as substrings of ``text`` (whitespace-stripped)."""
    if not any(c in text for c in _TERMINALS):  # no sentence-ending candidate at all
        stripped = text.strip()
        return (stripped,) if stripped else ()
    view = _mask(text)
    spans: list[tuple[int, int]] = []
    for start, end, ambiguous in _chunks(view):
        spans.extend(_pysbd_spans(view, start, end) if ambiguous else [(start, end)])
    return tuple(s for s in (text[a:b].strip() for a, b in spans) if s)


def clear_caches() -> None:
    split_sentences.cache_clear()
    _pysbd_segment.cache_clear()
