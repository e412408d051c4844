"""Reading corpus files of every supported format, refusing unreadable ones with a reason, and the
metadata sidecar."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest

from bot.cleaning import clean_document
from bot.corpus import (
    UnreadableFile, corpus_files, load_metadata_overrides, read_corpus_file, relative_name,
)
from bot.errors import MetadataFileError
from conftest import SEED_ARTICLES, SEED_CORPUS, write_docx, write_pdf

MAX_BYTES = 20_000_000
ARTICLE = [
    "Tỉnh Hà Giang đẩy mạnh chuyển đổi số",
    "Năm 2023, tỉnh Hà Giang đưa 95% thủ tục hành chính lên dịch vụ công trực tuyến. "
    "Người dân nộp hồ sơ qua cổng dịch vụ công mà không phải đến trụ sở.",
    "Sở Thông tin và Truyền thông hướng dẫn cán bộ cấp xã sử dụng chữ ký số.",
]
ARTICLE_UNACCENTED = [
    "Tinh Ha Giang day manh chuyen doi so",
    "Nam 2023, tinh Ha Giang dua 95% thu tuc hanh chinh len dich vu cong truc tuyen. "
    "Nguoi dan nop ho so qua cong dich vu cong ma khong phai den tru so.",
    "So Thong tin va Truyen thong huong dan can bo cap xa su dung chu ky so.",
]


def read(path: Path):
    return read_corpus_file(path, path.parent, MAX_BYTES)


def squash(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_txt_in_common_encodings(tmp_path, encoding):
    path = tmp_path / "bai.txt"
    path.write_bytes("\r\n".join(ARTICLE).encode(encoding))
    raw = read(path)
    assert raw.source_file == "bai.txt"
    assert raw.text.split("\n") == ARTICLE  # Windows line ends become \n, the BOM is gone


def test_decomposed_unicode_file_reads_as_nfc(tmp_path):
    path = tmp_path / "nfd.txt"
    path.write_text(unicodedata.normalize("NFD", "\n".join(ARTICLE)), encoding="utf-8")
    raw = read(path)
    assert raw.text == "\n".join(ARTICLE)
    assert unicodedata.is_normalized("NFC", raw.text)
    doc = clean_document(raw, "hash")
    assert unicodedata.is_normalized("NFC", doc.text)
    assert doc.title == ARTICLE[0]
    assert "dịch vụ công trực tuyến" in doc.text


def test_markdown_heading_is_the_title_and_markup_is_dropped(tmp_path):
    path = tmp_path / "bai.md"
    path.write_text(
        f"# {ARTICLE[0]}\n\n**Năm 2023**, tỉnh đưa thủ tục lên [dịch vụ công trực tuyến](https://dichvucong.gov.vn).\n\n"
        "- Sở TT&TT hướng dẫn cán bộ.\n- Người dân dùng `chữ ký số`.\n",
        encoding="utf-8",
    )
    raw = read(path)
    assert raw.hints["title"] == ARTICLE[0]
    assert "Năm 2023, tỉnh đưa thủ tục lên dịch vụ công trực tuyến." in raw.text
    assert "Người dân dùng chữ ký số." in raw.text
    for markup in ("**", "](", "https://dichvucong", "`", "# "):
        assert markup not in raw.text


HTML_PAGE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<title>Hà Giang đẩy mạnh chuyển đổi số | Báo Hà Giang</title>
<meta property="og:title" content="Tỉnh Hà Giang đẩy mạnh chuyển đổi số">
<meta property="og:site_name" content="Báo Hà Giang">
<meta property="article:published_time" content="2023-06-15T08:30:00+07:00">
<meta property="og:url" content="https://baohagiang.vn/chuyen-doi-so-123.html">
<script>var tracker = "không được lọt vào chỉ mục";</script>
<style>.x { color: red }</style>
</head><body>
<nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav>
<header>A- A A+ | Tăng tương phản</header>
<article>
<h1>Tỉnh Hà Giang đẩy mạnh chuyển đổi số</h1>
<p>Năm 2023, tỉnh Hà Giang đưa 95% thủ tục hành chính lên <b>dịch vụ công trực tuyến</b>.</p>
<p>Sở Thông tin và Truyền thông hướng dẫn cán bộ cấp xã sử dụng chữ ký số.</p>
</article>
<aside>Tin liên quan: Giá vàng hôm nay</aside>
<footer>Bản quyền thuộc Báo Hà Giang</footer>
</body></html>
"""


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_article_and_its_metadata(tmp_path, suffix):
    path = tmp_path / f"bai{suffix}"
    path.write_text(HTML_PAGE, encoding="utf-8")
    raw = read(path)
    assert raw.hints["published"].startswith("2023-06-15")  # trafilatura gives the date, the page the time too
    assert {k: v for k, v in raw.hints.items() if k != "published"} == {
        "title": "Tỉnh Hà Giang đẩy mạnh chuyển đổi số",
        "outlet": "Báo Hà Giang",
        "url": "https://baohagiang.vn/chuyen-doi-so-123.html",
    }
    assert "Năm 2023, tỉnh Hà Giang đưa 95% thủ tục hành chính lên dịch vụ công trực tuyến." in squash(raw.text)
    for chrome in ("tracker", "color: red", "Trang chủ", "Tăng tương phản", "Giá vàng", "Bản quyền"):
        assert chrome not in raw.text
    doc = clean_document(raw, "hash")
    assert doc.metadata.title == "Tỉnh Hà Giang đẩy mạnh chuyển đổi số"
    assert doc.metadata.outlet == "Báo Hà Giang"
    assert doc.metadata.published == "2023-06-15"
    assert doc.metadata.url == "https://baohagiang.vn/chuyen-doi-so-123.html"
    assert doc.metadata.provinces == ("Tuyên Quang",)  # Hà Giang is part of Tuyên Quang since 2025
    assert not doc.text.startswith(doc.title)  # the headline is metadata, not repeated as body


