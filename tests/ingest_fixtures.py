"""Files in the formats provinces really publish, made by the tests: legacy-encoded text, scanned
PDFs, legal documents. The .doc fixtures are committed (tests/data/legacy, see make_fixtures.py)."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from conftest import REPO, font_with_vietnamese

LEGACY_DIR = REPO / "tests" / "data" / "legacy"

# The fixed phrases every Vietnamese official document carries, as TCVN3 (.VnTime) and VNI-Times
# show them when read as Windows-1252: typed here from how such files look, not generated.
TCVN3_HEADER = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc"
VNI_HEADER = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam\nÑoäc laäp - Töï do - Haïnh phuùc"

BODY = (
    "UBND tỉnh Điện Biên ban hành kế hoạch chuyển đổi số năm 2024. "
    "Người dân được hướng dẫn sử dụng dịch vụ công trực tuyến toàn trình tại bộ phận một cửa cấp xã."
)


def legacy(text: str, encoding: str) -> str:
    """Unicode text as a legacy font shows it (the inverse of viparse's conversion table)."""
    from viparse.normalize.encodings import CHARMAPS

    inverse = {unicode: surface for surface, unicode in CHARMAPS[encoding].pairs}
    return "".join(inverse.get(c, c) for c in unicodedata.normalize("NFC", text))


def tesseract_or_skip() -> None:
    from bot.ocr import missing_tesseract

    reason = missing_tesseract()
    if reason:
        pytest.skip(reason)


def write_scanned_pdf(path: Path, lines: list[str]) -> Path:
    """An image-only PDF (no text layer): the lines drawn with a Vietnamese font, as a scanner would."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = font_with_vietnamese()
    if font_path is None:
        pytest.skip("no font with Vietnamese glyphs (apt-get install fonts-dejavu-core)")
    font = ImageFont.truetype(str(font_path), 34)
    image = Image.new("L", (1700, 200 + 70 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((100, 100 + 70 * i), line, font=font, fill=0)
    image.save(path, "PDF", resolution=200)
    return path


def copy_doc(name: str, dest: Path) -> Path:
    shutil.copy2(LEGACY_DIR / name, dest)
    return dest
