"""Pure formatting of alerts: the words (headlines, subject lines), and the e-mail's text and HTML parts.

Everything reads :class:`~notifiers.base.AlertFacts` values (built from the stored change report, never a
new diff) and returns strings; nothing here sends. Webhook and Slack documents are in
``notifiers.documents``. Policy text is third-party input, so the HTML template autoescapes and the
highlight helpers escape every chunk they wrap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from jinja2 import Environment
from markupsafe import Markup, escape

from monitor.core.facts import notice_text
from monitor.core.severity import highest_severity as _highest
from monitor.core.templating import template_environment
from notifiers.base import AlertFacts, RenderedAlert

SUBJECT_PREFIX: Final = "[policywatch]"
SUBJECT_LIMIT: Final = 160
#: An e-mail shows this many material clauses; the change page has the rest.
MAX_CLAUSES: Final = 20
SEVERITY_COLOUR: Final = {"high": "#b00020", "medium": "#b35c00", "low": "#00607a", "none": "#555555"}

CATEGORY_LABELS: Final = {
    "sharing": "sharing with third parties", "sale": "sale of data",
    "advertising": "tracking and advertising", "collection": "data collected",
    "sensitive_data": "sensitive data", "purpose": "uses of data",
    "retention": "retention", "user_rights": "your rights", "children": "children's data",
    "international_transfer": "international transfers", "security": "security",
    "policy_change": "notice of changes", "legal_disclosure": "disclosure to authorities",
    "business_transfer": "business transfers", "contact": "contacts",
}  # fmt: skip
#: What a less protective change in a category means, as the end of "<policy> privacy policy ...".
LESS_PROTECTIVE_PHRASES: Final = {
    "sale": "now allows sale of data", "sensitive_data": "now uses sensitive data",
    "children": "weakens protection of children's data", "sharing": "now shares more with third parties",
    "advertising": "now allows more tracking and advertising", "collection": "now collects more data",
    "purpose": "now uses data for more purposes", "retention": "now keeps data longer",
    "user_rights": "now limits your rights", "policy_change": "can now change with less notice",
    "international_transfer": "now transfers data abroad more freely",
    "legal_disclosure": "now discloses more to authorities",
    "business_transfer": "now lets data pass with a sale of the business",
    "security": "weakens its security commitments", "contact": "changed how to reach the company",
}  # fmt: skip
#: The order in which categories lead a subject line: what a reader most needs to hear first.
CATEGORY_PRIORITY: Final = (
    "sale", "sensitive_data", "children", "sharing", "advertising", "collection", "purpose", "retention",
    "user_rights", "policy_change", "international_transfer", "legal_disclosure", "business_transfer",
    "security", "contact",
)  # fmt: skip
DIRECTION_LABELS: Final = {
    "less_protective": "less protective", "more_protective": "more protective", "mixed": "mixed",
    "neutral": "neutral",
}  # fmt: skip


# -- words ------------------------------------------------------------------------------------------------


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.replace("_", " "))


def top_categories(categories: Sequence[str]) -> list[str]:
    rank = {name: index for index, name in enumerate(CATEGORY_PRIORITY)}
    return sorted(dict.fromkeys(categories), key=lambda name: rank.get(name, len(rank)))


def _join(labels: Sequence[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def headline(message: AlertFacts) -> str:
    """One line that says what happened: ``qnet privacy policy now allows sale of data``."""
    subject = f"{message.policy} privacy policy"
    if message.kind == "broken":
        return f"tracking broken for {message.policy} ({message.failures} failed checks in a row)"
    if message.kind == "recovered":
        return f"tracking recovered for {message.policy}"
    ordered = top_categories(message.categories)
    if not ordered:
        return f"{subject} changed"
    labels = [category_label(name) for name in ordered]
    if message.direction == "less_protective":
        phrase = LESS_PROTECTIVE_PHRASES.get(ordered[0], f"changed {labels[0]}")
        # Labels may contain "and" themselves ("tracking and advertising"), so list with commas.
        also = f" (also {', '.join(labels[1:3])})" if len(labels) > 1 else ""
        return f"{subject} {phrase}{also}"
    if message.direction == "more_protective":
        return f"{subject} is more protective on {_join(labels[:3])}"
    return f"{subject} changed {_join(labels[:3])}"


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (whitespace runs become one space), cut to ``limit`` with an ellipsis."""
    text = " ".join(text.split())  # a header must never carry a line break
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def highest_severity(messages: Sequence[AlertFacts]) -> str:
    return _highest(m.severity for m in messages)


