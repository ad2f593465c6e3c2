"""Every command and option of the CLI appears in docs/commands.md (walking the real click command tree).

A command is documented by the lines that name it (`` `policywatch NAME ...` `` in the summary table) and by
the section under a heading that names it; each of its options must appear there. Global options must
appear on the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import typer.main

from monitor.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def cli() -> Any:
    return typer.main.get_command(app)


def options(command: Any) -> set[str]:
    params = command.get_params(click.Context(command))
    return {opt for param in params if param.param_type_name == "option" and param.name != "help"
            for opt in [*param.opts, *param.secondary_opts] if opt.startswith("--")}


def commands() -> dict[str, Any]:
    group = cli()
    context = click.Context(group)
    return {name: group.get_command(context, name) for name in group.list_commands(context)}


def documentation_of(name: str, page: str) -> str:
    mention = re.compile(rf"`policywatch {re.escape(name)}[` \[]")
    lines = page.splitlines()
    parts = [line for line in lines if mention.search(line)]
    for index, line in enumerate(lines):
        heading = re.match(r"(#+) ", line)
        if heading and mention.search(line):
            level = len(heading.group(1))
            for follow in lines[index + 1:]:
                deeper = re.match(r"(#+) ", follow)
                if deeper and len(deeper.group(1)) <= level:
                    break
                parts.append(follow)
    return "\n".join(parts)


def test_the_walk_sees_commands_and_their_options() -> None:
    found = commands()
    assert {"compare", "history", "status", "run", "demo"} <= set(found)
    assert {"--long", "--json", "--no-pager"} <= options(found["history"])


def test_every_command_and_option_is_in_the_command_reference() -> None:
    page = DOC.read_text(encoding="utf-8")
    missing = []
    for name, command in commands().items():
        text = documentation_of(name, page)
        if not text:
            missing.append(f"policywatch {name}")
            continue
        missing += [f"policywatch {name} {opt}" for opt in sorted(options(command))
                    if not re.search(rf"`[^`]*{re.escape(opt)}\b", text)]
    assert not missing, f"document these in docs/commands.md: {missing}"


def test_global_options_are_documented() -> None:
    page = DOC.read_text(encoding="utf-8")
    missing = sorted(opt for opt in options(cli()) if f"`{opt}" not in page)
    assert {"--color", "--no-pager", "--version", "--install-completion"} <= options(cli())
    assert not missing, missing
