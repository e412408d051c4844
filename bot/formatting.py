"""Telegram HTML for the bot's replies: answers with numbered citations, quoted passages, the source
list, admin summaries, the fixed texts in Vietnamese and English, and splitting below 4096 characters.

Everything that comes from a user or from the corpus goes through `h()` (escaped for Telegram's HTML
parse mode); only the tags written here reach Telegram. No Telegram import: plain strings in and out.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import deque
from typing import Iterable, Sequence
from urllib.parse import urlsplit

from bot.records import Answer, Citation, DocumentMetadata

MAX_MESSAGE = 4096  # Telegram's limit on a message's text
MAX_URL = 500  # longer links are shown as plain text
MAX_SOURCES_LISTED = 50

# Control characters (except newline and tab), lone surrogates and the non-characters Telegram rejects.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def h(text: object) -> str:
    """Escape user- or corpus-supplied text for Telegram HTML (also safe inside attribute values)."""
    return html.escape(_UNSAFE.sub("", str(text)), quote=True)


def safe_url(url: str) -> str:
    """The URL if it is a plain http(s) link Telegram will accept in <a href>, else ""."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL or _UNSAFE.search(url) or any(c.isspace() for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def link(text: str, url: str) -> str:
    url = safe_url(url)
    return f'<a href="{h(url)}">{h(text)}</a>' if url else h(text)


