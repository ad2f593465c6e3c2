"""What the daemon tells the outside: its log (JSON lines, or readable lines on a terminal) and metrics.

Logs go to stderr through the stdlib ``logging`` module. ``json`` (the default off a terminal, what systemd,
``journalctl`` and log shippers want): one JSON object per line, fields passed as
``extra={"fields": {...}}`` become top-level keys. ``text`` (the default on a terminal): one readable line
per check (time, policy, outcome, version or reason), a summary line after each pass (a burst of checks
followed by a quiet moment), other events as ``event key=value``, and no per-retry lines. Metrics
live in a registry of their own (not the process-global one), so several daemons in one test process
never collide; the HTTP endpoint starts only when ``daemon.metrics_port`` is set.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from monitor.pipeline.chain import CheckOutcome

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

LogFormat = Literal["auto", "json", "text"]

log = logging.getLogger("policywatch.daemon")

#: Seconds; checks of unchanged pages take milliseconds, failing ones can take minutes of retries.
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class JsonFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "event": <message>, **fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def resolve_format(log_format: LogFormat) -> Literal["json", "text"]:
    """``auto``: readable text when stderr is a terminal, JSON lines otherwise."""
    if log_format != "auto":
        return log_format
    isatty = getattr(sys.stderr, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def configure_logging(level: int = logging.INFO, *, log_format: LogFormat = "json") -> None:
    """Send every policywatch log record to stderr (the daemon's only log sink), as JSON lines or text."""
    handler: logging.Handler
    if resolve_format(log_format) == "text":
        handler = ConsoleHandler()
        # One line per check says how it ended; the retries on the way there are noise on a terminal.
        logging.getLogger("monitor.sources.fetch").setLevel(logging.WARNING)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler logs every job run at INFO; the check lines already say what happened.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _clock(created: float) -> str:
    # Local time: on a terminal a person reads it against their own clock (the JSON log stays UTC).
    return datetime.fromtimestamp(created).astimezone().strftime("%H:%M:%S")


NEW_VERSION_OUTCOMES = frozenset({"first_version", "new_version", "reverted"})
OUTCOME_STYLE = {"first_version": "green", "new_version": "bold green", "reverted": "yellow",
                 "unchanged": "dim", "not_modified": "dim"}


def check_line(created: float, fields: dict[str, Any], *, width: int = 80) -> Text:
    """``14:05:02  qnet            new_version  v4  MEDIUM, material  320 ms`` (or the failure reason)."""
    from rich.text import Text

    when = _clock(created)
    outcome = str(fields.get("outcome"))
    failed = bool(fields.get("error")) or outcome in {"failed", "anomaly", "robots_disallowed"}
    line = Text(f"{when}  ", style="dim")
    line.append(f"{fields.get('policy', '?'):<16} ", style="bold")
    line.append(f"{outcome:<13}", style="bold red" if failed else OUTCOME_STYLE.get(outcome, ""))
    if failed:
        status = fields.get("http_status")
        reason = f"HTTP {status}: " if status else ""
        line.append(f" {reason}{fields.get('error') or ''}", style="red")
    elif fields.get("version") is not None:
        line.append(f" v{fields['version']}")
        if outcome in NEW_VERSION_OUTCOMES and fields.get("severity"):
            line.append(f"  {fields['severity']}" + (", material" if fields.get("material") else ""),
                        style="bold" if fields.get("material") else "")
        if fields.get("alerts"):
            line.append(f"  {fields['alerts']} alert(s) queued")
    if fields.get("duration_ms") is not None:
        line.append(f"  {fields['duration_ms']} ms", style="dim")
    line.truncate(width, overflow="ellipsis")
    return line


def event_line(record: logging.LogRecord, fields: dict[str, Any]) -> Text:
    """Any other event: ``14:05:02  started  worker=host:42 policies=12``."""
    from rich.text import Text

    when = _clock(record.created)
    level = record.levelno
    style = "bold red" if level >= logging.ERROR else "yellow" if level >= logging.WARNING else ""
    line = Text(f"{when}  ", style="dim")
    line.append(record.getMessage(), style=style or "bold")
    for key, value in fields.items():
        line.append(f"  {key}=", style="dim")
        line.append(str(value))
    return line


@dataclass
class PassTally:
    """The checks of one pass, for its summary line."""

    outcomes: Tally[str] = field(default_factory=Tally)
    material: int = 0
    first_at: float | None = None
    last_at: float = 0.0

    def add(self, created: float, fields: dict[str, Any]) -> None:
        self.outcomes[str(fields.get("outcome"))] += 1
        self.material += bool(fields.get("material")) and fields.get("outcome") in NEW_VERSION_OUTCOMES
        self.first_at = created if self.first_at is None else self.first_at
        self.last_at = created

    def summary(self) -> str:
        """``pass: 12 checks in 3.2 s · 9 unchanged · 2 new versions (1 material) · 1 failed``."""
        total = sum(self.outcomes.values())
        seconds = self.last_at - (self.first_at or self.last_at)
        unchanged = self.outcomes["unchanged"] + self.outcomes["not_modified"]
        new = sum(self.outcomes[name] for name in NEW_VERSION_OUTCOMES)
        failed = total - unchanged - new
        parts = [f"pass: {total} check{'s' if total != 1 else ''} in {seconds:.1f} s"]
        if unchanged:
            parts.append(f"{unchanged} unchanged")
        if new:
            parts.append(f"{new} new version{'s' if new != 1 else ''} ({self.material} material)")
        if failed:
            parts.append(f"{failed} failed")
        return " · ".join(parts)


class ConsoleHandler(logging.Handler):
    """The ``text`` log: readable lines on stderr (rich, colour on a terminal unless ``NO_COLOR``).

    A pass ends when no check has finished for ``quiet_seconds``; its summary line then follows its checks.
    """

    def __init__(self, console: Console | None = None, *, quiet_seconds: float = 2.0) -> None:
        super().__init__()
        if console is None:
            from rich.console import Console

            console = Console(stderr=True, highlight=False)
        self.console = console
        self.quiet_seconds = quiet_seconds
        self.tally = PassTally()
        self._timer: threading.Timer | None = None
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = getattr(record, "fields", None)
            fields = fields if isinstance(fields, dict) else {}
            if record.getMessage() == "check" and "outcome" in fields:
                line = check_line(record.created, fields, width=self.console.width)
                self.console.print(line, soft_wrap=True)
                with self._guard:
                    self.tally.add(record.created, fields)
                    self._restart_timer()
                return
            if record.getMessage() in {"stopping", "stopped"}:
                self.flush_pass()
            self.console.print(event_line(record, fields), soft_wrap=True)
            if record.exc_info:
                self.console.print(logging.Formatter().formatException(record.exc_info), markup=False,
                                   style="red")
        except Exception:  # a log sink must never take the daemon down
            self.handleError(record)

    def _restart_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.quiet_seconds, self.flush_pass)
        self._timer.daemon = True
        self._timer.start()

    def flush_pass(self) -> None:
        """Print the summary of the checks since the last one, if any."""
        with self._guard:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            tally, self.tally = self.tally, PassTally()
        if sum(tally.outcomes.values()):
            self.console.print(f"[dim]{'─' * 3}[/] {tally.summary()}", highlight=False)

    def close(self) -> None:
        self.flush_pass()
        super().close()


