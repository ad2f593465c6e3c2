"""The value types of the configuration: durations, URLs, addresses, names and selectors, each validated.

Kept apart from ``monitor/config.py`` (the models and the loader) so both stay short. Every validator raises
``ValueError`` with a message that pydantic prefixes with the key, so errors name the key.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator

from monitor.core.severity import Severity

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """Read ``"30s"``, ``"1h30m"``, ``"7d"`` or a number of seconds as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or a string such as '30s'")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("a duration must be a number of seconds or a string such as '30s'")
    text = value.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return timedelta(seconds=float(text))
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration; write e.g. '30s', '15m', '12h', '7d'")
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
SeverityName = Severity
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Characters never part of a URL as written (RFC 3986 appendix C) that would break out of the quoted
#: headers, attributes, shell lines and log fields it is copied into. (``<`` and ``>`` are escaped
#: wherever a URL is shown and percent-encoded when it is fetched, so they are left to those layers.)
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f\"'\\`]")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg", "postgres")


def _no_control(value: str) -> str:
    """CR/LF or any control character in a name, address or header value could forge a header or a line."""
    if match := _CONTROL.search(value):
        raise ValueError(f"must not contain control characters (found {match.group()!r})")
    return value


def http_url(value: str) -> str:
    _no_control(value)
    if match := _NOT_IN_URL.search(value):
        raise ValueError(f"must not contain {match.group()!r} (percent-encode it)")
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError("must be the name of an environment variable (letters, digits, '_')")
    return value


def _address(value: str) -> str:
    _no_control(value)
    if "@" not in value:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


Text = Annotated[str, AfterValidator(_no_control)]
HttpUrl = Annotated[str, AfterValidator(http_url)]
EnvName = Annotated[str, AfterValidator(_env_name)]
Address = Annotated[str, AfterValidator(_address)]


def _css_selector(value: str) -> str:
    """A CSS selector Lexbor accepts: checked at load time, so a typo is a config error naming the key,
    not a crash in the middle of a run."""
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    try:
        LexborHTMLParser("<p></p>").css(value)
    except SelectolaxError:
        raise ValueError(f"invalid CSS selector {value!r}") from None
    return value


CssSelector = Annotated[str, AfterValidator(_css_selector)]