def format_date(iso: str, lang: str) -> str:
    """2022-07-01 -> 01/07/2022 (vi) or 2022-07-01 (en); "" stays ""."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m:
        return iso or ""
    return f"{m[3]}/{m[2]}/{m[1]}" if lang == "vi" else iso


# ---------------------------------------------------------------- fixed texts

TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "vi": (
            "Xin chào! Mình trả lời câu hỏi về <b>chuyển đổi số</b> của các tỉnh, thành Việt Nam, "
            "dựa trên các bài báo đã được lập chỉ mục, và luôn ghi rõ nguồn.\n\n"
            "Cứ gõ câu hỏi, ví dụ:\n<i>Mục tiêu Chính phủ số của Nghệ An là gì?</i>\n\n"
            "Trong nhóm: dùng /ask &lt;câu hỏi&gt;, nhắc tên mình hoặc trả lời tin nhắn của mình.\n"
            "/sources: các bài viết đang dùng · /help: hướng dẫn"
        ),
        "en": (
            "Hello! I answer questions about the <b>digital transformation</b> (chuyển đổi số) of Vietnam's "
            "provinces from indexed news articles, always citing my sources.\n\n"
            "Just type a question, for example:\n<i>What are Nghe An's digital government targets?</i>\n"
            "Questions in Vietnamese usually match the articles best.\n\n"
            "In groups: use /ask &lt;question&gt;, mention me, or reply to my message.\n"
            "/sources: the articles I use · /help: how to ask"
        ),
    },
    "help": {
        "vi": (
            "<b>Cách hỏi</b>\n"
            "• Gõ câu hỏi ngắn, rõ ràng, nêu tên tỉnh nếu có, ví dụ: <i>Đà Nẵng đặt mục tiêu gì về kinh tế số?</i>\n"
            "• Câu trả lời trích nguyên văn từ bài báo, đánh số [1], [2] kèm nguồn; bấm <b>📄 Đoạn trích</b> để xem đoạn gốc.\n"
            "• Bấm 👍 hoặc 👎 để cho biết câu trả lời có hữu ích không.\n"
            "• Trong nhóm: /ask &lt;câu hỏi&gt;, nhắc tên mình, hoặc trả lời tin nhắn của mình.\n\n"
            "<b>Lệnh</b>\n/start: giới thiệu\n/help: hướng dẫn này\n/sources: danh sách bài viết\n/ask: đặt câu hỏi"
        ),
        "en": (
            "<b>How to ask</b>\n"
            "• Type a short, clear question and name the province if there is one, e.g. "
            "<i>What are Da Nang's digital economy targets?</i>\n"
            "• Answers quote the articles verbatim, numbered [1], [2] with their sources; press "
            "<b>📄 Passages</b> to see the original passages.\n"
            "• Press 👍 or 👎 to say whether the answer helped.\n"
            "• In groups: /ask &lt;question&gt;, mention me, or reply to my message.\n\n"
            "<b>Commands</b>\n/start: introduction\n/help: this help\n/sources: list of articles\n/ask: ask a question"
        ),
    },
    "admin_help": {
        "vi": "\n\n<b>Quản trị</b>\n/reindex: dựng lại chỉ mục\n/stats: thống kê\nGửi tệp .txt .md .html .pdf .docx để thêm bài viết.",
        "en": "\n\n<b>Admin</b>\n/reindex: rebuild the index\n/stats: statistics\nSend a .txt .md .html .pdf .docx file to add an article.",
    },
    "sources_label": {"vi": "Nguồn", "en": "Sources"},
    "passages_button": {"vi": "📄 Đoạn trích", "en": "📄 Passages"},
    "passages_title": {"vi": "Đoạn trích nguyên văn", "en": "Quoted passages"},
    "truncated": {
        "vi": "✂️ Câu hỏi quá dài nên chỉ {n} ký tự đầu được dùng.",
        "en": "✂️ Your question was too long; only its first {n} characters were used.",
    },
    "empty_question": {
        "vi": "Bạn muốn hỏi gì? Hãy gõ câu hỏi, ví dụ: <i>Mục tiêu Chính phủ số của Nghệ An là gì?</i>",
        "en": "What would you like to ask? Type a question, e.g. <i>What are Nghe An's digital government targets?</i>",
    },
    "ask_usage": {
        "vi": "Cách dùng: /ask &lt;câu hỏi&gt;, ví dụ <i>/ask Mục tiêu Chính phủ số của Nghệ An là gì?</i>",
        "en": "Usage: /ask &lt;question&gt;, e.g. <i>/ask What are Nghe An's digital government targets?</i>",
    },
    "non_text": {
        "vi": "Mình chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi của bạn, ví dụ: <i>Mục tiêu Chính phủ số của Nghệ An là gì?</i>",
        "en": "I can only read text messages. Please type your question, e.g. <i>What are Nghe An's digital government targets?</i>",
    },
    "rate_limited": {
        "vi": "Bạn đang hỏi hơi nhanh 🙂 Vui lòng đợi khoảng {seconds} giây rồi hỏi tiếp nhé.",
        "en": "You are asking a bit fast 🙂 Please wait about {seconds} seconds before asking again.",
    },
    "rate_limited_short": {"vi": "Vui lòng đợi một chút.", "en": "Please wait a moment."},
    "error": {
        "vi": "Xin lỗi, đã có lỗi khi xử lý tin nhắn của bạn. Vui lòng thử lại sau ít phút.",
        "en": "Sorry, something went wrong while handling your message. Please try again in a few minutes.",
    },
    "admin_only": {
        "vi": "Xin lỗi, chỉ quản trị viên mới dùng được lệnh này.",
        "en": "Sorry, only administrators can use this command.",
    },
    "upload_admin_only": {
        "vi": "Cảm ơn bạn! Chỉ quản trị viên mới thêm được tài liệu. Bạn có thể gõ câu hỏi bằng chữ.",
        "en": "Thank you! Only administrators can add documents. You can type your question as text.",
    },
    "expired": {
        "vi": "Câu trả lời này đã quá cũ, không còn lưu đoạn trích.",
        "en": "This answer is too old; its passages are no longer kept.",
    },
    "feedback_thanks": {"vi": "Cảm ơn phản hồi của bạn!", "en": "Thanks for your feedback!"},
    "feedback_not_yours": {
        "vi": "Chỉ người đặt câu hỏi mới đánh giá được câu trả lời này.",
        "en": "Only the person who asked can rate this answer.",
    },
    "no_sources": {"vi": "Chỉ mục chưa có bài viết nào.", "en": "The index holds no articles yet."},
    "sources_header": {
        "vi": "<b>{n} bài viết đang được dùng để trả lời</b>",
        "en": "<b>{n} articles used to answer</b>",
    },
    "sources_more": {
        "vi": "… và {n} bài khác (chỉ liệt kê {shown} bài mới nhất).",
        "en": "… and {n} more (only the {shown} newest are listed).",
    },
    "no_date": {"vi": "không rõ ngày", "en": "undated"},
    # Admin texts
    "reindex_started": {
        "vi": "⏳ Đang dựng lại chỉ mục… Trong lúc này mình vẫn trả lời bằng chỉ mục cũ.",
        "en": "⏳ Rebuilding the index… Questions are answered from the current index meanwhile.",
    },
    "reindex_queued": {
        "vi": "⏳ Đang có một lần dựng chỉ mục khác; việc này sẽ chạy ngay sau đó.",
        "en": "⏳ Another rebuild is running; this one starts right after it.",
    },
    "reindex_progress": {
        "vi": "⏳ Đang dựng lại chỉ mục: đã nhúng {done}/{total} đoạn…",
        "en": "⏳ Rebuilding the index: {done}/{total} chunks embedded…",
    },
    "reindex_done": {
        "vi": "✅ Đã dựng xong chỉ mục mới và chuyển sang dùng ngay.",
        "en": "✅ The new index is built and already in use.",
    },
    "reindex_up_to_date": {
        "vi": "✅ Chỉ mục đã cập nhật, không có gì thay đổi.",
        "en": "✅ The index is already up to date; nothing changed.",
    },
    "reindex_failed": {
        "vi": "❌ Không dựng được chỉ mục: {reason}\nChỉ mục cũ vẫn đang được dùng.",
        "en": "❌ The rebuild failed: {reason}\nThe previous index is still being used.",
    },
    "reindex_crashed": {
        "vi": "❌ Dựng chỉ mục gặp lỗi không lường trước (xem log). Chỉ mục cũ vẫn đang được dùng.",
        "en": "❌ The rebuild hit an unexpected error (see the log). The previous index is still being used.",
    },
    "upload_received": {
        "vi": "📥 Đã nhận <code>{name}</code>, đang kiểm tra…",
        "en": "📥 Received <code>{name}</code>, checking it…",
    },
    "upload_refused": {
        "vi": "❌ Không nhận tệp <code>{name}</code>: {reason}\nChỉ mục không thay đổi.",
        "en": "❌ File <code>{name}</code> refused: {reason}\nThe index is unchanged.",
    },
    "upload_saved": {
        "vi": "📄 Đã lưu <code>{name}</code> vào kho bài viết{replaced}. Đang lập chỉ mục…",
        "en": "📄 Saved <code>{name}</code> to the corpus{replaced}. Indexing it…",
    },
    "upload_replaced": {"vi": " (thay bản cũ)", "en": " (replacing the previous version)"},
    "upload_indexed": {
        "vi": "✅ <code>{name}</code> đã vào chỉ mục; mình trả lời được từ bài này ngay bây giờ.",
        "en": "✅ <code>{name}</code> is indexed; I can answer from it right away.",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """A fixed text in the user's language; `values` are escaped before insertion."""
    template = TEXTS[key].get(lang) or TEXTS[key]["vi"]
    return template.format(**{k: h(v) for k, v in values.items()}) if values else template


