"""Reading a response body within bounds: the one body reader of the fetcher, its transport and Wayback.

A body is read from the *raw* stream (``iter_raw``/``aiter_raw``: the bytes on the wire) and decoded here,
not by httpx, because httpx's decoders inflate a whole network chunk at once: a 1 MB gzip body that
inflates to 1 GB costs 1 GB of memory before any size check can run. Here every decoder — gzip,
deflate, br, zstd, and chains of them — yields at most :data:`PIECE` bytes at a time, each piece is
counted as it comes out, and reading stops at the first byte past ``max_bytes`` or once the body has
inflated more than ``max_ratio`` times its size on the wire. So the memory a body costs is bounded by
``max_bytes`` (plus one piece) whatever its encoding, and a decompression bomb is refused early.

Refusals raise :class:`monitor.errors.ContentTooLarge`; an undecodable body raises
``httpx.DecodingError`` (each caller already turns httpx errors into its own layer's errors).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

import httpx

from monitor.errors import ContentTooLarge

PIECE = 64 * 1024
#: Raw bytes are decoded this many at a time, so that the ratio check sees the body inflate gradually
#: even when it arrives in one piece (the threaded transport reads it whole).
RAW_SLICE = 16 * 1024
#: Below this many decoded bytes the ratio is not checked: a small body may compress as well as it likes.
RATIO_FLOOR = 1 << 20
#: What we can decode, so what we ask for (httpx's own list would name only the modules installed).
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class BodyLimits:
    """``max_bytes`` of decoded body; ``max_ratio`` decoded bytes per byte received (None: unchecked).

    ``truncate`` keeps the first ``max_bytes`` instead of refusing the body (robots.txt: RFC 9309 lets
    crawlers stop after 500 KiB).
    """

    max_bytes: int
    max_ratio: float | None = None
    truncate: bool = False


class _Decoder(Protocol):
    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        """The output of ``data``, lazily, in pieces; ``room`` is how much more output will be read."""

    def flush(self, room: int) -> Iterator[bytes]: ...


class _Identity:
    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self, room: int) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (several members allowed, RFC 1952) or deflate (zlib format, or raw as some servers send)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in {"gzip", "x-gzip"}
        self._first = True
        self._inflater = self._new()

    def _new(self, *, raw: bool = False) -> Any:
        wbits = zlib.MAX_WBITS | 16 if self._gzip else (-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        return zlib.decompressobj(wbits)

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        while True:
            try:
                out = self._inflater.decompress(data, PIECE)
            except zlib.error as error:
                if self._first and not self._gzip:
                    self._first = False  # "deflate" without the zlib header: raw deflate
                    self._inflater = self._new(raw=True)
                    continue
                kind = "gzip" if self._gzip else "deflate"
                raise httpx.DecodingError(f"invalid {kind} body: {error}") from None
            self._first = False
            if out:
                yield out
            if self._inflater.eof:
                rest = self._inflater.unused_data
                if not (self._gzip and rest.startswith(GZIP_MAGIC)):
                    return  # bytes after the stream are ignored, as httpx does
                self._inflater = self._new()
                data = rest
                continue
            data = self._inflater.unconsumed_tail
            if not data and len(out) < PIECE:
                return  # all input used and no output held back (a full piece may hide more)

    def flush(self, room: int) -> Iterator[bytes]:
        if self._inflater.eof:
            return iter(())
        return self.decode(b"", room)


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self._error = brotli.error
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        try:
            out = self._decompressor.process(data, output_buffer_limit=PIECE)
            while True:
                if out:
                    yield out
                if self._decompressor.can_accept_more_data():
                    return
                out = self._decompressor.process(b"", output_buffer_limit=PIECE)
        except self._error as error:
            raise httpx.DecodingError(f"invalid brotli body: {error}") from None

    def flush(self, room: int) -> Iterator[bytes]:
        return iter(())


class _Full(Exception):
    """The zstd sink holds all the output the reader will take."""


class _Sink:
    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.room = 0

    def write(self, data: bytes) -> int:
        self.pieces.append(bytes(data))
        self.room -= len(data)
        if self.room < 0:
            raise _Full
        return len(data)


class _Zstd:
    """zstandard has no output limit per call; its writer API hands output over PIECE by PIECE instead,
    and the sink stops it as soon as the reader's room is used up."""

    def __init__(self) -> None:
        import zstandard

        self._error = zstandard.ZstdError
        self._sink = _Sink()
        self._writer = zstandard.ZstdDecompressor().stream_writer(
            cast(IO[bytes], self._sink), write_size=PIECE, write_return_read=True, closefd=False
        )

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        self._sink.room = room
        try:
            self._writer.write(data)
        except _Full:
            pass
        except self._error as error:
            raise httpx.DecodingError(f"invalid zstd body: {error}") from None
        pieces, self._sink.pieces = self._sink.pieces, []
        yield from pieces

    def flush(self, room: int) -> Iterator[bytes]:
        return iter(())


