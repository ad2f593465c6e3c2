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
from collections.abc import Sequence
from typing import Literal

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

from monitor.core.htmltext import clean_tree, drop_nodes, main_content, matches, outermost, render_blocks
from monitor.core.sniff import sniff_body

Strategy = Literal["landmarks", "trafilatura"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
# Labels servers put on pages by default; UTF-8 bytes behind them are far more likely than real Latin-1.
LATIN_FAMILY = frozenset({"ascii", "iso8859-1", "iso8859-15", "cp1252", "latin-1"})
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


def decode_body(body: bytes, content_type: str | None) -> str:
    """Decode a body: BOM, then the HTTP charset, then ``<meta charset>``, then a guess. Never raises."""
    if not body:
        return ""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace").lstrip("\ufeff")
    mime, charset = split_content_type(content_type)
    declared = _codec_name(charset)
    if declared is None and mime not in TEXT_TYPES:
        declared = _codec_name(_meta_charset(body))
    if declared is not None:
        decoded = _decode_declared(body, declared)
        if decoded is not None:
            return decoded
    return _decode_undeclared(body)


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


def _decode_declared(body: bytes, codec: str) -> str | None:
    """Decode with the declared codec, correcting the common mislabels; None if the label is wrong."""
    if codec == "utf-8":
        return body.decode("utf-8", errors="policywatch-utf8-cp1252")
    if codec in LATIN_FAMILY:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("cp1252", errors="policywatch-latin1")
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_undeclared(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(body).best()
    if best is not None:
        return str(best)
    return body.decode("cp1252", errors="policywatch-latin1")


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
