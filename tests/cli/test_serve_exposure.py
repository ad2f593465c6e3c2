"""``serve`` on an address others can reach: refused without a token unless asked for; no traceback for
an id no row can have (the real server in a subprocess, its log read)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.cli.serve import is_loopback
from tests.cli.test_serve_command import POLICIES, _start

runner = CliRunner()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "policywatch.example"])
def test_a_reachable_address_without_a_token_is_refused_with_a_warning(
    make_config: Callable[..., Path], host: str
) -> None:
    config = make_config(policies=POLICIES)
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    result = runner.invoke(app, ["serve", "--config", str(config), "--host", host, "--port", "1"])
    assert result.exit_code == 2, result.output
    assert f"warning: serving on {host} without a token" in result.output
    assert "--insecure-no-token" in result.output


def test_the_same_address_in_the_config_is_refused_too(make_config: Callable[..., Path]) -> None:
    config = make_config(policies=POLICIES, sections={"web": {"host": "0.0.0.0"}})
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    result = runner.invoke(app, ["serve", "--config", str(config)])
    assert result.exit_code == 2 and "without a token" in result.output


def test_loopback_addresses_need_no_token() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


def test_insecure_no_token_serves_with_the_warning_and_big_ids_leave_no_traceback(
    make_config: Callable[..., Path],
) -> None:
    config = make_config(policies=POLICIES, sections={"web": {"host": "0.0.0.0"}})
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    process, port = _start(config, "--insecure-no-token")
    try:
        base = f"http://127.0.0.1:{port}"
        for path in ("/policies/acme/versions/9223372036854775808",
                     "/api/policies/acme/changes/18446744073709551616",
                     "/policies/acme/compare?a=1&b=9223372036854775808"):  # fmt: skip
            response = httpx.get(base + path)
            assert response.status_code == 404, path
            assert response.headers["x-frame-options"] == "DENY"
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode(errors="replace")
    assert "warning: serving on 0.0.0.0 without a token" in output
    assert "Traceback" not in output and "Exception" not in output, output
