"""``policywatch serve``: the real command in a subprocess, its address options, and its refusals."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
from typer.testing import CliRunner

from monitor.cli import app
from monitor.cli.serve import with_address
from monitor.config import load_config
from tests.support.polling import wait_until

ConfigFactory = Callable[..., Path]
POLICIES = [{"name": "acme", "url": "https://acme.example/privacy"}]
START_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        return True  # it exited: stop waiting and let the caller look at why
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _start(config: Path, *options: str) -> tuple[subprocess.Popen[bytes], int]:
    """``policywatch serve`` in a subprocess on a free port, once it answers."""
    for _attempt in range(START_ATTEMPTS):
        # Another process may take the probed port before the server binds it: then try another one.
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "serve", "--config", str(config), "--port", str(port),
             *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        # A generous deadline: a loaded CI machine can take many seconds just to import the app.
        wait_until(lambda: _answers(url, process), timeout=60, interval=0.05)  # noqa: B023 (called at once)
        if process.poll() is None:
            return process, port
        output = process.communicate()[0].decode(errors="replace")
        assert "address already in use" in output.lower(), output
    raise AssertionError("serve never found a free port")


def test_serve_runs_the_web_ui_on_the_configured_address(make_config: ConfigFactory) -> None:
    config = make_config(policies=POLICIES)
    assert CliRunner().invoke(app, ["init", "--config", str(config)]).exit_code == 0
    process, port = _start(config)
    try:
        base = f"http://127.0.0.1:{port}"
        assert "acme" in httpx.get(base + "/").text
        policies = httpx.get(base + "/api/policies").json()
        # base_url was left at its default, so it follows --port: links in the API and feeds stay right.
        assert policies[0]["url"] == f"{base}/policies/acme"
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode(errors="replace")
    assert f"policywatch web UI on http://127.0.0.1:{port}" in output


def test_host_and_port_options_move_a_default_base_url_but_not_a_custom_one(
    make_config: ConfigFactory,
) -> None:
    settings = load_config(make_config(policies=POLICIES))
    moved = with_address(settings, "0.0.0.0", 9000)
    assert (moved.web.host, moved.web.port, moved.web.base_url) == ("0.0.0.0", 9000, "http://127.0.0.1:9000")
    assert with_address(settings, None, None) is settings
    custom = load_config(
        make_config(policies=POLICIES, sections={"web": {"base_url": "https://pw.example/"}})
    )
    assert with_address(custom, None, 9001).web.base_url == "https://pw.example"


def test_serve_refuses_a_database_that_was_never_initialised(make_config: ConfigFactory) -> None:
    result = CliRunner().invoke(app, ["serve", "--config", str(make_config(policies=POLICIES))])
    assert result.exit_code == 3
    assert "policywatch init" in result.output


def test_serve_refuses_a_token_variable_that_is_not_set(make_config: ConfigFactory) -> None:
    config = make_config(policies=POLICIES, sections={"web": {"token_env": "POLICYWATCH_TEST_NO_SUCH_TOKEN"}})
    assert CliRunner().invoke(app, ["init", "--config", str(config)]).exit_code == 0
    result = CliRunner().invoke(app, ["serve", "--config", str(config)])
    assert result.exit_code == 2
    assert "POLICYWATCH_TEST_NO_SUCH_TOKEN is not set" in " ".join(result.output.split())
