"""Is a static HTML page only a shell that scripts fill in? (pure; decides ``render = "auto"``).

A single-page app sends a near-empty document — a ``<div id="root">``, a "Loading…" line, a "please enable
JavaScript" notice — and its scripts fetch and draw the policy. Storing that as a version is the silent
failure ``render = "auto"`` exists to prevent. Every sign requires scripts on the page: without them a
browser would show the same nothing, and the anomaly check's ``too_short`` is the right answer.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

#: Fewer visible characters than this, with scripts present: a shell.
NEAR_EMPTY_CHARS = 200
#: A loading or "enable JavaScript" notice only counts on a page with little else to read.
NOTICE_MAX_CHARS = 600
#: Elements single-page apps mount into; empty while scripts are present means "not rendered yet".
MOUNT_POINTS = "main, [role=main], #root, #app, #__next, #__nuxt, #___gatsby, app-root, [data-reactroot]"
NOTICES = re.compile(
    r"\b(?:loading|please wait|enable javascript|javascript (?:is )?(?:required|disabled|needed)"
    r"|requires javascript|turn on javascript|activ(?:er|ez) (?:le )?javascript|chargement"
    r"|javascript aktivieren|wird geladen|lädt|cargando|habilit[ae] javascript|caricamento"
    r"|abilita(?:re)? javascript|laden\.\.\.|wordt geladen|javascript inschakelen)\b",
    re.IGNORECASE,
)
_HIDDEN = "script, style, template, svg, noscript"


def shell_reason(html: str | bytes) -> str | None:
    """Why this page looks like a script shell ("near-empty", "loading notice", "empty main"), or None."""
    tree = LexborHTMLParser(html if isinstance(html, str) else html.decode("utf-8", errors="replace"))
    scripts = tree.css("script")
    if not any(_runs(script.attributes) for script in scripts):
        return None
    for node in tree.css(_HIDDEN):
        node.decompose()
    body = tree.body
    text = body.text(separator=" ") if body is not None else ""
    # Visible characters, not letters: str.split runs in C, and only "fewer than a few hundred" matters.
    visible = len("".join(text[: NOTICE_MAX_CHARS * 4].split()))
    if visible < NEAR_EMPTY_CHARS:
        return f"near-empty static text ({visible} characters) while scripts are present"
    # Only the visible text: server-rendered sites keep a <noscript> "enable JavaScript" line for the few
    # visitors without scripts, and their pages are complete without a browser.
    if visible < NOTICE_MAX_CHARS and (found := NOTICES.search(text)):
        return f"a {found.group(0)!r} notice while scripts are present"
    for mount in tree.css(MOUNT_POINTS):
        if not mount.text(strip=True):
            return f"an empty <{mount.tag}> mount point while scripts are present"
    return None


def _runs(attributes: dict[str, str | None]) -> bool:
    """A script the browser executes (not JSON-LD, JSON data or a template)."""
    kind = (attributes.get("type") or "").strip().lower()
    return kind in {"", "module", "text/javascript", "application/javascript"}
