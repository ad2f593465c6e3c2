"""Real PDF files made with fpdf2 for the PDF tests: a multi-page policy, a scan, a locked one.

The policy PDF is laid out like the ones banks and airlines publish: a running header with the company
name, a footer with "Page N of M", bold numbered headings and wrapped body paragraphs over several pages.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import EncryptionMethod

HEADER = "ACME Airlines - Privacy Policy - Version 2026"

#: (heading, paragraphs) sections of the test policy.
POLICY_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "1. Information we collect",
        (
            "We collect your name, date of birth, e-mail address and passport details when you book a "
            "flight with us, and the payment card details you give us when you pay for a ticket.",
            "When you use our website we record the pages you visit and the device you use, so that "
            "we can keep the service secure and fix problems quickly.",
        ),
    ),
    (
        "2. How we use your information",
        (
            "We use your information to carry you and your luggage, to check you in, to meet the "
            "border and security rules of the countries you fly to, and to answer your questions.",
            "We send you news about our flights only if you ask us to, and you can stop it at any "
            "time with the link at the end of every message.",
        ),
    ),
    (
        "3. Sharing",
        (
            "We do not sell your personal information. We share it with airports, border authorities "
            "and the service providers who process it for us under contract and on our instructions.",
            "Partner airlines receive the details they need to carry you on a connecting flight.",
        ),
    ),
    (
        "4. Retention",
        (
            "We keep your booking records for six years after your flight, as tax law requires, and "
            "then delete them or make them anonymous.",
        ),
    ),
    (
        "5. Your rights",
        (
            "You can ask for a copy of your information, ask us to correct or delete it, object to "
            "its use for marketing, and complain to your data protection authority.",
            "Write to our data protection officer at the address below and we will answer within one month.",
        ),
    ),
)

SALE_CLAUSE = (
    "We may sell your personal information to data brokers and advertising partners, who may combine "
    "it with other data about you."
)


class _PolicyPdf(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, HEADER, align="C")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def policy_pdf(
    sections: Sequence[tuple[str, Sequence[str]]] = POLICY_SECTIONS,
    *,
    repeat: int = 5,
    extra: Sequence[str] = (),
) -> bytes:
    """A policy PDF of several pages: each section's paragraphs written ``repeat`` times (numbered)."""
    pdf = _PolicyPdf()
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(0, 10, "Privacy Policy")
    pdf.ln(4)
    for heading, paragraphs in sections:
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 8, heading)
        pdf.ln(2)
        pdf.set_font("Helvetica", size=11)
        for round_ in range(repeat):
            for paragraph in paragraphs:
                text = paragraph if round_ == 0 else f"({round_}) {paragraph}"
                pdf.multi_cell(0, 6, text)
                pdf.ln(3)
        if heading.startswith("3.") and extra:
            for paragraph in extra:
                pdf.multi_cell(0, 6, paragraph)
                pdf.ln(3)
    return bytes(pdf.output())


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF whose pages are only images (what a scanner produces): no text at all."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(_png(300, 400)), x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str = "s3cret") -> bytes:
    """A policy PDF that needs a password to open."""
    pdf = FPDF()
    pdf.set_encryption(
        owner_password="owner", user_password=user_password, encryption_method=EncryptionMethod.AES_256
    )
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for heading, paragraphs in POLICY_SECTIONS:
        pdf.multi_cell(0, 6, heading, new_x="LMARGIN", new_y="NEXT")
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _png(width: int, height: int) -> bytes:
    """A grey-gradient PNG written by hand (what a scanned page looks like to a text extractor)."""
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x00\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def png_image() -> bytes:
    return _png(64, 64)
