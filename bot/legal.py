"""The structure of Vietnamese legal and administrative documents (văn bản quy phạm / hành chính).

A resolution, decision or plan starts with a fixed header — issuing body, "Số: 586/KH-UBND",
place and date, the document type in capitals and its subject — and laws, decrees and regulations
are divided into Điều (articles) and khoản (numbered clauses). This module reads the header into
metadata, and finds the articles and clauses so chunks can follow them and cite "Điều 5, khoản 2".

Only a document's own header counts: a news article that mentions "Nghị quyết 09-NQ/TU" is not
that resolution, so the number is taken from a "Số:" line near the top or a title that starts
with the type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.text import fold

# Document types, and the code each carries in its number ("586/KH-UBND" is a Kế hoạch).
TYPES = (
    "Thông tư liên tịch", "Bộ luật", "Nghị quyết", "Quyết định", "Kế hoạch", "Thông tư", "Nghị định", "Luật", "Pháp lệnh",
    "Chỉ thị", "Công văn", "Thông báo", "Báo cáo", "Hướng dẫn", "Chương trình", "Đề án", "Tờ trình", "Kết luận",
    "Quy định", "Quy chế", "Chiến lược", "Hiến pháp",
)
_CODES = {
    "TTLT": "Thông tư liên tịch", "NQ": "Nghị quyết", "QĐ": "Quyết định", "QD": "Quyết định", "KH": "Kế hoạch",
    "TT": "Thông tư", "NĐ": "Nghị định", "ND": "Nghị định", "QH": "Luật", "CT": "Chỉ thị", "TB": "Thông báo",
    "BC": "Báo cáo", "HD": "Hướng dẫn", "CTR": "Chương trình", "ĐA": "Đề án", "DA": "Đề án", "TTR": "Tờ trình",
    "KL": "Kết luận", "QC": "Quy chế",
}
_TYPE_BY_FOLDED = {fold(t): t for t in TYPES}
# "586/KH-UBND", "09-NQ/TU", "20/2023/QH15", "13/2023/NĐ-CP", "123/UBND-KGVX".
_NUMBER = r"\d{1,5}(?:/\d{4})?[/-][A-ZĐ][A-ZĐa-z0-9]*(?:[/-][A-ZĐ0-9][A-ZĐa-z0-9]*)*"
_NUMBER_LINE = re.compile(r"^\s*Số\s*[:.]?\s*(" + _NUMBER + r")", re.IGNORECASE)
_TITLE_NUMBER = re.compile(
    r"^\s*(" + "|".join(TYPES) + r")\s+(?:số\s+)?(" + _NUMBER + r")", re.IGNORECASE,
)
_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_DATE_DIGITS = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
_MOTTO = {"cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "dang cong san viet nam"}
_HEADER_LINES = 20

_ARTICLE = re.compile(r"^[ \t]*Điều[ \t]+(\d+)[ \t]*[.:]?", re.MULTILINE)
_CLAUSE = re.compile(r"^[ \t]*(\d{1,2})\.[ \t]+\S", re.MULTILINE)
_CHAPTER = re.compile(r"^[ \t]*(?:Chương|Mục|Phần)[ \t]+[IVXLC\d]+\b", re.MULTILINE)
_MIN_ARTICLES = 2


@dataclass(frozen=True)
class LegalInfo:
    doc_type: str = ""  # "Kế hoạch"
    number: str = ""  # "586/KH-UBND"
    issuer: str = ""  # as the header writes it: "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"
    issued: str = ""  # ISO date of signature
    subject: str = ""  # the line(s) under the type heading: "Triển khai chuyển đổi số năm 2024"

    @property
    def label(self) -> str:
        """"Kế hoạch 586/KH-UBND" — what people call the document; "" for other documents."""
        return " ".join(p for p in (self.doc_type, self.number) if p)

    def title(self) -> str:
        """A citation title: "Kế hoạch 586/KH-UBND: Triển khai chuyển đổi số năm 2024"."""
        subject = self.subject[:1].upper() + self.subject[1:]
        return f"{self.label}: {subject}" if self.label and subject else self.label


@dataclass(frozen=True)
class Section:
    """A stretch of text chunks must not cross; `locator` is "" outside articles."""

    start: int
    end: int
    locator: str  # "Điều 5"
    clauses: tuple[tuple[int, int, str], ...] = ()  # (start, end, "2") within the article


def legal_info(text: str, title: str = "") -> LegalInfo:
    """The header metadata of a legal or administrative document; empty for anything else."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:_HEADER_LINES]
    number, doc_type = "", ""
    number_at = None
    for i, line in enumerate(lines):
        m = _NUMBER_LINE.match(line)
        if m:
            number, number_at = m.group(1).rstrip(".,;"), i
            break
    # "LUẬT CƯ TRÚ" (type and subject on one line) counts only under a "Số:" line: a news headline
    # in capitals may well begin with "KẾ HOẠCH"
    heading_at = next((i for i, line in enumerate(lines) if line.isupper() and _heading_type(line, whole_line=not number)), None)
    if heading_at is not None:
        doc_type = _heading_type(lines[heading_at])
    titled = _TITLE_NUMBER.match(title) or (_TITLE_NUMBER.match(lines[0]) if lines else None)
    if titled and not number:
        number = titled.group(2)
    if titled and not doc_type:
        doc_type = _TYPE_BY_FOLDED.get(fold(titled.group(1)), "")
    if not number and heading_at is None:
        return LegalInfo()
    doc_type = doc_type or _type_from_number(number)
    header = lines[: min(i for i in (number_at, heading_at, len(lines)) if i is not None)]
    return LegalInfo(doc_type, number, _issuer(header), _issued(lines), _subject(lines, heading_at, doc_type))


