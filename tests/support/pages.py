"""Realistic HTML policy pages built from the corpus, wrapped in the boilerplate extraction must drop.

``policy_page(markdown)`` renders Markdown (markdown-it-py, CommonMark + tables) into a page with a
``<nav>``, a site header, a footer, a cookie banner, ``<script>``/``<style>``/``<noscript>`` and hidden
elements. Every boilerplate element carries one of the :data:`BOILERPLATE` phrases, so a test can
assert that none of them survives extraction.
"""

from __future__ import annotations

import html
from pathlib import Path

from markdown_it import MarkdownIt

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
SEEDS = CORPUS / "seeds"

NAV_TEXT = "Products Pricing Careers Investors"
HEADER_TEXT = "Acme Cloud home page"
FOOTER_TEXT = "Copyright Acme Cloud Ltd all rights reserved"
COOKIE_TEXT = "We use cookies to personalise ads Accept all"
SCRIPT_TEXT = "trackingPixelLoaded"
STYLE_TEXT = "font-family-sans-serif-rule"
NOSCRIPT_TEXT = "Please enable JavaScript to view this site"
HIDDEN_TEXT = "Hidden promotional teaser"
ARIA_HIDDEN_TEXT = "Decorative icon label"
SIDEBAR_TEXT = "Related articles sidebar"
BOILERPLATE = (
    NAV_TEXT,
    HEADER_TEXT,
    FOOTER_TEXT,
    COOKIE_TEXT,
    SCRIPT_TEXT,
    STYLE_TEXT,
    NOSCRIPT_TEXT,
    HIDDEN_TEXT,
    ARIA_HIDDEN_TEXT,
    SIDEBAR_TEXT,
)

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>.{style} {{ font-family: sans-serif; }}</style>
<script>window.{script} = true; document.write("<p>injected</p>");</script>
</head>
<body>
<div id="cookie-banner" class="cookie-consent-banner" role="dialog">
  <p>{cookie}</p><button>Accept</button><button>Reject</button>
</div>
<header class="site-header"><a href="/">{header}</a></header>
<nav aria-label="Main"><ul><li><a href="/products">{nav}</a></li><li><a href="/blog">Blog</a></li></ul></nav>
<noscript>{noscript}</noscript>
<main id="content">
<article class="policy">
{content}
<div hidden>{hidden}</div>
<p style="display: none">{hidden}</p>
<span aria-hidden="true">{aria_hidden}</span>
</article>
<aside><h2>{sidebar}</h2><ul><li><a href="/blog/1">Our new office</a></li></ul></aside>
</main>
<footer><p>{footer}</p>
<form action="/subscribe"><input name="email"><button>Subscribe</button></form></footer>
<script src="/static/app.js"></script>
</body>
</html>
"""


def seed_names() -> list[str]:
    return sorted(path.name for path in SEEDS.glob("*.txt"))


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def markdown_to_html(markdown: str) -> str:
    """The policy body alone, as HTML (no page around it)."""
    return _MARKDOWN.render(markdown)


def policy_page(markdown: str, *, title: str = "Privacy Policy") -> str:
    """A whole page: the rendered policy inside realistic boilerplate."""
    return _PAGE.format(
        title=html.escape(title),
        content=markdown_to_html(markdown),
        style=STYLE_TEXT,
        script=SCRIPT_TEXT,
        cookie=COOKIE_TEXT,
        header=HEADER_TEXT,
        nav=NAV_TEXT,
        noscript=NOSCRIPT_TEXT,
        hidden=HIDDEN_TEXT,
        aria_hidden=ARIA_HIDDEN_TEXT,
        sidebar=SIDEBAR_TEXT,
        footer=FOOTER_TEXT,
    )


def seed_page(name: str) -> str:
    return policy_page(seed_text(name))
