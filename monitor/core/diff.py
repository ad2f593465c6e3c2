"""Clause diff: align two clause sequences and say what was added, removed, modified or moved.

Clauses are aligned by their normalised keys with diff-match-patch (each distinct key becomes one
character, the ``diff_linesToChars`` trick). Left-over removed and added clauses are then explained, in
order: re-segmentation (the same words cut into sentences differently), moves (same key elsewhere),
modifications (similar wording, paired best-first, preferring the same region), and the rest are added or
removed. Modified clauses carry a word-level inline diff of their display text.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from diff_match_patch import diff_match_patch

from monitor.core.clauses import EMAIL_PROTECTED, Clause

ChangeKind = Literal["added", "removed", "modified", "moved"]
InlineOps = tuple[tuple[int, str], ...]

MODIFIED_THRESHOLD = 0.5  # word-sequence similarity above which a removed+added pair is one edited clause
# Within one hunk (the same place in both texts) less likeness is enough: it is the same clause rewritten.
LOCAL_MODIFIED_THRESHOLD = 0.35
_JACCARD_PREFILTER = 0.2  # cheap token-set overlap below which the word ratio cannot reach the threshold
_CANDIDATES_PER_CLAUSE = 12  # caps the similarity work: no all-pairs comparison on large rewrites
_COMMON_TOKEN_POSTINGS = 40  # tokens in more added clauses than this are too common to find candidates
_SHORT_CLAUSE_WORDS = 6
_LOCALITY_BONUS = 0.05  # prefer pairing a removed clause with an added one from the same diff hunk


@dataclass(frozen=True, slots=True)
class ClauseChange:
    kind: ChangeKind
    old: Clause | None  # None for added
    new: Clause | None  # None for removed
    inline: InlineOps  # word-level diff-match-patch ops (-1/0/1, text); () unless modified
    similarity: float  # 1.0 for moved, 0..1 for modified, 0.0 for added/removed


@dataclass(frozen=True, slots=True)
class ClauseDiff:
    changes: tuple[ClauseChange, ...]  # in document order of the new text (removed ones where they stood)
    unchanged: int

    def stats(self) -> dict[str, int]:
        counts = Counter(change.kind for change in self.changes)
        kinds: tuple[ChangeKind, ...] = ("added", "removed", "modified", "moved")
        return {**{kind: counts.get(kind, 0) for kind in kinds}, "unchanged": self.unchanged}


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0  # a safety net for huge rewrites; ordinary policies finish far below it
    return dmp


def _encode(sequences: Sequence[Sequence[str]]) -> list[str]:
    """Map every distinct item to one character, so a character diff is an item diff."""
    codes: dict[str, str] = {}
    encoded = []
    for items in sequences:
        chars = []
        for item in items:
            code = codes.get(item)
            if code is None:
                code = codes[item] = chr(0x10000 + len(codes))  # astral plane: never clashes
            chars.append(code)
        encoded.append("".join(chars))
    return encoded


_WORD_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def word_diff(old: str, new: str) -> InlineOps:
    """Word-level diff-match-patch ops turning ``old`` into ``new``, cleaned up for human reading."""
    old_tokens, new_tokens = _WORD_TOKEN.findall(old), _WORD_TOKEN.findall(new)
    old_chars, new_chars = _encode([old_tokens, new_tokens])
    decode = {c: t for c, t in zip(old_chars + new_chars, old_tokens + new_tokens, strict=True)}
    dmp = _dmp()
    encoded = dmp.diff_main(old_chars, new_chars, False)
    diffs = [(op, "".join(decode[c] for c in chars)) for op, chars in encoded]
    dmp.diff_cleanupSemantic(diffs)
    return tuple((op, text) for op, text in diffs if text)


# ----------------------------------------------------------------------------------------- bookkeeping


@dataclass(slots=True)
class _Side:
    """The removed (or added) clauses of one diff hunk, with what has been explained so far."""

    clauses: list[Clause] = field(default_factory=list)
    done: set[int] = field(default_factory=set)  # Clause.index values already explained


@dataclass(slots=True)
class _Hunk:
    anchor: int  # index of the first new clause after this hunk: where removed clauses stood
    removed: _Side = field(default_factory=_Side)
    added: _Side = field(default_factory=_Side)


def _hunks(old: Sequence[Clause], new: Sequence[Clause]) -> tuple[list[_Hunk], int]:
    old_chars, new_chars = _encode([[c.norm for c in old], [c.norm for c in new]])
    hunks: list[_Hunk] = []
    i = j = unchanged = 0
    current: _Hunk | None = None
    for op, chars in _dmp().diff_main(old_chars, new_chars, False):
        if op == 0:
            i, j, unchanged, current = i + len(chars), j + len(chars), unchanged + len(chars), None
            continue
        if current is None:
            current = _Hunk(anchor=j)
            hunks.append(current)
        if op < 0:
            current.removed.clauses.extend(old[i : i + len(chars)])
            i += len(chars)
        else:
            current.added.clauses.extend(new[j : j + len(chars)])
            j += len(chars)
            current.anchor = j
    return hunks, unchanged


# ------------------------------------------------------------------------------------- re-segmentation

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|" + re.escape(EMAIL_PROTECTED))
_SPACE = re.compile(r"\s+")


def _compact(norm: str) -> str:
    return _SPACE.sub("", norm)


def _loose(norm: str) -> str:
    """Compact key with e-mail addresses blanked: a Cloudflare-protected address equals any address."""
    return _compact(_EMAIL.sub("@", norm)) if EMAIL_PROTECTED in norm or "@" in norm else _compact(norm)


def _same_words(removed: list[Clause], added: list[Clause]) -> bool:
    """Group texts equal up to whitespace, or up to e-mail addresses where one side shows a protected one."""
    if any(EMAIL_PROTECTED in c.norm for c in (*removed, *added)):
        return True
    in_order = sorted(removed, key=_position), sorted(added, key=_position)
    return "".join(_compact(c.norm) for c in in_order[0]) == "".join(_compact(c.norm) for c in in_order[1])


def _position(clause: Clause) -> int:
    return clause.index


def _regroup(
    removed: list[Clause], added: list[Clause], key: Callable[[Clause], str]
) -> Iterator[tuple[list[Clause], list[Clause]]]:
    """Runs of removed and added clauses at the start of both lists that hold the same words,
    cut into sentences differently (re-wrapping, a missing space after a full stop)."""
    a = b = 0
    while a < len(removed) and b < len(added):
        start_a, start_b = a, b
        left, right = key(removed[a]), key(added[b])
        a, b = a + 1, b + 1
        while left != right:
            if len(left) < len(right) and a < len(removed) and right.startswith(left):
                left, a = left + key(removed[a]), a + 1
            elif len(right) < len(left) and b < len(added) and left.startswith(right):
                right, b = right + key(added[b]), b + 1
            else:
                return
        group = (removed[start_a:a], added[start_b:b])
        if not _same_words(*group):
            return
        yield group


def _forward_key(clause: Clause) -> str:
    return _loose(clause.norm)


def _backward_key(clause: Clause) -> str:
    # Walking both lists from the end, reversed keys concatenate to the reversed text.
    return _loose(clause.norm)[::-1]


def _resegmented(hunk: _Hunk) -> int:
    """Mark same-words runs at both ends of a hunk as explained; return how many new clauses they cover."""
    covered = 0
    for key, step in ((_forward_key, 1), (_backward_key, -1)):
        rem = [c for c in hunk.removed.clauses if c.index not in hunk.removed.done][::step]
        add = [c for c in hunk.added.clauses if c.index not in hunk.added.done][::step]
        for old_group, new_group in _regroup(rem, add, key):
            hunk.removed.done.update(c.index for c in old_group)
            hunk.added.done.update(c.index for c in new_group)
            covered += len(new_group)
    return covered


# ------------------------------------------------------------------------------------------------ moves


def _moves(hunks: list[_Hunk]) -> tuple[list[tuple[Clause, Clause]], int]:
    """Pair removed and added clauses with the same words: moves across hunks, equal within one hunk."""
    added_by_key: dict[str, list[tuple[_Hunk, Clause]]] = defaultdict(list)
    for hunk in hunks:
        for clause in hunk.added.clauses:
            if clause.index not in hunk.added.done:
                added_by_key[_compact(clause.norm)].append((hunk, clause))
    moved: list[tuple[Clause, Clause]] = []
    in_place = 0
    for hunk in hunks:
        for clause in hunk.removed.clauses:
            candidates = added_by_key.get(_compact(clause.norm))
            if clause.index in hunk.removed.done or not candidates:
                continue
            # Prefer the copy in the same hunk (a whitespace-only difference), else the first one.
            pick = next((k for k, (h, _) in enumerate(candidates) if h is hunk), 0)
            target_hunk, target = candidates.pop(pick)
            hunk.removed.done.add(clause.index)
            target_hunk.added.done.add(target.index)
            if target_hunk is hunk:
                in_place += 1
            else:
                moved.append((clause, target))
    return moved, in_place


# --------------------------------------------------------------------------------------------- pairing

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class _Entry:
    clause: Clause
    hunk: int
    tokens: frozenset[str]


def _entries(hunks: list[_Hunk], removed: bool) -> list[_Entry]:
    out = []
    for number, hunk in enumerate(hunks):
        side = hunk.removed if removed else hunk.added
        for clause in side.clauses:
            if clause.index not in side.done:
                out.append(_Entry(clause, number, frozenset(_TOKEN.findall(clause.norm))))
    return out


def _candidates(entry: _Entry, index: dict[str, list[int]], local: list[int]) -> set[int]:
    """Added clauses worth comparing with ``entry``: those of its own hunk (if few) and those sharing
    its rarest tokens, capped so a large rewrite is not compared all-pairs."""
    shared: Counter[int] = Counter()
    rare = sorted((t for t in entry.tokens if t in index), key=lambda t: len(index[t]))
    for token in rare[:8]:
        if len(index[token]) > _COMMON_TOKEN_POSTINGS and shared:
            break
        shared.update(index[token][: _COMMON_TOKEN_POSTINGS * 4])
    picked = {a for a, _ in shared.most_common(_CANDIDATES_PER_CLAUSE)}
    if len(local) <= _CANDIDATES_PER_CLAUSE:
        picked.update(local)
    return picked


def similarity(old: str, new: str) -> float:
    """Word-sequence similarity of two normalised clause texts, 0..1.

    Short clauses (dates, labels) have too few words for a word ratio to mean much, so for them the
    character ratio counts too: "Updated: June 4, 2025" and "Updated: January 8, 2026" are one line edited.
    """
    old_words, new_words = old.split(), new.split()
    ratio = SequenceMatcher(None, old_words, new_words, autojunk=False).ratio()
    if max(len(old_words), len(new_words)) <= _SHORT_CLAUSE_WORDS:
        ratio = max(ratio, SequenceMatcher(None, old, new, autojunk=False).ratio())
    return ratio


def _similarity_at_least(old: str, new: str, threshold: float) -> float | None:
    """``similarity(old, new)`` if it reaches ``threshold``, else None, often found without computing it:
    difflib's quick ratios are cheap upper bounds of the word ratio (exact: the same integer arithmetic)."""
    old_words, new_words = old.split(), new.split()
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    if max(len(old_words), len(new_words)) <= _SHORT_CLAUSE_WORDS:
        return max(matcher.ratio(), SequenceMatcher(None, old, new, autojunk=False).ratio())
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return None
    return matcher.ratio()