def test_pdf_text_layer(tmp_path, pdf_text_is_unicode):
    lines = ARTICLE if pdf_text_is_unicode else ARTICLE_UNACCENTED
    path = write_pdf(tmp_path / "bai.pdf", lines, title=lines[0])
    raw = read(path)
    assert raw.hints["title"] == lines[0]
    text = squash(raw.text)
    for line in lines:
        assert squash(line) in text
    doc = clean_document(raw, "hash")
    assert doc.title == lines[0]
    assert squash(lines[2]) in squash(doc.text)


def test_docx_paragraphs_and_title(tmp_path):
    path = write_docx(tmp_path / "bai.docx", ARTICLE[1:], title=ARTICLE[0])
    raw = read(path)
    assert raw.hints["title"] == ARTICLE[0]
    assert [p for p in raw.text.split("\n") if p] == ARTICLE[1:]
    doc = clean_document(raw, "hash")
    assert doc.title == ARTICLE[0]
    assert doc.text == "\n".join(ARTICLE[1:])


# ---------------------------------------------------------------- unreadable files

def _cp1258(text: str) -> bytes:
    """Windows-1258, the legacy Vietnamese code page: precomposed ă â ê ô ơ ư đ, tones as combining marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = ""
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out += base + "".join(c for c in decomposed if c in tones)
    return out.encode("cp1258")


def _corrupt_docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:  # a zip, but not a Word document
        zf.writestr("word/document.xml", "<w:document>")


def _pdf_with_unknown_filter(path: Path) -> None:
    data = write_pdf(path, ARTICLE_UNACCENTED).read_bytes()
    assert b"/FlateDecode" in data
    path.write_bytes(data.replace(b"/FlateDecode", b"/FlateDecodX"))  # pypdf: NotImplementedError


def _blank_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()  # a scanned page would look the same: no text layer
    pdf.output(str(path))


UNREADABLE = {
    "binary.txt": (lambda p: p.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4), "binary"),
    "latin1.md": (lambda p: p.write_bytes("Caf\xe9 s\xf4 h\xf3a".encode("latin-1")), "not utf-8"),
    "empty.txt": (lambda p: p.write_bytes(b""), "empty"),
    "blank.txt": (lambda p: p.write_text(" \n\t\n  \n", encoding="utf-8"), "no text"),
    "corrupt.pdf": (lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage"), "corrupt"),
    "truncated.pdf": (lambda p: p.write_bytes(write_pdf(p, ARTICLE_UNACCENTED).read_bytes()[:400]), "corrupt"),
    "scanned.pdf": (_blank_pdf, "no text layer"),
    "unknown-filter.pdf": (_pdf_with_unknown_filter, "corrupt"),
    "not-a-zip.docx": (lambda p: p.write_bytes(b"This is not a Word file at all"), "corrupt"),
    "wrong-zip.docx": (_corrupt_docx, "corrupt"),
    "image.jpg": (lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(100)), "unsupported file type"),
    "binary.html": (lambda p: p.write_bytes(b"<html>\x00\x01\x02</html>" + bytes(50)), "binary"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_file_is_refused_with_a_reason(tmp_path, name):
    write, reason = UNREADABLE[name]
    path = tmp_path / name
    write(path)
    with pytest.raises(UnreadableFile) as err:
        read(path)
    assert reason in str(err.value).lower()
    assert "\n" not in str(err.value)


def test_file_above_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Chuyển đổi số. " * 2000, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="MB limit"):
        read_corpus_file(path, tmp_path, max_bytes=10_000)


def test_corpus_files_skip_hidden_entries_and_keep_subfolders(tmp_path):
    for name in ("a.txt", "sub/b.md", ".hidden.txt", ".git/config", "sub/.cache/c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [relative_name(p, tmp_path) for p in corpus_files(tmp_path)]
    assert found == ["a.txt", "sub/b.md"]


def test_seed_articles_are_readable():
    for name in SEED_ARTICLES:
        raw = read_corpus_file(SEED_CORPUS / name, SEED_CORPUS, MAX_BYTES)
        assert raw.source_file == name
        assert len(raw.text) > 1000


# ---------------------------------------------------------------- the metadata sidecar

def test_sidecar_values(tmp_path):
    path = tmp_path / "metadata.toml"
    path.write_text(
        '["a.txt"]\ntitle = " Tiêu đề đúng "\npublished = 2022-07-01\nprovinces = ["Nghệ An", "Hà Tĩnh"]\n'
        '["sub/b.txt"]\noutlet = "Báo Nghệ An"\nurl = "https://baonghean.vn/x.html"\npublished = "2021-01-31"\n',
        encoding="utf-8",
    )
    assert load_metadata_overrides(path) == {
        "a.txt": {"title": "Tiêu đề đúng", "published": "2022-07-01", "provinces": ("Nghệ An", "Hà Tĩnh")},
        "sub/b.txt": {"outlet": "Báo Nghệ An", "url": "https://baonghean.vn/x.html", "published": "2021-01-31"},
    }


def test_missing_sidecar_means_no_overrides(tmp_path):
    assert load_metadata_overrides(tmp_path / "metadata.toml") == {}


def test_seed_sidecar_dates():
    overrides = load_metadata_overrides(SEED_CORPUS / "metadata.toml")
    assert overrides["001_7c41b3213df7f756.txt"]["published"] == "2024-03-19"
    assert overrides["002_f4c38aa5626986ed.txt"]["published"] == "2022-07-01"


@pytest.mark.parametrize("content, fragments", [
    ('["a.txt"\ntitle = "x"\n', ["metadata.toml", "not valid toml"]),
    ('["a.txt"]\ntitel = "x"\n', ["metadata.toml", "a.txt", "titel", "allowed"]),
    ('["a.txt"]\npublished = "21/09/2023"\n', ["a.txt", "published", "2022-07-01"]),
    ('["a.txt"]\nprovinces = "Nghệ An"\n', ["a.txt", "provinces"]),
    ('["a.txt"]\ntitle = 5\n', ["a.txt", "title", "text"]),
    ('title = "not inside a table"\n', ["title", "table"]),
])
def test_bad_sidecar_is_a_clear_error(tmp_path, content, fragments):
    path = tmp_path / "metadata.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MetadataFileError) as err:
        load_metadata_overrides(path)
    message = str(err.value)
    for fragment in fragments:
        assert fragment.lower() in message.lower()
