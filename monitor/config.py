"""Configuration: a TOML file validated by pydantic models that forbid unknown keys.

Every setting has a default except the policies themselves. Durations are written as ``"30s"``, ``"15m"``,
``"12h"``, ``"7d"`` (or combinations such as ``"1h30m"``) or as a number of seconds. Secrets are never
written in the file: keys ending in ``_env`` name the environment variable that holds them.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.core.severity import Severity
from monitor.errors import ConfigError

DEFAULT_CONFIG = "config.toml"
CONFIG_ENV = "POLICYWATCH_CONFIG"

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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StorageSettings(Section):
    url: str = "sqlite:///policywatch.db"


class FetchSettings(Section):
    user_agent: str = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
    timeout: Duration = timedelta(seconds=30)
    max_bytes: int = Field(default=10_000_000, gt=0)
    #: Decoded bytes per byte received beyond which a compressed body is refused as a bomb.
    max_compression_ratio: float = Field(default=100, ge=1)
    max_redirects: int = Field(default=10, ge=0)
    concurrency: int = Field(default=8, ge=1, le=1024)
    per_host_interval: Duration = timedelta(seconds=2)
    retries: int = Field(default=3, ge=0, le=20)
    retry_backoff: Duration = timedelta(seconds=1)
    max_retry_after: Duration = timedelta(minutes=10)
    respect_robots: bool = True
    robots_cache_ttl: Duration = timedelta(hours=12)


class ScheduleSettings(Section):
    interval: Duration = timedelta(hours=12)
    jitter: Duration = timedelta(minutes=15)
    tick: Duration = timedelta(seconds=5)
    lease: Duration = timedelta(minutes=10)
    batch: int = Field(default=64, ge=1)


class DaemonSettings(Section):
    grace_period: Duration = timedelta(seconds=10)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    worker_id: str | None = None


class AlertSettings(Section):
    min_severity: SeverityName = "medium"
    failure_threshold: int = Field(default=3, ge=1)
    max_attempts: int = Field(default=8, ge=1)
    retry_backoff: Duration = timedelta(seconds=30)
    max_backoff: Duration = timedelta(hours=1)
    deliver_interval: Duration = timedelta(seconds=5)
    #: How long a delivery claim holds; a killed worker's alerts are claimable again after it.
    claim_lease: Duration = Field(default=timedelta(minutes=5), gt=timedelta(0))


class WebSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: str = "http://127.0.0.1:8080"
    token_env: str | None = None

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class WaybackSettings(Section):
    base_url: str = "https://web.archive.org"
    requests_per_minute: float = Field(default=24, gt=0)
    captures_per_second: float = Field(default=8, gt=0)
    rate_limit_pause: Duration = timedelta(seconds=60)
    page_limit: int = Field(default=5000, ge=1)
    retries: int = Field(default=4, ge=0)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class EmailNotifierSettings(Section):
    kind: Literal["email"]
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    min_severity: SeverityName | None = None
    digest: bool = False
    timeout: Duration = timedelta(seconds=30)
    ca_file: str | None = None
    verify_tls: bool = True


class WebhookNotifierSettings(Section):
    kind: Literal["webhook"]
    url: str
    format: Literal["json", "slack"] = "json"
    secret_env: str | None = None
    min_severity: SeverityName | None = None
    digest: bool = False
    timeout: Duration = timedelta(seconds=15)
    headers: dict[str, str] = Field(default_factory=dict)


NotifierSettings = Annotated[EmailNotifierSettings | WebhookNotifierSettings, Field(discriminator="kind")]


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _part_table(value: Any) -> Any:
    return {"url": value} if isinstance(value, str) else value


class CombinePart(Section):
    """One page of a policy published over several pages; its own select/remove replace the policy's."""

    url: str
    select: list[str] | None = None
    remove: list[str] | None = None

    _url = field_validator("url")(_http_url)


