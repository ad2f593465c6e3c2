"""Bodies are read within bounds: decompression bombs are refused while inflating, for every encoding.

The bombs are real (1 MiB of zeros per ~1 KB on the wire, 1 GiB in all, see tests/support/bombs.py),
served by the loopback site and the Wayback emulator. Memory is measured with tracemalloc, which sees
every allocation of the process (the transport's worker thread, zlib's and zstd's buffers included).
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import brotli
import httpx
import pytest
import zstandard
from sqlalchemy.engine import Engine

from monitor.config import FetchSettings, Settings
from monitor.errors import ContentTooLarge, RobotsDisallowed
from monitor.sources.body import BodyLimits, CappedBody
from monitor.sources.fetch import Fetcher
from monitor.sources.wayback import WaybackClient
from monitor.sources.wayback_cdx import CdxRow
from tests.conftest import initialised_engine
from tests.support.bombs import ENCODINGS, bomb
from tests.support.site import LoopbackSite
from tests.support.wayback import ARCHIVED_URL, WaybackEmulator
from tests.support.wayback_data import timestamp_of

pytest_plugins = ["tests.support.fixtures"]

GIB = 1 << 30
MAX_BYTES = 2_000_000
#: What a refused bomb may cost: the raw body (~1 MB) and at most ``MAX_BYTES`` inflated, with slack.
MEMORY_BOUND = 3 * MAX_BYTES + (2 << 20)
TEXT = ("<p>We collect your e-mail address to send you our newsletter.</p>\n" * 400).encode()


def fetch_settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "timeout": "20s", "per_host_interval": "0s", "retries": 0, "max_bytes": MAX_BYTES,
    }  # fmt: skip
    return FetchSettings.model_validate({**values, **overrides})


def compress(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    if encoding == "deflate":
        return zlib.compress(data)
    if encoding == "br":
        return bytes(brotli.compress(data))
    return zstandard.ZstdCompressor().compress(data)


async def peak_while(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """Run ``await call()``; (the error it raised, the peak of memory allocated meanwhile)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    error: BaseException | None = None
    try:
        await call()
    except BaseException as raised:
        error = raised
    finally:
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, peak


# -- the fetcher ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_gigabyte_bomb_is_refused_while_inflating_for_every_encoding(
    site: LoopbackSite, encoding: str
) -> None:
    site.stream("/bomb", lambda: bomb(encoding, GIB), headers={"Content-Encoding": encoding})
    async with Fetcher(fetch_settings()) as fetcher:
        error, peak = await peak_while(lambda: fetcher.fetch(site.url("/bomb")))
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB allocated while refusing the bomb"
    assert isinstance(error, ContentTooLarge), error
    assert "decompression bomb" in str(error)


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_without_the_ratio_cap_a_bomb_stops_at_max_bytes_inflated(
    site: LoopbackSite, encoding: str
) -> None:
    site.stream("/bomb", lambda: bomb(encoding, GIB), headers={"Content-Encoding": encoding})
    async with Fetcher(fetch_settings(max_compression_ratio=1e12)) as fetcher:
        error, peak = await peak_while(lambda: fetcher.fetch(site.url("/bomb")))
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB allocated while refusing the bomb"
    assert isinstance(error, ContentTooLarge), error
    assert f"inflates to more than {MAX_BYTES} bytes" in str(error)


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_an_ordinary_compressed_page_is_decoded(site: LoopbackSite, encoding: str) -> None:
    site.set("/privacy", compress(encoding, TEXT), headers={"Content-Encoding": encoding})
    async with Fetcher(fetch_settings()) as fetcher:
        result = await fetcher.fetch(site.url("/privacy"))
    assert result.body == TEXT
    assert result.headers["content-encoding"] == encoding


async def test_the_encodings_we_decode_are_the_ones_we_ask_for(site: LoopbackSite) -> None:
    site.set("/privacy", TEXT)
    async with Fetcher(fetch_settings()) as fetcher:
        await fetcher.fetch(site.url("/privacy"))
    assert site.requests_to("/privacy")[0].headers["accept-encoding"] == "gzip, deflate, br, zstd"


async def test_a_redirect_carrying_a_bomb_is_followed_without_inflating_it(site: LoopbackSite) -> None:
    def moved(_request: object) -> Any:
        from tests.support.site import Response

        headers = {"Location": site.url("/privacy"), "Content-Encoding": "gzip"}
        return Response(301, b"".join(bomb("gzip", GIB)), headers)

    site.handle("/old", moved)
    site.set("/privacy", TEXT)
    async with Fetcher(fetch_settings(max_bytes=20_000_000)) as fetcher:
        error, peak = await peak_while(lambda: fetcher.fetch(site.url("/old")))
        result = await fetcher.fetch(site.url("/old"))
    assert error is None and result.body == TEXT
    assert peak < 30_000_000


