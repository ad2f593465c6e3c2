"""Processes under this one, read from /proc (Linux): to find, measure or kill the headless browser."""

from __future__ import annotations

import os
from pathlib import Path


def descendants(root: int | None = None) -> list[int]:
    """PIDs of every living process below ``root`` (default: this process)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    wanted = {root if root is not None else os.getpid()}
    found: list[int] = []
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                found.append(pid)
                grew = True
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\x00", b" ").decode(errors="replace")
    except OSError:
        return ""


def chromium_pids() -> list[int]:
    """Chromium processes started by this process (browser, zygotes, renderers, GPU and utilities)."""
    return [
        pid for pid in descendants() if "chromium" in os.path.basename(command_line(pid).split(" ", 1)[0])
    ]


def rss_bytes(pids: list[int]) -> int:
    """The summed resident set size of ``pids`` (shared pages counted in each, as ``ps`` does)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def pss_bytes(pids: list[int]) -> int:
    """The summed proportional set size of ``pids``: shared pages split between their users."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total
