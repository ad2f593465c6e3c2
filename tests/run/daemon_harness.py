"""Drive ``policywatch run`` as a real subprocess and read what it stored.

The daemon writes JSON log lines to a file (not a pipe, so a chatty daemon never blocks on a full pipe);
tests read the database through a read-only engine while the daemon runs, polling with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import load_config
from storage import migrations
from storage.engine import make_engine, session_scope
from storage.models import Alert, CheckEvent, Policy, Snapshot, Version
from tests.support.polling import wait_until

REPO = Path(__file__).resolve().parents[2]

#: Second-scale schedule: every policy is due every second, ticks five times a second, no jitter.
FAST_SCHEDULE = {"interval": "1s", "min_interval": "1s", "jitter": 0, "tick": "200ms", "lease": "30s"}

# A real bot-challenge page, as served by a CDN in front of a site.
BOT_CHALLENGE = """<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
<h1>Just a moment...</h1><p>Checking if the site connection is secure.</p>
<p>Enable JavaScript and cookies to continue.</p><p>Cloudflare Ray ID: 7f1c2d3e4a5b6c7d</p>
</body></html>"""


class DaemonProcess:
    """``python -m monitor run --config ...`` in the background, its stderr in ``log_path``."""

    def __init__(self, config: Path, log_path: Path) -> None:
        self.config = config
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "monitor", "run", "--config", str(self.config)],
                cwd=REPO, stdout=log, stderr=log, env=env,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait(10)

    def stop(self) -> None:
        """Best-effort cleanup for a test that failed half-way."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def lines(self) -> list[dict[str, Any]]:
        entries = []
        for raw in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if raw.startswith("{"):
                entries.append(json.loads(raw))
        return entries

    def checks(self, policy: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.lines() if e.get("event") == "check" and policy in (None, e.get("policy"))]

    def wait_for_log(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> None:
        wait_until(lambda: any(predicate(entry) for entry in self.lines()), timeout=timeout, interval=0.05)


@contextmanager
def running_daemon(config: Path, log_path: Path) -> Iterator[DaemonProcess]:
    daemon = DaemonProcess(config, log_path).start()
    try:
        yield daemon
    finally:
        daemon.stop()


class Store:
    """Read-only views of the daemon's database, created up front as ``policywatch init`` would."""

    def __init__(self, config: Path) -> None:
        url = load_config(config).database_url
        setup = make_engine(url)
        migrations.upgrade(setup)
        setup.dispose()
        self.engine: Engine = make_engine(url, readonly=True)

    def _scalars(self, query: Any) -> list[Any]:
        with session_scope(self.engine) as session:
            return list(session.exec(query).all())

    def policy(self, name: str) -> Policy:
        rows = self._scalars(select(Policy).where(Policy.name == name))
        assert rows, f"no policy {name} in the database yet"
        return rows[0]

    def has_policy(self, name: str) -> bool:
        return bool(self._scalars(select(Policy.id).where(Policy.name == name)))

    def versions(self, name: str) -> list[Version]:
        if not self.has_policy(name):
            return []
        query = select(Version).join(Policy).where(Policy.name == name).order_by(col(Version.number))
        return self._scalars(query)

    def snapshots(self, name: str) -> list[Snapshot]:
        return self._scalars(select(Snapshot).join(Policy).where(Policy.name == name))

    def events(self, name: str) -> list[CheckEvent]:
        query = select(CheckEvent).join(Policy).where(Policy.name == name).order_by(col(CheckEvent.id))
        return self._scalars(query)

    def alerts(self, name: str, kind: str | None = None) -> list[Alert]:
        query = select(Alert).join(Policy).where(Policy.name == name)
        if kind is not None:
            query = query.where(Alert.kind == kind)
        return self._scalars(query.order_by(col(Alert.id)))

    def failures(self, name: str) -> int:
        return self.policy(name).consecutive_failures if self.has_policy(name) else 0

    def close(self) -> None:
        self.engine.dispose()


def wait_for(predicate: Callable[[], object], timeout: float = 15.0) -> None:
    wait_until(predicate, timeout=timeout, interval=0.05)


def elapsed_since(start: float) -> float:
    return time.monotonic() - start
