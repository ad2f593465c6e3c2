"""Deadline-based polling for tests: wait for a condition instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.01) -> None:
    """Return as soon as ``predicate()`` is truthy; raise TimeoutError after ``timeout`` seconds.

    Blocks the calling thread: in async tests whose condition depends on the event loop, use
    :func:`async_wait_until` instead.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout}s: {_describe(predicate)}")
        time.sleep(interval)


async def async_wait_until(
    predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.01
) -> None:
    """Like :func:`wait_until`, but yields to the event loop between checks."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout}s: {_describe(predicate)}")
        await asyncio.sleep(interval)


def _describe(predicate: Callable[[], object]) -> str:
    return getattr(predicate, "__qualname__", repr(predicate))