def subject_line(messages: Sequence[AlertFacts]) -> str:
    """``[policywatch] HIGH: qnet privacy policy now allows sale of data``; a digest counts its alerts."""
    if len(messages) == 1:
        message = messages[0]
        label = {"broken": "TRACKING BROKEN", "recovered": "RECOVERED"}.get(message.kind)
        if label is not None:
            return one_line(f"{SUBJECT_PREFIX} {label}: {message.policy}", SUBJECT_LIMIT)
        return one_line(f"{SUBJECT_PREFIX} {message.severity.upper()}: {headline(message)}", SUBJECT_LIMIT)
    policies = list(dict.fromkeys(m.policy for m in messages))
    named = ", ".join(policies[:3]) + (f" and {len(policies) - 3} more" if len(policies) > 3 else "")
    top = highest_severity(messages).upper()
    return one_line(f"{SUBJECT_PREFIX} {len(messages)} alerts, highest {top}: {named}", SUBJECT_LIMIT)


def delivery_id(messages: Sequence[AlertFacts]) -> str:
    """A stable id for one outgoing message: the alert key, or a hash of a digest's keys.

    A retry of the same alerts carries the same id, so a receiver can drop the rare duplicate.
    """
    keys = sorted(m.key for m in messages)
    if len(keys) == 1:
        return keys[0]
    return "digest:" + hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:32]


# -- word-level highlights --------------------------------------------------------------------------------


def marked_text(inline: Sequence[Sequence[Any]]) -> str:
    """Word diff ops as plain text, wdiff style: ``[-removed-]{+added+}``."""
    out = []
    for op, chunk in inline:
        text = str(chunk)
        out.append({-1: f"[-{text}-]", 1: f"{{+{text}+}}"}.get(int(op), text))
    return "".join(out)


DEL_STYLE: Final = "background:#ffe0e0;color:#8a0000;text-decoration:line-through"
INS_STYLE: Final = "background:#d8f5d8;color:#005a00;text-decoration:none;font-weight:bold"


def highlighted_html(inline: Sequence[Sequence[Any]], *, side: str) -> Markup:
    """One side of a word diff as escaped HTML: old strikes its deletions, new marks its insertions."""
    keep = -1 if side == "old" else 1
    parts = []
    for op, chunk in inline:
        op = int(op)
        if op == -keep:
            continue
        text = escape(str(chunk))
        if op == 0:
            parts.append(text)
        elif op == -1:
            parts.append(Markup('<del style="{}">{}</del>').format(DEL_STYLE, text))
        else:
            parts.append(Markup('<ins style="{}">{}</ins>').format(INS_STYLE, text))
    return Markup("").join(parts)


def whole_html(text: str | None, *, side: str) -> Markup:
    """A whole added or removed clause, highlighted like the words of a modified one."""
    if not text:
        return Markup("")
    style = DEL_STYLE if side == "old" else INS_STYLE
    tag = "del" if side == "old" else "ins"
    return Markup('<{tag} style="{style}">{text}</{tag}>').format(tag=Markup(tag), style=style, text=text)


def notice_words(message: AlertFacts) -> str:
    """The notice in words, "changed without a new 'last updated' date (still dated 2025-03-03)", or ""."""
    words = notice_text(message.notice)
    if not words:
        return ""
    if message.notice == "undated":
        words += f" (still dated {message.stated_date})" if message.stated_date else " (the date was removed)"
    return words


def when(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.strftime("%Y-%m-%d %H:%M UTC")


# -- e-mail -----------------------------------------------------------------------------------------------


def _environment(*, html: bool) -> Environment:
    filters: dict[str, Callable[..., Any]] = {
        "label": category_label, "marked": marked_text, "highlighted": highlighted_html, "whole": whole_html,
        "when": when, "direction": lambda d: DIRECTION_LABELS.get(d, d), "notice": notice_words,
    }  # fmt: skip
    globals_ = {
        "headline": headline, "severity_colour": SEVERITY_COLOUR, "max_clauses": MAX_CLAUSES,
        "top_categories": top_categories,
    }  # fmt: skip
    return template_environment(
        "notifiers", html=html, keep_trailing_newline=True, filters=filters, globals=globals_
    )


_TEXT = _environment(html=False)
_HTML = _environment(html=True)


def render_email(messages: Sequence[AlertFacts]) -> RenderedAlert:
    """The subject, the plain-text part and the HTML part (inline styles only) of one e-mail."""
    if not messages:
        raise ValueError("an e-mail needs at least one alert")
    context = {"alerts": list(messages), "digest": len(messages) > 1, "subject": subject_line(messages)}
    return RenderedAlert(
        subject=subject_line(messages),
        text=_TEXT.get_template("alert.txt.j2").render(context),
        html=_HTML.get_template("alert.html.j2").render(context),
        keys=tuple(m.key for m in messages),
    )
