"""Telegram HTML for answers, passages, the source list and admin summaries. Plain strings in and
out: everything from users or the corpus is escaped by `h`; only the tags written here are sent."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Mapping, Sequence
from urllib.parse import urlsplit

from bot.formatting import format_date, h, link, safe_url
from bot.history import HistoryStats, answer_confidence
from bot.passages import PassageContext, quote_parts
from bot.records import Answer, BuildReport, Citation, DocumentMetadata
from bot.telegram.texts import t

FACT_CHARS = 200  # the fact on the first line is cut to about this many characters
SOURCES_PER_PAGE = 8


def ht(text: object) -> str:
    """Escaped for a Telegram HTML text node (quotes need no escaping there: shorter messages)."""
    return h(text).replace("&quot;", '"').replace("&#x27;", "'")


def local_zone() -> tzinfo:
    """Asia/Ho_Chi_Minh (no daylight saving: UTC+7 when the tz database is missing)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Ho_Chi_Minh")
    except Exception:  # zoneinfo has no data on this machine
        return timezone(timedelta(hours=7), "ICT")


def local_time(iso: str, lang: str) -> str:
    """An ISO 8601 UTC time as Vietnam's local time: 21:05 01/07/2022 (vi) or 2022-07-01 21:05 ICT (en)."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso) or "?"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(local_zone())
    return moment.strftime("%H:%M %d/%m/%Y") if lang == "vi" else moment.strftime("%Y-%m-%d %H:%M") + " (UTC+7)"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:") + "…"


# In a long sentence the fact usually follows who said it: "..., X cho rằng <fact>", "kết luận: <fact>".
_REPORTED = re.compile(r"(?:: |\b(?:cho rằng|cho biết|khẳng định|kết luận|nhấn mạnh|yêu cầu|đề nghị|xác định|"
                       r"đặt mục tiêu|phấn đấu đến)\b:? )")


def fact_of(answer: Answer) -> str:
    """The fact to show first: the core's short answer, else the first quoted sentence (from what
    is reported in it, when the sentence is too long for the first line)."""
    if answer.short_answer.strip():
        return answer.short_answer.strip()
    first = answer.citations[0] if answer.citations else None
    parts = quote_parts(first.quote) if first else []
    if not parts:
        return ""
    sentence = parts[0]
    if len(sentence) > FACT_CHARS:
        cuts = [m.end() for m in _REPORTED.finditer(sentence) if len(sentence) - m.end() >= 40]
        if cuts:
            rest = sentence[cuts[0]:]
            return "… " + rest[:1].upper() + rest[1:] if rest[:1].islower() else "… " + rest
    return sentence


def domain(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def source_line(c: Citation, lang: str, title_chars: int = 70) -> str:
    """[1] Báo Nghệ An · 01/07/2022 · <a>the headline</a>: outlet, date and link, each once."""
    locator = c.locator  # "Điều 5, khoản 2" in a legal document
    bits = [h(x) for x in (c.outlet, format_date(c.published, lang), locator) if x]
    title = _cut(c.title or c.source_file, title_chars)
    bits.append(link(title, c.url) if safe_url(c.url) else f"<i>{h(title)}</i>")
    return f"[{c.n}] " + " · ".join(bits)


def render_answer(answer: Answer, *, understood_as: str = "", truncated_to: int = 0, suggesting: bool = False) -> str:
    """The fact first (bold, with its source marker), the supporting quotes in an expandable block
    quote, then the sources; "related" answers say they may not answer, "none" says so plainly."""
    lang = answer.language
    confidence = answer_confidence(answer)
    parts: list[str] = []
    if truncated_to:
        parts.append(f"<i>{t('truncated', lang, n=truncated_to)}</i>")
    fact = fact_of(answer).strip() or answer.text.strip()
    if confidence == "none" or not answer.citations or not fact:
        parts.append(ht(answer.text.strip()))
    else:
        if confidence == "related":
            parts.append(f"<i>{t('related_note', lang)}</i>")
        marker = f"[{answer.citations[0].n}]"
        parts.append(f"<b>{ht(_cut(fact, FACT_CHARS))}</b>" + ("" if marker in fact else f" {marker}")
                     + (f"\n<i>{t('quoted_in_vietnamese', lang)}</i>" if lang == "en" else ""))
        quotes = "\n".join(f"[{c.n}] “{ht(c.quote.strip())}”" for c in answer.citations)
        parts.append(f"<blockquote expandable>{quotes}</blockquote>")
        lines = [f"<b>{t('sources_label', lang)}</b>"] + [source_line(c, lang) for c in answer.citations]
        parts.append("\n".join(lines))
    if understood_as:
        parts.append(f"<i>{t('understood_as', lang, question=understood_as)}</i>")
    if suggesting:
        parts.append(t("try_these", lang))
    return "\n\n".join(parts)


def render_passage(c: Citation, contexts: Sequence[PassageContext], lang: str) -> str:
    """One cited passage in its context: the sentences around the quote, the quote in bold."""
    head = f"<b>{t('passage_title', lang, n=c.n)}</b>\n{source_line(c, lang, title_chars=200)}"
    if not contexts:
        return f"{head}\n<i>{t('passage_changed', lang)}</i>\n<blockquote>{h(c.quote)}</blockquote>"
    blocks = []
    for context in contexts:
        body = " ".join(x for x in (ht(context.before), f"<b>{ht(context.quote)}</b>", ht(context.after)) if x)
        blocks.append(f"<blockquote>{body}</blockquote>")
    return head + "\n" + "\n…\n".join(blocks)


@dataclass(frozen=True)
class SourcesPage:
    markup: str
    page: int
    pages: int


def render_sources(documents: Sequence[tuple[int, str, DocumentMetadata, int]], lang: str, page: int) -> SourcesPage:
    """The indexed documents grouped by province (most documents first), newest first within one."""
    if not documents:
        return SourcesPage(t("no_sources", lang), 0, 0)
    groups: dict[str, list[tuple[int, str, DocumentMetadata, int]]] = {}
    for doc in documents:
        province = doc[2].provinces[0] if doc[2].provinces else ""
        groups.setdefault(province, []).append(doc)
    order = sorted(groups, key=lambda p: (p == "", -len(groups[p]), p))
    rows: list[tuple[str, tuple[int, str, DocumentMetadata, int]]] = [
        (p, d) for p in order for d in sorted(groups[p], key=lambda d: (d[2].published, d[2].title), reverse=True)]
    pages = max(1, math.ceil(len(rows) / SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [t("sources_page", lang, n=len(rows), page=page + 1, pages=pages)]
    current = None
    for province, (_, source_file, meta, _) in rows[page * SOURCES_PER_PAGE:(page + 1) * SOURCES_PER_PAGE]:
        if province != current:
            current = province
            lines.append(f"\n<b>📍 {h(province) if province else t('no_province', lang)}</b> ({len(groups[province])})")
        date = format_date(meta.published, lang) or t("no_date", lang)
        details = " · ".join(h(x) for x in (meta.outlet, date) if x)
        lines.append(f"• {link(_cut(meta.title or source_file, 120), meta.url)}\n   <i>{details}</i>")
    return SourcesPage("\n".join(lines), page, pages)


def render_stats(stats: HistoryStats, manifest: Mapping[str, object], lang: str, uptime_seconds: float,
                 retention_days: int, rebuilding: bool) -> str:
    vi = lang == "vi"
    uptime = timedelta(seconds=int(uptime_seconds))
    built = local_time(str(manifest.get("build_time", "")), lang) if manifest.get("build_time") else "?"
    lines = [
        "<b>📊 Thống kê</b>" if vi else "<b>📊 Statistics</b>",
        f"{'Tài liệu' if vi else 'Documents'}: {h(manifest.get('documents', '?'))} · "
        f"{'Đoạn' if vi else 'Chunks'}: {h(manifest.get('chunks', '?'))} · "
        f"{'Mô hình' if vi else 'Model'}: {h(manifest.get('model', '?'))}",
        f"{'Chỉ mục dựng lúc' if vi else 'Index built'}: {h(built)}",
        f"{'Câu hỏi' if vi else 'Questions'}: {stats.questions}",
        f"• {'Trả lời được' if vi else 'Answered'}: {stats.answered}",
        f"• {'Chỉ có thông tin liên quan' if vi else 'Related only'}: {stats.related}",
        f"• {'Không có thông tin' if vi else 'No information'}: {stats.not_found}"
        + (f" · {'Lỗi' if vi else 'Errors'}: {stats.failed}" if stats.failed else ""),
        f"{'Phản hồi' if vi else 'Feedback'}: 👍 {stats.feedback_up} · 👎 {stats.feedback_down}",
    ]
    if stats.last_asked_at:
        lines.append(f"{'Câu hỏi gần nhất' if vi else 'Last question'}: {h(local_time(stats.last_asked_at, lang))}")
    lines.append(f"{'Lưu câu hỏi' if vi else 'Records kept'}: {retention_days} {'ngày' if vi else 'days'} · "
                 f"{'Chạy được' if vi else 'Uptime'}: {uptime}")
    if rebuilding:
        lines.append("⏳ " + ("Đang dựng lại chỉ mục" if vi else "A rebuild is running"))
    return "\n".join(lines)


def render_build_summary(report: BuildReport, lang: str, only: str = "") -> str:
    """At most 10 lines for an admin: counts, what changed, what was skipped; chat commands only."""
    vi = lang == "vi"
    documents = [d for d in report.documents if not only or d.source_file == only]
    changed = set(report.embedded_files)
    lines = [
        f"<b>{'Chỉ mục' if vi else 'Index'}</b>: {len(report.documents)} {'tài liệu' if vi else 'documents'}, "
        f"{report.chunks} {'đoạn' if vi else 'chunks'} · {report.seconds:.0f} s",
        f"{'Nhúng mới' if vi else 'Embedded'}: {report.embedded} · {'Dùng lại' if vi else 'Reused'}: {report.reused}",
    ]
    new_docs = [d for d in documents if d.source_file in changed] if not only else documents
    for d in new_docs[:3]:
        meta = d.metadata
        details = " · ".join(h(x) for x in (meta.outlet, format_date(meta.published, lang),
                                             ", ".join(meta.provinces)) if x)
        lines.append(f"• {h(_cut(meta.title or d.source_file, 80))}" + (f" ({details})" if details else ""))
    if len(new_docs) > 3:
        lines.append(f"… {'và' if vi else 'and'} {len(new_docs) - 3} {'tài liệu khác' if vi else 'more'}")
    if report.skipped:
        names = ", ".join(h(s.source_file) for s in report.skipped[:3])
        lines.append(f"⚠️ {'Bỏ qua' if vi else 'Skipped'} {len(report.skipped)}: {names}")
    for warning in report.warnings[:2]:
        lines.append(f"⚠️ {h(_cut(warning, 140))}")
    if len(report.warnings) > 2:
        lines.append(f"⚠️ … +{len(report.warnings) - 2} {'cảnh báo khác' if vi else 'more warnings'}")
    footer = "<i>" + ("/reindex force: nhúng lại toàn bộ · /stats: thống kê" if vi
                      else "/reindex force: re-embed everything · /stats: statistics") + "</i>"
    return "\n".join(lines[:9] + [footer])
