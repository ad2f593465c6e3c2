"""Analysing an import's texts ahead of the store step, in worker processes.

The analysis (segment → diff → classify) is pure and CPU-bound; the store step is one writer. An import
knows every text in advance, so :class:`Lookahead` walks the same pairs the store step will ask for (each
text against the one before it) and keeps a window of them computing in a process pool, while the main
process writes the batch before. It hands each analysis out when the store step asks for that pair, and
computes it on the spot for a pair it did not foresee (a text that fell among live versions, say).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from monitor.core.analysis import Analysis, analyse
from storage.codec import sha256_hex

#: Pairs computing ahead of the writer: enough to keep both workers busy through one write batch.
WINDOW = 24
#: Below this many pairs, starting worker processes costs more than it saves.
POOL_THRESHOLD = 48

Pair = tuple[str, str]


class Lookahead:
    """A callable ``(old_text, new_text) -> Analysis`` fed by analyses computed ahead, in order."""

    def __init__(self, pool: ProcessPoolExecutor, pairs: Iterator[Pair], *, window: int = WINDOW) -> None:
        self._pool, self._pairs, self._window = pool, pairs, window
        self._queue: deque[tuple[str, str, Future[Analysis]]] = deque()
        self.foreseen = self.unforeseen = 0
        self._fill()

    def _fill(self) -> None:
        while len(self._queue) < self._window:
            pair = next(self._pairs, None)
            if pair is None:
                return
            old, new = pair
            self._queue.append((sha256_hex(old), sha256_hex(new), self._pool.submit(analyse, old, new)))

    def __call__(self, old: str | None, new: str) -> Analysis:
        if old is not None:
            key = (sha256_hex(old), sha256_hex(new))
            for index, (old_sha, new_sha, _future) in enumerate(self._queue):
                if (old_sha, new_sha) == key:
                    for _ in range(index):  # pairs the store step went past (handled some other way)
                        self._queue.popleft()[2].cancel()
                    future = self._queue.popleft()[2]
                    self._fill()
                    self.foreseen += 1
                    return future.result()
        self.unforeseen += 1
        return analyse(old, new)


@contextmanager
def lookahead(pairs: Iterator[Pair], expected: int) -> Iterator[Lookahead | None]:
    """A :class:`Lookahead` over ``pairs`` on all cores but one writer's, or None when not worth it."""
    workers = min(2, os.cpu_count() or 1)
    if expected < POOL_THRESHOLD or workers < 2:
        yield None
        return
    # spawn, not fork: the parent holds database connections and git subprocesses.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        ahead = Lookahead(pool, pairs)
        try:
            yield ahead
        finally:
            for _old, _new, future in ahead._queue:
                future.cancel()
