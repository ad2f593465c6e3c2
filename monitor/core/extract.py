"""The extract step: a fetched body becomes normalised, Markdown-like policy text (pure, no I/O).

HTML goes through one selectolax (Lexbor) DOM walk: boilerplate (scripts, navigation, cookie banners,
hidden elements, forms) is dropped, the main content is chosen, and the rest is rendered as blocks
separated by blank lines — ``# headings``, paragraphs, ``- list items``, ``| table | rows |``. Plain text
and Markdown pass through :func:`normalize_text` only. The output is deterministic for a given input,
because every later step (segment, diff, alerts) treats any difference as a change.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio
from selectolax.lexbor import LexborHTMLParser

from monitor.core.htmltext import clean_tree, drop_nodes, main_content, matches, outermost, render_blocks
from monitor.core.sniff import sniff_body

Strategy = Literal["landmarks", "trafilatura"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
# Labels servers put on pages by default; UTF-8 bytes behind them are far more likely than real Latin-1.
LATIN_FAMILY = frozenset({"ascii", "iso8859-1", "iso8859-15", "cp1252", "latin-1"})
#: Codecs that read any byte as some character, so a clean decode proves nothing: the text is judged.
SINGLE_BYTE = LATIN_FAMILY | frozenset(
    {"cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "koi8-r", "koi8-u",
     "iso8859-2", "iso8859-5", "iso8859-7", "iso8859-9", "mac-roman", "cp437", "cp850", "cp866"}
)  # fmt: skip
DETECT_BYTES = 256 * 1024  # the detector samples anyway; more only costs time
MESS_SAMPLE = 20_000  # characters of each reading whose mess is measured
MESS_MARGIN = 0.1  # how much less messy another reading must be to overrule the label
ALWAYS_DROPPED = "script, style, noscript, template, svg, iframe, object, embed, canvas, frameset"
TRAFILATURA_MIN_SHARE = 0.7  # below this the extractor has lost clauses; the cleaned body wins
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# (old, new) pairs; chained str.replace is an order of magnitude faster than str.translate here.
_INVISIBLE = (("\u00a0", " "), ("\u200b", ""), ("\u00ad", ""), ("\ufeff", ""))


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    """cp1252 leaves five bytes undefined; read them as Latin-1 (as browsers do) instead of failing."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


def _cp1252_for_invalid_utf8(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 in a page labelled UTF-8 are nearly always Windows-1252 text."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252", errors="policywatch-latin1"), error.end


codecs.register_error("policywatch-latin1", _latin1_for_undefined)
codecs.register_error("policywatch-utf8-cp1252", _cp1252_for_invalid_utf8)


