"""Raw snapshot bodies are stored as small deltas against a keyframe and read back byte for byte."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from monitor.config import Settings, parse_config
from monitor.pipeline.chain import ingest_text
from monitor.pipeline.values import RawCapture
from storage import queries
from storage.codec import DELTA_PREFIX, ZSTD
from storage.engine import make_engine, session_scope
from storage.models import Snapshot, utcnow
from storage.snapshots import read_body
from tests.support.pages import policy_page

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "histories" / "qnet"
UNRELATED = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "histories" / "qeg" / "v00.md"


def settings_for(url: str) -> Settings:
    data = {"storage": {"url": url}, "policies": [{"name": "qnet", "url": "http://127.0.0.1:9/p"}]}
    return parse_config(data, path=Path("test.toml"))


def store_pages(url: str, texts: list[str]) -> list[bytes]:
    settings = settings_for(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    bodies = []
    for text in texts:
        body = policy_page(text).encode("utf-8")
        bodies.append(body)
        raw = RawCapture(
            url="http://127.0.0.1:9/p",
            body=body,
            status_code=200,
            content_type="text/html",
            headers={},
            fetched_at=utcnow(),
        )
        ingest_text(engine, settings, settings.policy("qnet"), text, observed_at=utcnow(), raw=raw)
    engine.dispose()
    return bodies


def test_similar_pages_are_stored_as_small_deltas_and_read_back_exactly(db_url: str) -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(HISTORY.glob("v0*.md"))]
    bodies = store_pages(db_url, texts)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        snapshots = session.exec(select(Snapshot).order_by(col(Snapshot.id))).all()
        assert [read_body(session, snapshot) for snapshot in snapshots] == bodies
        codecs = [snapshot.body_codec for snapshot in snapshots]
        assert codecs[0] == ZSTD
        assert all(codec.startswith(DELTA_PREFIX) for codec in codecs[1:])
        keyframe_size = len(snapshots[0].body)
        assert max(len(snapshot.body) for snapshot in snapshots[1:]) < keyframe_size / 5
    engine.dispose()


def test_a_page_that_changed_beyond_recognition_gets_a_new_keyframe(db_url: str) -> None:
    first = (HISTORY / "v00.md").read_text(encoding="utf-8")
    other = UNRELATED.read_text(encoding="utf-8")
    bodies = store_pages(db_url, [first, other])
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        snapshots = session.exec(select(Snapshot).order_by(col(Snapshot.id))).all()
        assert [snapshot.body_codec for snapshot in snapshots] == [ZSTD, ZSTD]
        assert [read_body(session, snapshot) for snapshot in snapshots] == bodies
    engine.dispose()
