"""The timeline chart of a policy's history: a server-drawn SVG, no script and no CDN (pure functions).

Each change is a bar at its date: taller for higher severity, coloured by direction (classes styled in
``static/style.css``), linked to its change page and titled for hover. Versions are dots on the baseline.
Only presentation attributes and classes are used, since the CSP forbids inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup

WIDTH = 800
HEIGHT = 84
PAD = 16
BASELINE = 58
BAR_HEIGHT = {"none": 10, "low": 18, "medium": 32, "high": 46}


@dataclass(frozen=True, slots=True)
class Mark:
    when: datetime
    severity: str
    direction: str
    material: bool
    href: str
    label: str
    dim: bool = False  # outside the active category filter


def _x(when: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds()
    fraction = 0.5 if span <= 0 else (when - start).total_seconds() / span
    return round(PAD + fraction * (WIDTH - 2 * PAD), 1)


def _year_step(start: datetime, end: datetime) -> int:
    years = end.year - start.year
    return 1 if years <= 12 else 2 if years <= 24 else 5


def _year_ticks(start: datetime, end: datetime) -> list[Markup]:
    ticks = []
    step = _year_step(start, end)
    for year in range(start.year + 1, end.year + 1):
        if year % step:
            continue
        x = _x(datetime(year, 1, 1, tzinfo=UTC), start, end)
        ticks.append(
            Markup('<line class="tick" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/>'
                   '<text class="year" x="{x}" y="{label}" text-anchor="middle">{year}</text>').format(
                x=x, top=8, bottom=BASELINE + 4, label=HEIGHT - 6, year=year,
            )
        )  # fmt: skip
    return ticks


def _bar(mark: Mark, start: datetime, end: datetime) -> Markup:
    height = BAR_HEIGHT.get(mark.severity, BAR_HEIGHT["none"]) if mark.material else BAR_HEIGHT["none"]
    kind = f"material sev-{mark.severity} dir-{mark.direction}" if mark.material else "minor"
    classes = f"bar {kind}" + (" dim" if mark.dim else "")
    x = _x(mark.when, start, end)
    return Markup(
        '<a href="{href}" class="mark"><title>{label}</title>'
        '<rect class="{classes}" x="{x}" y="{y}" width="6" height="{h}" rx="1"/></a>'
    ).format(href=mark.href, label=mark.label, classes=classes, x=x - 3, y=BASELINE - height, h=height)


def timeline_svg(
    marks: Sequence[Mark], versions: Sequence[datetime], *, title: str, now: datetime | None = None
) -> Markup:
    """An SVG chart of ``marks`` (changes) and ``versions`` (their dates) from the first version to now."""
    moments = [*versions, *(mark.when for mark in marks)]
    if not moments:
        return Markup("")
    start = min(moments)
    end = max([*moments, now]) if now is not None else max(moments)
    parts: list[Markup] = [
        Markup('<svg class="timeline" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" '
               'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>').format(
            w=WIDTH, h=HEIGHT, title=title,
        ),
        Markup('<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>').format(
            a=PAD, b=WIDTH - PAD, y=BASELINE
        ),
        *_year_ticks(start, end),
    ]  # fmt: skip
    parts.extend(
        Markup('<circle class="version" cx="{x}" cy="{y}" r="2.5"/>').format(
            x=_x(when, start, end), y=BASELINE
        )
        for when in versions
    )
    # Minor changes first, so material bars are drawn on top of them.
    ordered = sorted(marks, key=lambda mark: (mark.material, not mark.dim))
    parts.extend(_bar(mark, start, end) for mark in ordered)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
