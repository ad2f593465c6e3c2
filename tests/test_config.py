"""Config loading: valid files work, and every mistake names the file and the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import load_config, secret_from_env
from monitor.config_fields import parse_duration
from monitor.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


POLICY = '[[policies]]\nname = "acme"\nurl = "https://acme.example/privacy"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("1h30m", timedelta(minutes=90)),
        ("250ms", timedelta(milliseconds=250)),
        (45, timedelta(seconds=45)),
        (2.5, timedelta(seconds=2.5)),
        ("90", timedelta(seconds=90)),
    ],
)
def test_durations_accept_units_and_plain_seconds(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["30x", "soon", "-5", -1, True, "1h 30"])
def test_durations_reject_nonsense(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_shipped_example_config_is_valid() -> None:
    settings = load_config(Path(__file__).resolve().parents[1] / "config.toml")
    assert settings.policies, "the example config tracks real policies"
    assert settings.storage.url.startswith("sqlite:///")


def test_relative_sqlite_path_resolves_against_config_folder(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, '[storage]\nurl = "sqlite:///data/pw.db"\n' + POLICY))
    assert settings.database_url == f"sqlite:///{(tmp_path / 'data' / 'pw.db').resolve()}"


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[fetch]\ntimeout = "30s"\nconcurency = 8\n' + POLICY)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and "fetch.concurency" in message and "unknown key" in message


def test_bad_duration_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fetch\.timeout: '30x' is not a duration"):
        load_config(write(tmp_path, '[fetch]\ntimeout = "30x"\n' + POLICY))


def test_policy_errors_name_the_list_index(tmp_path: Path) -> None:
    text = POLICY + '[[policies]]\nname = "Bad Name"\nurl = "ftp://x"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert "policies[1].name" in str(caught.value)
    assert "policies[1].url" in str(caught.value)


def test_duplicate_policy_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate policy name 'acme'"):
        load_config(write(tmp_path, POLICY + POLICY))


def test_unknown_notifier_in_policy_is_refused(tmp_path: Path) -> None:
    text = POLICY + 'notify = ["team"]\n'
    with pytest.raises(ConfigError, match=r"policies\[0\]\.notify: unknown notifier 'team'"):
        load_config(write(tmp_path, text))


def test_notifier_kinds_are_a_tagged_union(tmp_path: Path) -> None:
    text = (
        '[notifiers.team]\nkind = "email"\nhost = "smtp.example"\nfrom = "pw@example"\nto = ["a@example"]\n'
        '[notifiers.hook]\nkind = "webhook"\nurl = "https://hooks.example/x"\nformat = "slack"\n'
        '[notifiers.bad]\nkind = "pager"\n' + POLICY
    )
    with pytest.raises(ConfigError, match=r"notifiers\.bad"):
        load_config(write(tmp_path, text))
    settings = load_config(write(tmp_path, text.replace('[notifiers.bad]\nkind = "pager"\n', "")))
    assert settings.notifiers["team"].kind == "email"
    assert settings.notifiers["hook"].kind == "webhook"
    assert settings.notifiers_for(settings.policies[0]) == ["team", "hook"]


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(write(tmp_path, "[fetch\n"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")


def test_secrets_come_from_named_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SECRET", "s3cret")
    assert secret_from_env("PW_TEST_SECRET", key="notifiers.x.password_env") == "s3cret"
    monkeypatch.delenv("PW_TEST_SECRET")
    with pytest.raises(ConfigError, match=r"notifiers\.x\.password_env: environment variable PW_TEST_SECRET"):
        secret_from_env("PW_TEST_SECRET", key="notifiers.x.password_env")
