"""Terminal output for every command: colour decisions, the shared consoles, and the pager.

Colour follows ``--color auto|always|never``: ``auto`` colours only a terminal, and never when ``NO_COLOR``
is set (https://no-color.org); a command-line flag wins over the environment. Without colour, nothing that
carries meaning may be lost, so renderers ask :func:`color_enabled` and print text markers instead (word diffs
as ``[-removed-]{+added+}``, as ``git diff --word-diff=plain`` does).

Long output goes through a pager on a terminal, as git does: ``$POLICYWATCH_PAGER``, then ``$PAGER``, then
``less``; ``less`` gets ``LESS=FRX`` (quit if one screen, keep colours, leave the text on screen) unless
``$LESS`` is set. ``--no-pager``, a pager of ``cat`` or an empty one turn it off.

rich is imported on first use, not at import time: ``policywatch --help`` never loads it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console


class ColorMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


@dataclass
class OutputOptions:
    """Set once per invocation by the top-level ``--color`` / ``--no-pager`` options."""

    color: ColorMode = ColorMode.auto
    pager: bool = True


options = OutputOptions()


def configure(*, color: ColorMode | None = None, pager: bool | None = None) -> None:
    if color is not None:
        options.color = color
    if pager is not None:
        options.pager = pager


def _is_tty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def color_enabled(*, stderr: bool = False) -> bool:
    """Whether output to stdout (or stderr) is coloured under the current options."""
    if options.color is ColorMode.always:
        return True
    if options.color is ColorMode.never or os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return _is_tty(sys.stderr if stderr else sys.stdout)


def make_console(*, stderr: bool = False, **kwargs: Any) -> Console:
    """A rich Console that obeys the colour options; with colour off it writes no escape codes at all."""
    from rich.console import Console

    if not color_enabled(stderr=stderr):
        return Console(stderr=stderr, color_system=None, no_color=True, **kwargs)
    forced = options.color is ColorMode.always
    console = Console(stderr=stderr, force_terminal=True if forced else None, no_color=False, **kwargs)
    if console.color_system is None:  # --color always on a terminal rich cannot identify
        console = Console(
            stderr=stderr, force_terminal=True, color_system="standard", no_color=False, **kwargs
        )
    return console


class _LazyConsole:
    """Stands for a Console made on first use, and remade when the colour options or the stream change.

    Tests (and ``CliRunner``) swap ``sys.stdout`` between invocations; a Console made once at import time
    would keep deciding colour for the wrong stream.
    """

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None
        self._key: tuple[Any, ...] = ()

    def _current(self) -> Console:
        stream = sys.stderr if self._stderr else sys.stdout
        key = (options.color, id(stream), os.environ.get("NO_COLOR"), os.environ.get("COLUMNS"))
        if self._console is None or key != self._key:
            self._console = make_console(stderr=self._stderr)
            self._key = key
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._current(), name)


console = cast("Console", _LazyConsole(stderr=False))
err_console = cast("Console", _LazyConsole(stderr=True))


def pager_command(*, enabled: bool = True) -> str | None:
    """The pager to run, or None: not a terminal, ``--no-pager``, or a pager of ``cat``/empty."""
    if not (enabled and options.pager) or not _is_tty(sys.stdout):
        return None
    command = os.environ.get("POLICYWATCH_PAGER", os.environ.get("PAGER"))
    if command is None:
        command = "less" if shutil.which("less") else ""
    command = command.strip()
    return None if command in {"", "cat"} else command


def page(text: str, *, enabled: bool = True) -> None:
    """Show ``text`` through the pager when there is one (see the module docstring), else print it."""
    command = pager_command(enabled=enabled)
    if command is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        # As git does: the pager is a shell command line, so PAGER="less -S" works.
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        return
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", errors="replace"))
        process.stdin.close()
    except BrokenPipeError:  # the user quit the pager before the end
        pass
    try:
        process.wait()
    except KeyboardInterrupt:
        process.wait()


@contextmanager
def paged(*, enabled: bool = True) -> Iterator[Console]:
    """A console whose output is collected and then paged; on no pager, prints straight through."""
    if pager_command(enabled=enabled) is None:
        yield console
        return
    capture = make_console(width=shutil.get_terminal_size().columns)
    with capture.capture() as captured:
        yield capture
    page(captured.get())
