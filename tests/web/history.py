"""A database for the web tests, filled through the real store step (``monitor.pipeline.chain.ingest_text``).

* ``qnet``: the corpus history (eight versions 2015–2018, archived, then two live ones); version 3 is where
  the policy started to sell and share data with "data brokers".
* ``qeg``: three versions, the third a revert to the first; its checks are failing.
* ``xss-test``: a policy whose text carries script and event-handler payloads, in clauses and headings.

Two notifiers give every live material change two alerts: one is marked delivered, the other dead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.config import Settings, parse_config
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries
from storage.engine import make_engine, session_scope
from storage.models import ARCHIVE, LIVE, Alert

HISTORIES = Path(__file__).resolve().parent.parent / "fixtures" / "corpus" / "histories"

XSS_SCRIPT = "<script>window.xssFired = 'script'</script>"
XSS_IMG = "<img src=x onerror=\"window.xssFired='img'\">"
XSS_SVG = '"><svg onload="window.xssFired=\'svg\'">'
XSS_HEADING = "## Sharing <img src=y onerror=\"window.xssFired='heading'\">"
XSS_BASE = f"""# Example Privacy Policy {XSS_SCRIPT}

We collect your e-mail address to run the service. {XSS_SVG}

{XSS_HEADING}

We do not share your personal information with third parties.

## Retention

We keep your data for as long as your account is active.
"""
XSS_NEW = XSS_BASE.replace(
    "We do not share your personal information with third parties.",
    f"We may share and sell your personal information to data brokers and advertisers. {XSS_IMG}",
)
PAYLOADS = (XSS_SCRIPT, XSS_IMG, XSS_SVG)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class WebHistory:
    settings: Settings
    engine: Engine
    sale_change_id: int  # qnet version 2 → 3: the first sharing/sale change
    xss_change_id: int
    revert_change_id: int


def _history_dir(name: str) -> Path:
    return HISTORIES / name


def _versions(name: str) -> list[tuple[str, datetime]]:
    folder = _history_dir(name)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [
        (
            (folder / label["file"]).read_text(encoding="utf-8"),
            datetime.fromisoformat(label["date"]).replace(tzinfo=UTC),
        )
        for label in labels
    ]


def web_settings(database: Path, **web: object) -> Settings:
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{database}"},
            "alerts": {"min_severity": "low"},
            "web": {"base_url": "http://testserver", **web},
            "notifiers": {
                "hook": {"kind": "webhook", "url": "http://127.0.0.1:9/hook"},
                "mail": {"kind": "email", "host": "127.0.0.1", "port": 9, "from": "pw@example.org",
                         "to": ["team@example.org"], "security": "none"},
            },
            "policies": [
                {"name": "qnet", "url": "https://www.qnet.example/privacy"},
                {"name": "qeg", "url": "https://www.qeg.example/privacy"},
                {"name": "xss-test", "url": "https://xss.example/privacy?a=1&b=<2>"},
            ],
        },
        path=database.parent / "config.toml",
    )  # fmt: skip


def _ingest(
    engine: Engine, settings: Settings, name: str, text: str, at: datetime, source: str
) -> int | None:
    result = ingest_text(
        engine, settings, settings.policy(name), text, observed_at=at, source=source,
        archived_at=at if source == ARCHIVE else None,
    )  # fmt: skip
    return result.change_id


def build(folder: Path) -> WebHistory:
    settings = web_settings(folder / "web.db")
    engine = make_engine(settings.database_url)
    migrations.upgrade(engine)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings, now=NOW)
    change_ids: dict[tuple[str, int], int | None] = {}
    qnet = _versions("qnet")
    for number, (text, at) in enumerate(qnet, start=1):
        source = LIVE if number > len(qnet) - 2 else ARCHIVE
        change_ids["qnet", number] = _ingest(engine, settings, "qnet", text, at, source)
    qeg = _versions("qeg")
    for number, (text, at) in enumerate([qeg[0], qeg[1], (qeg[0][0], qeg[2][1])], start=1):
        change_ids["qeg", number] = _ingest(engine, settings, "qeg", text, at, LIVE)
    change_ids["xss", 1] = _ingest(engine, settings, "xss-test", XSS_BASE, NOW - timedelta(days=60), LIVE)
    change_ids["xss", 2] = _ingest(engine, settings, "xss-test", XSS_NEW, NOW - timedelta(days=30), LIVE)
    _set_health_and_alerts(engine)
    sale, xss, revert = change_ids["qnet", 3], change_ids["xss", 2], change_ids["qeg", 3]
    assert sale is not None and xss is not None and revert is not None
    return WebHistory(settings, engine, sale, xss, revert)


def _set_health_and_alerts(engine: Engine) -> None:
    with session_scope(engine) as session:
        for policy in queries.list_policies(session):
            policy.last_check_at, policy.last_outcome = NOW, "ok"
            if policy.name == "qeg":
                policy.consecutive_failures, policy.failing_since = 4, NOW - timedelta(days=3)
                policy.last_error, policy.last_outcome = "http_503: Service Unavailable", "failed"
            session.add(policy)
        alerts = session.exec(select(Alert).order_by(col(Alert.id))).all()
        assert alerts, "the live material changes queue alerts"
        for alert in alerts:
            if alert.notifier_id == "hook":
                alert.status, alert.attempts, alert.last_error = "dead", 8, "webhook answered HTTP 500"
            else:
                alert.status, alert.attempts, alert.delivered_at = "delivered", 1, NOW
            session.add(alert)
