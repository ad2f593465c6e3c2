"""Clause segmentation: policy text (Markdown-ish or plain) → ordered, sectioned, normalised clauses.

A clause is a sentence-level unit (a sentence of a paragraph, list item or table row). Headings are not
clauses; they form each clause's section path. ``Clause.norm`` folds away everything that is formatting
rather than wording (case, whitespace, quote/dash variants, Markdown emphasis and escapes, link targets,
URL query strings, e-mail obfuscation), so the diff can match clauses across cosmetic rewrites.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pysbd


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
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_CLOUDFLARE_EMAIL = re.compile(r"\[\s*email\s+protected\s*\]", re.IGNORECASE)
EMAIL_PROTECTED = "email-protected"  # what a Cloudflare-hidden address folds to (see diff.py)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\"|\s+'[^']*')?\s*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_URL_QUERY = re.compile(r"((?:https?://|www\.)[^\s?#)\]]+)[?#][^\s)\]]*", re.IGNORECASE)
_AT = re.compile(r"\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*", re.IGNORECASE)
_DOT = re.compile(r"\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*", re.IGNORECASE)
_SPELLED_EMAIL = re.compile(r"\b([\w.+-]+) at ([\w-]+(?:(?:\.| dot )[\w-]+)*(?:\.| dot )[a-z]{2,6})\b")
_MAILTO = re.compile(r"\bmailto:", re.IGNORECASE)
_EMPHASIS = re.compile(r"\*+|~~|(?<![^\W_])_+|_+(?![^\W_])")
_LEADING_MARK = re.compile(r"^(?:\s*(?:#{1,6}|>|[-*+•·▪◦‣●○■□]|\|)(?=\s|$))+")
# Leading enumerators ("2.", "3.2", "(b)", "iv)"), repeated as in a ToC entry "2. [2\\. Sharing](#s)":
# renumbering a list or its headings is not a change of wording.
_ENUMERATOR = re.compile(
    r"^(?:\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivxlc]{1,5})(?:[.)]|(?<=\d)(?=\s))(?![a-z]\.)\s*)+",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_WS = re.compile(r"\s+")


def clean_inline(text: str) -> str:
    """Display-friendly text without Markdown syntax: links → their text, no emphasis or escapes."""
    text = text.translate(_TYPOGRAPHY)
    if "&" in text:
        text = html.unescape(text).translate(_TYPOGRAPHY)
    text = _ESCAPE.sub(r"\1", text)
    text = _CLOUDFLARE_EMAIL.sub(EMAIL_PROTECTED, text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    text = _LEADING_MARK.sub("", text.replace("|", " | "))
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """The matching key of a clause or heading: equal for texts that differ only in formatting."""
    text = clean_inline(text).replace("|", " ")
    text = _URL_QUERY.sub(r"\1", text)
    text = _MAILTO.sub("", text)
    text = _AT.sub("@", text)
    text = _DOT.sub(".", text)
    text = text.casefold()
    text = _SPELLED_EMAIL.sub(lambda m: m[1] + "@" + m[2].replace(" dot ", "."), text)
    text = _ENUMERATOR.sub("", _LEADING_MARK.sub("", text.strip()))
    text = _SPACE_AFTER_OPEN.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", text))
    return _WS.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------- sentences

_SEGMENTER: pysbd.Segmenter | None = None


def _segmenter() -> pysbd.Segmenter:
    """pysbd's Segmenter takes long to build, so build it once, on first use."""
    global _SEGMENTER
    if _SEGMENTER is None:
        import pysbd

        _SEGMENTER = pysbd.Segmenter(language="en", clean=False)
    return _SEGMENTER


# A sentence-ending candidate: terminal punctuation, closing quotes/brackets/emphasis, then a space.
_CANDIDATE = re.compile(r"([^\s]*?)[.!?]+[\"')\]*_”’]*\s+(?=\S)")
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


def _abbreviation_like(word: str) -> bool:
    word = word.lstrip("([\"'“‘*_").lower()
    return word in _ABBREVIATIONS or len(word) == 1 or "." in word


def _chunks(view: str) -> Iterator[tuple[int, int, bool]]:
    """Cut ``view`` at plain ``word. Next`` boundaries; flag chunks holding a candidate that may be an
    abbreviation or initial (``e.g. Google``, ``U.S. Partners``): only those need pysbd, which is slow."""
    start, ambiguous = 0, False
    for match in _CANDIDATE.finditer(view):
        if view[match.end()].islower():  # "etc. and", "e.g. your": not a sentence end
            continue
        if match[1] and _abbreviation_like(match[1]):
            ambiguous = True
            continue
        yield start, match.end(), ambiguous
        start, ambiguous = match.end(), False
    yield start, len(view), ambiguous


