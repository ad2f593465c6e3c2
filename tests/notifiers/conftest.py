"""Close what the notifier tests open, so no database connection outlives its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifiers.helpers import OPEN_ENGINES


@pytest.fixture(autouse=True)
def _dispose_outbox_engines() -> Iterator[None]:
    yield
    while OPEN_ENGINES:
        OPEN_ENGINES.pop().dispose()
