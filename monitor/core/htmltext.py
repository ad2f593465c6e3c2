"""DOM helpers of the extract step (selectolax/Lexbor): clean a tree, pick its main content, render blocks.

Split from ``monitor/core/extract.py`` (decoding, normalising, the public API) to keep both modules short.
Every removal here is guarded: an element holding most of the page's text is never dropped, because
losing a policy clause is worse than keeping a little boilerplate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from selectolax.lexbor import LexborNode, SelectolaxError

LANDMARKS = "nav, aside, [role=navigation], [role=banner], [role=contentinfo], [role=search], dialog"
CONTROLS = "button, input, select, textarea"
HIDDEN = "[hidden], [aria-hidden=true], [style]"
MAIN_CANDIDATES = "main, [role=main], article"
SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
LISTS = frozenset({"ul", "ol", "menu"})
SKIPPED = frozenset({"-comment", "img", "picture", "video", "audio", "map", "head", "title", "meta", "link"})
BLOCKS = frozenset(
    {
        *("p", "div", "section", "article", "main", "blockquote", "address", "figure", "figcaption"),
        *("center", "details", "summary", "fieldset", "form", "legend", "dl", "dt", "dd", "hr"),
        *("header", "footer", "nav", "aside", "li", "tr", "td", "th", "thead", "tbody", "tfoot"),
        *("caption", "body", "html", "noframes"),
    }
)
BOLD = frozenset({"b", "strong"})
MAIN_SHARE = 0.5  # a main/article element is the content when it holds at least this share of the text
DOMINANT_SHARE = 0.5  # never drop an element holding more than this share of the text
SMALL_FORM = 1500  # forms wrapping the whole page (ASP.NET) are kept; small ones are search/login boxes
SMALL_BANNER = 3000  # cookie banners are short; a long "cookies" element is the policy's own section
MAX_DEPTH = 300  # deeper markup is flattened to text instead of recursing further
_COOKIE_WORDS = ("cookie", "consent", "gdpr")
_BANNER_WORDS = (
    "banner",
    "bar",
    "notice",
    "popup",
    "pop-up",
    "modal",
    "dialog",
    "law",
    "alert",
    "overlay",
    "prompt",
    "wall",
    "manager",
    "accept",
)
_CMP_PREFIXES = (
    "onetrust",
    "ot-sdk",
    "cookiebot",
    "cybotcookiebot",
    "truste-consent",
    "usercentrics",
    "didomi",
    "qc-cmp",
    "osano",
    "iubenda-cs",
    "termly",
    "cky-consent",
    "cookie-law-info",
    "borlabs",
    "cmplz",
    "klaro",
    "cc-banner",
    "cc-window",
    "gdpr-banner",
    "gdpr-consent",
)


def matches(root: LexborNode, selectors: Sequence[str]) -> list[LexborNode]:
    """Union of the selectors' matches inside ``root`` (itself included), each once, in document order."""
    found: dict[int, LexborNode] = {}
    for selector in selectors:
        try:
            for node in root.css(selector):
                found.setdefault(node.mem_id, node)
        except SelectolaxError as error:
            raise ValueError(f"invalid CSS selector {selector!r}") from error
    if len(found) < 2:
        return list(found.values())
    order = {node.mem_id: index for index, node in enumerate(root.traverse())}
    return sorted(found.values(), key=lambda node: order.get(node.mem_id, -1))


def outermost(nodes: Sequence[LexborNode]) -> list[LexborNode]:
    """The nodes that are not inside another of the nodes (order kept)."""
    ids = {node.mem_id for node in nodes}
    kept = []
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            kept.append(node)
    return kept


def drop_nodes(nodes: Sequence[LexborNode]) -> None:
    # Destroying a node frees its subtree, so only the outermost ones may be destroyed.
    for node in outermost(nodes):
        node.decompose()


def text_size(node: LexborNode) -> int:
    """Characters of text, roughly ignoring whitespace (only shares of it are compared)."""
    text = node.text(deep=True)
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t")


