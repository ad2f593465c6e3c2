"""Pytest fixtures of the test support package.

Register in a test module with ``pytest_plugins = ["tests.support.fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.site import LoopbackSite


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    """A started :class:`LoopbackSite`, stopped after the test."""
    with LoopbackSite() as started:
        yield started
