"""What kind of body is this? Text, a PDF, or something that can never be a policy text (pure).

The extract step asks before decoding, so an image, an archive or an octet-stream of binary is a clear
failure (``UnusableContent``, reason ``not_text``) instead of a "version" made of mojibake. The checks
are cheap: the declared type, a few magic numbers, and the share of control bytes in the first 4 KB.
"""

from __future__ import annotations

from typing import Literal

from monitor.errors import UnusableContent

BodyKind = Literal["text", "pdf"]

PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
#: Declared types that are binary whatever the bytes look like.
BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
BINARY_TYPES = frozenset({
    "application/zip", "application/gzip", "application/x-gzip", "application/x-tar", "application/x-bzip2",
    "application/x-7z-compressed", "application/x-rar-compressed", "application/vnd.rar", "application/x-xz",
    "application/zstd", "application/wasm", "application/java-archive", "application/x-msdownload",
    "application/vnd.ms-excel", "application/msword", "application/vnd.ms-powerpoint",
    "application/x-shockwave-flash", "application/vnd.android.package-archive",
})  # fmt: skip
#: Magic numbers of common binary formats (checked on every body, declared type or not). Short or
#: ambiguous ones (BMP's "BM", DOS's "MZ") are left to the control-byte share, which catches them.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an XZ archive"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"\x7fELF", "an executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
)
#: Bytes that never appear in text (C0 controls except tab, line feed, form feed, carriage return; DEL).
CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x20)) | {0x7F})
#: More control bytes than this share of the sample: binary ("mostly control characters" has margin).
MAX_CONTROL_SHARE = 0.02
SAMPLE_BYTES = 4096
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff_body(body: bytes, mime: str | None) -> BodyKind:
    """``"pdf"`` or ``"text"``; raises UnusableContent(reason="not_text") for a binary body."""
    head = body[:1024].lstrip(b"\x00\t\n\r\x0c ")
    if mime in PDF_TYPES or head.startswith(b"%PDF-"):
        return "pdf"
    declared = f"declared {mime}, " if mime else ""
    if mime is not None and (mime.startswith(BINARY_PREFIXES) or mime in BINARY_TYPES):
        raise _not_text(f"the body is not a text ({declared.removesuffix(', ')})")
    kind = _magic_kind(body)
    if kind is not None:
        raise _not_text(f"the body is {kind} ({declared}not a text)")
    if body.startswith(_TEXT_BOMS):
        return "text"
    sample = body[:SAMPLE_BYTES]
    controls = sum(byte in CONTROL_BYTES for byte in sample)
    if sample and controls > MAX_CONTROL_SHARE * len(sample):
        share = 100 * controls / len(sample)
        raise _not_text(f"the body is binary ({declared}{share:.0f}% control bytes), not a text")
    return "text"


def _magic_kind(body: bytes) -> str | None:
    for magic, kind in MAGIC:
        if body.startswith(magic):
            return kind
    if body.startswith(b"RIFF") and body[8:12] in {b"WEBP", b"WAVE", b"AVI "}:
        return "a RIFF media file (" + body[8:12].decode("ascii").strip() + ")"
    if body[4:8] == b"ftyp":
        return "an MP4/HEIF media file"
    return None


def _not_text(message: str) -> UnusableContent:
    return UnusableContent(message, reason="not_text")