# ---------------------------------------------------------------- answers

def citation_line(c: Citation, lang: str) -> str:
    details = " · ".join(h(x) for x in (c.outlet, format_date(c.published, lang)) if x)
    title = c.title or c.source_file
    return f"[{c.n}] {link(title, c.url)}" + (f" — {details}" if details else "")


def format_answer(answer: Answer, *, truncated_to: int = 0) -> str:
    """The answer text, escaped, followed by its numbered sources."""
    lang = answer.language
    parts = []
    if truncated_to:
        parts.append(f"<i>{text('truncated', lang, n=truncated_to)}</i>")
    parts.append(h(answer.text.strip()))
    if answer.citations:
        lines = [f"<b>{text('sources_label', lang)}:</b>"] + [citation_line(c, lang) for c in answer.citations]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def format_passages(citations: Sequence[Citation], lang: str, contexts: dict[int, str] | None = None) -> str:
    """Each citation's passage with the quoted sentences in bold (or the quote alone when the
    passage is unknown), with where it comes from."""
    blocks = [f"<b>{text('passages_title', lang)}</b>"]
    for c in citations:
        body = highlight((contexts or {}).get(c.n, ""), c.quote)
        blocks.append(f"{citation_line(c, lang)}\n<blockquote>{body}</blockquote>")
    return "\n\n".join(blocks)