def _pysbd_spans(view: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans pysbd finds in ``view[start:end]``, as offsets into ``view``."""
    pos = start
    for piece in _segmenter().segment(view[start:end]):
        found = view.find(piece.strip(), pos, end)
        if found < 0:  # pysbd normalised something inside: give up on this chunk rather than lose words
            yield pos, end
            return
        pos = found + len(piece.strip())
        yield found, pos
    if pos < end:
        yield pos, end


@lru_cache(maxsize=1 << 14)
def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences of one paragraph or list item, as substrings of ``text`` (whitespace-stripped)."""
    # Atomic spans hide behind same-length filler, so offsets in the view are offsets in the text.
    view = _ATOMIC.sub(lambda m: "x" * len(m[0]), text)
    spans: list[tuple[int, int]] = []
    for start, end, ambiguous in _chunks(view):
        spans.extend(_pysbd_spans(view, start, end) if ambiguous else [(start, end)])
    return tuple(s for s in (text[a:b].strip() for a, b in spans) if s)


# ------------------------------------------------------------------------------------------ block parsing

LineKind = Literal["para", "item", "heading", "row"]


@dataclass(slots=True)
class _Line:
    kind: LineKind
    text: str
    level: int = 0  # heading level (Markdown # count; pseudo-headings below all of them)
    enum: str | None = None  # enumerator style ("1", "1.1", "a", "A", "(") of a numbered/lettered line


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
_TERMINAL = re.compile(r"[.!?:;,][\"')\]*_”’]*$")
_SENTENCE_END = re.compile(r"[.!?;:][\"')\]*_”’]*$")
_BOLD_ONLY = re.compile(r"^(\*\*|__)(?P<body>.+?)\1$", re.DOTALL)
PSEUDO_LEVEL = 7  # pseudo-headings (bold, ALL CAPS, numbered) nest below every Markdown heading


def _enum_style(marker: str) -> str:
    core = marker.strip("().")
    if core[:1].isdigit():
        return "1" + ".1" * core.count(".")
    if marker.startswith("("):
        return "("
    return "a" if core.islower() else "A"


def _starts_lower(line: str) -> bool:
    first = line.lstrip(" *_\"'“‘([")[:1]
    return first.islower()


def _starts_block(stripped: str) -> bool:
    return bool(_BULLET.match(stripped) or _ENUM.match(stripped) or _ROW.match(stripped))


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
        line = _QUOTE.sub("", raw).rstrip()
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
    if len(previous) < _WRAP_MIN or _SENTENCE_END.search(previous):
        return False
    return _heading_level(previous) is None


_WRAP_MIN = 40


# --------------------------------------------------------------------------------------------- headings


def _heading_level(text: str) -> int | None:
    """The level of a heading-like line (bold-only, enumerated or a short unpunctuated title), else None."""
    bold = _BOLD_ONLY.match(text.strip())
    body = clean_inline(bold["body"] if bold else text)
    if not body or len(body) > 120 or not any(c.isalpha() for c in body):
        return None
    if _TERMINAL.search(body.rstrip(":")):
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


def _in_list_run(lines: list[_Line], i: int) -> bool:
    """A run of short numbered lines, or of short unmarked lines, is a list, not a series of headings."""
    neighbours = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    if lines[i].enum is not None:
        return any(n.enum == lines[i].enum for n in neighbours)
    return _is_plain_title(lines[i]) and any(_is_plain_title(n) for n in neighbours)


def _as_heading(lines: list[_Line], i: int) -> int | None:
    line = lines[i]
    if line.kind == "heading":
        return line.level
    if line.kind == "row" or (line.kind == "item" and line.enum is None):
        return None
    level = _heading_level(line.text)
    return None if level is None or _in_list_run(lines, i) else level


# ---------------------------------------------------------------------------------------------- segment


def segment(text: str) -> tuple[Clause, ...]:
    """Split a policy text into clauses, each with its heading path and normalised matching key."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LAYOUT)
    lines = _logical_lines(text)
    clauses: list[Clause] = []
    stack: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        level = _as_heading(lines, i)
        if level is not None:
            title = clean_inline(line.text)
            if title:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
            continue
        section = tuple(title for _, title in stack)
        pieces = (line.text,) if line.kind == "row" else split_sentences(_WS.sub(" ", line.text))
        for piece in pieces:
            norm = normalise(piece)
            if any(c.isalnum() for c in norm):
                clauses.append(Clause(text=piece, norm=norm, section=section, index=len(clauses)))
    return tuple(clauses)


# Layout-only characters are removed before parsing so they cannot hide list markers or blank lines.
_LAYOUT = str.maketrans({**dict.fromkeys(_INVISIBLE, None), **dict.fromkeys(_SPACES, " ")})
