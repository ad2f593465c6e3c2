"""The one way policywatch makes a Jinja environment: templates from a package, escaping decided here.

Three layers render templates: the notifiers (alert e-mails), the core (the standalone comparison page)
and the web UI. They differ in their package, in whether the output is HTML, and in their filters; the
rest (whitespace control, autoescaping of HTML, undefined handling) is policy and is kept in one place, so
an alert e-mail never escapes differently from the page it links to. Policy text is third-party input:
an HTML environment always autoescapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Undefined


def template_environment(
    package: str,
    folder: str = "templates",
    *,
    html: bool,
    strict: bool = False,
    keep_trailing_newline: bool = False,
    filters: Mapping[str, Callable[..., Any]] | None = None,
    globals: Mapping[str, Any] | None = None,
) -> Environment:
    """An environment loading ``<package>/<folder>/*``.

    ``html`` turns autoescaping on for every template (plain-text e-mail parts are the only ``False``);
    ``strict`` makes an undefined variable an error instead of an empty string.
    """
    env = Environment(
        loader=PackageLoader(package, folder),
        autoescape=html,
        undefined=StrictUndefined if strict else Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
    )
    env.filters.update(filters or {})
    env.globals.update(globals or {})
    return env