def highlight(passage: str, quote: str) -> str:
    """The passage, escaped, with the quote's sentences (joined by " … ") in bold; the quote alone
    if a sentence is not found verbatim in the passage."""
    segments = [s.strip() for s in quote.split(" … ") if s.strip()]
    spans, start = [], 0
    for segment in segments:
        at = passage.find(segment, start)
        if at < 0:
            return f"<b>{h(quote.strip())}</b>"
        spans.append((at, at + len(segment)))
        start = at + len(segment)
    out, pos = [], 0
    for a, b in spans:
        out += [h(passage[pos:a]), f"<b>{h(passage[a:b])}</b>"]
        pos = b
    out.append(h(passage[pos:]))
    return "".join(out).strip()


def format_sources(documents: Iterable[tuple[int, str, DocumentMetadata, int]], lang: str,
                   limit: int = MAX_SOURCES_LISTED) -> str:
    """The indexed articles, newest first, with outlet, date and link."""
    docs = sorted(documents, key=lambda d: (d[2].published or "", d[2].title), reverse=True)
    if not docs:
        return text("no_sources", lang)
    lines = [text("sources_header", lang, n=len(docs))]
    for i, (_, source_file, meta, _) in enumerate(docs[:limit], start=1):
        date = format_date(meta.published, lang) or text("no_date", lang)
        details = " · ".join(h(x) for x in (meta.outlet, date) if x)
        lines.append(f"{i}. {link(meta.title or source_file, meta.url)}\n    <i>{details}</i>")
    if len(docs) > limit:
        lines.append(text("sources_more", lang, n=len(docs) - limit, shown=limit))
    return "\n".join(lines)


def pre(plain: str) -> str:
    return f"<pre>{h(plain)}</pre>"


# ---------------------------------------------------------------- splitting

_ATOM = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|\n|[^<&\n ]+ *| +|[<&]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def utf16_len(s: str) -> int:
    """Telegram measures lengths in UTF-16 code units."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def split_html(markup: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut Telegram HTML into messages of at most `limit` UTF-16 units without breaking a tag or an
    entity: tags open at a cut are closed at the end of one message and reopened in the next.
    Cuts prefer line breaks, then spaces; a word longer than a whole message is cut inside."""
    if utf16_len(markup) <= limit:
        return [markup] if _visible(markup) else []
    atoms: deque[str] = deque(_ATOM.findall(markup))
    parts: list[str] = []
    stack: list[_Open] = []
    while atoms:
        part, stack = _fill_part(atoms, stack, limit)
        if _visible(part):
            parts.append(part)
    return parts


# An open tag: (name, opening tag as written, or "" when it is dropped for lack of room).
_Open = tuple[str, str]