def _pairs(removed: list[_Entry], added: list[_Entry]) -> list[tuple[_Entry, _Entry, float]]:
    """Removed/added pairs similar enough to be one modified clause, greedily best-first."""
    index: dict[str, list[int]] = defaultdict(list)
    by_hunk: dict[int, list[int]] = defaultdict(list)
    for k, entry in enumerate(added):
        by_hunk[entry.hunk].append(k)
        for token in entry.tokens:
            index[token].append(k)
    scored: list[tuple[float, float, int, int]] = []
    for r, old in enumerate(removed):
        for k in _candidates(old, index, by_hunk[old.hunk]):
            new = added[k]
            union = len(old.tokens | new.tokens)
            short = union <= _SHORT_CLAUSE_WORDS * 2  # too few tokens for the overlap to rule anything out
            if not short and len(old.tokens & new.tokens) / union < _JACCARD_PREFILTER:
                continue
            local = old.hunk == new.hunk
            threshold = LOCAL_MODIFIED_THRESHOLD if local else MODIFIED_THRESHOLD
            ratio = _similarity_at_least(old.clause.norm, new.clause.norm, threshold)
            if ratio is not None and ratio >= threshold:
                scored.append((ratio + (_LOCALITY_BONUS if local else 0.0), ratio, r, k))
    scored.sort(key=lambda s: (-s[0], s[2], s[3]))
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for _, ratio, r, k in scored:
        if r not in used_old and k not in used_new:
            used_old.add(r)
            used_new.add(k)
            pairs.append((removed[r], added[k], ratio))
    return pairs


