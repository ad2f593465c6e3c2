"""Wrong charset labels: a page is read in the charset that reads it cleanly, and that charset is recorded.

The texts are our own sentences, in the languages whose legacy encodings servers still mislabel.
"""

from __future__ import annotations

import codecs

import pytest

from monitor.core.extract import body_charset, decode, extract

SENTENCES = {
    "gbk": "我们收集您的电子邮件地址，以便向您发送通讯。"
    "我们不会出售您的个人信息。您可以随时要求删除您的数据。",
    "shift_jis": "当社は、ニュースレターを送信するためにお客様のメールアドレスを収集します。"
    "お客様の個人情報を販売することはありません。",
    "euc-kr": "당사는 뉴스레터를 보내기 위해 귀하의 이메일 주소를 수집합니다. "
    "당사는 귀하의 개인 정보를 판매하지 않습니다.",
    "windows-1251": "Мы собираем ваш адрес электронной почты, чтобы отправлять вам новости. "
    "Мы не продаём ваши персональные данные третьим лицам.",
    "iso-8859-1": "Nous collectons votre adresse électronique afin de vous envoyer notre lettre. "
    "Nous ne vendons jamais vos données à des tiers ; vous pouvez à tout moment demander leur effacement.",
}
#: What each page is read as: the label's own codec or a superset of it (GB18030 ⊃ GBK, CP932 ⊃ Shift-JIS…).
READ_AS = {
    "gbk": {"gbk", "gb18030", "gb2312"},
    "shift_jis": {"shift_jis", "cp932"},
    "euc-kr": {"euc_kr", "cp949"},
    "windows-1251": {"cp1251"},
    "iso-8859-1": {"cp1252", "iso8859-1"},
}
WRONG_LABELS = ("utf-8", "iso-8859-1", "shift_jis")


def page(encoding: str, *, meta: str | None = None) -> bytes:
    head = f'<meta charset="{meta}">' if meta else ""
    text = SENTENCES[encoding]
    html = f"<html><head>{head}<title>Privacy</title></head><body><main><h1>Privacy</h1><p>{text}</p>"
    return (html + f"<p>{text}</p></main></body></html>").encode(encoding)


MISLABELLED = [
    (encoding, label)
    for encoding in SENTENCES
    for label in WRONG_LABELS
    if codecs.lookup(label).name != codecs.lookup(encoding).name
]


@pytest.mark.parametrize(("encoding", "label"), MISLABELLED)
def test_a_wrongly_labelled_page_is_read_in_its_real_charset(encoding: str, label: str) -> None:
    decoded = decode(page(encoding), f"text/html; charset={label}")
    assert SENTENCES[encoding] in decoded.text
    assert decoded.charset in READ_AS[encoding], decoded
    assert decoded.declared == codecs.lookup(label).name


@pytest.mark.parametrize("encoding", SENTENCES)
def test_a_meta_charset_overrules_a_wrong_http_label(encoding: str) -> None:
    decoded = decode(page(encoding, meta=encoding), "text/html; charset=utf-8")
    assert SENTENCES[encoding] in decoded.text and decoded.charset in READ_AS[encoding]


@pytest.mark.parametrize("encoding", SENTENCES)
def test_a_right_label_is_used_as_it_is(encoding: str) -> None:
    decoded = decode(page(encoding), f"text/html; charset={encoding}")
    assert SENTENCES[encoding] in decoded.text
    assert decoded.charset in READ_AS[encoding] | {decoded.declared}


def test_utf8_with_a_few_stray_windows_1252_bytes_stays_utf8() -> None:
    body = "Données – “naïve” ".encode() * 20 + "don’t".encode("cp1252")
    decoded = decode(body, "text/html; charset=utf-8")
    assert decoded.text.endswith("don’t") and decoded.charset == "utf-8"


def test_utf8_labelled_with_a_legacy_charset_is_utf8() -> None:
    body = SENTENCES["windows-1251"].encode()
    decoded = decode(body, "text/plain; charset=windows-1251")
    assert decoded.text == SENTENCES["windows-1251"] and decoded.charset == "utf-8"


def test_extract_gives_the_text_not_mojibake() -> None:
    text = extract(page("gbk"), content_type="text/html; charset=utf-8")
    assert SENTENCES["gbk"] in text


def test_the_charset_of_a_body_that_is_not_text_is_none() -> None:
    assert body_charset(b"%PDF-1.7 \x80\x81", "application/pdf") is None
    assert body_charset(page("euc-kr"), "text/html; charset=utf-8") in READ_AS["euc-kr"]