class PolicySettings(Section):
    name: str
    url: str
    select: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    #: The pages whose texts, joined in this order, make the policy (``url`` defaults to the first).
    combine: list[Annotated[CombinePart, BeforeValidator(_part_table)]] = Field(default_factory=list)
    #: The Open Terms Archive document this policy is, as ``"Service/Terms type"``.
    ota: str | None = None
    notify: list[str] | None = None
    interval: Duration | None = None
    ignore_robots: bool = False
    archive: bool = False
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be a slug: lower-case letters, digits, '.', '_' or '-'")
        return value

    _url = field_validator("url")(_http_url)

    @model_validator(mode="before")
    @classmethod
    def _url_of_combined(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" not in data and isinstance(data.get("combine"), list):
            first = data["combine"][0] if data["combine"] else None
            url = first if isinstance(first, str) else first.get("url") if isinstance(first, dict) else None
            if isinstance(url, str):
                return {**data, "url": url}
        return data

    @field_validator("combine")
    @classmethod
    def _two_or_more(cls, value: list[CombinePart]) -> list[CombinePart]:
        if len(value) == 1:
            raise ValueError("combine needs two or more pages (one page is just `url`)")
        return value

    @field_validator("ota")
    @classmethod
    def _ota_document(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^/\s][^/]*/[^/\s][^/]*", value.strip()):
            raise ValueError('must name an Open Terms Archive document as "Service/Terms type"')
        return value.strip() if value is not None else None


class Settings(Section):
    storage: StorageSettings = StorageSettings()
    fetch: FetchSettings = FetchSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    daemon: DaemonSettings = DaemonSettings()
    alerts: AlertSettings = AlertSettings()
    web: WebSettings = WebSettings()
    wayback: WaybackSettings = WaybackSettings()
    notifiers: dict[str, NotifierSettings] = Field(default_factory=dict)
    policies: list[PolicySettings] = Field(default_factory=list)
    #: The folder of the config file; relative paths (the SQLite file) resolve against it.
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> Settings:
        seen: set[str] = set()
        documents: set[str] = set()
        for index, policy in enumerate(self.policies):
            if policy.name in seen:
                raise ValueError(f"policies[{index}].name: duplicate policy name {policy.name!r}")
            seen.add(policy.name)
            if policy.ota is not None and policy.ota in documents:
                raise ValueError(f"policies[{index}].ota: {policy.ota!r} is already another policy's")
            documents.add(policy.ota or "")
            for notifier in policy.notify or []:
                if notifier not in self.notifiers:
                    raise ValueError(
                        f"policies[{index}].notify: unknown notifier {notifier!r} "
                        f"(declared: {', '.join(sorted(self.notifiers)) or 'none'})"
                    )
        for notifier_id in self.notifiers:
            if not SLUG.match(notifier_id):
                raise ValueError(f"notifiers.{notifier_id}: id must be a slug")
        return self

    @property
    def database_url(self) -> str:
        return resolve_database_url(self.storage.url, self.base_dir)

    def policy(self, name: str) -> PolicySettings:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise ConfigError(f"no policy named {name!r} in the config")

    def notifiers_for(self, policy: PolicySettings) -> list[str]:
        """The notifier ids a policy alerts: its ``notify`` list, or every notifier."""
        return list(policy.notify) if policy.notify is not None else list(self.notifiers)


def resolve_database_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite path absolute against the config file's folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((base_dir / url[len(prefix) :]).resolve())
    return url


def secret_from_env(variable: str | None, *, key: str) -> str | None:
    """Read a secret named by an ``*_env`` key; a named but unset variable is a config error."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise ConfigError(f"{key}: environment variable {variable} is not set")
    return value


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))


def _format_location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"email", "webhook"} and out.startswith("notifiers."):
            continue  # the tagged-union branch name is noise to the user
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors():
        location = _format_location(tuple(item["loc"]))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{path}: {location or '(top level)'}: {message}")
    return "\n".join(lines)


def parse_config(data: dict[str, Any], *, path: Path) -> Settings:
    """Validate an already-parsed TOML document."""
    try:
        return Settings.model_validate({**data, "base_dir": path.resolve().parent})
    except ValidationError as error:
        raise ConfigError(_describe(error, path)) from None


def load_config(path: Path | str | None = None) -> Settings:
    """Read and validate the config file; every problem is a ConfigError naming the file and key."""
    config_path = Path(path) if path is not None else default_config_path()
    try:
        raw = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: config file not found") from None
    except OSError as error:
        raise ConfigError(f"{config_path}: cannot read config file: {error.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{config_path}: config file is not UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path}: invalid TOML: {error}") from None
    if "base_dir" in data:
        raise ConfigError(f"{config_path}: base_dir: unknown key")
    return parse_config(data, path=config_path)