# ------------------------------------------------------------------------------------------- assembly


def diff_clauses(old: Sequence[Clause], new: Sequence[Clause]) -> ClauseDiff:
    """What changed from ``old`` to ``new``, clause by clause, in the new text's order."""
    hunks, unchanged = _hunks(old, new)
    unchanged += sum(_resegmented(hunk) for hunk in hunks)
    moved, in_place = _moves(hunks)
    unchanged += in_place
    removed, added = _entries(hunks, removed=True), _entries(hunks, removed=False)
    pairs = _pairs(removed, added)
    paired_old = {p[0].clause.index for p in pairs}
    paired_new = {p[1].clause.index for p in pairs}
    anchor = {c.index: hunk.anchor for hunk in hunks for c in hunk.removed.clauses}

    keyed: list[tuple[tuple[int, int, int], ClauseChange]] = []
    for a, b, ratio in pairs:
        inline = word_diff(a.clause.text, b.clause.text)
        keyed.append(((b.clause.index, 1, 0), ClauseChange("modified", a.clause, b.clause, inline, ratio)))
    for a_clause, b_clause in moved:
        keyed.append(((b_clause.index, 1, 0), ClauseChange("moved", a_clause, b_clause, (), 1.0)))
    for entry in removed:
        if entry.clause.index not in paired_old:
            where = (anchor[entry.clause.index], 0, entry.clause.index)
            keyed.append((where, ClauseChange("removed", entry.clause, None, (), 0.0)))
    for entry in added:
        if entry.clause.index not in paired_new:
            keyed.append(((entry.clause.index, 1, 0), ClauseChange("added", None, entry.clause, (), 0.0)))
    keyed.sort(key=lambda item: item[0])
    return ClauseDiff(changes=tuple(change for _, change in keyed), unchanged=unchanged)
