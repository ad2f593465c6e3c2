"""What every route shares: the app's state, a read-only session per request, and template rendering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config import Settings
from monitor.core.facts import notice_text
from monitor.core.materiality import CATEGORIES
from monitor.core.render import inline_html, side_by_side_html
from monitor.core.report import anomaly_label
from monitor.core.templating import template_environment


@dataclass(frozen=True)
class WebState:
    settings: Settings
    engine: Engine
    templates: Environment
    token: str | None  # None: no login needed
    #: A line shown on every page (``policywatch demo``: where its data comes from, and its licence).
    notice: str | None = None


def make_templates() -> Environment:
    # Autoescape everything: policy text, summaries and URLs come from third-party pages.
    env = template_environment("monitor.web", html=True, strict=True)
    env.filters["date"] = format_date
    env.filters["when"] = format_when
    env.filters["words"] = lambda value: str(value).replace("_", " ")
    env.filters["notice"] = notice_text
    env.filters["anomaly"] = anomaly_label
    env.globals.update(
        inline_html=inline_html, side_by_side_html=side_by_side_html, CATEGORIES=CATEGORIES, qs=query_string
    )
    return env


def query_string(**params: object) -> str:
    """``?a=1&b=2`` from the parameters that are set (for filter links)."""
    present = {key: str(value) for key, value in params.items() if value not in (None, "")}
    return "?" + urlencode(present) if present else "?"


def format_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "—"


def format_when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def db_session(request: Request) -> Iterator[Session]:
    """A session for one request; the web UI only reads, so it is never committed."""
    with Session(web_state(request).engine, expire_on_commit=False) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
State = Annotated[WebState, Depends(web_state)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state = web_state(request)
    page = state.templates.get_template(template).render(
        request=request, login_enabled=state.token is not None, notice=state.notice, **context
    )
    return HTMLResponse(page, status_code=status_code)