def check_fields(outcome: CheckOutcome, *, worker: str) -> dict[str, Any]:
    """The fields of the one log line every check writes."""
    return {
        "policy": outcome.policy,
        "outcome": outcome.outcome,
        "duration_ms": outcome.duration_ms,
        "http_status": outcome.http_status,
        "version": outcome.version_number,
        "material": outcome.material,
        "severity": outcome.severity if outcome.change_id else None,
        "alerts": outcome.alerts,
        "error": outcome.error,
        "worker": worker,
    }


def log_check(outcome: CheckOutcome, *, worker: str) -> None:
    level = logging.WARNING if outcome.failed else logging.INFO
    log.log(level, "check", extra={"fields": check_fields(outcome, worker=worker)})


class Metrics:
    """The daemon's counters and histogram; :meth:`serve` exposes them over HTTP."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.checks = Counter(
            "policywatch_checks", "Checks run, by outcome.", ["outcome"], registry=self.registry
        )
        self.failures = Counter(
            "policywatch_check_failures", "Checks that failed (fetch error, anomaly, robots, crash).",
            registry=self.registry,
        )
        self.new_versions = Counter(
            "policywatch_new_versions", "New versions stored by live checks.", registry=self.registry
        )
        self.material_changes = Counter(
            "policywatch_material_changes", "Material changes detected.", registry=self.registry
        )
        self.alert_deliveries = Counter(
            "policywatch_alert_deliveries", "Alert delivery attempts, by result.", ["result"],
            registry=self.registry,
        )
        self.check_duration = Histogram(
            "policywatch_check_duration_seconds", "Duration of one check.", buckets=DURATION_BUCKETS,
            registry=self.registry,
        )

    def observe_check(self, outcome: CheckOutcome) -> None:
        self.checks.labels(outcome=outcome.outcome).inc()
        self.check_duration.observe(outcome.duration_ms / 1000)
        if outcome.failed:
            self.failures.inc()
        if outcome.outcome in {"first_version", "new_version", "reverted"}:
            self.new_versions.inc()
        if outcome.material:
            self.material_changes.inc()

    def observe_deliveries(self, result: str, count: int) -> None:
        if count > 0:
            self.alert_deliveries.labels(result=result).inc(count)

    def serve(self, host: str, port: int) -> None:
        """Start the ``/metrics`` endpoint in a background thread."""
        start_http_server(port, addr=host, registry=self.registry)
        log.info("metrics", extra={"fields": {"listen": f"http://{host}:{port}/metrics"}})