class _Chain:
    """``Content-Encoding: gzip, br`` was gzipped, then brotli'd: undone in the reverse order."""

    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        return self._through(self._decoders[0].decode(data, room), 1, room)

    def flush(self, room: int) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            yield from self._through(decoder.flush(room), index + 1, room)

    def _through(self, pieces: Iterable[bytes], start: int, room: int) -> Iterator[bytes]:
        if start == len(self._decoders):
            yield from pieces
            return
        for piece in pieces:
            yield from self._through(self._decoders[start].decode(piece, room), start + 1, room)


def decoder_for(content_encoding: str | None) -> _Decoder:
    """The bounded decoder of a ``Content-Encoding`` value; unknown codings pass through, as in httpx."""
    names = [name.strip().lower() for name in (content_encoding or "").split(",") if name.strip()]
    decoders = [_one_decoder(name) for name in reversed(names)]
    decoders = [decoder for decoder in decoders if not isinstance(decoder, _Identity)]
    if not decoders:
        return _Identity()
    return decoders[0] if len(decoders) == 1 else _Chain(decoders)


def _one_decoder(name: str) -> _Decoder:
    if name in {"gzip", "x-gzip", "deflate"}:
        return _Zlib(name)
    if name == "br":
        return _Brotli()
    if name == "zstd":
        return _Zstd()
    return _Identity()


class CappedBody:
    """One body being read: feed it raw pieces; it decodes and counts them, and refuses past the limits."""

    def __init__(
        self, response: httpx.Response, limits: BodyLimits, *, decode: bool = True, url: str | None = None
    ) -> None:
        self._url = url or _url_of(response)
        self._status = response.status_code
        self._limits = limits
        self._decoder = decoder_for(response.headers.get("content-encoding") if decode else None)
        self._pieces: list[bytes] = []
        self.raw_bytes = 0
        self.decoded_bytes = 0
        self.full = False  # a truncated body has all it will keep
        declared = response.headers.get("content-length", "")
        if not limits.truncate and declared.isdigit() and int(declared) > limits.max_bytes:
            raise ContentTooLarge(
                f"{self._url} declares {declared} bytes, over the {limits.max_bytes}-byte limit",
                status=self._status,
            )

    def feed(self, raw: bytes) -> None:
        if isinstance(self._decoder, _Identity) or len(raw) <= RAW_SLICE:
            self.raw_bytes += len(raw)
            self._take(self._decoder.decode(raw, self._room()))
            return
        for start in range(0, len(raw), RAW_SLICE):
            part = raw[start : start + RAW_SLICE]
            self.raw_bytes += len(part)
            self._take(self._decoder.decode(part, self._room()))
            if self.full:
                return

    def finish(self) -> bytes:
        if not self.full:
            self._take(self._decoder.flush(self._room()))
        body = b"".join(self._pieces)
        self._pieces = []
        return body

    def _room(self) -> int:
        return self._limits.max_bytes - self.decoded_bytes + 1

    def _take(self, pieces: Iterator[bytes]) -> None:
        limits = self._limits
        for piece in pieces:
            if self.full:
                return
            self.decoded_bytes += len(piece)
            if self.decoded_bytes > limits.max_bytes:
                if not limits.truncate:
                    raise self._too_large()
                self._pieces.append(piece[: len(piece) - (self.decoded_bytes - limits.max_bytes)])
                self.full = True
                return
            self._pieces.append(piece)
            self._check_ratio()

    def _check_ratio(self) -> None:
        ratio = self._limits.max_ratio
        if ratio is None or self.decoded_bytes <= RATIO_FLOOR or self._limits.truncate:
            return
        if self.decoded_bytes > ratio * max(self.raw_bytes, 1):
            raise ContentTooLarge(
                f"{self._url} inflates more than {ratio:g} times ({self.raw_bytes} bytes sent gave "
                f"{self.decoded_bytes} already): refused as a decompression bomb",
                status=self._status,
            )

    def _too_large(self) -> ContentTooLarge:
        what = "sent" if self.decoded_bytes == self.raw_bytes else "inflates to"
        return ContentTooLarge(
            f"{self._url} {what} more than {self._limits.max_bytes} bytes", status=self._status
        )


def read_body_sync(
    response: httpx.Response, limits: BodyLimits, *, decode: bool = True, url: str | None = None
) -> bytes:
    """Read (and, unless ``decode=False``, decode) a streamed response's body within ``limits``."""
    body = CappedBody(response, limits, decode=decode, url=url)
    for raw in response.iter_raw():
        body.feed(raw)
        if body.full:
            break
    return body.finish()


async def read_body(response: httpx.Response, limits: BodyLimits, *, decode: bool = True) -> bytes:
    """:func:`read_body_sync` for an async response."""
    body = CappedBody(response, limits, decode=decode)
    raw_pieces: AsyncIterator[bytes] = response.aiter_raw()
    async for raw in raw_pieces:
        body.feed(raw)
        if body.full:
            break
    return body.finish()


def _url_of(response: httpx.Response) -> str:
    try:
        return str(response.url)
    except RuntimeError:  # a transport's response, before the client attaches its request
        return "the server"
