"""The extract step's shortcut: a cheap fingerprint of a page's content, taken before the full render.

Many pages differ on every fetch (CSRF tokens, nonces, cache-busting ``?v=`` URLs) while their policy
text stays put, so the body hash rarely repeats. Rendering the text (``monitor.core.extract``) walks the
DOM in Python, about 3 ms for a 40 KB page; this fingerprint costs a fraction of that, because every part
of it runs in Lexbor's C code: parse, drop scripts and ``remove`` matches, take the text of the content
(the ``select`` matches, or the body) and hash it together with the attributes that decide what the
renderer hides. Attribute values elsewhere (where nonces live) do not enter it.

:func:`extract_if_moved` renders only when the fingerprint moved. What the fingerprint cannot see is a
markup-only edit that changes no character of text and no hiding attribute (a paragraph re-tagged as a
heading, say): such an edit is stored with the next change of the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from monitor.core.extract import (
    ALWAYS_DROPPED,
    HTML_TYPES,
    TEXT_TYPES,
    decode,
    extract,
    is_html,
    split_content_type,
)

#: Bump when the renderer changes what it keeps, so stored fingerprints stop matching and pages re-render.
FINGERPRINT_VERSION = "1"
#: Attributes by which the renderer hides or reveals content (see monitor.core.htmltext).
_HIDING = "[hidden], [aria-hidden], [style], [aria-controls], [data-target], [data-bs-target]"
_HIDING_ATTRIBUTES = ("hidden", "aria-hidden", "style", "aria-controls", "data-target", "data-bs-target")


@dataclass(frozen=True)
class Extracted:
    """The extract step's result: ``text`` is None when the fingerprint matched (nothing rendered)."""

    text: str | None
    fingerprint: str | None
    charset: str | None = None  # the codec the body was read with (None: not text, or not decoded here)


def fingerprint(
    html: str, *, select: Sequence[str] = (), remove: Sequence[str] = ()
) -> str | None:
    """A hash of what the renderer could output, or None for a page with no body. Raises ValueError for
    an invalid selector, as extract does."""
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return None
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{FINGERPRINT_VERSION}\x00{list(select)}\x00{list(remove)}\x00".encode())
    try:
        for node in root.css(", ".join([ALWAYS_DROPPED, *remove])):
            node.decompose()
        roots = [node for selector in select for node in root.css(selector)] if select else [root]
        for node in roots:
            for hiding in node.css(_HIDING):
                attrs = hiding.attributes
                digest.update(repr([attrs.get(name) for name in _HIDING_ATTRIBUTES]).encode())
            digest.update(node.text(deep=True, separator="\n").encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
    except SelectolaxError as error:
        raise ValueError(f"invalid CSS selector in {[*select, *remove]!r}") from error
    return digest.hexdigest()


def extract_if_moved(
    body: bytes,
    *,
    content_type: str | None,
    url: str = "",
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
    known: str | None = None,
) -> Extracted:
    """Fingerprint an HTML body and render its text only if the fingerprint differs from ``known``.

    Other bodies (plain text, PDF ...) have no fingerprint and are always extracted.
    """
    mime = split_content_type(content_type)[0]
    decoded = None if mime not in (None, *HTML_TYPES, *TEXT_TYPES) else decode(body, content_type)
    if decoded is None or not is_html(decoded.text, mime):
        text = extract(body, content_type=content_type, url=url, select=select, remove=remove)
        return Extracted(text, None, decoded.charset if decoded else None)
    mark = fingerprint(decoded.text, select=select, remove=remove)
    if known is not None and mark == known:
        return Extracted(None, mark, decoded.charset)
    text = extract(decoded.text, content_type=content_type, url=url, select=select, remove=remove)
    return Extracted(text, mark, decoded.charset)
