"""Files as provinces publish them: TCVN3/VNI/VISCII/Windows-1258 text, Word 97 .doc, scanned PDFs.
Each is read into the Unicode text a reader sees (no index is built here)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot import ocr
from bot.cleaning import clean_document
from bot.corpus import UnreadableFile, read_corpus_file
from conftest import SEED_ARTICLES, SEED_CORPUS, write_pdf
from ingest_fixtures import BODY, TCVN3_HEADER, VNI_HEADER, copy_doc, legacy, tesseract_or_skip, write_scanned_pdf

HEADER = "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"


def read(path: Path):
    return read_corpus_file(path, path.parent, 20_000_000)


def same(a: str, b: str) -> bool:
    """Equal as a reader sees it: NFC, and "hoà"/"hòa" (old and new tone placement) alike."""
    from bot.text import canonical_tones

    return canonical_tones(" ".join(a.split())) == canonical_tones(" ".join(b.split()))


@pytest.mark.parametrize("header, encoding", [(TCVN3_HEADER, "TCVN3"), (VNI_HEADER, "VNI")])
def test_legacy_text_file_is_converted_to_unicode(tmp_path, header, encoding):
    path = tmp_path / "van_ban.txt"
    body = legacy(BODY, encoding.lower())
    path.write_bytes((header + "\r\n" + body).encode("cp1252"))
    raw = read(path)
    assert same(raw.text, HEADER + "\n" + BODY)
    assert unicodedata.is_normalized("NFC", raw.text)
    assert any(encoding in note for note in raw.notes)


def test_viscii_text_file_is_converted(tmp_path):
    path = tmp_path / "viscii.txt"
    path.write_bytes(legacy(BODY, "viscii").encode("latin-1"))
    raw = read(path)
    assert same(raw.text, BODY)
    assert any("VISCII" in note for note in raw.notes)


def test_windows_1258_text_file_is_converted(tmp_path):
    tones = "\u0300\u0301\u0303\u0309\u0323"
    data = b""
    for char in BODY:  # cp1258 keeps tones as combining marks after a precomposed base letter
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        data += (base + "".join(c for c in decomposed if c in tones)).encode("cp1258")
    (tmp_path / "cp1258.txt").write_bytes(data)
    raw = read(tmp_path / "cp1258.txt")
    assert raw.text == BODY


def test_tcvn3_saved_as_utf8_is_converted_too(tmp_path):
    """A file someone re-saved as UTF-8 while it still showed .VnTime characters."""
    path = tmp_path / "resaved.txt"
    path.write_text(TCVN3_HEADER + "\n" + legacy(BODY, "tcvn3"), encoding="utf-8")
    assert same(read(path).text, HEADER + "\n" + BODY)


def test_western_latin1_text_is_still_refused(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café au lait, crème brûlée et pâtisserie française à Paris.".encode("latin-1"))
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        read(path)


@pytest.mark.parametrize("text", [
    "Tỉnh Hà Giang đẩy mạnh chuyển đổi số. Giá trị © 2024, nhiệt độ 30°C, ±5%, ½ số hồ sơ.",
    "Café, naïve, résumé: ba từ mượn trong bài báo tiếng Việt về chuyển đổi số ở Đà Nẵng.",
])
def test_unicode_text_is_never_converted(tmp_path, text):
    path = tmp_path / "unicode.txt"
    path.write_text(text, encoding="utf-8")
    raw = read(path)
    assert raw.text == text and raw.notes == ()


def test_seed_articles_are_left_as_they_are():
    for name in SEED_ARTICLES:
        raw = read_corpus_file(SEED_CORPUS / name, SEED_CORPUS, 20_000_000)
        assert raw.notes == ()
        assert raw.text == unicodedata.normalize("NFC", (SEED_CORPUS / name).read_text(encoding="utf-8").replace("\r\n", "\n"))


# ---------------------------------------------------------------- Word 97-2003

def test_word97_doc_is_read(tmp_path):
    raw = read(copy_doc("lang_son_unicode.doc", tmp_path / "lang_son.doc"))
    assert "Người dân được hướng dẫn cài đặt ứng dụng định danh điện tử VNeID tại bộ phận một cửa." in raw.text
    doc = clean_document(raw, "hash")
    assert doc.title == "Sở Thông tin và Truyền thông tỉnh Lạng Sơn"


def test_word97_doc_in_vntime_font_is_converted_with_every_letter(tmp_path):
    raw = read(copy_doc("cao_bang_tcvn3.doc", tmp_path / "cao_bang.doc"))
    assert any("TCVN3" in note for note in raw.notes)
    # "ư" is the byte Word keeps as an optional hyphen: it must survive ("được", not "đợc").
    assert "cấp tỉnh được xử lý trên môi trường mạng" in raw.text
    assert "hỗ trợ người dân sử dụng dịch vụ công trực tuyến" in raw.text


def test_corrupt_doc_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "broken.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnreadableFile, match=r"(?i)doc"):
        read(path)


# ---------------------------------------------------------------- scanned PDFs

SCAN = ["Kế hoạch chuyển đổi số tỉnh Điện Biên", "Tỉnh Điện Biên phấn đấu 90% hồ sơ được số hóa.",
        "Người dân dùng dịch vụ công trực tuyến toàn trình."]


def test_scanned_pdf_is_read_by_ocr(tmp_path):
    tesseract_or_skip()
    raw = read(write_scanned_pdf(tmp_path / "scan.pdf", SCAN))
    assert unicodedata.is_normalized("NFC", raw.text)
    for line in SCAN:
        assert line in raw.text
    assert raw.notes == ("OCR: page 1",)
    assert clean_document(raw, "hash").title == SCAN[0]


def test_scanned_pdf_without_tesseract_is_skipped_naming_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "missing_tesseract", lambda: "the tesseract program is not installed; " + ocr.INSTALL_HINT)
    path = write_scanned_pdf(tmp_path / "scan.pdf", SCAN)
    with pytest.raises(UnreadableFile) as err:
        read(path)
    message = str(err.value)
    assert "scanned" in message and "tesseract-ocr-vie" in message and "\n" not in message


def test_pdf_with_a_text_layer_is_not_ocrd(tmp_path, monkeypatch):
    def no_ocr(*args):
        raise AssertionError("OCR must not run on a page with text")

    monkeypatch.setattr(ocr, "ocr_pages", no_ocr)
    raw = read(write_pdf(tmp_path / "text.pdf", ["Sở Thông tin và Truyền thông hướng dẫn cán bộ cấp xã sử dụng chữ ký số."]))
    assert raw.notes == ()


def test_pdf_text_layer_in_vntime_font_is_converted(tmp_path, pdf_text_is_unicode):
    if not pdf_text_is_unicode:
        pytest.skip("no TrueType font to write the PDF with (apt-get install fonts-dejavu-core)")
    # A .VnTime PDF's text layer gives "ư" (TCVN3 byte 0xAD) as U+2212 MINUS SIGN, as real ones do.
    lines = [TCVN3_HEADER.replace("\n", " "), legacy(BODY, "tcvn3").replace("\xad", "\u2212")]
    raw = read(write_pdf(tmp_path / "vntime.pdf", lines))
    assert same(raw.text, HEADER.replace("\n", " ") + "\n" + BODY)
    assert any("TCVN3" in note for note in raw.notes)
