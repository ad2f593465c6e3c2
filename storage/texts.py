"""Reading and writing version texts stored as skip-deltas (see ``storage.codec``).

A delta needs its base's text, which may itself be a delta: :func:`read_text` walks the chain back to a
keyframe (at most ``MAX_CHAIN`` rows) and decodes forwards. Decoded texts are kept in a small LRU cache keyed
by database and version id, so the texts the store step and the daemon read again and again (a policy's
latest version, the base of the next delta) cost one decode. Every decoded delta is checked against the
version's stored sha256, so a stale cache entry (a database re-created under the same URL) is detected and
the chain re-read from the rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session
from sqlmodel import select

from monitor.errors import StorageError
from storage.codec import (
    MAX_CHAIN,
    DeltaBase,
    decode_text,
    delta_base_id,
    encode_text,
    sha256_hex,
    skip_delta_base,
)
from storage.models import Version

#: Total characters of decoded text the cache may hold (a few hundred typical policies).
CACHE_BUDGET_CHARS = 32_000_000


@dataclass(frozen=True)
class _Decoded:
    sha256: str
    text: str
    depth: int


class _TextCache:
    """A thread-safe LRU of decoded texts with a size budget (daemon checks run in worker threads)."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._used = 0
        self._items: OrderedDict[tuple[str, int], _Decoded] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> _Decoded | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int], value: _Decoded) -> None:
        if len(value.text) > self._budget // 4:
            return  # one huge text would evict everything else
        with self._lock:
            previous = self._items.pop(key, None)
            self._used -= len(previous.text) if previous else 0
            self._items[key] = value
            self._used += len(value.text)
            while self._used > self._budget and self._items:
                _key, evicted = self._items.popitem(last=False)
                self._used -= len(evicted.text)

    def discard(self, key: tuple[str, int]) -> None:
        with self._lock:
            previous = self._items.pop(key, None)
            self._used -= len(previous.text) if previous else 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._used = 0


_cache = _TextCache(CACHE_BUDGET_CHARS)


def clear_cache() -> None:
    _cache.clear()


def _database_key(session: OrmSession) -> str:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    return engine.url.render_as_string(hide_password=True)


def _session_for(version: Version, session: OrmSession | None) -> OrmSession | None:
    return session if session is not None else object_session(version)


def read_text(version: Version, session: OrmSession | None = None) -> str:
    """The text of a version, resolving delta bases through ``session`` (default: the version's own)."""
    return _resolve(version, _session_for(version, session)).text


def _resolve(version: Version, session: OrmSession | None) -> _Decoded:
    if delta_base_id(version.text_codec) is None:
        text = decode_text(version.text_codec, version.text_blob)
        return _Decoded(version.text_sha256, text, 0)
    if session is None:
        raise StorageError(
            f"version {version.id} is stored as a delta and must be read inside a database session"
        )
    database = _database_key(session)
    cached = _cache.get((database, version.id)) if version.id is not None else None
    if cached is not None and cached.sha256 == version.text_sha256:
        return cached
    try:
        return _resolve_chain(version, session, database, use_cache=True)
    except StorageError:
        # A cache entry from another database under the same URL gives a wrong text: retry from the rows.
        return _resolve_chain(version, session, database, use_cache=False)


def _resolve_chain(version: Version, session: OrmSession, database: str, *, use_cache: bool) -> _Decoded:
    chain = [version]
    known: _Decoded | None = None
    while (base_id := delta_base_id(chain[-1].text_codec)) is not None:
        cached = _cache.get((database, base_id)) if use_cache else None
        if cached is not None:
            known = cached
            break
        if len(chain) > MAX_CHAIN:
            raise StorageError(f"version {version.id}: delta chain longer than {MAX_CHAIN} (a cycle?)")
        base = session.get(Version, base_id)
        if base is None:
            raise StorageError(f"version {chain[-1].id}: its delta base {base_id} is missing")
        chain.append(base)
    for row in reversed(chain):
        known = _decode_row(row, known)
        if row.id is not None:
            _cache.put((database, row.id), known)
    assert known is not None
    return known


def _decode_row(row: Version, base: _Decoded | None) -> _Decoded:
    if delta_base_id(row.text_codec) is None:
        return _Decoded(row.text_sha256, decode_text(row.text_codec, row.text_blob), 0)
    assert base is not None
    text = decode_text(row.text_codec, row.text_blob, base.text)
    if sha256_hex(text) != row.text_sha256:
        raise StorageError(f"version {row.id}: decoded text does not match its sha256")
    return _Decoded(row.text_sha256, text, base.depth + 1)


def encode_new_version(session: OrmSession, policy_id: int, number: int, text: str) -> tuple[str, bytes]:
    """Codec and blob for version ``number`` of a policy: a skip-delta against an older version if smaller."""
    base_number = skip_delta_base(number)
    base_row = None
    if base_number is not None:
        base_row = session.execute(
            select(Version).where(Version.policy_id == policy_id, Version.number == base_number)
        ).scalars().first()
    if base_row is None or base_row.id is None:
        return encode_text(text)
    decoded = _resolve(base_row, session)
    return encode_text(text, DeltaBase(base_row.id, decoded.text, decoded.depth))