def split_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``"text/html; charset=UTF-8"`` → ``("text/html", "utf-8")``; missing parts are None."""
    if not value:
        return None, None
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, raw = param.partition("=")
        if key.strip().lower() == "charset":
            charset = raw.strip().strip("\"'").lower() or None
    return mime.strip().lower() or None, charset


@dataclass(frozen=True)
class Decoded:
    """A decoded body and how: ``charset`` is the codec used (Python's name, e.g. ``"gb18030"``)."""

    text: str
    charset: str
    declared: str | None  # the codec the HTTP header (or, without one, the page's <meta>) named


def decode_body(body: bytes, content_type: str | None) -> str:
    """Decode a body (see :func:`decode`). Never raises."""
    return decode(body, content_type).text


def body_charset(body: bytes, content_type: str | None) -> str | None:
    """The codec :func:`decode` reads ``body`` with; None for a body that is not text (PDF, images…)."""
    mime = split_content_type(content_type)[0]
    if mime is not None and mime not in HTML_TYPES | TEXT_TYPES and not mime.startswith("text/"):
        return None
    return decode(body, content_type).charset if body else None


def decode(body: bytes, content_type: str | None) -> Decoded:
    """Decode a body: BOM, then the HTTP charset, then ``<meta charset>``, then a guess. Never raises.

    A label is evidence, not proof. Bytes that are valid UTF-8 with non-ASCII text are UTF-8 whatever the
    label says. A label that does not decode cleanly (bytes invalid in it), or that a ``<meta charset>`` or
    the detector (charset-normalizer) beats clearly on the "mess" of the decoded text (mojibake: letters of
    several scripts mixed, symbols inside words), gives way to the better reading. ``Decoded.charset``
    records which codec was used.
    """
    if not body:
        return Decoded("", "utf-8", None)
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(encoding, errors="replace").lstrip("\ufeff"), encoding, encoding)
    mime, charset = split_content_type(content_type)
    declared = _codec_name(charset)
    meta = _codec_name(_meta_charset(body)) if mime not in TEXT_TYPES else None
    if declared is None:
        declared, meta = meta, None
    if declared is None:
        return _decode_undeclared(body)
    if declared == "utf-8":
        return _decode_labelled_utf8(body, meta)
    return _decode_labelled(body, declared, meta)


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page can only declare UTF-16 in a meta tag if it is ASCII-compatible, i.e. it is really UTF-8.
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def _meta_charset(body: bytes) -> str | None:
    """The charset a ``<meta>`` in the first 4 KB declares (Latin-1 view is safe for ASCII markup)."""
    head = LexborHTMLParser(body[:4096].decode("latin-1"))
    for meta in head.css("meta[charset], meta[http-equiv]"):
        if meta.attributes.get("charset"):
            return meta.attributes["charset"]
        if (meta.attributes.get("http-equiv") or "").lower() == "content-type":
            return split_content_type(meta.attributes.get("content"))[1]
    return None


