"""PDF bodies become policy text: headings and paragraphs kept, running headers and page numbers gone;
scans and password-locked files are refused with a reason that says so (real PDFs made with fpdf2)."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from pypdf import PdfReader

from monitor.core.extract import extract
from monitor.core.pdf import pdf_to_text
from monitor.errors import UnusableContent
from tests.support.pdfs import HEADER, POLICY_SECTIONS, encrypted_pdf, policy_pdf, scanned_pdf


@pytest.fixture(scope="module")
def policy() -> bytes:
    return policy_pdf()


def test_the_test_policy_really_spans_several_pages(policy: bytes) -> None:
    assert len(PdfReader(io.BytesIO(policy)).pages) >= 3


def test_a_pdf_body_is_extracted_by_type_and_by_its_magic_bytes(policy: bytes) -> None:
    by_type = extract(policy, content_type="application/pdf")
    by_magic = extract(policy, content_type="application/octet-stream")
    untyped = extract(policy)
    assert by_type == by_magic == untyped
    assert "%PDF" not in by_type and "stream" not in by_type


def test_headings_become_markdown_headings_and_paragraphs_stay_whole(policy: bytes) -> None:
    text = pdf_to_text(policy)
    assert text.startswith("# Privacy Policy\n\n")
    for heading, paragraphs in POLICY_SECTIONS:
        assert f"\n\n## {heading}\n\n" in text
        for paragraph in paragraphs:
            # each wrapped paragraph comes back as one block, words and punctuation intact
            assert f"\n\n{paragraph}\n\n" in text + "\n\n"


def test_running_headers_footers_and_page_numbers_are_removed(policy: bytes) -> None:
    text = pdf_to_text(policy)
    assert HEADER not in text
    assert "Page 1 of" not in text and "Page 2 of" not in text


def test_a_paragraph_cut_by_a_page_break_is_joined_again() -> None:
    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=30)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    kinds = ("booking", "payment", "check-in", "luggage", "complaint", "newsletter", "loyalty", "seat")
    parts = [
        f"we keep the {kind} records of {holder} for as long as the law of {place} requires"
        for kind in kinds
        for holder in ("members", "guests", "children", "partners")
        for place in ("France", "Spain", "Italy")
    ]
    long_paragraph = "W" + ", and ".join(parts)[1:] + "."
    pdf.multi_cell(0, 6, long_paragraph)
    body = bytes(pdf.output())
    assert len(PdfReader(io.BytesIO(body)).pages) >= 2
    assert pdf_to_text(body) == long_paragraph


def test_a_scanned_pdf_fails_and_says_it_has_no_text() -> None:
    with pytest.raises(UnusableContent) as caught:
        extract(scanned_pdf(), content_type="application/pdf")
    assert caught.value.reason == "pdf_no_text"
    assert "no extractable text" in str(caught.value) and "scanned" in str(caught.value)


def test_a_password_locked_pdf_fails_and_says_it_is_encrypted() -> None:
    with pytest.raises(UnusableContent) as caught:
        extract(encrypted_pdf(), content_type="application/pdf")
    assert caught.value.reason == "pdf_encrypted"
    assert "encrypted" in str(caught.value)


def test_a_pdf_locked_only_against_printing_is_read() -> None:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="", encryption_method=EncryptionMethod.AES_128)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "We do not sell your personal information to anyone, and we never will do so.")
    assert "never will do so." in extract(bytes(pdf.output()), content_type="application/pdf")


def test_a_truncated_pdf_fails_as_unreadable_not_as_a_crash(policy: bytes) -> None:
    with pytest.raises(UnusableContent) as caught:
        extract(b"%PDF-1.7\n%garbage that is no PDF at all\n", content_type="application/pdf")
    assert caught.value.reason in {"pdf_unreadable", "pdf_no_text"}
