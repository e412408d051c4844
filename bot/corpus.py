"""Reading corpus files (.txt, .md, .html/.htm, .pdf, .docx, .doc) into plain text plus format metadata.

A file that cannot be read raises `UnreadableFile` with a reason an admin can act on; the
builder skips it and names it in its report. Text in a Vietnamese legacy encoding (TCVN3, VNI,
VISCII, Windows-1258) is converted to Unicode whatever the format (bot.legacy_text); scanned PDF
pages are OCR'd (bot.ocr); HTML goes through trafilatura's main-text extractor (bot.html_text).
"""

from __future__ import annotations

import hashlib
import io
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from bot import html_text, legacy_text, ocr, word97
from bot.errors import MetadataFileError
from bot.records import DocumentMetadata
from bot.text import nfc

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".doc")
# A PDF page with fewer letters than this in its text layer is a scan (page numbers, stamps).
_MIN_PAGE_LETTERS = 20
# A DOCX is a zip: refuse one that would inflate past this, or past the suspicious size at a ratio
# no Word document reaches (its XML compresses 5-30x; a zip bomb's filler, 1000x).
DOCX_MAX_INFLATED = 200_000_000
DOCX_SUSPICIOUS_INFLATED = 20_000_000
DOCX_MAX_RATIO = 100
METADATA_KEYS = {f for f in DocumentMetadata.__dataclass_fields__}


class UnreadableFile(Exception):
    """The file holds no text we can index; str() is the reason."""


@dataclass(frozen=True)
class RawFile:
    """A corpus file read into text, before cleaning."""

    source_file: str
    text: str
    # Metadata the format itself declares (HTML <meta>, PDF info, DOCX core properties).
    hints: dict[str, str] = field(default_factory=dict)
    # What was done to get the text, for the build report: "OCR: pages 1, 2", "converted from TCVN3".
    notes: tuple[str, ...] = ()