async def test_a_body_just_under_max_bytes_inflates_whole(site: LoopbackSite) -> None:
    body = b"a" * MAX_BYTES
    site.set("/big", compress("gzip", body), headers={"Content-Encoding": "gzip"})
    async with Fetcher(fetch_settings(max_compression_ratio=1e6)) as fetcher:
        result = await fetcher.fetch(site.url("/big"))
    assert result.body == body


async def test_robots_txt_is_truncated_after_inflating_its_first_500_kib(site: LoopbackSite) -> None:
    rules = b"User-agent: *\nDisallow: /private\n"
    site.set(
        "/robots.txt", compress("gzip", rules + b"# padding\n" * 200_000),
        headers={"Content-Encoding": "gzip"}, content_type="text/plain",
    )  # fmt: skip
    site.set("/private/policy", TEXT)
    async with Fetcher(fetch_settings(respect_robots=True)) as fetcher:
        with pytest.raises(RobotsDisallowed):
            await fetcher.fetch(site.url("/private/policy"))
    assert site.count("/private/policy") == 0


# -- Wayback captures ------------------------------------------------------------------------------


@pytest.fixture
def engine(archive_settings: Callable[..., Settings]) -> Iterator[Engine]:
    created = initialised_engine(archive_settings())
    yield created
    created.dispose()


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_a_bomb_in_the_archive_is_a_too_large_capture_not_a_memory_spike(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine,
    encoding: str,
) -> None:  # fmt: skip
    stamp = timestamp_of(2019, 4)
    digest = wayback_archive.add_capture(
        stamp, ARCHIVED_URL, b"".join(bomb(encoding, GIB)), headers={"Content-Encoding": encoding}
    )
    row = CdxRow(stamp, ARCHIVED_URL, "text/html", 200, digest, None)
    settings = archive_settings()
    fetch = settings.fetch.model_copy(update={"max_bytes": MAX_BYTES})
    async with WaybackClient(settings.model_copy(update={"fetch": fetch}), engine) as client:
        captures: list[Any] = []
        error, peak = await peak_while(lambda: _append(captures, client.fetch_capture(row)))
    assert error is None
    assert captures[0].kind == "too_large" and captures[0].body == b""
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB allocated while refusing the bomb"


async def test_a_compressed_capture_is_decoded(
    wayback_archive: WaybackEmulator, archive_settings: Callable[..., Settings], engine: Engine
) -> None:
    stamp = timestamp_of(2019, 5)
    digest = wayback_archive.add_capture(
        stamp, ARCHIVED_URL, compress("br", TEXT), headers={"Content-Encoding": "br"}
    )
    row = CdxRow(stamp, ARCHIVED_URL, "text/html", 200, digest, None)
    async with WaybackClient(archive_settings(), engine) as client:
        capture = await client.fetch_capture(row)
    assert capture.is_version and capture.body == TEXT


async def _append(into: list[Any], awaitable: Any) -> None:
    into.append(await awaitable)


# -- the decoder itself --------------------------------------------------------------------------------


def read_in_pieces(headers: dict[str, str], data: bytes, limits: BodyLimits, size: int = 1000) -> bytes:
    body = CappedBody(httpx.Response(200, headers=headers), limits, url="http://test/")
    for start in range(0, len(data), size):
        body.feed(data[start : start + size])
        if body.full:
            break
    return body.finish()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_bodies_fed_in_small_pieces_decode_exactly(encoding: str) -> None:
    data = compress(encoding, TEXT)
    assert read_in_pieces({"content-encoding": encoding}, data, BodyLimits(10**7)) == TEXT


def test_chained_encodings_are_undone_in_reverse_order() -> None:
    data = compress("br", compress("gzip", TEXT))
    assert read_in_pieces({"content-encoding": "gzip, br"}, data, BodyLimits(10**7)) == TEXT


def test_multi_member_gzip_and_raw_deflate_decode() -> None:
    assert read_in_pieces({"content-encoding": "gzip"}, gzip.compress(b"one ") + gzip.compress(b"two"),
                          BodyLimits(100)) == b"one two"  # fmt: skip
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = raw.compress(TEXT) + raw.flush()
    assert read_in_pieces({"content-encoding": "deflate"}, data, BodyLimits(10**7)) == TEXT


def test_a_corrupt_body_is_a_decoding_error() -> None:
    with pytest.raises(httpx.DecodingError):
        read_in_pieces({"content-encoding": "gzip"}, b"\x1f\x8b\x08\x00garbage" * 10, BodyLimits(10**6))


def test_truncating_keeps_exactly_max_bytes_of_the_inflated_body() -> None:
    data = compress("zstd", TEXT)
    kept = read_in_pieces({"content-encoding": "zstd"}, data, BodyLimits(1000, truncate=True))
    assert kept == TEXT[:1000]


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(ContentTooLarge, match="declares 5000 bytes"):
        CappedBody(httpx.Response(200, headers={"content-length": "5000"}), BodyLimits(4999), url="u")
