"""What the daemon tells the outside: one JSON log line per event, and optional Prometheus metrics.

Logs go to stderr through the stdlib ``logging`` module, one JSON object per line, so ``journalctl`` and
log shippers can parse them; fields passed as ``extra={"fields": {...}}`` become top-level keys. Metrics
live in a registry of their own (not the process-global one), so several daemons in one test process
never collide; the HTTP endpoint starts only when ``daemon.metrics_port`` is set.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from monitor.pipeline.chain import CheckOutcome

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


def configure_logging(level: int = logging.INFO) -> None:
    """Send every policywatch log record to stderr as JSON lines (the daemon's only log sink)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler logs every job run at INFO; the check lines already say what happened.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


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