def clean_tree(root: LexborNode) -> None:
    """Drop controls, hidden elements, navigation, cookie banners and small forms below ``root``."""
    revealable = _revealable_ids(root)
    drop_nodes([node for node in root.css(CONTROLS) if node.mem_id != root.mem_id])
    total = text_size(root)
    doomed = [
        node
        for node in _boilerplate(root, revealable)
        if node.mem_id != root.mem_id and text_size(node) <= DOMINANT_SHARE * total
    ]
    drop_nodes(doomed)


def _boilerplate(root: LexborNode, revealable: set[str]) -> Iterator[LexborNode]:
    for node in root.css(HIDDEN):
        if _is_hidden(node) and node.attributes.get("id") not in revealable:
            yield node
    yield from root.css(LANDMARKS)
    for node in root.css("header, footer"):
        if not _has_sectioning_ancestor(node):  # a header inside an article is its title, not a banner
            yield node
    for node in root.css("form"):
        if text_size(node) <= SMALL_FORM:
            yield node
    for node in root.css("[id], [class]"):
        if _is_cookie_banner(node) and text_size(node) <= SMALL_BANNER:
            yield node


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = "".join((attrs.get("style") or "").lower().split())
    return "display:none" in style or "visibility:hidden" in style


def _revealable_ids(root: LexborNode) -> set[str]:
    """Ids of collapsed accordion panels: hidden until clicked, but part of the policy."""
    ids: set[str] = set()
    for node in root.css("[aria-controls], [data-target], [data-bs-target]"):
        attrs = node.attributes
        ids.update((attrs.get("aria-controls") or "").split())
        for key in ("data-target", "data-bs-target"):
            ids.update(token.lstrip("#") for token in (attrs.get(key) or "").split())
    return ids


def _has_sectioning_ancestor(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in SECTIONING:
            return True
        parent = parent.parent
    return False


def _is_cookie_banner(node: LexborNode) -> bool:
    names = f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''}".lower().split()
    for name in names:
        if name.startswith(_CMP_PREFIXES):
            return True
        if any(word in name for word in _COOKIE_WORDS) and any(word in name for word in _BANNER_WORDS):
            return True
    return False


def main_content(root: LexborNode) -> LexborNode:
    """The largest ``main``/``[role=main]``/``article`` when it holds most of the text, else ``root``."""
    candidates = [node for node in root.css(MAIN_CANDIDATES) if node.mem_id != root.mem_id]
    if not candidates:
        return root
    sizes = [text_size(node) for node in candidates]
    best = max(range(len(candidates)), key=lambda index: sizes[index])
    return candidates[best] if sizes[best] >= MAIN_SHARE * text_size(root) else root


def render_blocks(node: LexborNode) -> list[str]:
    """The element's content as Markdown-like blocks (headings, paragraphs, lists, table rows)."""
    renderer = _Renderer()
    renderer.render_element(node)
    renderer.flush()
    return renderer.blocks


class _Renderer:
    def __init__(self, list_level: int = 0) -> None:
        self.blocks: list[str] = []
        self.list_blocks: set[int] = set()  # indexes of blocks that are nested lists (already indented)
        self.list_level = list_level
        self._inline: list[str] = []

    def flush(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self._inline).split("\n")]
        self._inline.clear()
        text = "\n".join(lines).strip("\n")
        if text:
            self.blocks.append(text)

    def render(self, node: LexborNode, depth: int = 0) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag or ""
            if tag == "-text":
                self._inline.append(child.text(deep=False).replace("\n", " "))
            elif tag == "br":
                self._inline.append("\n")
            elif tag in SKIPPED:
                continue
            elif depth > MAX_DEPTH:
                self._inline.append(" " + child.text(deep=True).replace("\n", " ") + " ")
            else:
                self._element(child, tag, depth)

    def render_element(self, node: LexborNode) -> None:
        """Render ``node`` itself (not only its children): a selected ``<h2>`` stays a heading."""
        tag = node.tag or ""
        if tag and tag not in SKIPPED and tag != "-text":
            self._element(node, tag, 0)

    def _element(self, node: LexborNode, tag: str, depth: int) -> None:
        if tag in HEADINGS:
            self._add_block("#" * HEADINGS[tag], inline_text(node))
        elif tag in LISTS and not _is_structural_list(node):
            self.flush()
            lines = list_lines(node, self.list_level)
            if lines:
                self.list_blocks.add(len(self.blocks))
                self.blocks.append("\n".join(lines))
        elif tag == "table" and not _is_layout_table(node):
            self._add_block("", "\n".join(table_rows(node)))
        elif tag == "pre":
            self._add_block("", "\n".join(line.rstrip() for line in node.text(deep=True).split("\n")))
        elif tag in BLOCKS or tag in LISTS or tag == "table":
            self.flush()
            if tag in ("p", "div") and _is_entirely_bold(node):
                self._add_block("", "\n".join(f"**{line}**" for line in inline_text(node).split("\n")))
            else:
                self.render(node, depth + 1)
                self.flush()
        else:
            self.render(node, depth + 1)

    def _add_block(self, prefix: str, text: str) -> None:
        self.flush()
        if text.strip():
            self.blocks.append(f"{prefix} {text}" if prefix else text)


