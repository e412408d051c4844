"""Step 5 of answering: the reply's text, in the question's language, quotes verbatim and numbered."""

from __future__ import annotations

from bot.records import Citation

_RELATED_LEAD = {
    "vi": "Chưa tìm thấy câu trả lời trực tiếp. Các đoạn gần nhất trong kho tài liệu (có thể chưa đúng ý bạn):",
    "en": "No direct answer found. The closest passages in the documents (they may not answer exactly):",
}


def source_label(citation: Citation, language: str) -> str:
    """"Báo Nghệ An (01/07/2022)", or the headline when the outlet is unknown."""
    name = citation.outlet or (f"bài “{citation.title}”" if language == "vi" else f"“{citation.title}”")
    date = format_date(citation.published, language)
    return f"{name} ({date})" if date else name


def format_date(iso: str, language: str) -> str:
    if len(iso) != 10:
        return iso
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}" if language == "vi" else iso


def compose_answer(language: str, citations: tuple[Citation, ...], confidence: str = "answer") -> str:
    """The extractive reply: the bot's own words in the question's language, quotes as written."""
    if confidence != "answer":
        lines = [_RELATED_LEAD["en" if language == "en" else "vi"]]
        lines += [f"[{c.n}] {source_label(c, language)}{_where(c)}: “{c.quote}”" for c in citations]
        return "\n".join(lines)
    if len(citations) == 1:
        c = citations[0]
        lead = "Theo" if language == "vi" else "According to"
        return f"{lead} {source_label(c, language)}{_where(c)} [{c.n}]:\n“{c.quote}”"
    lead = "Theo các nguồn trong kho tài liệu:" if language == "vi" else "According to the documents:"
    lines = [lead] + [f"[{c.n}] {source_label(c, language)}{_where(c)}: “{c.quote}”" for c in citations]
    return "\n".join(lines)


def _where(citation: Citation) -> str:
    return f", {citation.locator}" if citation.locator else ""