def _decode_labelled_utf8(body: bytes, meta: str | None) -> Decoded:
    try:
        return Decoded(body.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    lenient = body.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    if sum(1 for char in lenient if char > "\x7f") - invalid >= invalid:
        # Mostly real UTF-8 with a few stray bytes: those are nearly always Windows-1252 text pasted in.
        return Decoded(body.decode("utf-8", errors="policywatch-utf8-cp1252"), "utf-8", "utf-8")
    # Not UTF-8 at all: read as browsers read a wrong label (Windows-1252), unless another reads better.
    return _best_reading(body, "utf-8", "cp1252", meta)


def _decode_labelled(body: bytes, declared: str, meta: str | None) -> Decoded:
    if body.isascii():
        return Decoded(body.decode("ascii"), declared, declared)
    try:
        # Valid multi-byte UTF-8 is almost never an accident of another encoding.
        return Decoded(body.decode("utf-8"), "utf-8", declared)
    except UnicodeDecodeError:
        pass
    label = "cp1252" if declared in LATIN_FAMILY else declared
    clean = _strict(body, label) if declared not in SINGLE_BYTE and meta in (None, declared) else None
    if clean is not None:
        return Decoded(clean, label, declared)  # a clean multi-byte decode: the label is right
    return _best_reading(body, declared, label, meta)


def _best_reading(body: bytes, declared: str, label: str, meta: str | None) -> Decoded:
    """The label's reading, unless a ``<meta>`` or the detector's reads clearly less messy (mojibake)."""
    best: tuple[str, str, float] | None = None
    for codec in _candidates(body, label, meta):
        text = _strict(body, codec)
        if text is None:
            continue
        mess = mess_ratio(text[:MESS_SAMPLE], maximum_threshold=1.0)
        if best is None or mess < best[2] - MESS_MARGIN:
            best = (codec, text, mess)
        if best[2] < MESS_MARGIN:
            break  # nothing can beat it by the margin: spare the detector
    if best is not None:
        return Decoded(best[1], best[0], declared)
    return Decoded(body.decode(label, errors="replace"), label, declared)


def _candidates(body: bytes, label: str, meta: str | None) -> Iterator[str]:
    """The label's codec first (it wins ties), then a differing ``<meta>``, then Windows-1252 (what browsers
    fall back to), then the detector's guess (which often names a cousin of Windows-1252 for Latin text)."""
    tried = {label}
    yield label
    for codec in (meta, "cp1252"):
        if codec and codec not in tried:
            tried.add(codec)
            yield codec
    guess = from_bytes(body[:DETECT_BYTES]).best()
    if guess is not None and (name := _codec_name(guess.encoding)) and name not in tried:
        yield name


def _strict(body: bytes, codec: str) -> str | None:
    try:
        if codec == "cp1252":
            return body.decode("cp1252", errors="policywatch-latin1")  # as browsers read it: never fails
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_undeclared(body: bytes) -> Decoded:
    try:
        return Decoded(body.decode("utf-8"), "utf-8", None)
    except UnicodeDecodeError:
        pass
    best = from_bytes(body).best()
    if best is not None:
        return Decoded(str(best), _codec_name(best.encoding) or best.encoding, None)
    return Decoded(body.decode("cp1252", errors="policywatch-latin1"), "cp1252", None)


def normalize_text(text: str) -> str:
    """NFC, ``\\n`` line ends, NBSP as space, no trailing spaces, single blank lines, no outer blank lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    for old, new in _INVISIBLE:
        text = text.replace(old, new)
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def is_html(text: str, mime: str | None) -> bool:
    """Trust an HTML type; otherwise sniff the start (servers send HTML as text/plain or no type)."""
    if mime in HTML_TYPES:
        return True
    head = text[:2048].lstrip().lower()
    strong = head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head or "<head" in head
    if mime in TEXT_TYPES:
        return strong
    return strong or (mime is None and head.startswith("<"))


def extract(
    body: bytes | str,
    *,
    content_type: str | None = None,
    url: str = "",
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
    strategy: Strategy = "landmarks",
) -> str:
    """The policy text of a body, Markdown-like and normalised.

    ``select`` keeps only the union of the matching elements (document order); ``remove`` drops
    matches first. Without ``select`` the main content is ``main``/``[role=main]``/``article`` when
    it holds most of the text, else the cleaned body. ``strategy="trafilatura"`` tries trafilatura's
    main-content extractor first and keeps it only if it retains most of the cleaned body's text.
    A PDF (by type or by its ``%PDF`` start) is read by :func:`monitor.core.pdf.pdf_to_text`. Raises
    ValueError for an invalid CSS selector, and UnusableContent for a body that holds no text (binary,
    a scanned or password-locked PDF).
    """
    mime = split_content_type(content_type)[0]
    if isinstance(body, bytes) and sniff_body(body, mime) == "pdf":
        from monitor.core.pdf import pdf_to_text  # pypdf is loaded only when a PDF arrives

        return normalize_text(pdf_to_text(body))
    text = body if isinstance(body, str) else decode_body(body, content_type)
    if not is_html(text, mime):
        return normalize_text(text)
    return normalize_text(html_to_text(text, url=url, select=select, remove=remove, strategy=strategy))


def html_to_text(
    html: str,
    *,
    url: str = "",
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
    strategy: Strategy = "landmarks",
) -> str:
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    drop_nodes(matches(root, (ALWAYS_DROPPED,)))
    drop_nodes(matches(root, remove))
    if select:
        roots = outermost(matches(root, select))
        for chosen in roots:
            clean_tree(chosen)
        return "\n\n".join(block for chosen in roots for block in render_blocks(chosen))
    clean_tree(root)
    text = "\n\n".join(render_blocks(main_content(root)))
    if strategy == "trafilatura":
        # Fed the cleaned tree, so hidden elements and banners cannot come back through trafilatura.
        return _prefer_trafilatura(tree.html or "", url, fallback=text)
    return text


def _prefer_trafilatura(html: str, url: str, *, fallback: str) -> str:
    import trafilatura  # slow to import and to run: only loaded when asked for

    extracted = trafilatura.extract(
        html,
        url=url or None,
        output_format="markdown",
        include_tables=True,
        include_links=False,
        include_comments=False,
        include_images=False,
        favor_recall=True,
        deduplicate=False,
    )
    if extracted and _letters(extracted) >= TRAFILATURA_MIN_SHARE * _letters(fallback):
        return str(extracted)
    return fallback


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalnum())
