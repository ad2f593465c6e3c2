"""Raw snapshot bodies, stored as one-level deltas against a keyframe snapshot of the same policy.

A policy's HTML barely changes between versions, so each new body is compressed with the policy's latest
keyframe body as a zstd dictionary: a few hundred bytes instead of ~10 kB. Deltas are never based on
deltas (reading one decodes at most two frames); when the page has drifted so far that the delta is no
longer much smaller than a keyframe, a new keyframe is written.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from monitor.errors import StorageError
from storage.codec import DELTA_PREFIX, ZSTD, decode, decode_delta, delta_base_id, encode, encode_delta
from storage.models import Snapshot

#: A delta must be smaller than this share of a keyframe to be worth the indirection.
DELTA_WORTH = 0.5


def _latest_keyframe(session: Session, policy_id: int) -> Snapshot | None:
    return session.exec(
        select(Snapshot)
        .where(Snapshot.policy_id == policy_id, Snapshot.body_codec == ZSTD)
        .order_by(col(Snapshot.id).desc())
    ).first()


def encode_body(session: Session, policy_id: int, body: bytes) -> tuple[str, bytes]:
    """The codec and blob to store a new snapshot body of a policy with."""
    codec, keyframe = encode(body)
    base = _latest_keyframe(session, policy_id)
    if base is None or base.id is None:
        return codec, keyframe
    delta = encode_delta(body, decode(base.body_codec, base.body))
    if delta is None or len(delta) >= DELTA_WORTH * len(keyframe):
        return codec, keyframe
    return f"{DELTA_PREFIX}{base.id}", delta


def read_body(session: Session, snapshot: Snapshot) -> bytes:
    """The raw bytes of a stored snapshot."""
    base_id = delta_base_id(snapshot.body_codec)
    if base_id is None:
        return decode(snapshot.body_codec, snapshot.body)
    base = session.get(Snapshot, base_id)
    if base is None or delta_base_id(base.body_codec) is not None:
        raise StorageError(f"snapshot {snapshot.id}: its keyframe {base_id} is missing")
    return decode_delta(snapshot.body, decode(base.body_codec, base.body))
