"""When is a static page only a script shell (so ``render = "auto"`` renders it in the browser)?"""

from __future__ import annotations

import pytest

from monitor.core.shell import shell_reason

SCRIPT = '<script src="/static/app.js"></script>'
POLICY = "<h1>Privacy Policy</h1>" + "<p>We collect your e-mail address to send you receipts.</p>" * 12


@pytest.mark.parametrize(
    ("html", "sign"),
    [
        (f'<html><body><div id="root"></div>{SCRIPT}</body></html>', "near-empty"),
        (f"<html><body><p>Loading…</p>{SCRIPT}</body></html>", "near-empty"),
        (
            "<html><body><header>" + "ACME Cloud · Products · Pricing · Careers · " * 8 + "</header>"
            f"<p>Please enable JavaScript to read our privacy policy.</p>{SCRIPT}</body></html>",
            "enable javascript",
        ),
        (
            "<html><body><header>"
            + "ACME Cloud · Products · Pricing · Careers · Investors · " * 12
            + f"</header><main></main><footer>© ACME</footer>{SCRIPT}</body></html>",
            "empty <main>",
        ),
    ],
    ids=["empty-root", "loading", "enable-js-notice", "empty-main"],
)
def test_a_page_that_scripts_must_fill_is_a_shell(html: str, sign: str) -> None:
    reason = shell_reason(html)
    assert reason is not None and sign in reason.lower()


@pytest.mark.parametrize(
    "html",
    [
        f"<html><body><main>{POLICY}</main>{SCRIPT}</body></html>",
        # server-rendered sites keep a noscript notice for visitors without scripts
        f"<html><body><noscript>Please enable JavaScript</noscript><main>{POLICY}</main>{SCRIPT}</body>",
        # nothing to render: a browser would show the same nothing
        '<html><body><div id="root"></div></body></html>',
        # data, not code
        '<html><body><div id="root"></div><script type="application/ld+json">{}</script></body></html>',
    ],
    ids=["server-rendered", "noscript-notice", "no-scripts", "json-ld-only"],
)
def test_a_complete_or_script_free_page_is_not_a_shell(html: str) -> None:
    assert shell_reason(html) is None
