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

from monitor.config_fields import (
    DATABASE_SCHEMES,
    HEADER_NAME,
    SLUG,
    Address,
    CssSelector,
    Duration,
    EnvName,
    HttpUrl,
    SeverityName,
    Text,
    http_url,
)
from monitor.errors import ConfigError

DEFAULT_CONFIG = "config.toml"
CONFIG_ENV = "POLICYWATCH_CONFIG"



class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _strict_booleans(cls, data: Any) -> Any:
        # TOML has real booleans: "yes", 1 or "false" (which pydantic would read as False) is a mistake.
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                for key in {name, field.alias or name}:
                    if field.annotation is bool and key in data and not isinstance(data[key], bool):
                        raise ValueError(f"{key}: must be true or false (not {data[key]!r})")
        return data


class StorageSettings(Section):
    url: Text = "sqlite:///policywatch.db"

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = value.partition("://")[0].lower() if "://" in value else ""
        if scheme not in DATABASE_SCHEMES:
            raise ValueError(
                f"unsupported database {scheme or value!r}: use sqlite:///PATH or "
                "postgresql+psycopg://USER@HOST/DB"
            )
        return value


class FetchSettings(Section):
    user_agent: Text = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
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


MIN_INTERVAL = timedelta(minutes=1)


class ScheduleSettings(Section):
    interval: Duration = timedelta(hours=12)
    #: The shortest check interval accepted (here and per policy): lower it only for tests and demos.
    min_interval: Duration = MIN_INTERVAL
    jitter: Duration = timedelta(minutes=15)
    tick: Duration = timedelta(seconds=5)
    lease: Duration = timedelta(minutes=10)
    batch: int = Field(default=64, ge=1)

    @model_validator(mode="after")
    def _not_too_often(self) -> ScheduleSettings:
        if self.min_interval < timedelta(seconds=1):
            raise ValueError("min_interval: must be at least 1s")
        if self.interval < self.min_interval:
            raise ValueError(
                f"interval: {_span(self.interval)} is shorter than schedule.min_interval "
                f"({_span(self.min_interval)})"
            )
        return self


def _span(value: timedelta) -> str:
    return f"{value.total_seconds():g}s"


class DaemonSettings(Section):
    grace_period: Duration = timedelta(seconds=10)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: Text = "127.0.0.1"
    worker_id: Text | None = None


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
    host: Text = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: HttpUrl = "http://127.0.0.1:8080"
    token_env: EnvName | None = None

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class WaybackSettings(Section):
    base_url: HttpUrl = "https://web.archive.org"
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
    host: Text
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: Text | None = None
    password_env: EnvName | None = None
    sender: Address = Field(alias="from")
    to: list[Address] = Field(min_length=1)
    min_severity: SeverityName | None = None
    digest: bool = False
    timeout: Duration = timedelta(seconds=30)
    ca_file: Text | None = None
    verify_tls: bool = True


class WebhookNotifierSettings(Section):
    kind: Literal["webhook"]
    url: HttpUrl
    format: Literal["json", "slack"] = "json"
    secret_env: EnvName | None = None
    min_severity: SeverityName | None = None
    digest: bool = False
    timeout: Duration = timedelta(seconds=15)
    headers: dict[str, Text] = Field(default_factory=dict)

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
        return value


ResourceType = Literal["image", "media", "font", "stylesheet"]
DEFAULT_BLOCKED: tuple[ResourceType, ...] = ("image", "media", "font")


class BrowserSettings(Section):
    """Headless Chromium for script-rendered policies (``render = "browser"`` or an escalated ``"auto"``)."""

    executable_path: str = "/usr/bin/chromium"
    timeout: Duration = timedelta(seconds=30)
    wait_for: CssSelector | None = None
    settle: Duration = timedelta(milliseconds=500)
    concurrency: int = Field(default=2, ge=1, le=32)
    restart_after: int = Field(default=100, ge=1)
    idle_timeout: Duration = timedelta(seconds=60)
    block_resources: list[ResourceType] = Field(default_factory=lambda: list(DEFAULT_BLOCKED))





NotifierSettings = Annotated[EmailNotifierSettings | WebhookNotifierSettings, Field(discriminator="kind")]


def _part_table(value: Any) -> Any:
    return {"url": value} if isinstance(value, str) else value


class CombinePart(Section):
    """One page of a policy published over several pages; its own select/remove replace the policy's."""

    url: str
    select: list[CssSelector] | None = None
    remove: list[CssSelector] | None = None

    _url = field_validator("url")(http_url)


class PolicySettings(Section):
    name: str
    url: str
    select: list[CssSelector] = Field(default_factory=list)
    remove: list[CssSelector] = Field(default_factory=list)
    #: The pages whose texts, joined in this order, make the policy (``url`` defaults to the first).
    combine: list[Annotated[CombinePart, BeforeValidator(_part_table)]] = Field(default_factory=list)
    #: The Open Terms Archive document this policy is, as ``"Service/Terms type"``.
    ota: str | None = None
    notify: list[str] | None = None
    interval: Duration | None = None
    ignore_robots: bool = False
    archive: bool = False
    enabled: bool = True
    render: Literal["static", "browser", "auto"] = "auto"

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be a slug: lower-case letters, digits, '.', '_' or '-'")
        return value

    _url = field_validator("url")(http_url)

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
    browser: BrowserSettings = BrowserSettings()
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
                raise ValueError(f"notifiers.{notifier_id!r}: id must be a slug")
        for index, policy in enumerate(self.policies):
            if policy.interval is not None and policy.interval < self.schedule.min_interval:
                raise ValueError(
                    f"policies[{index}].interval: {_span(policy.interval)} is shorter than "
                    f"schedule.min_interval ({_span(self.schedule.min_interval)})"
                )
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


def missing_secrets(settings: Settings) -> list[str]:
    """``key: problem`` for every ``*_env`` key naming an unset or empty environment variable."""
    named: list[tuple[str, str | None]] = [("web.token_env", settings.web.token_env)]
    for notifier_id, notifier in settings.notifiers.items():
        field = "password_env" if isinstance(notifier, EmailNotifierSettings) else "secret_env"
        named.append((f"notifiers.{notifier_id}.{field}", getattr(notifier, field)))
    problems = []
    for key, variable in named:
        if variable is None:
            continue
        value = os.environ.get(variable)
        if value is None:
            problems.append(f"{key}: environment variable {variable} is not set")
        elif not value.strip():
            problems.append(f"{key}: environment variable {variable} is empty")
    return problems


def require_secrets(settings: Settings, path: Path) -> None:
    """Refuse to start (a ConfigError naming each key and variable) while a named secret is missing."""
    if problems := missing_secrets(settings):
        raise ConfigError("\n".join(f"{path}: {problem}" for problem in problems))


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


_KEY_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]-]*): ")


def _describe(error: ValidationError, path: Path) -> str:
    lines = []
    for item in error.errors():
        location = _format_location(tuple(item["loc"]))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "value_error" and (key := _KEY_PREFIX.match(message)):
            # A section's own check names the key inside it: "fetch" + "respect_robots: ..." is one path.
            location = f"{location}.{key.group(1)}" if location else key.group(1)
            message = message[key.end() :]
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