def _fill_part(atoms: deque[str], stack: list[_Open], limit: int) -> tuple[str, list[_Open]]:
    """Take atoms for one message; returns it and the tags still open after it."""
    if _reopen_len(stack) + _closing_len(stack) > limit // 2:
        stack = _dropped(stack)  # absurdly long tags: drop formatting rather than loop
    out: list[tuple[str, str]] = [(t, "") for _, t in stack if t]  # (text emitted, source atom)
    prefix = len(out)
    size = _reopen_len(stack)
    line_cut: tuple[int, int, list[_Open]] | None = None  # (index in out, size, open tags)

    def emitted(start: int = prefix, stop: int | None = None) -> str:
        return "".join(text for text, _ in out[start:stop])

    while atoms:
        atom = atoms.popleft()
        if len(out) == prefix and not atom.strip():
            continue  # no leading blank lines or spaces in a message
        kind, name = _tag(atom)
        if kind == "close":
            if not stack or stack[-1][0] != name:
                continue  # a closing tag that matches nothing open: drop it
            if not stack[-1][1]:
                stack = stack[:-1]  # closes a dropped tag: nothing to write
                out.append(("", atom))
                continue
        new_stack = stack[:-1] if kind == "close" else stack + [(name, atom)] if kind == "open" else stack
        atom_len = utf16_len(atom)
        if size + atom_len + _closing_len(new_stack) <= limit:
            out.append((atom, atom))
            size += atom_len
            stack = new_stack
            if atom == "\n":
                line_cut = (len(out), size, list(stack))
            continue
        # It does not fit. Prefer a line break in the second half of the message.
        if line_cut and line_cut[1] >= limit // 2 and _visible(emitted(prefix, line_cut[0])):
            index, _, cut_stack = line_cut
            atoms.appendleft(atom)
            atoms.extendleft(reversed([source for _, source in out[index:]]))
            return emitted(0, index) + _closing(cut_stack), cut_stack
        fits_alone = _reopen_len(stack) + atom_len + _closing_len(new_stack) <= limit
        if fits_alone and _visible(emitted()):
            atoms.appendleft(atom)  # starts the next message
            return emitted(0) + _closing(stack), stack
        if kind == "open":
            stack = stack + [(name, "")]  # a tag that can never fit: keep its text, drop the tag
            out.append(("", atom))
            continue
        room = limit - size - _closing_len(stack)
        if atom.startswith("&") or room < utf16_len(atom[0]):
            atoms.appendleft(atom)
            if _visible(emitted()):
                return emitted(0) + _closing(stack), stack
            return "", _dropped(stack)  # the open tags alone fill a message: drop their formatting
        head, tail = _cut_text(atom, room)
        out.append((head, head))
        if tail:
            atoms.appendleft(tail)
        return emitted(0) + _closing(stack), stack
    return emitted(0) + _closing(stack), stack


def _tag(atom: str) -> tuple[str, str]:
    """("open" | "close", name) for a tag atom; ("", "") for text and entities."""
    if not atom.startswith("<") or len(atom) < 3:
        return "", ""
    m = _TAG_NAME.match(atom)
    if not m:
        return "", ""
    return ("close" if atom.startswith("</") else "open"), m[1].lower()


def _dropped(stack: list[_Open]) -> list[_Open]:
    return [(name, "") for name, _ in stack]


def _reopen_len(stack: list[_Open]) -> int:
    return sum(utf16_len(t) for _, t in stack)


def _closing(stack: list[_Open]) -> str:
    return "".join(f"</{name}>" for name, t in reversed(stack) if t)


def _closing_len(stack: list[_Open]) -> int:
    return sum(len(name) + 3 for name, t in stack if t)


def _cut_text(atom: str, room: int) -> tuple[str, str]:
    """Cut a text atom so its head takes at most `room` UTF-16 units (never inside a character)."""
    used = 0
    for i, ch in enumerate(atom):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            return atom[:max(i, 1)], atom[max(i, 1):]
    return atom, ""


def _visible(markup: str) -> bool:
    return bool(re.sub(r"<[^<>]*>", "", markup).strip())


def plain_text(markup: str) -> str:
    """What a reader sees: tags removed, entities decoded (used by tests and logs)."""
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))


def normalize_question(raw: str) -> str:
    """Collapse whitespace and drop invisible control characters from a user's question."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in raw or "")
    return re.sub(r"\s+", " ", cleaned).strip()