def inline_text(node: LexborNode) -> str:
    """The element's text on as few lines as its ``<br>``s allow (inner blocks joined by spaces)."""
    renderer = _Renderer()
    renderer.render(node)
    renderer.flush()
    return " ".join(renderer.blocks).strip()


def list_lines(node: LexborNode, level: int) -> list[str]:
    """``- item`` / ``1. item`` lines, nested lists indented two spaces per level."""
    number = _start(node)
    pad = "  " * level
    lines: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            loose = " ".join(child.text(deep=False).split())
            if loose:
                lines.append(pad + loose)
        elif child.tag in LISTS:
            lines.extend(list_lines(child, level + 1))
        elif child.tag not in SKIPPED:
            marker = ""
            if child.tag == "li":
                marker = f"{number}." if node.tag == "ol" else "-"
                number += 1
            lines.extend(_item_lines(child, marker, level, pad))
    return lines


def _item_lines(item: LexborNode, marker: str, level: int, pad: str) -> list[str]:
    renderer = _Renderer(list_level=level + 1)
    renderer.render(item)
    renderer.flush()
    lines: list[str] = []
    lead = f"{pad}{marker} " if marker else pad
    rest = pad + " " * (len(marker) + 1 if marker else 0)
    for index, block in enumerate(renderer.blocks):
        if index in renderer.list_blocks:
            lines.append(block)
            continue
        for line in block.split("\n"):
            if line.strip():
                lines.append((rest if lines else lead) + line)
    return lines


def _start(node: LexborNode) -> int:
    value = (node.attributes.get("start") or "1").strip()
    return int(value) if value.lstrip("-").isdigit() else 1


def _is_structural_list(node: LexborNode) -> bool:
    """Lists used as page layout (items holding headings or tables) are rendered as plain blocks."""
    return node.css_first("h1, h2, h3, h4, h5, h6, table") is not None


def _is_layout_table(node: LexborNode) -> bool:
    """Tables used for page layout: nested tables, headings inside, or a single cell."""
    if (node.attributes.get("role") or "") in ("presentation", "none"):
        return True
    return (
        len(node.css("table")) > 1
        or len(node.css("td, th")) <= 1
        or node.css_first("h1, h2, h3, h4, h5, h6") is not None
    )


def table_rows(node: LexborNode) -> list[str]:
    rows = []
    for row in node.css("tr"):
        cells = [
            " ".join(inline_text(cell).split()).replace("|", "\\|")
            for cell in row.iter(include_text=False)
            if cell.tag in ("td", "th")
        ]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return rows


def _is_entirely_bold(node: LexborNode) -> bool:
    """True when every visible character of a block sits inside ``<b>``/``<strong>``."""
    if any(inner.mem_id != node.mem_id for inner in node.css("p, div, ul, ol, table, li, h1, h2, h3")):
        return False
    seen_text = False
    for text in node.traverse(include_text=True):
        if text.tag != "-text" or not text.text(deep=False).strip():
            continue
        seen_text = True
        parent = text.parent
        while parent is not None and parent.mem_id != node.mem_id and parent.tag not in BOLD:
            parent = parent.parent
        if parent is None or parent.tag not in BOLD:
            return False
    return seen_text
