"""From scraped page text to the article: site chrome and news teasers out, metadata extracted.

Scraped pages carry accessibility and share widgets, audio players, rating prompts, visitor
counters, contact headers and, after the article, teasers for unrelated news. None of that may
ever be retrievable, so it is removed here, before chunking, and never reaches the index.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

from bot.corpus import RawFile
from bot.legal import legal_info
from bot.provinces import provinces_in
from bot.records import Document, DocumentMetadata
from bot.text import fold, sentence_spans

# Outlets recognised from a dateline marker ("(Baonghean.vn) -", "DNHN -") or a source URL's host.
KNOWN_OUTLETS = {
    "baonghean.vn": "Báo Nghệ An",
    "baoquangninh.vn": "Báo Quảng Ninh",
    "baothanhhoa.vn": "Báo Thanh Hóa",
    "dnhn": "Doanh nghiệp và Hội nhập",
    "doanhnghiephoinhap.vn": "Doanh nghiệp và Hội nhập",
    "chinhphu.vn": "Báo Điện tử Chính phủ",
    "baochinhphu.vn": "Báo Điện tử Chính phủ",
    "mic.gov.vn": "Bộ Thông tin và Truyền thông",
    "nhandan.vn": "Báo Nhân Dân",
    "vietnamplus.vn": "VietnamPlus",
    "vnexpress.net": "VnExpress",
    "tuoitre.vn": "Tuổi Trẻ",
    "thanhnien.vn": "Thanh Niên",
    "vietnamnet.vn": "VietNamNet",
    "ictvietnam.vn": "Tạp chí Điện tử Thông tin và Truyền thông",
}

# How a question names an outlet (folded): its site ("baonghean", "DNHN") or its name when that
# starts "Báo" / "Tạp chí" (not "Tuổi Trẻ", "Thanh Niên", which are words; not the ministry's site,
# which questions name as the ministry).
_OUTLET_FORMS = {form: name for key, name in KNOWN_OUTLETS.items() if name != "Bộ Thông tin và Truyền thông"
                 for form in (key.split(".")[0], fold(name).lower() if name.startswith(("Báo", "Tạp chí")) else "")
                 if form}


def outlet_named(question: str) -> str:
    """The outlet a question names ("Who wrote the DNHN piece …?", "bài trên Báo Nghệ An …"), or ""."""
    folded = fold(question).lower()
    return next((name for form, name in _OUTLET_FORMS.items() if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", folded)), "")


# Headings after which a news site lists other articles: the article ends there (compared folded).
_TEASER_HEADINGS = {
    "tin moi", "tin lien quan", "bai viet lien quan", "bai lien quan", "tin cung chuyen muc",
    "tin khac", "cac tin khac", "tin tuc khac", "cac bai viet khac", "doc them", "xem them",
    "tin doc nhieu", "tin noi bat", "co the ban quan tam", "tin da dang", "tin cu hon", "tin moi hon",
    "bai viet khac", "tin xem nhieu", "cung chuyen muc", "related news", "related articles",
}
# Widgets that follow the article body; everything from the first one on is page furniture.
_FOOTER_STARTS = re.compile(
    r"^(tong so diem cua bai viet|click de danh gia|danh gia bai viet|tim kiem$|luot truy cap"
    r"|ban quyen thuoc|copyright|©|gioi thieu ve chung toi|lien he quang cao)",
)
_CHROME_LINE = [
    re.compile(r"a-\s*a\s*a\+|tang tuong phan|giam tuong phan|co chu:?\s*$"),  # accessibility bar
    re.compile(r"^\d{1,2}:\d{2}(\s*/\s*\d{1,2}:\d{2})?$"),  # audio/video player clock
    re.compile(r"^(copy link|sao chep lien ket|chia se|share|in bai( viet)?|luu( bai)?|gui bai|binl?uan|"
               r"facebook|twitter|zalo|email|print|nghe bai viet|nghe doc bai)([\s|,/]+(copy link|chia se|"
               r"facebook|twitter|zalo|email|in|luu|print))*:?$"),
    re.compile(r"^(luot xem|so luot xem|luot truy cap|dang truc tuyen|hom nay|thang \d{1,2}|tong cong)\s*:?\s*[\d.,]*$"),
    re.compile(r"^tim kiem\s*(\.\.\.|…)?:?$"),  # search box, often above the headline
]
# Footer markers count once the article has begun: a line of this many words that is not chrome.
_ARTICLE_START_WORDS = 4
_PHONE = re.compile(r"(?:\+?84|0)[\d .()-]{8,14}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CONTACT_LABELS = re.compile(r"\b(hotline|dien thoai|dt|tel|phone|email|e-mail|fax|lien he)\b\s*:?", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+")
_SOURCE_LINE = re.compile(r"^(nguon|source)\s*:\s*", re.IGNORECASE)
_IMAGE_ALT = re.compile(r"\s+ảnh\s+\d+$", re.IGNORECASE)
_DATELINE = re.compile(r"^\(([\w.-]+\.[a-z]{2,})\)\s*[-–—]\s*|^([A-ZĐ]{2,6})\s*[-–—]\s+")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_DMY_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# A date on a short line of its own near the top is the publication date ("Đăng ngày 21/09/2023",
# "Tin tức - 26/04/2022"); dates inside body sentences and headlines are events, not publication.
_HEADER_DATE_MAX_LINE = 80
_HEADER_LINES = 8
# Words a dateline may carry besides its date: "Cập nhật lúc 10:15 ngày 21/09/2023 (GMT+7)".
_DATELINE_MAX_WORDS = 5
_WORD = re.compile(r"[^\W\d_]+")
# A first line longer than this is a paragraph, not a headline.
_MAX_TITLE_CHARS = 250
_DERIVED_TITLE_CHARS = 120


def clean_document(raw: RawFile, content_hash: str, overrides: dict | None = None) -> Document:
    """The article text of a scraped page and its metadata; `overrides` (from the sidecar) win."""
    lines = [_collapse_spaces(line) for line in raw.text.split("\n")]
    lines = _cut_footer(lines)
    found = _Found()
    kept = [line for line in lines if not _is_chrome(line, found)]
    title = raw.hints.get("title", "")
    body, title = _strip_title_and_header(kept, title, found)
    body = [_strip_image_alt(line, title) for line in body]
    body = [_strip_dateline(line, found) for line in body if line]
    text = "\n".join(line for line in body if line)
    if not text and title and not raw.hints.get("title"):
        text, title = title, ""  # a one-paragraph file: its only line is the content, not a headline
    hints = raw.hints
    legal = legal_info(raw.text, hints.get("title", ""))
    if legal.label and not hints.get("title"):
        # A legal document's first line is its issuer ("ỦY BAN NHÂN DÂN"), not a headline.
        title = legal.title()
    title = title or _title_from_text(text)
    metadata = DocumentMetadata(
        title=title.rstrip(" ."),
        outlet=hints.get("outlet") or found.outlet or _outlet_from_url(found.url or hints.get("url", "")),
        published=_iso_date(hints.get("published", "")) or found.published or legal.issued,
        url=hints.get("url") or found.url,
        provinces=provinces_in("\n".join((title, legal.issuer, text))),
        doc_type=legal.doc_type, doc_number=legal.number, issuer=legal.issuer, issued=legal.issued,
    )
    if overrides:
        metadata = DocumentMetadata(**{**metadata.__dict__, **overrides})
    return Document(source_file=raw.source_file, text=text, metadata=metadata, content_hash=content_hash, notes=raw.notes)


class _Found:
    """Metadata noticed while removing the lines that carried it."""

    def __init__(self) -> None:
        self.url = ""
        self.outlet = ""
        self.published = ""


def _collapse_spaces(line: str) -> str:
    return re.sub(r"[ \t\u00a0\u2002-\u200a]+", " ", line).strip()


def _cut_footer(lines: list[str]) -> list[str]:
    # A search box or counter above the headline is header chrome, not the end of the article.
    begun = False
    for i, line in enumerate(lines):
        key = fold(line).strip(" :.-–>»")
        if begun and (key in _TEASER_HEADINGS or _FOOTER_STARTS.match(key)):
            return lines[:i]
        chrome = any(p.search(key) for p in _CHROME_LINE)
        begun = begun or (len(key.split()) >= _ARTICLE_START_WORDS and not chrome)
    return lines


def _is_chrome(line: str, found: _Found) -> bool:
    if not line:
        return False
    key = fold(line)
    if any(p.search(key) for p in _CHROME_LINE):
        return True
    if _SOURCE_LINE.match(key):
        url = _URL.search(line)
        if url:
            found.url = found.url or url.group(0).rstrip(".,;")
            return True
        return False
    return _is_contact_line(line)


def _is_contact_line(line: str) -> bool:
    if not (_PHONE.search(line) or _EMAIL.search(line)):
        return False
    rest = _CONTACT_LABELS.sub(" ", _EMAIL.sub(" ", _PHONE.sub(" ", fold(line))))
    return not re.search(r"[^\W\d_]{3,}", rest)


def _strip_title_and_header(lines: list[str], hinted_title: str, found: _Found) -> tuple[list[str], str]:
    """Take the headline and the dated header lines off the top; returns (body, title)."""
    title = hinted_title
    body: list[str] = []
    for i, line in enumerate(lines):
        if not line:
            body.append(line)
            continue
        if i < _HEADER_LINES and not found.published and _dateline_date(line):
            found.published = _dateline_date(line)
            continue  # a dateline is not article text
        if not title and not body_has_text(body) and len(line) <= _MAX_TITLE_CHARS:
            title = line
            continue
        if title and line.rstrip(" .") == title.rstrip(" .") and not body_has_text(body):
            continue
        body.append(line)
    return body, title


def _title_from_text(text: str) -> str:
    """For files without a headline: the first sentence, cut at a word near _DERIVED_TITLE_CHARS."""
    spans = sentence_spans(text)
    first = text[spans[0][0]: spans[0][1]] if spans else text
    if len(first) <= _DERIVED_TITLE_CHARS:
        return first
    return first[:_DERIVED_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def body_has_text(lines: list[str]) -> bool:
    return any(line for line in lines)


def _strip_image_alt(line: str, title: str) -> str:
    """Photo placeholders repeat the headline plus "ảnh N"; real captions describe the photo."""
    if title and _IMAGE_ALT.search(line) and _IMAGE_ALT.sub("", line).rstrip(" .") == title.rstrip(" ."):
        return ""
    return line


def _strip_dateline(line: str, found: _Found) -> str:
    m = _DATELINE.match(line)
    if not m:
        return line
    marker = (m.group(1) or m.group(2)).lower()
    outlet = KNOWN_OUTLETS.get(marker)
    if outlet is None and m.group(2):
        return line  # an unknown capitalised word before a dash is ordinary text
    found.outlet = found.outlet or outlet or marker
    return line[m.end():]


def _outlet_from_url(url: str) -> str:
    host = urlparse(url).hostname or ""
    host = host.removeprefix("www.")
    return KNOWN_OUTLETS.get(host, host)


def _dateline_date(line: str) -> str:
    """The date of a dateline ("Thứ Năm, 21/09/2023 - 10:15"), or "" for any other line: a line
    ending like a sentence, or saying more than a few words besides its date, is content."""
    m = _DMY.search(line) or _DMY_WORDS.search(line)
    if not m or len(line) > _HEADER_DATE_MAX_LINE or line.endswith((".", "!", "?", "…")):
        return ""
    if len(_WORD.findall(line[: m.start()] + " " + line[m.end():])) > _DATELINE_MAX_WORDS:
        return ""
    return _valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))


def _date_in(text: str) -> str:
    for pattern in (_DMY, _DMY_WORDS):
        m = pattern.search(text)
        if m:
            return _valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return ""


def _iso_date(value: str) -> str:
    m = _ISO.match(value)
    return _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else _date_in(value)


def _valid_date(year: int, month: int, day: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""
