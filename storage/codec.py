"""Compression of stored texts and bodies.

Zstandard at a moderate level: policy texts compress 4-6x, and decompression costs microseconds.

Version texts can also be stored as *deltas*: a zstd frame compressed with an older version's text as a
raw-content dictionary, so a small edit to a 30 kB policy costs a couple of hundred bytes, about what git's
packed deltas cost. Codec names stored beside each blob:

``zstd``
    a self-contained zstd frame (a keyframe);
``zstd-delta:<base version id>``
    a zstd frame that needs the base version's text as dictionary;
``raw``
    the bytes as they are.

The base of version *n* is chosen by **skip-delta** (as Subversion's FSFS does): the version whose number is
*n - 1* with its lowest set bit cleared. Each delta then spans only a few edits, yet a chain from any version
to its keyframe has at most ``popcount(n - 1)`` links, about log2(n), and never more than ``MAX_CHAIN``
frames: past that a keyframe is written. Reading a version therefore decodes at most ``MAX_CHAIN`` frames,
without the cost of storing a full text every few versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import zstandard

from monitor.errors import StorageError

ZSTD = "zstd"
RAW = "raw"
DELTA_PREFIX = "zstd-delta:"
#: The most frames one read decodes (a keyframe plus MAX_CHAIN - 1 deltas).
MAX_CHAIN = 16
_LEVEL = 9


def sha256_hex(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def encode(data: bytes) -> tuple[str, bytes]:
    """Compress bytes; returns the codec name to store beside the blob."""
    return ZSTD, zstandard.ZstdCompressor(level=_LEVEL).compress(data)


def decode(codec: str, blob: bytes) -> bytes:
    if codec == ZSTD:
        return _decompress(blob, None)
    if codec == RAW:
        return blob
    if codec.startswith(DELTA_PREFIX):
        raise StorageError(f"codec {codec!r} needs its base text: read it through storage.queries")
    raise StorageError(f"unknown storage codec {codec!r}")


@dataclass(frozen=True)
class DeltaBase:
    """A stored version a new text may be encoded against."""

    id: int
    text: str
    #: How many deltas separate the base from its keyframe (0: the base is a keyframe).
    depth: int


def skip_delta_base(number: int) -> int | None:
    """The version number a new version ``number`` (1-based) is delta-encoded against; None for a keyframe."""
    if number < 2:
        return None
    index = number - 1
    return (index & (index - 1)) + 1


def delta_base_id(codec: str) -> int | None:
    """The base version id of a delta codec, None for a self-contained one."""
    if not codec.startswith(DELTA_PREFIX):
        return None
    try:
        return int(codec[len(DELTA_PREFIX) :])
    except ValueError:
        raise StorageError(f"malformed delta codec {codec!r}") from None


def encode_text(text: str, base: DeltaBase | None = None) -> tuple[str, bytes]:
    """Compress a text, as a delta against ``base`` when that is smaller and keeps the chain bounded."""
    data = text.encode("utf-8")
    keyframe = zstandard.ZstdCompressor(level=_LEVEL).compress(data)
    if base is None or base.depth + 2 > MAX_CHAIN or not base.text:
        return ZSTD, keyframe
    delta = _compress_with(data, base.text.encode("utf-8"))
    if delta is None or len(delta) >= len(keyframe):
        return ZSTD, keyframe
    return f"{DELTA_PREFIX}{base.id}", delta


def decode_text(codec: str, blob: bytes, base_text: str | None = None) -> str:
    """Decompress a text; a delta codec needs the base version's text."""
    if codec.startswith(DELTA_PREFIX):
        if base_text is None:
            raise StorageError(f"codec {codec!r} needs its base text")
        return _decompress(blob, base_text.encode("utf-8")).decode("utf-8")
    return decode(codec, blob).decode("utf-8")


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _compress_with(data: bytes, base: bytes) -> bytes | None:
    try:
        return zstandard.ZstdCompressor(level=_LEVEL, dict_data=_dictionary(base)).compress(data)
    except zstandard.ZstdError:
        return None  # a base zstd cannot use as a dictionary: store a keyframe instead


def _decompress(blob: bytes, base: bytes | None) -> bytes:
    try:
        if base is None:
            return zstandard.ZstdDecompressor().decompress(blob)
        return zstandard.ZstdDecompressor(dict_data=_dictionary(base)).decompress(blob)
    except zstandard.ZstdError as error:
        raise StorageError(f"stored text is corrupt or its base is wrong: {error}") from None


def encode_delta(data: bytes, base: bytes) -> bytes | None:
    """``data`` compressed with ``base`` as dictionary, or None when zstd cannot use the base."""
    return _compress_with(data, base) if base else None


def decode_delta(blob: bytes, base: bytes) -> bytes:
    return _decompress(blob, base)