@dataclass
class _Extracted:
    text: str
    hints: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every regular file under the corpus folder, sorted, hidden files and folders excluded."""
    return sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def relative_name(path: Path, corpus_dir: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_corpus_file(path: Path, corpus_dir: Path, max_bytes: int) -> RawFile:
    """Read one file into text, or raise UnreadableFile with the reason."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise UnreadableFile(f"unsupported file type '{suffix or path.name}' (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty file")
    if size > max_bytes:
        raise UnreadableFile(f"file is {size / 1e6:.1f} MB, above the {max_bytes / 1e6:.0f} MB limit")
    data = path.read_bytes()
    got = reader(data)
    # Compressed formats (DOCX, PDF streams) can unpack to far more text than the file's size: the
    # limit holds for the text too, or one small file could keep the builder embedding for hours.
    if len(got.text) > max_bytes:
        raise UnreadableFile(f"file unpacks to {len(got.text) / 1e6:.0f} MB of text, above the {max_bytes / 1e6:.0f} MB limit")
    text, encoding = legacy_text.to_unicode(got.text)
    if encoding:
        got.notes.append(f"converted from {legacy_text.LABELS[encoding]}")
    # Soft hyphens are invisible in print and would split words for search.
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\xad", "")
    if not text.strip():
        raise UnreadableFile("no text in file" if suffix != ".pdf" else "PDF has no text layer (scanned image?)")
    hints = {k: legacy_text.to_unicode(nfc(v))[0].strip() for k, v in got.hints.items() if v}
    return RawFile(relative_name(path, corpus_dir), text, hints, tuple(got.notes))


def _decode_text(data: bytes) -> legacy_text.Decoded:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("binary file, not text")
    try:
        return legacy_text.decode_bytes(data)
    except legacy_text.NotVietnameseText as exc:
        raise UnreadableFile(str(exc)) from exc


def _decoded_notes(decoded: legacy_text.Decoded) -> list[str]:
    label = legacy_text.LABELS.get(decoded.encoding)
    return [f"converted from {label}"] if label else []


def _read_txt(data: bytes) -> _Extracted:
    decoded = _decode_text(data)
    return _Extracted(decoded.text, {}, _decoded_notes(decoded))


_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def _read_md(data: bytes) -> _Extracted:
    decoded = _decode_text(data)
    text = decoded.text
    title = _MD_HEADING.search(text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s*(?:[-*+]|>)\s+", "", text, flags=re.MULTILINE)
    return _Extracted(text, {"title": title.group(1)} if title else {}, _decoded_notes(decoded))


def _read_html(data: bytes) -> _Extracted:
    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary file, not HTML")
    text, hints = html_text.extract(data)
    return _Extracted(text, hints)


def _read_pdf(data: bytes) -> _Extracted:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile("PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
        # Not /CreationDate: that is when the file was made, often long after the article appeared.
        hints = {"title": _useful_pdf_title(str(info.get("/Title") or ""))}
    except UnreadableFile:
        raise
    except Exception as exc:  # damaged files raise far more than PdfReadError (NotImplementedError, LimitReachedError...)
        raise UnreadableFile(f"corrupt or unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    scanned = [i for i, text in enumerate(pages) if sum(c.isalpha() for c in text) < _MIN_PAGE_LETTERS]
    notes = []
    if scanned:
        try:
            read = ocr.ocr_pages(data, scanned)
        except ocr.OcrUnavailable as exc:
            if len(scanned) == len(pages):
                raise UnreadableFile(f"scanned PDF (no text layer): {exc}") from exc
            read = {}
            notes.append(f"pages {_page_list(scanned)} are scans and were not OCR'd: {exc}")
        except Exception as exc:  # a page pdfium cannot render or Tesseract chokes on
            raise UnreadableFile(f"PDF has no text layer and OCR failed ({exc.__class__.__name__}: {exc})") from exc
        ocr_done = [i for i in scanned if read.get(i, "").strip()]
        for i in ocr_done:
            pages[i] = read[i]
        if ocr_done:
            notes.append(f"OCR: page{'s' if len(ocr_done) > 1 else ''} {_page_list(ocr_done)}")
        elif len(scanned) == len(pages):
            raise UnreadableFile("PDF has no text layer and OCR found no text on its pages (blank scan?)")
    return _Extracted("\n\n".join(pages), hints, notes)


def _useful_pdf_title(title: str) -> str:
    """The PDF's /Title, unless it is what scanners and converters put there ("scan", "Microsoft Word - kh.doc")."""
    title = title.strip()
    if len(title.split()) < 2 or title.lower().startswith(("microsoft word", "untitled")) \
            or re.search(r"\.(docx?|pdf|tiff?|jpe?g|png)$", title, re.IGNORECASE):
        return ""
    return title


def _page_list(pages: list[int]) -> str:
    return ", ".join(str(i + 1) for i in pages)


def _read_doc(data: bytes) -> _Extracted:
    try:
        text = word97.read_doc(data)
    except word97.WordReadError as exc:
        raise UnreadableFile(str(exc)) from exc
    # Word stores TCVN3's "ư" (byte 0xAD) as an optional hyphen; legacy_text reads 0xAD as "ư".
    return _Extracted(text.replace(word97.OPTIONAL_HYPHEN, "\xad"))


def _read_docx(data: bytes) -> _Extracted:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # A zip bomb announces its size (a lying header fails the CRC check when read).
            inflated = sum(i.file_size for i in zf.infolist())
            if inflated > DOCX_MAX_INFLATED or (
                inflated > DOCX_SUSPICIOUS_INFLATED and inflated > DOCX_MAX_RATIO * len(data)
            ):
                raise UnreadableFile(f"DOCX would inflate to {inflated / 1e6:.0f} MB (zip bomb?); refusing")
        document = docx.Document(io.BytesIO(data))
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"corrupt or unreadable DOCX ({exc.__class__.__name__}: {exc})") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise UnreadableFile(f"corrupt or unreadable DOCX ({exc.__class__.__name__}: {exc})") from exc
    props = document.core_properties
    # Not props.created: the file's creation time says nothing about when the article appeared.
    return _Extracted("\n\n".join(p.text for p in document.paragraphs), {"title": props.title or ""})


_READERS: dict[str, Callable[[bytes], _Extracted]] = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".doc": _read_doc,
}


def load_metadata_overrides(path: Path) -> dict[str, dict]:
    """The sidecar file: a TOML table per corpus file, e.g. ["002_x.txt"] outlet = "Báo Nghệ An"."""
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MetadataFileError(f"{path.name}: not valid TOML ({exc}); fix it or remove it, then rebuild") from exc
    overrides = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise MetadataFileError(f"{path.name}: [{name}] must be a table of fields")
        unknown = sorted(set(table) - METADATA_KEYS)
        if unknown:
            raise MetadataFileError(f"{path.name}: [{name}] unknown field(s) {unknown}; allowed: {sorted(METADATA_KEYS)}")
        overrides[nfc(name)] = {k: _override_value(k, v, path.name, name) for k, v in table.items()}
    return overrides


def _override_value(key: str, value, file_name: str, entry: str):
    if key == "provinces":
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise MetadataFileError(f"{file_name}: [{entry}] provinces must be a list of names")
        return tuple(nfc(v) for v in value)
    if key in ("published", "issued"):
        if isinstance(value, (date, datetime)):
            return value.isoformat()[:10]
        if not (isinstance(value, str) and (value == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))):
            raise MetadataFileError(f"{file_name}: [{entry}] {key} must be a date like 2022-07-01")
        return value
    if not isinstance(value, str):
        raise MetadataFileError(f"{file_name}: [{entry}] {key} must be text")
    return nfc(value).strip()
