"""Reading corpus files (.txt, .md, .html/.htm, .pdf, .docx) into plain text plus format metadata.

A file that cannot be read raises `UnreadableFile` with a reason an admin can act on; the
builder skips it and names it in its report.
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

from bot.errors import MetadataFileError
from bot.records import DocumentMetadata
from bot.text import nfc

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
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
    text, hints = reader(data)
    # Compressed formats (DOCX, PDF streams) can unpack to far more text than the file's size: the
    # limit holds for the text too, or one small file could keep the builder embedding for hours.
    if len(text) > max_bytes:
        raise UnreadableFile(f"file unpacks to {len(text) / 1e6:.0f} MB of text, above the {max_bytes / 1e6:.0f} MB limit")
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableFile("no text in file" if suffix != ".pdf" else "PDF has no text layer (scanned image?)")
    return RawFile(relative_name(path, corpus_dir), text, {k: nfc(v).strip() for k, v in hints.items() if v})


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8") from exc


def _read_txt(data: bytes) -> tuple[str, dict[str, str]]:
    return _decode_text(data), {}


_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def _read_md(data: bytes) -> tuple[str, dict[str, str]]:
    text = _decode_text(data)
    title = _MD_HEADING.search(text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s*(?:[-*+]|>)\s+", "", text, flags=re.MULTILINE)
    return text, {"title": title.group(1)} if title else {}


_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button")
_HTML_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "figcaption", "section", "article", "blockquote", "pre", "td")


def _read_html(data: bytes) -> tuple[str, dict[str, str]]:
    from bs4 import BeautifulSoup

    if b"\x00" in data[:4096]:
        raise UnreadableFile("binary file, not HTML")
    soup = BeautifulSoup(data, "html.parser")
    hints = {
        "title": _meta(soup, "og:title") or _first_text(soup, "h1") or _first_text(soup, "title"),
        "outlet": _meta(soup, "og:site_name"),
        "published": _meta(soup, "article:published_time") or _time_datetime(soup),
        "url": _meta(soup, "og:url") or _canonical(soup),
    }
    for tag in soup(_HTML_DROP):
        tag.decompose()
    # The <article> element, when present, is the article: the rest is site chrome.
    root = soup.find("article") or soup.body or soup
    for tag in root.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = re.sub(r"[ \t\u00a0]+", " ", root.get_text())
    return re.sub(r"\n\s*\n+", "\n\n", text), hints


def _meta(soup, prop: str) -> str:
    tag = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    return (tag.get("content") or "").strip() if tag else ""


def _first_text(soup, name: str) -> str:
    tag = soup.find(name)
    return tag.get_text(" ", strip=True) if tag else ""


def _time_datetime(soup) -> str:
    tag = soup.find("time", attrs={"datetime": True})
    return tag["datetime"] if tag else ""


def _canonical(soup) -> str:
    tag = soup.find("link", rel="canonical")
    return (tag.get("href") or "").strip() if tag else ""


def _read_pdf(data: bytes) -> tuple[str, dict[str, str]]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile("PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
        # Not /CreationDate: that is when the file was made, often long after the article appeared.
        hints = {"title": str(info.get("/Title") or "")}
    except UnreadableFile:
        raise
    except Exception as exc:  # damaged files raise far more than PdfReadError (NotImplementedError, LimitReachedError...)
        raise UnreadableFile(f"corrupt or unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    return "\n\n".join(pages), hints


def _read_docx(data: bytes) -> tuple[str, dict[str, str]]:
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
    return "\n\n".join(p.text for p in document.paragraphs), {"title": props.title or ""}


_READERS: dict[str, Callable[[bytes], tuple[str, dict[str, str]]]] = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
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
    if key == "published":
        if isinstance(value, (date, datetime)):
            return value.isoformat()[:10]
        if not (isinstance(value, str) and (value == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))):
            raise MetadataFileError(f"{file_name}: [{entry}] published must be a date like 2022-07-01")
        return value
    if not isinstance(value, str):
        raise MetadataFileError(f"{file_name}: [{entry}] {key} must be text")
    return nfc(value).strip()
