"""``policywatch demo`` builds a real database from the bundled histories and serves the UI on it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.polling import wait_until


def test_demo_serves_timelines_judged_changes_and_search_then_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "demo.out"
    with out.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "monitor", "demo", "--port", "0"], cwd=tmp_path,
                                   stdout=sink, stderr=sink, env={**os.environ, "NO_COLOR": "1"})
    try:
        wait_until(lambda: "Ctrl-C" in out.read_text() or process.poll() is not None, timeout=180,
                   interval=0.2)
        text = out.read_text()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", text)
        assert match, text
        base = f"http://127.0.0.1:{match.group(1)}"
        wait_until(lambda: _answers(base), timeout=30, interval=0.1)
        with httpx.Client(base_url=base, timeout=30) as client:
            policies = client.get("/api/policies").json()
            assert {policy["name"] for policy in policies} == {"reddit", "quora", "x"}
            dashboard = client.get("/")
            assert dashboard.status_code == 200 and "Open Terms Archive" in dashboard.text
            assert "ODC-BY" in dashboard.text
            timeline = client.get("/policies/reddit")
            assert timeline.status_code == 200
            changes = client.get("/api/policies/reddit/changes").json()
            assert len(changes) >= 4 and any(change["material"] for change in changes)
            change_page = client.get(f"/policies/reddit/changes/{changes[-1]['id']}")
            assert change_page.status_code == 200
            search = client.get("/search", params={"q": "advertising"})
            assert search.status_code == 200 and "reddit" in search.text.lower()
            assert client.head("/").status_code == 200
        database = re.search(r" in (\S+demo\.db)", text.replace("\n", ""))
        assert database and Path(database.group(1)).is_file()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert not Path(database.group(1)).exists()  # throwaway: gone with the process
    assert "3 policies" in text and "judged changes" in text


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/api/policies", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
