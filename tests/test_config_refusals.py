"""The config refuses what cannot work: forged headers, odd URLs, loose booleans, busy loops, missing secrets.

Every refusal is a ConfigError (exit 2 from a command) naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_config
from monitor.errors import ConfigError

POLICY = '[[policies]]\nname = "acme"\nurl = "https://acme.example/privacy"\n'
EMAIL = (
    '[notifiers.ops]\nkind = "email"\nhost = "127.0.0.1"\n'
    'from = "pw@example.org"\nto = ["team@example.org"]\n'
)
WEBHOOK = '[notifiers.hook]\nkind = "webhook"\nurl = "https://hooks.example/policywatch"\n'
runner = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            EMAIL.replace('"pw@example.org"', '"pw@example.org\\r\\nBcc: all@example.org"'),
            "notifiers.ops.from",
        ),
        (EMAIL.replace('["team@example.org"]', '["team@example.org\\nX: y"]'), "notifiers.ops.to[0]"),
        (EMAIL.replace('"127.0.0.1"', '"127.0.0.1\\r\\n"'), "notifiers.ops.host"),
        (EMAIL + 'username = "me\\u0000"\n', "notifiers.ops.username"),
        (
            WEBHOOK + '[notifiers.hook.headers]\nX-Team = "a\\r\\nInjected: 1"\n',
            "notifiers.hook.headers.X-Team",
        ),
        (WEBHOOK + '[notifiers.hook.headers]\n"Bad Name" = "value"\n', "notifiers.hook.headers"),
        ('[fetch]\nuser_agent = "pw\\r\\nX-Evil: 1"\n', "fetch.user_agent"),
    ],
)
def test_control_characters_in_addresses_headers_and_names_are_refused(
    tmp_path: Path, text: str, key: str
) -> None:
    message = refusal(tmp_path, text + POLICY)
    assert key in message


@pytest.mark.parametrize(
    ("toml_url", "why"),
    [
        ('"file:///etc/passwd"', "http:// or https://"),
        ('"ftp://hooks.example/x"', "http:// or https://"),
        ('"javascript:alert(1)"', "http:// or https://"),
        ("'https://hooks.example/a\"b'", "'\"'"),
        ('"https://hooks.example/a\'b"', '"\'"'),
        ('"https://hooks.example/a b"', "' '"),
        ('"https://hooks.example/a\\tb"', "control characters"),
        ('"https://hooks.example/a`b"', "'`'"),
        ('"https:///no-host"', "with a host"),
    ],
)
def test_webhook_urls_must_be_plain_http_urls(tmp_path: Path, toml_url: str, why: str) -> None:
    text = WEBHOOK.replace('"https://hooks.example/policywatch"', toml_url) + POLICY
    message = refusal(tmp_path, text)
    assert "notifiers.hook.url" in message and why in message


def test_policy_web_and_archive_urls_are_checked_the_same_way(tmp_path: Path) -> None:
    assert "policies[0].url" in refusal(
        tmp_path, POLICY.replace('"https://acme.example/privacy"', "'https://a/\"'")
    )
    assert "web.base_url" in refusal(tmp_path, '[web]\nbase_url = "file:///srv"\n' + POLICY)
    assert "wayback.base_url" in refusal(tmp_path, '[wayback]\nbase_url = "http://a b"\n' + POLICY)


def test_env_keys_must_name_a_variable(tmp_path: Path) -> None:
    message = refusal(tmp_path, EMAIL + 'password_env = "MY PASSWORD"\n' + POLICY)
    assert "notifiers.ops.password_env" in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[fetch]\nrespect_robots = "yes"\n' + POLICY, "fetch.respect_robots"),
        ('[fetch]\nrespect_robots = "false"\n' + POLICY, "fetch.respect_robots"),
        ("[fetch]\nrespect_robots = 1\n" + POLICY, "fetch.respect_robots"),
        (POLICY + 'enabled = "no"\n', "policies[0]"),
        (WEBHOOK + 'digest = "true"\n' + POLICY, "notifiers.hook"),
    ],
)
def test_booleans_are_strict(tmp_path: Path, text: str, key: str) -> None:
    message = refusal(tmp_path, text)
    assert key in message and "must be true or false" in message


def test_real_booleans_still_load(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, "[fetch]\nrespect_robots = false\n" + POLICY + "enabled = true\n"))
    assert settings.fetch.respect_robots is False and settings.policies[0].enabled is True


@pytest.mark.parametrize("interval", ['"0s"', '"30s"', "0", '"59s"'])
def test_a_schedule_faster_than_a_minute_is_refused(tmp_path: Path, interval: str) -> None:
    message = refusal(tmp_path, f"[schedule]\ninterval = {interval}\n" + POLICY)
    assert "schedule.interval" in message and "schedule.min_interval" in message


def test_a_policy_interval_faster_than_the_minimum_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, POLICY + 'interval = "5s"\n')
    assert "policies[0].interval" in message and "schedule.min_interval" in message


def test_tests_and_demos_may_lower_the_minimum_but_never_to_zero(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, '[schedule]\nmin_interval = "1s"\ninterval = "2s"\n' + POLICY
                                 + 'interval = "1s"\n'))  # fmt: skip
    assert settings.schedule.interval.total_seconds() == 2
    assert "schedule.min_interval" in refusal(tmp_path, '[schedule]\nmin_interval = "0s"\n' + POLICY)


@pytest.mark.parametrize(
    "url", ["mysql://u@db.example/pw", "oracle://x", "policywatch.db", "sqlite+aiosqlite:///x"]
)
def test_an_unknown_database_driver_is_a_config_error_exit_2(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f'[storage]\nurl = "{url}"\n' + POLICY)
    result = runner.invoke(app, ["status", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert (
        str(path) in result.output
        and "storage.url" in result.output
        and "unsupported database" in result.output
    )


# -- secrets at start-up -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["check"], ["run"], ["serve", "--port", "1"]])
def test_check_run_and_serve_refuse_to_start_without_a_named_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.delenv("PW_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("PW_HOOK_SECRET", "")
    text = (
        EMAIL + 'password_env = "PW_SMTP_PASSWORD"\n' + WEBHOOK + 'secret_env = "PW_HOOK_SECRET"\n' + POLICY
    )
    path = write(tmp_path, f'[storage]\nurl = "sqlite:///{tmp_path}/pw.db"\n' + text)
    result = runner.invoke(app, [*command, "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert (
        f"{path}: notifiers.ops.password_env: environment variable PW_SMTP_PASSWORD is not set"
        in result.output
    )
    assert "notifiers.hook.secret_env: environment variable PW_HOOK_SECRET is empty" in result.output
    assert not (tmp_path / "pw.db").exists()  # refused before anything was opened


def test_commands_that_send_nothing_do_not_need_the_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PW_SMTP_PASSWORD", raising=False)
    path = write(tmp_path, f'[storage]\nurl = "sqlite:///{tmp_path}/pw.db"\n' + EMAIL
                 + 'password_env = "PW_SMTP_PASSWORD"\n' + POLICY)  # fmt: skip
    assert runner.invoke(app, ["init", "--config", str(path)]).exit_code == 0
    assert runner.invoke(app, ["status", "--config", str(path)]).exit_code == 0
