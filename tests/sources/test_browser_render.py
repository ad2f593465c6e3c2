"""Script-rendered policies in real headless Chromium (Debian's), driven through the whole chain.

Skipped with the reason when /usr/bin/chromium is missing, unless POLICYWATCH_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from monitor.cli import app
from storage.engine import make_engine, session_scope
from storage.models import Version
from tests.support.pages import policy_page
from tests.support.pdfs import policy_pdf
from tests.support.site import LoopbackSite
from tests.support.spa import SALE, chromium, serve_spa

pytestmark = pytest.mark.browser
__all__ = ["chromium"]  # the fixture, imported for its use below

runner = CliRunner()
UA = "policywatch-tests/0.1"


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def check(config: Path) -> dict[str, Any]:
    result = invoke("check", "--config", str(config), "--json")
    assert result.exit_code in (0, 1), result.output
    [row] = json.loads(result.stdout)
    return dict(row)


def renderers(config: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{config.parent / 'policywatch.db'}")
    with session_scope(engine) as session:
        return [v.renderer for v in session.exec(select(Version).order_by(col(Version.number))).all()]


@pytest.fixture
def configure(make_config: Callable[..., Path], site: LoopbackSite) -> Callable[..., Path]:
    def factory(*, browser: dict[str, Any] | None = None, **policy: Any) -> Path:
        path = make_config(
            policies=[{"name": "tunes", "url": site.url("/privacy"), **policy}],
            sections={"browser": {"timeout": "20s", **(browser or {})}},
        )
        assert invoke("init", "--config", str(path)).exit_code == 0
        return path

    return factory


@pytest.mark.parametrize(
    "policy",
    [{"render": "browser", "select": ["main"]}, {}],
    ids=["render-browser-with-select", "default-auto"],
)
def test_a_script_rendered_policy_is_stored_and_a_sale_clause_is_material(
    chromium: Path, site: LoopbackSite, configure: Callable[..., Path], policy: dict[str, Any]
) -> None:
    serve_spa(site)
    config = configure(**policy)
    assert check(config)["outcome"] == "first_version"
    text = invoke("show", "tunes", "--config", str(config)).stdout
    assert "# Privacy Policy" in text and "## Sharing" in text
    assert "We do not sell your personal information." in text
    assert "enable JavaScript" not in text

    serve_spa(site, extra_sharing=[SALE])
    changed = check(config)
    assert changed["outcome"] == "new_version" and changed["material"] is True
    assert renderers(config) == ["browser", "browser"]
    history = json.loads(invoke("history", "tunes", "--config", str(config), "--json").stdout)
    assert [entry["renderer"] for entry in history] == ["browser", "browser"]
    # the browser sent our honest User-Agent for the page and for what its scripts loaded
    for path in ("/privacy", "/api/policy"):
        assert {request.headers.get("user-agent") for request in site.requests_to(path)} == {UA}


def test_auto_keeps_a_server_rendered_page_static(
    chromium: Path, site: LoopbackSite, configure: Callable[..., Path]
) -> None:
    body = policy_page("# Privacy Policy\n\nWe do not sell your personal information. " * 20)
    site.set("/privacy", body.replace("</body>", '<script src="/analytics.js"></script></body>'))
    config = configure()
    assert check(config)["outcome"] == "first_version"
    assert renderers(config) == ["static"]
    assert site.count("/analytics.js") == 0, "no browser ran"


def test_without_chromium_a_shell_fails_with_needs_browser_and_nothing_is_stored(
    site: LoopbackSite, configure: Callable[..., Path]
) -> None:
    serve_spa(site)
    config = configure(browser={"executable_path": "/nonexistent/chromium"})
    row = check(config)
    assert row["outcome"] == "failed" and row["error"].startswith("needs_browser")
    assert "browser.executable_path" in row["error"] and "apt-get install chromium" in row["error"]
    assert renderers(config) == []


def test_robots_txt_forbids_the_browser_too(
    chromium: Path, site: LoopbackSite, configure: Callable[..., Path]
) -> None:
    serve_spa(site)
    site.robots = "User-agent: *\nDisallow: /privacy\n"
    config = configure(render="browser")
    assert check(config)["outcome"] == "robots_disallowed"
    assert site.count("/app.js") == 0


def test_check_of_static_pages_never_imports_playwright(
    site: LoopbackSite, configure: Callable[..., Path]
) -> None:
    site.set("/privacy", policy_page("# Privacy Policy\n\nWe do not sell your personal information. " * 20))
    config = configure()
    script = (
        "import sys\nfrom typer.testing import CliRunner\nfrom monitor.cli import app\n"
        f"result = CliRunner().invoke(app, ['check', '--config', {str(config)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(name for name in sys.modules if name.startswith('playwright')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert renderers(config) == ["static"]


def test_a_pdf_policy_with_render_browser_is_read_from_its_static_body(
    chromium: Path, site: LoopbackSite, configure: Callable[..., Path]
) -> None:
    site.set("/privacy", policy_pdf(), content_type="application/pdf")
    config = configure(render="browser")
    assert check(config)["outcome"] == "first_version"
    assert "## 3. Sharing" in invoke("show", "tunes", "--config", str(config)).stdout
    assert renderers(config) == ["static"], "the browser's PDF viewer holds no text; the file does"
