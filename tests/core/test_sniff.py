"""Bodies that cannot be a policy text are refused before decoding, with the reason ``not_text``."""

from __future__ import annotations

import gzip
import io
import os
import zipfile

import pytest

from monitor.core.extract import extract
from monitor.core.sniff import sniff_body
from monitor.errors import UnusableContent
from tests.support.pdfs import png_image


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("privacy.html", "<h1>Privacy</h1>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (png_image(), "image/png", "image/png"),
        (png_image(), "text/html", "PNG image"),  # a mislabelled image is still an image
        (_zip(), None, "ZIP archive"),
        (gzip.compress(b"<html>privacy</html>" * 50), "application/octet-stream", "gzip"),
        (os.urandom(4096), "application/octet-stream", "control bytes"),
        (b"\x00\x01\x02\x03privacy\x04\x05\x06\x07" * 100, "text/plain", "control bytes"),
        (b"<html>" + b"\x00" * 800 + b"</html>", "text/html", "control bytes"),
        (b"wOF2\x00\x01\x00\x00", "font/woff2", "font/woff2"),
    ],
    ids=["png", "png-as-html", "zip", "gzip", "random", "controls-as-text", "nul-html", "font"],
)
def test_binary_bodies_are_refused_with_a_reason_naming_what_they_are(
    body: bytes, content_type: str | None, said: str
) -> None:
    with pytest.raises(UnusableContent) as caught:
        extract(body, content_type=content_type)
    assert caught.value.reason == "not_text"
    assert said in str(caught.value)


@pytest.mark.parametrize(
    ("body", "mime"),
    [
        ("<h1>Datenschutzerklärung</h1><p>Wir verarbeiten Ihre Daten.</p>".encode(), "text/html"),
        ("Politique de confidentialité\n\nNous traitons vos données.\f\n".encode("cp1252"), "text/plain"),
        ("\ufeffPrivacy policy\twith tabs\r\n".encode("utf-16"), None),
        (b"<html><body><p>Served as an octet-stream by a careless server.</p></body></html>", None),
    ],
    ids=["utf8-html", "cp1252-text", "utf16-bom", "untyped-html"],
)
def test_real_text_in_any_encoding_is_text(body: bytes, mime: str | None) -> None:
    assert sniff_body(body, mime) == "text"


def test_a_pdf_is_recognised_by_its_magic_bytes_whatever_the_label() -> None:
    assert sniff_body(b"\n%PDF-1.7\n...", "text/html") == "pdf"
    assert sniff_body(b"anything", "application/pdf") == "pdf"
