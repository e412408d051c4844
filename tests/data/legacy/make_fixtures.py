"""Regenerates the committed .doc fixtures (Word 97-2003) from HTML with LibreOffice, once:

    apt-get install libreoffice-writer-nogui
    python tests/data/legacy/make_fixtures.py

LibreOffice is not needed to run the tests: only antiword (or catdoc) is, to read the .doc files.
"""

import subprocess
import tempfile
import unicodedata
from pathlib import Path

from viparse.normalize.tcvn3 import TCVN3

HERE = Path(__file__).resolve().parent

UNICODE_DOC = [
    "Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
    "Năm 2024, tỉnh Lạng Sơn hoàn thành kết nối mạng truyền số liệu chuyên dùng tới 100% xã, phường.",
    "Người dân được hướng dẫn cài đặt ứng dụng định danh điện tử VNeID tại bộ phận một cửa.",
    "Các sở, ngành sử dụng hệ thống quản lý văn bản và điều hành để gửi nhận văn bản điện tử có ký số.",
    "Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ trực tuyến toàn trình cho người dân và doanh nghiệp.",
]
TCVN3_DOC = [
    "Ban chỉ đạo chuyển đổi số tỉnh Cao Bằng",
    "Tỉnh Cao Bằng phấn đấu đến năm 2025 có 80% hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng.",
    "Cộng hoà xã hội chủ nghĩa Việt Nam, độc lập tự do hạnh phúc.",
    "Sở Thông tin và Truyền thông hướng dẫn các xã triển khai tổ công nghệ số cộng đồng.",
    "Mỗi thôn, bản có ít nhất một thành viên tổ công nghệ số hỗ trợ người dân sử dụng dịch vụ công trực tuyến.",
]


def tcvn3(text: str) -> str:
    """Unicode to the characters a .VnTime font shows for TCVN3 bytes (the inverse of viparse's table)."""
    inverse = {unicode: legacy for legacy, unicode in TCVN3.pairs}
    return "".join(inverse.get(c, c) for c in unicodedata.normalize("NFC", text))


def html(paragraphs: list[str], font: str) -> str:
    body = "".join(f'<p><span style="font-family:\'{font}\'">{p}</span></p>' for p in paragraphs)
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'


def convert(name: str, source: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{name}.html"
        src.write_text(source, encoding="utf-8")
        subprocess.run(["soffice", "--headless", "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(src)],
                       check=True, capture_output=True)
        (HERE / f"{name}.doc").write_bytes((Path(tmp) / f"{name}.doc").read_bytes())


if __name__ == "__main__":
    convert("lang_son_unicode", html(UNICODE_DOC, "Times New Roman"))
    convert("cao_bang_tcvn3", html([tcvn3(p) for p in TCVN3_DOC], ".VnTime"))
