"""Alerts as JSON documents: the ``json`` webhook format and Slack-compatible blocks (pure).

Both read :class:`~notifiers.base.AlertFacts` values and return JSON-ready dicts; the webhook composer in
``notifiers.compose`` picks one by the notifier's ``format``. Slack mrkdwn treats ``&``, ``<`` and ``>`` as
control characters, so every piece of policy text is escaped before it is wrapped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from notifiers.base import AlertFacts
from notifiers.render import (
    MAX_CLAUSES,
    SUBJECT_PREFIX,
    delivery_id,
    headline,
    highest_severity,
    notice_words,
    one_line,
    subject_line,
)

# -- webhook JSON ---------------------------------------------------------------------------------------


def _clause_document(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": entry.get("kind"),
        "section": entry.get("section"),
        "old": entry.get("old"),
        "new": entry.get("new"),
        "severity": entry.get("severity"),
        "categories": list(entry.get("categories") or []),
        "direction": entry.get("direction"),
        "reasons": list(entry.get("reasons") or []),
        "inline": [list(op) for op in entry.get("inline") or []],
    }


def alert_document(message: AlertFacts) -> dict[str, Any]:
    """The judgement of one alert as JSON: what the ``json`` webhook format posts."""
    document: dict[str, Any] = {
        "id": message.key,
        "event": message.kind,
        "policy": message.policy,
        "policy_url": message.policy_url,
        "headline": headline(message),
        "severity": message.severity,
        "link": message.link,
        "created_at": message.created_at.isoformat(),
    }
    if message.kind == "change":
        document.update(
            change_id=message.change_id,
            versions={"from": message.from_version, "to": message.to_version},
            observed_at=message.observed_at.isoformat() if message.observed_at else None,
            categories=list(message.categories),
            direction=message.direction,
            summary=message.summary,
            reasons=list(message.reasons),
            notice=message.notice,
            notice_text=notice_words(message) or None,
            stated_date=message.stated_date,
            changes=[_clause_document(entry) for entry in message.changes],
        )
    else:
        document.update(
            summary=message.detail, failing_since=message.failing_since, failures=message.failures
        )
    return document


def webhook_document(messages: Sequence[AlertFacts], *, sent_at: datetime) -> dict[str, Any]:
    """One alert's document, or a digest ``{"event": "digest", "alerts": [...]}`` for several."""
    if len(messages) == 1:
        return {**alert_document(messages[0]), "sent_at": sent_at.isoformat()}
    return {
        "id": delivery_id(messages),
        "event": "digest",
        "sent_at": sent_at.isoformat(),
        "severity": highest_severity(messages),
        "headline": subject_line(messages).removeprefix(SUBJECT_PREFIX + " "),
        "alerts": [alert_document(message) for message in messages],
    }


# -- Slack ------------------------------------------------------------------------------------------------

SLACK_TEXT_LIMIT: Final = 2900  # a section block holds 3000 characters
SLACK_MAX_BLOCKS: Final = 50


def slack_escape(text: str) -> str:
    """Slack mrkdwn treats ``&``, ``<`` and ``>`` as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_marked(inline: Sequence[Sequence[Any]]) -> str:
    """Word diff ops as mrkdwn: ``~removed~`` and ``*added*``."""
    out: list[str] = []
    previous_marked = False
    for op, chunk in inline:
        text = slack_escape(str(chunk))
        stripped = text.strip()
        if int(op) == 0 or not stripped:
            out.append(text)
            previous_marked = False
            continue
        # mrkdwn markers must touch the words and be apart from each other, or Slack shows them raw.
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if previous_marked and not lead:
            lead = " "
        mark = "~" if int(op) == -1 else "*"
        out.append(f"{lead}{mark}{stripped}{mark}{trail}")
        previous_marked = not trail
    return "".join(out)


def _slack_clause(entry: dict[str, Any]) -> str:
    head = f"*{str(entry.get('kind', '')).upper()}*"
    if entry.get("section"):
        head += f" · _{slack_escape(str(entry['section']))}_"
    if entry.get("kind") == "modified" and entry.get("inline"):
        body = slack_marked(entry["inline"])
    elif entry.get("kind") == "removed":
        body = "~" + slack_escape(str(entry.get("old") or "")) + "~"
    else:
        body = slack_escape(str(entry.get("new") or ""))
    reasons = "".join(f"\n• {slack_escape(r)}" for r in entry.get("reasons") or [])
    return _clip_block(f"{head}\n{body}{reasons}")


def _clip_block(text: str) -> str:
    return text if len(text) <= SLACK_TEXT_LIMIT else text[: SLACK_TEXT_LIMIT - 1] + "…"


def _slack_notice(message: AlertFacts) -> str:
    return f"\n*Notice:* {slack_escape(notice_words(message))}" if message.notice else ""


def _slack_alert_blocks(message: AlertFacts) -> list[dict[str, Any]]:
    title = f"{message.severity.upper()}: {headline(message)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": one_line(title, 150)}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip_block(
                slack_escape(message.summary or message.detail) + _slack_notice(message))},
        },
    ]
    for entry in message.changes[:MAX_CLAUSES]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack_clause(entry)}})
    link_label = "View the change" if message.kind == "change" else "View the policy"
    versions = ""
    if message.from_version is not None:
        versions = f"versions {message.from_version} → {message.to_version} · "
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": (f"{versions}<{message.link}|{link_label}> · <{message.policy_url}|policy page>"),
                }
            ],
        }
    )
    return blocks


def slack_payload(messages: Sequence[AlertFacts]) -> dict[str, Any]:
    """A Slack-compatible ``{"text", "blocks"}`` payload; ``text`` is the notification fallback."""
    blocks: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if index:
            blocks.append({"type": "divider"})
        blocks.extend(_slack_alert_blocks(message))
    if len(blocks) > SLACK_MAX_BLOCKS:
        note = {"type": "context", "elements": [{"type": "mrkdwn", "text": "(more in the history browser)"}]}
        blocks = [*blocks[: SLACK_MAX_BLOCKS - 1], note]
    return {"text": subject_line(messages), "blocks": blocks}
