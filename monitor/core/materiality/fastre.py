"""Word-prefix prefilter for the lexicon's regular expressions.

Python's ``re`` tries every alternative of a large pattern at every position of a text, which made the
lexicon cost ~1 ms per clause. Almost every lexicon pattern starts each alternative with ``\\b`` and a
literal word ("shar…", "third…", "data brokers"), so a match is impossible unless some word of the text
starts with one of those literal prefixes. ``Lex`` derives the prefixes from the parsed pattern once at
import and checks them against a per-text index of word prefixes (a set lookup) before running the regex.
A pattern whose alternatives do not all start that way is simply always run.

The index is built once per text (cached), so checking a clause against the whole lexicon costs a few
dozen set operations plus the regexes that can actually match.
"""

from __future__ import annotations

import re
import re._constants as sc
import re._parser as sp
from functools import lru_cache
from typing import Any, Final

_WORD: Final = re.compile(r"[^\W_]+")  # any script: French and German words have accents
_MAX_PREFIX: Final = 6


def _starts(items: list[Any], bounded: bool) -> set[str] | None:
    """Literal word starts every match of ``items`` begins with; None when they cannot be told."""
    acc = ""
    for i, (op, av) in enumerate(items):
        if op is sc.AT and av is sc.AT_BOUNDARY and not acc:
            bounded = True
            continue
        if op in (sc.ASSERT, sc.ASSERT_NOT) and not acc:
            continue  # zero-width: the match still starts with what follows
        if op is sc.LITERAL and chr(av).isalnum():
            if not bounded:
                return None
            acc += chr(av).lower()
            if len(acc) >= _MAX_PREFIX:
                return {acc}
            continue
        rest = list(items[i + 1 :])
        alts: list[list[Any]]
        if op is sc.SUBPATTERN:
            alts = [list(av[-1]) + rest]
        elif op is sc.BRANCH:
            alts = [list(b) + rest for b in av[1]]
        elif op is sc.IN and all(o is sc.LITERAL for o, _ in av) and len(av) <= 4:
            alts = [[(sc.LITERAL, v), *rest] for _, v in av]
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT):
            alts = [list(av[2])] + ([rest] if av[0] == 0 else [])
        else:
            break
        out: set[str] = set()
        for alt in alts:
            found = _starts(alt, bounded)
            if found is None:
                return None
            out |= {(acc + s)[:_MAX_PREFIX] for s in found}
        return out
    return {acc} if bounded else None


def word_starts(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Prefixes (2-6 characters) one of which some word of any matching text starts with, or None."""
    found = _starts(list(sp.parse(pattern.pattern, pattern.flags)), False)
    if not found or any(len(s) < 2 for s in found):
        return None
    return frozenset(found)


@lru_cache(maxsize=8192)
def prefix_index(text: str) -> frozenset[str]:
    """Every 2-6 character prefix of every word of a text (case-folded)."""
    return frozenset(
        w[:k] for w in set(_WORD.findall(text.lower())) for k in range(2, min(len(w), _MAX_PREFIX) + 1)
    )


class Lex:
    """A compiled pattern with its word-prefix prefilter."""

    __slots__ = ("pattern", "starts")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.starts = word_starts(pattern)

    def possible(self, text: str) -> bool:
        return self.starts is None or not self.starts.isdisjoint(prefix_index(text))

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.possible(text) else None


def alternatives(source: str) -> list[str]:
    """Top-level ``|`` alternatives of a pattern source (escape- and group-aware)."""
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(source[start:i])
            start = i + 1
        i += 1
    out.append(source[start:])
    return out


class AnyLex:
    """Several patterns, each top-level alternative prefiltered on its own: only the alternatives whose
    word prefixes occur in a text are run."""

    __slots__ = ("parts",)

    def __init__(self, patterns: tuple[re.Pattern[str], ...]) -> None:
        self.parts = tuple(Lex(re.compile(alt, p.flags)) for p in patterns for alt in alternatives(p.pattern))

    def search(self, text: str) -> re.Match[str] | None:
        index = prefix_index(text)
        for part in self.parts:
            if part.starts is None or not part.starts.isdisjoint(index):
                m = part.pattern.search(text)
                if m:
                    return m
        return None
