"""OCR of scanned PDF pages with Tesseract and its Vietnamese data.

Provinces publish many decisions as scans: pages with no text layer. Each such page is rendered
with pypdfium2 (a PyPI wheel, no system library) and read by the `tesseract` binary through
pytesseract. Tesseract and its Vietnamese data are system packages (Debian: tesseract-ocr
tesseract-ocr-vie); without them a scanned file is skipped with a reason that says so.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

LANGUAGES = "vie"
INSTALL_HINT = "install Tesseract with Vietnamese data to OCR it (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-vie)"
# 300 dpi is what Tesseract is trained for; less loses Vietnamese tone marks, more only costs time.
DPI = 300
PAGE_TIMEOUT_SECONDS = 120
# A scan this long would take the builder hours; an admin can split it.
MAX_PAGES = 200


class OcrUnavailable(Exception):
    """Tesseract or its Vietnamese data is missing; str() says what to install."""


@functools.lru_cache(maxsize=1)
def missing_tesseract() -> str:
    """Why OCR cannot run here ("" when it can)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return f"the tesseract program is not installed; {INSTALL_HINT}"
    try:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"tesseract does not run ({exc}); {INSTALL_HINT}"
    languages = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    if "vie" not in languages:
        return f"Tesseract has no Vietnamese data ('vie'); {INSTALL_HINT}"
    return ""


def ocr_pages(data: bytes, page_numbers: list[int]) -> dict[int, str]:
    """Text Tesseract reads on the given 0-based pages of a PDF; raises OcrUnavailable."""
    reason = missing_tesseract()
    if reason:
        raise OcrUnavailable(reason)
    if len(page_numbers) > MAX_PAGES:
        raise OcrUnavailable(f"{len(page_numbers)} scanned pages, above the OCR limit of {MAX_PAGES}; split the file")
    import pypdfium2
    import pytesseract

    pdf = pypdfium2.PdfDocument(data)
    try:
        texts = {}
        for number in page_numbers:
            image = pdf[number].render(scale=DPI / 72).to_pil()
            texts[number] = pytesseract.image_to_string(image, lang=LANGUAGES, timeout=PAGE_TIMEOUT_SECONDS)
        return texts
    finally:
        pdf.close()