def _heading_type(line: str, whole_line: bool = False) -> str:
    """The type of a heading in capitals: "LUẬT" and "LUẬT CƯ TRÚ" are a Luật; "" for other lines."""
    folded = fold(line).strip(" .:")
    for key, t in _TYPE_BY_FOLDED.items():  # in TYPES order: "Bộ luật" before "Luật"
        if folded == key or (not whole_line and folded.startswith(key + " ")):
            return t
    return ""


def _type_from_number(number: str) -> str:
    codes = re.split(r"[/-]", number)[1:]
    for code in codes:
        found = _CODES.get(re.sub(r"\d+$", "", code).upper())
        if found:
            return found
    return "Công văn" if number else ""  # "123/UBND-KGVX": an official letter carries no type code


def _issuer(header: list[str]) -> str:
    parts = [line for line in header if line.isupper() and fold(line).strip(" .") not in _MOTTO and not set(line) <= set("-_–—* ")]
    return " ".join(parts)


def _issued(lines: list[str]) -> str:
    for line in lines:
        m = _DATE_WORDS.search(line) or _DATE_DIGITS.search(line)
        if m:
            try:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
            except ValueError:
                return ""
    return ""


def _subject(lines: list[str], heading_at: int | None, doc_type: str) -> str:
    if heading_at is None:
        return ""
    # "LUẬT CƯ TRÚ" on one line: its subject follows the type (the heading's type) on the same line
    same_line = lines[heading_at][len(doc_type):].strip(" .:-–")
    subject = [same_line] if same_line else []
    for line in lines[heading_at + 1: heading_at + 4]:
        if _NUMBER_LINE.match(line) or fold(line).startswith(("can cu", "xet ", "theo ")) or line.startswith("Điều"):
            break
        subject.append(line)
        if not line.isupper():
            break
    text = " ".join(subject).strip(" -–")
    return text if len(text) <= 300 else text[:300].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------- articles and clauses

def sections(text: str) -> list[Section]:
    """The text cut at articles (Điều) and chapters; [] when it has fewer than two articles."""
    articles = list(_ARTICLE.finditer(text))
    if len(articles) < _MIN_ARTICLES:
        return []
    cuts = sorted({0, len(text), *(m.start() for m in articles), *(m.start() for m in _CHAPTER.finditer(text))})
    numbers = {m.start(): m.group(1) for m in articles}
    out = []
    for start, end in zip(cuts, cuts[1:]):
        number = numbers.get(start)
        if number is None:
            out.append(Section(start, end, ""))
        else:
            out.append(Section(start, end, f"Điều {number}", _clauses(text, start, end)))
    return [s for s in out if text[s.start: s.end].strip()]


def _clauses(text: str, start: int, end: int) -> tuple[tuple[int, int, str], ...]:
    found = [m for m in _CLAUSE.finditer(text, start, end)]
    bounds = [m.start() for m in found] + [end]
    return tuple((m.start(), bounds[i + 1], m.group(1)) for i, m in enumerate(found))


def article_of(locator: str) -> str:
    """"Điều 5" of a locator ("Điều 5, khoản 2"); "" outside articles."""
    return (locator or "").split(",")[0]


def locator(section: Section, start: int, end: int) -> str:
    """"Điều 5", "Điều 5, khoản 2" or "Điều 5, khoản 2–3" for the text [start, end) of a section."""
    if not section.locator:
        return ""
    covered = [n for a, b, n in section.clauses if a < end and b > start]
    if not covered:
        return section.locator
    if len(covered) == 1:
        return f"{section.locator}, khoản {covered[0]}"
    return f"{section.locator}, khoản {covered[0]}–{covered[-1]}"
