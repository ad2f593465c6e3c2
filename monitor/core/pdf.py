"""PDF bodies as policy text (pure: bytes in, Markdown-like text out).

pypdf (BSD-3-Clause) reads the text runs of every page with their position and font size. Runs are
grouped into lines (same baseline), lines into paragraphs (a vertical gap wider than the line spacing
starts a new one), and lines set clearly larger or bold than the body text become ``#`` headings.
Lines repeated at the top or bottom of most pages (running headers, footers, page numbers) are dropped,
so a re-paginated PDF does not look like a changed policy.

A PDF without extractable text (a scan) or one that needs a password is refused with
:class:`monitor.errors.UnusableContent`: OCR would invent a text nobody published.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from monitor.errors import UnusableContent

log = logging.getLogger(__name__)

#: Fewer letters than this per page on average: the PDF is a scan (or an empty shell), not a text.
MIN_LETTERS_PER_PAGE = 40
#: A line this much larger than the body size is a heading.
HEADING_RATIO = 1.15
#: Headers and footers live in this share of the page height, at the top and at the bottom.
MARGIN_SHARE = 0.12
#: A line in the margins on at least this share of the pages (and on two or more) is a running header.
REPEATED_SHARE = 0.5
#: Running headers sit at the same height on every page: heights are compared in bands of this many points.
PLACE_BAND = 6.0
MAX_HEADING_CHARS = 120
PAGE_NUMBER = re.compile(
    r"^\W*(?:(?:page|seite|pagina|página|pag\.|p\.|s\.)\s*)?\d{1,4}"
    r"(?:\s*(?:/|of|von|sur|de|di|van|\|)\s*\d{1,4})?\W*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Line:
    """One line of a page: its text, baseline height from the bottom, font size and boldness."""

    text: str
    y: float
    size: float
    bold: bool


@dataclass(frozen=True)
class PageLines:
    lines: tuple[Line, ...]
    height: float


def pdf_to_text(body: bytes) -> str:
    """The text of a PDF with paragraphs and headings; raises UnusableContent for a scan or a lock."""
    pages = read_pages(body)
    letters = sum(char.isalpha() for page in pages for line in page.lines for char in line.text)
    if letters < MIN_LETTERS_PER_PAGE * max(1, len(pages)) / 4 or letters < MIN_LETTERS_PER_PAGE:
        raise UnusableContent(
            f"the PDF has no extractable text ({len(pages)} page(s), {letters} letters): "
            "probably a scanned image; policywatch does not run OCR",
            reason="pdf_no_text",
        )
    repeated = running_lines(pages)
    body_size = _body_size(pages)
    blocks: list[str] = []
    for page in pages:
        kept = [line for line in page.lines if not _is_margin_noise(line, page, repeated)]
        blocks.extend(page_blocks(kept, body_size))
    return "\n\n".join(_merge_split_paragraphs(blocks))


def read_pages(body: bytes) -> list[PageLines]:
    """Every page's lines, top to bottom; raises UnusableContent when pypdf cannot open the file."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise UnusableContent(
                "the PDF is encrypted with a password; policywatch cannot read it",
                reason="pdf_encrypted",
            )
        return [_page_lines(page) for page in reader.pages]
    except UnusableContent:
        raise
    except (FileNotDecryptedError, DependencyError) as error:
        raise UnusableContent(
            f"the PDF is encrypted and cannot be read: {error}", reason="pdf_encrypted"
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as error:
        raise UnusableContent(f"the PDF cannot be read: {error}", reason="pdf_unreadable") from None


def _opens_without_password(reader: object) -> bool:
    """Many published PDFs are "encrypted" only to restrict printing: the empty user password opens them."""
    from pypdf import PasswordType, PdfReader

    assert isinstance(reader, PdfReader)
    return reader.decrypt("") != PasswordType.NOT_DECRYPTED


def _page_lines(page: object) -> PageLines:
    fragments: list[tuple[float, float, float, bool, str]] = []

    def visit(
        text: str, cm: list[float], tm: list[float], font: dict[str, object] | None, size: float
    ) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        name = str((font or {}).get("/BaseFont", ""))
        bold = bool(re.search(r"bold|black|heavy|semibold", name, re.IGNORECASE))
        fragments.append((y, x, size * scale, bold, text.replace("\n", " ")))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    height = float(page.mediabox.height)  # type: ignore[attr-defined]
    return PageLines(tuple(_group_lines(fragments)), height)


def _group_lines(fragments: list[tuple[float, float, float, bool, str]]) -> list[Line]:
    """Fragments on one baseline (within half a font size) form a line, read left to right."""
    lines: list[Line] = []
    current: list[tuple[float, float, float, bool, str]] = []
    for fragment in fragments:  # content-stream order: usually reading order, line by line
        if current and abs(fragment[0] - current[0][0]) > max(2.0, 0.5 * max(fragment[2], current[0][2])):
            lines.append(_line(current))
            current = []
        current.append(fragment)
    if current:
        lines.append(_line(current))
    return [line for line in lines if line.text]


def _line(fragments: list[tuple[float, float, float, bool, str]]) -> Line:
    ordered = sorted(fragments, key=lambda item: item[1])
    text = _SPACES.sub(" ", " ".join(part[4].strip() for part in ordered)).strip()
    letters = sum(len(part[4].strip()) for part in ordered) or 1
    bold_letters = sum(len(part[4].strip()) for part in ordered if part[3])
    return Line(text, ordered[0][0], max(part[2] for part in ordered), bold_letters * 2 > letters)


def _shape(text: str) -> str:
    """A line with its numbers masked: "Page 3 of 9" and "Page 4 of 9" repeat as one running line."""
    return _DIGITS.sub("#", text.lower())


def running_lines(pages: list[PageLines]) -> frozenset[tuple[str, int]]:
    """(shape, height band) of lines found at the same place in the top or bottom margin of most pages."""
    if len(pages) < 2:
        return frozenset()
    seen: Counter[tuple[str, int]] = Counter()
    for page in pages:
        seen.update({_place(line) for line in page.lines if _in_margin(line, page)})
    needed = max(2, int(len(pages) * REPEATED_SHARE + 0.999))
    return frozenset(place for place, count in seen.items() if count >= needed)


def _place(line: Line) -> tuple[str, int]:
    return _shape(line.text), round(line.y / PLACE_BAND)


def _in_margin(line: Line, page: PageLines) -> bool:
    margin = page.height * MARGIN_SHARE
    return line.y < margin or line.y > page.height - margin


def _is_margin_noise(line: Line, page: PageLines, repeated: frozenset[tuple[str, int]]) -> bool:
    if not _in_margin(line, page):
        return False
    return _place(line) in repeated or bool(PAGE_NUMBER.match(line.text))


def _body_size(pages: list[PageLines]) -> float:
    """The font size most of the letters are set in."""
    weights: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def page_blocks(lines: list[Line], body_size: float) -> list[str]:
    """One page's lines as Markdown-like blocks: headings, and paragraphs split at wide gaps."""
    gaps = [above.y - below.y for above, below in itertools.pairwise(lines) if above.y > below.y]
    # The line pitch inside a paragraph: the smaller gaps, and never more than 1.5 lines of body text
    # (a page of one-line paragraphs has no smaller gaps to learn it from).
    lower = statistics.quantiles(gaps, n=4)[0] if len(gaps) >= 2 else body_size * 1.2
    spacing = min(lower, body_size * 1.5) if body_size else lower
    blocks: list[str] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            blocks.append(_join_lines(paragraph))
            paragraph.clear()

    previous: Line | None = None
    for line in lines:
        if _is_heading(line, body_size):
            close()
            blocks.append("#" * _heading_level(line, body_size) + " " + line.text)
            previous = None
            continue
        if previous is not None and (previous.y - line.y > spacing * 1.3 or previous.y < line.y):
            close()
        if _starts_item(line.text):
            close()
        paragraph.append(line.text)
        previous = line
    close()
    return blocks


def _is_heading(line: Line, body_size: float) -> bool:
    if len(line.text) > MAX_HEADING_CHARS or not any(char.isalpha() for char in line.text):
        return False
    larger = body_size > 0 and line.size >= body_size * HEADING_RATIO
    bold_short = line.bold and len(line.text) <= 80 and not line.text.endswith((".", ",", ";", ":"))
    return larger or bold_short


def _heading_level(line: Line, body_size: float) -> int:
    if body_size and line.size >= body_size * 1.6:
        return 1
    if body_size and line.size >= body_size * HEADING_RATIO:
        return 2
    return 3


def _starts_item(text: str) -> bool:
    return bool(re.match(r"^(?:[•▪◦·‣\-–*]\s|\(?[a-z0-9]{1,2}[.)]\s)", text))


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines; a word hyphenated across a line break is rejoined."""
    text = lines[0]
    for line in lines[1:]:
        if re.search(r"[a-zà-ÿ]-$", text) and line[:1].islower():
            text = text[:-1] + line
        else:
            text += " " + line
    text = re.sub(r"^[•▪◦·‣]\s*", "- ", text)
    return text


def _merge_split_paragraphs(blocks: list[str]) -> list[str]:
    """A paragraph cut by a page break (no end punctuation, next starts lower-case) is one paragraph."""
    merged: list[str] = []
    for block in blocks:
        if (
            merged
            and not merged[-1].startswith("#")
            and not block.startswith(("#", "- "))
            and not merged[-1].rstrip().endswith((".", ":", ";", "!", "?", "»", '"'))
            and block[:1].islower()
        ):
            merged[-1] = _join_lines([merged[-1], block])
        else:
            merged.append(block)
    return merged
