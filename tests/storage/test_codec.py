"""Delta storage of version texts: skip-delta chains that round-trip exactly and stay short."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from monitor.config import Settings, parse_config
from monitor.errors import StorageError
from monitor.pipeline.chain import ingest_text
from storage import migrations, queries, texts
from storage.codec import (
    DELTA_PREFIX,
    MAX_CHAIN,
    ZSTD,
    DeltaBase,
    decode,
    decode_text,
    delta_base_id,
    encode_text,
    skip_delta_base,
)
from storage.engine import make_engine, session_scope
from storage.models import Version
from tests.support.history import START, corpus_histories, small_edit_history

POLICY = corpus_histories()["qnet"][0]


def edited(text: str) -> str:
    return text.replace("Privacy Policy", "Privacy Notice", 1) + "\nWe now also use cookies for analytics.\n"


def test_a_keyframe_round_trips_without_a_base() -> None:
    codec, blob = encode_text(POLICY)
    assert codec == ZSTD
    assert decode_text(codec, blob) == POLICY
    assert len(blob) < len(POLICY.encode()) / 2


def test_a_small_edit_is_stored_as_a_delta_a_fraction_of_a_keyframe() -> None:
    new = edited(POLICY)
    codec, blob = encode_text(new, DeltaBase(id=41, text=POLICY, depth=0))
    assert codec == f"{DELTA_PREFIX}41"
    assert delta_base_id(codec) == 41
    assert decode_text(codec, blob, POLICY) == new
    assert len(blob) < len(encode_text(new)[1]) / 20


def test_an_unrelated_base_gives_a_keyframe_not_a_larger_delta() -> None:
    other = corpus_histories()["hqonline"][0]
    codec, blob = encode_text(POLICY, DeltaBase(id=3, text=other[:200], depth=0))
    assert codec == ZSTD
    assert decode_text(codec, blob) == POLICY


def test_a_base_at_the_end_of_a_full_chain_gives_a_keyframe() -> None:
    new = edited(POLICY)
    assert encode_text(new, DeltaBase(id=9, text=POLICY, depth=MAX_CHAIN - 2))[0].startswith(DELTA_PREFIX)
    assert encode_text(new, DeltaBase(id=9, text=POLICY, depth=MAX_CHAIN - 1))[0] == ZSTD


def test_skip_delta_bases_keep_every_chain_within_the_bound() -> None:
    assert [skip_delta_base(n) for n in range(1, 10)] == [None, 1, 1, 3, 1, 5, 5, 7, 1]
    depth: dict[int, int] = {1: 0}
    for number in range(2, 70_000):
        base = skip_delta_base(number)
        assert base is not None and base < number
        # A base already at the bound makes the new version a keyframe (see encode_text).
        depth[number] = 0 if depth[base] + 2 > MAX_CHAIN else depth[base] + 1
    assert max(depth.values()) == MAX_CHAIN - 1
    assert max(depth[n] for n in range(1, 1001)) <= 10  # about log2(n) for realistic histories


def test_a_delta_without_its_base_or_a_corrupt_blob_is_a_storage_error() -> None:
    codec, blob = encode_text(edited(POLICY), DeltaBase(id=1, text=POLICY, depth=0))
    with pytest.raises(StorageError, match="needs its base"):
        decode_text(codec, blob)
    with pytest.raises(StorageError, match="needs its base"):
        decode(codec, blob)
    with pytest.raises(StorageError, match="corrupt or its base is wrong"):
        decode_text(ZSTD, b"not zstd at all")
    with pytest.raises(StorageError, match="unknown storage codec"):
        decode("lzma", b"")
    with pytest.raises(StorageError, match="malformed"):
        delta_base_id(f"{DELTA_PREFIX}x")


# -- through the store step, on both dialects --------------------------------------------------------


def _settings(url: str, tmp_path: Path) -> Settings:
    return parse_config(
        {"storage": {"url": url}, "policies": [{"name": "acme", "url": "https://acme.example/privacy"}]},
        path=tmp_path / "config.toml",
    )


def _ingest(url: str, tmp_path: Path, history: list[str]) -> Settings:
    settings = _settings(url, tmp_path)
    engine = make_engine(url)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    for step, text in enumerate(history):
        observed = START + timedelta(hours=step)
        ingest_text(engine, settings, settings.policy("acme"), text, observed_at=observed, alerts=False)
    engine.dispose()
    return settings


def _chain_frames(rows: dict[int, Version], version: Version) -> int:
    frames, row = 1, version
    while (base := delta_base_id(row.text_codec)) is not None:
        frames, row = frames + 1, rows[base]
    return frames


def test_a_long_history_reads_back_exactly_with_short_chains_and_small_deltas(
    db_url: str, tmp_path: Path
) -> None:
    history = small_edit_history(POLICY, 24)
    _ingest(db_url, tmp_path, history)
    texts.clear_cache()  # read from the rows, not from what the writes left in the cache
    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = {row.id: row for row in session.exec(select(Version).order_by(col(Version.number)))}
        assert [queries.version_text(row) for row in rows.values()] == history
        frames = [_chain_frames(rows, row) for row in rows.values()]  # type: ignore[arg-type]
        stored = sum(len(row.text_blob) for row in rows.values())
    engine.dispose()
    assert max(frames) <= 5  # popcount(23) + 1: far inside MAX_CHAIN
    assert sum(codec.startswith(DELTA_PREFIX) for codec in (r.text_codec for r in rows.values())) == 23
    raw = sum(len(text.encode()) for text in history)
    assert stored < raw / 15, f"{stored} bytes stored for {raw} bytes of text"


def test_a_stale_cached_text_from_a_recreated_database_is_not_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reused.db'}"
    for history in (small_edit_history(POLICY, 4, seed=1), small_edit_history(POLICY, 4, seed=2)):
        Path(tmp_path / "reused.db").unlink(missing_ok=True)
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        _ingest(url, tmp_path, history)  # the cache still holds the first database's texts by id
        engine = make_engine(url)
        with Session(engine) as session:
            read = [queries.version_text(v) for v in session.exec(select(Version).order_by(col(Version.id)))]
        engine.dispose()
        assert read == history


def test_a_delta_read_outside_any_session_says_so(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    _ingest(url, tmp_path, small_edit_history(POLICY, 2))
    texts.clear_cache()
    with Session(sqlite_engine) as session:
        delta = session.exec(select(Version).where(Version.number == 2)).one()
        session.expunge(delta)
    with pytest.raises(StorageError, match="inside a database session"):
        queries.version_text(delta)
    with Session(sqlite_engine) as session:
        assert queries.version_text(delta, session) == small_edit_history(POLICY, 2)[1]
