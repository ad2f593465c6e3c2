"""A script-rendered policy for browser tests: a shell page whose script fetches the policy as JSON.

The static HTML holds only an empty ``#root`` and a noscript notice; ``/app.js`` waits a little (as real
apps do while they boot), fetches ``/api/policy`` and draws headings and paragraphs into a ``<main>``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.site import LoopbackSite

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_ENV = "POLICYWATCH_REQUIRE_BROWSER"

SHELL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ACME</title></head>
<body><div id="root"></div>
<noscript>You need to enable JavaScript to run this app.</noscript>
<script src="/app.js"></script></body></html>
"""

APP_JS = """
setTimeout(() => {
  fetch('/api/policy').then((answer) => answer.json()).then((policy) => {
    const main = document.createElement('main');
    for (const [heading, paragraphs] of policy.sections) {
      const h2 = document.createElement('h2');
      h2.textContent = heading;
      main.appendChild(h2);
      for (const text of paragraphs) {
        const p = document.createElement('p');
        p.textContent = text;
        main.appendChild(p);
      }
    }
    const h1 = document.createElement('h1');
    h1.textContent = policy.title;
    main.prepend(h1);
    document.getElementById('root').appendChild(main);
  });
}, 300);
"""

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Information we collect",
        (
            "We collect your name, e-mail address and the contents of your playlists when you create an "
            "account, and the songs you listen to while you use the app.",
        ),
    ),
    (
        "Sharing",
        (
            "We do not sell your personal information. We share it with the service providers who host "
            "our servers and send our e-mails, under contract and on our instructions.",
        ),
    ),
    (
        "Retention",
        ("We keep your listening history for as long as your account is open, and delete it after.",),
    ),
    (
        "Your rights",
        (
            "You can download a copy of your data, correct it or delete your account at any time from the "
            "settings page, and complain to your data protection authority.",
        ),
    ),
)
SALE = (
    "We may sell your personal information, including your listening history, to data brokers and "
    "advertising partners."
)


def serve_spa(site: LoopbackSite, path: str = "/privacy", *, extra_sharing: Sequence[str] = ()) -> None:
    """The shell at ``path`` and its script and data; ``extra_sharing`` adds paragraphs to "Sharing"."""
    sections = [
        (heading, [*paragraphs, *(extra_sharing if heading == "Sharing" else ())])
        for heading, paragraphs in SECTIONS
    ]
    site.set(path, SHELL)
    site.set("/app.js", APP_JS, content_type="application/javascript")
    site.set(
        "/api/policy",
        json.dumps({"title": "Privacy Policy", "sections": sections}),
        content_type="application/json",
    )


@pytest.fixture(scope="session")
def chromium() -> Iterator[Path]:
    """The system Chromium; skips with the reason when it is missing, unless POLICYWATCH_REQUIRE_BROWSER=1."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    yield CHROMIUM
