"""Text output reads anywhere: piped, without colour, in 80 columns, through a pager.

Every test runs the real ``policywatch`` in a subprocess, with its output a pipe (as ``| less`` or a log
file) or a pseudo-terminal (as an interactive shell), because colour and paging decisions depend on exactly
that.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import Settings, load_config
from storage import migrations
from storage.engine import make_engine
from tests.conftest import render_config
from tests.support.history import build_corpus_history, corpus_settings

ROOT = Path(__file__).resolve().parents[2]
QNAP = ROOT / "tests" / "fixtures" / "corpus" / "histories" / "qnap"
ESC = "\x1b["
SHORT_DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
CLI = [sys.executable, "-m", "monitor"]


@pytest.fixture(scope="module")
def corpus_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The five corpus histories stored through the real store step, with their judged changes."""
    folder = tmp_path_factory.mktemp("text-output")
    corpus = corpus_settings()
    config = folder / "config.toml"
    config.write_text(
        render_config(storage_url="sqlite:///history.db", policies=corpus["policies"],  # type: ignore[arg-type]
                      sections={"alerts": corpus["alerts"]}, notifiers=corpus["notifiers"]),  # type: ignore[arg-type]
        encoding="utf-8",
    )
    settings: Settings = load_config(config)
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    build_corpus_history(engine, settings)
    engine.dispose()
    yield config


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR", "PAGER", "COLUMNS"}}
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**clean, "COLUMNS": "80", **(env or {})})
    assert done.returncode == 0, done.stderr
    return done


def run_on_tty(*args: str, env: dict[str, str]) -> str:
    """Run with stdin and stdout a pseudo-terminal of 80 columns; return what reached the terminal."""
    primary, secondary = pty.openpty()
    clean = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR", "PAGER"}}
    process = subprocess.Popen([*CLI, *args], stdin=secondary, stdout=secondary, stderr=subprocess.PIPE,
                               env={**clean, "COLUMNS": "80", "LINES": "24", "TERM": "xterm-256color", **env})
    os.close(secondary)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                data = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(timeout=10)
    os.close(primary)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    return b"".join(chunks).decode("utf-8", errors="replace")


def compare_args() -> list[str]:
    return ["compare", str(QNAP / "v00.md"), str(QNAP / "v01.md")]


def test_piped_compare_marks_every_word_change_as_git_word_diff_does() -> None:
    out = run(*compare_args()).stdout
    assert ESC not in out
    # v00 → v01 removes the right to deletion: the removed words are bracketed, nothing relies on colour.
    assert "[- or delete the data" in out
    assert "! MATERIAL MEDIUM user_rights" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_inserted_words_are_marked_with_braces(tmp_path: Path) -> None:
    old, new = tmp_path / "old.md", tmp_path / "new.md"
    old.write_text("# Sharing\n\nWe do not share your data with advertisers.\n", encoding="utf-8")
    new.write_text("# Sharing\n\nWe may share your data with advertisers.\n", encoding="utf-8")
    out = run("compare", str(old), str(new)).stdout
    assert "We [-do not-]{+may+} share your data with advertisers." in out


def test_color_always_colours_a_pipe_and_drops_the_markers() -> None:
    out = run("--color", "always", *compare_args(), env={"NO_COLOR": "1"}).stdout
    assert ESC in out  # the flag wins over NO_COLOR, as no-color.org asks
    assert "[- or delete" not in out


def test_a_terminal_gets_colour_unless_no_color_is_set() -> None:
    coloured = run_on_tty("--no-pager", *compare_args(), env={})
    assert ESC in coloured and "[- or delete" not in coloured
    plain = run_on_tty("--no-pager", *compare_args(), env={"NO_COLOR": "1"})
    assert ESC not in plain and "[- or delete" in plain
    never = run_on_tty("--color", "never", "--no-pager", *compare_args(), env={})
    assert ESC not in never and "[- or delete" in never


def test_history_is_one_line_per_version_within_80_columns(corpus_config: Path) -> None:
    out = run("history", "qnet", "--config", str(corpus_config)).stdout
    lines = out.splitlines()
    json_rows = run("history", "qnet", "--config", str(corpus_config), "--json").stdout
    assert len(lines) == json_rows.count('"number"') == 8
    assert all(len(line) <= 80 for line in lines), lines
    # newest first (version 3 came from the archive later, so time order is not number order)
    assert "first version" in lines[-1]
    for line in lines:
        assert SHORT_DATE.search(line), line
        assert " ago)" in line, line
        assert re.search(r"\b(live|archive)\b", line), line
    assert any(re.search(r"\b(HIGH|MEDIUM|LOW)\b", line) for line in lines)
    assert "first version" in out


def test_history_long_gives_the_full_summary(corpus_config: Path) -> None:
    import json

    rows = json.loads(run("history", "qnet", "--config", str(corpus_config), "--json").stdout)
    longest = max((row["change"]["summary"] for row in rows if row["change"]), key=len)
    out = run("history", "qnet", "--long", "--config", str(corpus_config)).stdout
    assert " ".join(longest.split()) in " ".join(out.split())
    assert "sha256" in out and all(len(line) <= 80 for line in out.splitlines())


def test_history_reverse_is_oldest_first(corpus_config: Path) -> None:
    lines = run("history", "qnet", "--reverse", "--config", str(corpus_config)).stdout.splitlines()
    assert "first version" in lines[0]


def test_status_and_diff_fit_80_columns(corpus_config: Path) -> None:
    status = run("status", "--config", str(corpus_config)).stdout
    assert all(len(line) <= 80 for line in status.splitlines()), status
    assert all(name in status for name in ("qnet", "qeg", "qxpress", "hqonline", "qnap"))
    assert "3 pending" in status  # the alert column is not cut
    diff = run("diff", "qnet", "--text", "--config", str(corpus_config)).stdout
    assert diff.strip() and all(len(line) <= 80 for line in diff.splitlines())
    assert ESC not in diff


def test_long_output_goes_through_the_pager_on_a_terminal(corpus_config: Path, tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.stdin.read())' {paged}"
    run_on_tty("history", "qnet", "--config", str(corpus_config), env={"PAGER": pager})
    assert "first version" in paged.read_text()
    paged.unlink()
    run_on_tty("history", "qnet", "--no-pager", "--config", str(corpus_config), env={"PAGER": pager})
    run_on_tty("--no-pager", "history", "qnet", "--config", str(corpus_config), env={"PAGER": pager})
    assert not paged.exists()


def test_a_pipe_is_never_paged(corpus_config: Path, tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c 'open(\"{paged}\", \"w\").write(\"pager ran\")'"
    out = run("history", "qnet", "--config", str(corpus_config), env={"PAGER": pager}).stdout
    assert "first version" in out and not paged.exists()
