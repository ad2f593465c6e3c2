"""Clause segmentation: policy text (Markdown-ish or plain) → ordered, sectioned, normalised clauses.

A clause is a sentence-level unit (a sentence of a paragraph, list item or table row). Headings are not
clauses; they form each clause's section path. ``Clause.norm`` folds away everything that is formatting
rather than wording (case, whitespace, quote/dash variants, Markdown emphasis and escapes, link targets,
URL query strings, e-mail obfuscation), so the diff can match clauses across cosmetic rewrites.

Speed: a text is parsed block by block (blank lines end every logical line), and blocks, sentence splits,
normalised keys and the last few whole texts are cached per process, so a comparison re-parses only what
changed since the previous version. Sentence splitting lives in ``monitor.core.sentences``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from monitor.core.sentences import _segmenter, split_sentences
from monitor.core.sentences import clear_caches as _clear_sentence_caches

__all__ = ["EMAIL_PROTECTED", "Clause", "_segmenter", "clean_inline", "clear_caches", "normalise", "segment"]
__all__ += ["split_sentences"]


@dataclass(frozen=True, slots=True)
class Clause:
    text: str  # display text, Markdown-ish, as in the version
    norm: str  # normalised matching key (case, whitespace, punctuation, emphasis, links folded)
    section: tuple[str, ...]  # heading path, outermost first ("3. Sharing", "3.2 Partners")
    index: int  # position in the document, 0-based


# ---------------------------------------------------------------------------------------------- normalise

# Invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen) carry no wording.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys(_INVISIBLE, None),
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys("‘’‚‛′‹›`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        "…": "...",
    }
)
_TYPOGRAPHY_MAP = {chr(code): to or "" for code, to in _TYPOGRAPHY.items()}
_TYPOGRAPHY_CHARS = re.compile("[" + re.escape("".join(chr(c) for c in _TYPOGRAPHY)) + "]")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_CLOUDFLARE_EMAIL = re.compile(r"\[\s*email\s+protected\s*\]", re.IGNORECASE)
EMAIL_PROTECTED = "email-protected"  # what a Cloudflare-hidden address folds to (see diff.py)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\"|\s+'[^']*')?\s*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_URL_QUERY = re.compile(r"((?:https?://|www\.)[^\s?#)\]]+)[?#][^\s)\]]*", re.IGNORECASE)
# E-mail obfuscation, matched on collapsed, case-folded text: "x [at] y (dot) com", "x at y dot com".
_BRACKETED = re.compile(r" ?[\[({<] ?(at|@|dot|\.) ?[\])}>] ?")
_SPELLED_AT = re.compile(r"(?<=[\w.+-]) at (?=[\w-]+(?:(?:\.| dot )[\w-]+)*(?:\.| dot )[a-z]{2,6}\b)")
_SPELLED_DOT = re.compile(r"(@[\w-]+(?:\.[\w-]+)*) dot (?=[a-z])")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![^\W_])_+|_+(?![^\W_])")
_LEADING_MARK = re.compile(r"^(?:\s*(?:#{1,6}|>|[-*+•·▪◦‣●○■□]|\|)(?=\s|$))+")
# Leading enumerators ("2.", "3.2", "(b)", "iv)"), repeated as in a ToC entry "2. [2\\. Sharing](#s)":
# renumbering a list or its headings is not a change of wording.
_ENUMERATOR = re.compile(
    r"^(?:\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivxlc]{1,5})(?:[.)]|(?<=\d)(?=\s))(?![a-z]\.)\s*)+",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCT = re.compile(r" ([.,;:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) ")
_SPACE_PUNCT_HINTS = tuple(" " + c for c in ".,;:!?)]")
_EMAIL_HINTS = ("at)", "at]", "at}", "at>", "dot)", "dot]", "dot}", "dot>", "@")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts (re's \w is isalnum() plus "_")

# Every step below is guarded by a cheap substring test (C speed): most clauses need few of the regexes, and
# a regex scan that finds nothing costs as much as one that does. Anchored patterns use match(), not sub().


def _typography(text: str) -> str:
    # str.translate with a dict table is slow per character, and most text has nothing to translate.
    if text.isascii() and "`" not in text:  # "`" is the one ASCII character the table maps
        return text
    # Replace just the characters present: no replacement holds another, so the order does not matter.
    for char in set(_TYPOGRAPHY_CHARS.findall(text)):
        text = text.replace(char, _TYPOGRAPHY_MAP[char])
    return text


def _strip_match(pattern: re.Pattern[str], text: str) -> str:
    """``pattern.sub("", text)`` for a ``^``-anchored pattern that never matches empty."""
    found = pattern.match(text)
    return text[found.end() :] if found else text


def clean_inline(text: str) -> str:
    """Display-friendly text without Markdown syntax: links → their text, no emphasis or escapes."""
    text = _typography(text)
    if "&" in text:
        text = _typography(html.unescape(text))
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "[" in text:
        text = _CLOUDFLARE_EMAIL.sub(EMAIL_PROTECTED, text)
        if "![" in text:
            text = _IMAGE.sub(r"\1", text)
        if "](" in text:
            text = _LINK.sub(r"\1", text)
        if "][" in text:
            text = _REF_LINK.sub(r"\1", text)
    if "<" in text:
        text = _TAG.sub(" ", _AUTOLINK.sub(r"\1", text))
    text = text.replace("*", "").replace("~~", "")
    if "_" in text:
        text = _UNDERSCORE_EMPHASIS.sub("", text)
    text = _strip_match(_LEADING_MARK, text.replace("|", " | ") if "|" in text else text)
    return " ".join(text.split())


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """The matching key of a clause or heading: equal for texts that differ only in formatting."""
    text = " ".join(clean_inline(text).replace("|", " ").casefold().split())
    if ("://" in text or "www." in text) and ("?" in text or "#" in text):
        text = _URL_QUERY.sub(r"\1", text)
    if "mailto:" in text:
        text = text.replace("mailto:", "")
    if any(hint in text for hint in _EMAIL_HINTS):
        text = _BRACKETED.sub(lambda m: "@" if m[1] in ("at", "@") else ".", text)
    if " at " in text:
        text = _SPELLED_AT.sub("@", text)
    while "@" in text and " dot " in text and _SPELLED_DOT.search(text):
        text = _SPELLED_DOT.sub(r"\1.", text)
    text = _strip_match(_ENUMERATOR, _strip_match(_LEADING_MARK, text))
    if any(hint in text for hint in _SPACE_PUNCT_HINTS):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    if "( " in text or "[ " in text:
        text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------ block parsing

LineKind = Literal["para", "item", "heading", "row"]


@dataclass(slots=True)
class _Line:
    kind: LineKind
    text: str
    level: int = 0  # heading level (Markdown # count; pseudo-headings below all of them)
    enum: str | None = None  # enumerator style ("1", "1.1", "a", "A", "(") of a numbered/lettered line
    # Filled in by _block_lines (lines are cached per block and shared between texts, so all of these
    # depend on the line alone; what depends on neighbours is decided in segment):
    candidate: int | None = None  # heading level if this line may be a heading, else None
    plain_title: bool = False  # a heading candidate without any marker, not ALL CAPS (_is_plain_title)
    pieces: tuple[tuple[str, str], ...] | None = None  # its clauses' (text, norm), computed on first use


_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_ROW = re.compile(r"^\s*\|.*\|\s*$")
_ROW_SEPARATOR = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•·▪◦‣●○■□])\s+")
_ENUM = re.compile(
    r"^\s*(\(?(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)]|[a-zA-Z][.)]|[ivxIVX]{1,5}[.)])|\(\w{1,4}\))"
    r"(?:\s+|(?=[A-Z][a-z]))"
)
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_TERMINALS = ".!?:;,"
_CLOSERS = "\"')]*_”’"  # what may follow a sentence's terminal punctuation
_BOLD_ONLY = re.compile(r"^(\*\*|__)(?P<body>.+?)\1$", re.DOTALL)
_HEADING_MAX_RAW = 400  # longer lines (even with link targets) are never headings
PSEUDO_LEVEL = 7  # pseudo-headings (bold, ALL CAPS, numbered) nest below every Markdown heading


def _enum_style(marker: str) -> str:
    core = marker.strip("().")
    if core[:1].isdigit():
        return "1" + ".1" * core.count(".")
    if marker.startswith("("):
        return "("
    return "a" if core.islower() else "A"


def _ends_with(text: str, terminals: str) -> bool:
    """Whether ``text`` ends with one of ``terminals``, then only closing quotes, brackets or emphasis."""
    core = text.rstrip(_CLOSERS)
    return bool(core) and core[-1] in terminals


def _starts_lower(line: str) -> bool:
    first = line.lstrip(" *_\"'“‘([")[:1]
    return first.islower()


def _logical_lines(text: str) -> list[_Line]:
    """Group raw lines into logical lines: one per heading, list item, table row or unwrapped paragraph line.

    Hard-wrapped lines are joined back, so re-wrapping a paragraph does not change its clauses: a line
    continues the previous one unless that one ended a sentence (or looks like a heading) and this one
    starts a new capitalised sentence.
    """
    out: list[_Line] = []
    buf: list[str] = []
    kind: LineKind = "para"
    enum: str | None = None
    raw_count = 0

    def flush() -> None:
        nonlocal buf, raw_count
        if buf:
            out.append(_Line(kind, " ".join(buf), enum=enum))
        buf, raw_count = [], 0

    for raw in text.splitlines():
        line = (_strip_match(_QUOTE, raw) if ">" in raw else raw).rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if (atx := _ATX.match(line)) is not None:
            flush()
            out.append(_Line("heading", atx[2], level=len(atx[1])))
            continue
        if _SETEXT.match(line) and buf and raw_count == 1 and kind == "para":
            title, buf, raw_count = buf[0], [], 0
            out.append(_Line("heading", title, level=1 if stripped[0] == "=" else 2))
            continue
        if _RULE.match(line):
            flush()
            continue
        if _ROW.match(line):
            flush()
            if not _ROW_SEPARATOR.match(line):
                out.append(_Line("row", stripped))
            continue
        bullet, numbered = _BULLET.match(line), _ENUM.match(line)
        if bullet or numbered:
            flush()
            kind, enum = "item", _enum_style(numbered[1]) if numbered else None
            buf, raw_count = [line[bullet.end() :] if bullet else stripped], 1
            continue
        if buf and not _continues(buf[-1], stripped):
            flush()
        if not buf:
            kind, enum = "para", None
        buf.append(stripped)
        raw_count += 1
    flush()
    return out


def _continues(previous: str, line: str) -> bool:
    if _starts_lower(line):
        return True
    # A short line without a sentence end is a heading, label or date line, not the middle of a wrapped
    # paragraph (wrapped lines run close to the wrap width).
    if len(previous) < _WRAP_MIN or _ends_with(previous, ".!?;:"):
        return False
    return _heading_level(previous) is None


_WRAP_MIN = 40


# --------------------------------------------------------------------------------------------- headings


@lru_cache(maxsize=1 << 14)
def _heading_level(text: str) -> int | None:
    """The level of a heading-like line (bold-only, enumerated or a short unpunctuated title), else None."""
    if len(text) > _HEADING_MAX_RAW or _ends_with(text.rstrip().rstrip(":*_"), _TERMINALS):  # cheap rejects
        return None
    bold = _BOLD_ONLY.match(text.strip())
    body = clean_inline(bold["body"] if bold else text)
    if not body or len(body) > 120 or not any(c.isalpha() for c in body):
        return None
    if _ends_with(body.rstrip(":"), _TERMINALS):
        return None
    numbered = _ENUM.match(body)
    title = body[numbered.end() :] if numbered else body
    if len(title.split()) > (20 if bold else 12):
        return None
    if numbered:
        return PSEUDO_LEVEL + numbered[1].count(".") - (1 if numbered[1].endswith(".") else 0)
    if bold:
        return PSEUDO_LEVEL
    if "[" in text or ":" in title or any(c.isdigit() for c in title) or not title[0].isupper():
        return None
    return PSEUDO_LEVEL


def _is_plain_title(line: _Line) -> bool:
    """A heading candidate with no marker at all (no #, bold or enumerator), other than ALL CAPS."""
    if line.kind != "para" or _BOLD_ONLY.match(line.text.strip()) or _heading_level(line.text) is None:
        return False
    return not line.text.isupper()


def _candidate(line: _Line) -> int | None:
    """The heading level of ``line`` if it is a heading, or could be one unless it stands in a list run."""
    if line.kind == "heading":
        return line.level
    if line.kind == "row" or (line.kind == "item" and line.enum is None):
        return None
    return _heading_level(line.text)


def _in_list_run(lines: list[_Line], i: int) -> bool:
    """A run of short numbered lines, or of short unmarked lines, is a list, not a series of headings."""
    neighbours = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    if lines[i].enum is not None:
        return any(n.enum == lines[i].enum for n in neighbours)
    return lines[i].plain_title and any(n.plain_title for n in neighbours)


def _as_heading(lines: list[_Line], i: int) -> int | None:
    line = lines[i]
    if line.kind == "heading" or line.candidate is None:
        return line.candidate
    return None if _in_list_run(lines, i) else line.candidate


# ---------------------------------------------------------------------------------------------- segment

# Blank lines end every logical line (_logical_lines flushes at them and keeps no state across them), so a
# text is parsed block by block, and each block's lines are cached: consecutive versions share most blocks.
_BLANK_RUN = re.compile(r"\n(?:[^\S\n]*\n)+")
# Layout-only characters are removed before parsing so they cannot hide list markers or blank lines.
_LAYOUT_CHARS = re.compile(f"[{_INVISIBLE}{_SPACES}]")


def _layout_char(match: re.Match[str]) -> str:
    return "" if match[0] in _INVISIBLE else " "


@lru_cache(maxsize=1 << 14)
def _block_lines(block: str) -> tuple[_Line, ...]:
    lines = _logical_lines(block)
    for line in lines:
        line.candidate = _candidate(line)
        line.plain_title = _is_plain_title(line)
    return tuple(lines)


def _pieces(line: _Line) -> tuple[tuple[str, str], ...]:
    """The (text, norm) of the clauses of a non-heading line; cached on the line."""
    if line.pieces is None:
        texts = (line.text,) if line.kind == "row" else split_sentences(" ".join(line.text.split()))
        normed = ((piece, normalise(piece)) for piece in texts)
        line.pieces = tuple((piece, norm) for piece, norm in normed if _ALNUM.search(norm))
    return line.pieces


def segment(text: str) -> tuple[Clause, ...]:
    """Split a policy text into clauses, each with its heading path and normalised matching key."""
    return _segment(text)


@lru_cache(maxsize=8)  # the daemon diffs version N with N+1, then N+1 with N+2
def _segment(text: str) -> tuple[Clause, ...]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = _LAYOUT_CHARS.sub(_layout_char, text)
    lines = [line for block in _BLANK_RUN.split(text) for line in _block_lines(block)]
    clauses: list[Clause] = []
    stack: list[tuple[int, str]] = []
    section: tuple[str, ...] = ()
    for i, line in enumerate(lines):
        level = _as_heading(lines, i)
        if level is not None:
            title = clean_inline(line.text)
            if title:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                section = tuple(title for _, title in stack)
            continue
        for piece, norm in _pieces(line):
            clauses.append(Clause(text=piece, norm=norm, section=section, index=len(clauses)))
    return tuple(clauses)


def clear_caches() -> None:
    """Forget every cached parse (for benchmarks of a cold start)."""
    for cached in (_segment, _block_lines, normalise, _heading_level):
        cached.cache_clear()
    _clear_sentence_caches()
