"""Small Open Terms Archive-shaped git repositories built by the tests, with chosen commit dates."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ota"
SAMPLE_BUNDLE = FIXTURES / "genai-eu-versions.bundle"


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return completed.stdout.decode()


class OtaRepo:
    """A working clone laid out like an OTA versions repository: ``<Service>/<Terms type>.md``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "--quiet", "--initial-branch=main")
        (path / "README.md").write_text("# Test versions\n", encoding="utf-8")
        self.commit("Initial commit", datetime.fromisoformat("2023-01-01T00:00:00+00:00"))

    def record(self, document: str, text: str, when: str, *, subject: str | None = None) -> str:
        """Write ``document`` ("Service/Terms type") and commit it at ``when``; returns the commit id."""
        target = self.path / f"{document}.md"
        first = not target.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        name = document.replace("/", " ")
        default = f"First record of {name}" if first else f"Record new changes of {name}"
        return self.commit(subject or default, datetime.fromisoformat(when))

    def delete(self, document: str, when: str) -> str:
        (self.path / f"{document}.md").unlink()
        return self.commit(f"Delete {document}", datetime.fromisoformat(when))

    def commit(self, subject: str, when: datetime) -> str:
        stamp = when.isoformat()
        env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        git(self.path, "add", "--all")
        git(
            self.path, "-c", "user.name=Test Bot", "-c", "user.email=bot@example.org",
            "commit", "--quiet", "--allow-empty", "-m", subject, env=env,
        )  # fmt: skip
        return git(self.path, "rev-parse", "HEAD").strip()

    def bare_clone(self, target: Path) -> Path:
        subprocess.run(["git", "clone", "--quiet", "--bare", str(self.path), str(target)], check=True)
        return target

    def bundle(self, target: Path) -> Path:
        git(self.path, "bundle", "create", str(target), "--all")
        return target


def commits_changing(repo: Path, document: str) -> list[tuple[str, int]]:
    """(commit, unix time) of every commit that changed the file, oldest first, per git itself."""
    out = git(
        repo,
        "log",
        "--reverse",
        "--format=%H %ct",
        "--no-renames",
        "--diff-filter=AMT",
        "--",
        f"{document}.md",
    )
    return [(line.split()[0], int(line.split()[1])) for line in out.splitlines() if line]
