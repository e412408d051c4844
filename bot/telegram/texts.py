"""The bot's fixed texts in Vietnamese and English (the older ones live in bot.formatting.TEXTS)."""

from __future__ import annotations

from bot.formatting import TEXTS as BASE_TEXTS
from bot.formatting import h

TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "vi": (
            "Xin chào! Mình trả lời câu hỏi về <b>chuyển đổi số</b> của các tỉnh, thành Việt Nam từ các bài viết "
            "đã lập chỉ mục, và luôn ghi rõ nguồn.\n\n"
            "Cứ gõ câu hỏi, rồi hỏi tiếp ngắn gọn, ví dụ <i>còn Quảng Ninh thì sao?</i>\n\n"
            "Trong nhóm: dùng /ask &lt;câu hỏi&gt;, nhắc tên mình hoặc trả lời tin nhắn của mình.\n"
            "/sources: các bài viết · /language: ngôn ngữ · /settings: cài đặt · /help: hướng dẫn"
        ),
        "en": (
            "Hello! I answer questions about the <b>digital transformation</b> (chuyển đổi số) of Vietnam's "
            "provinces from indexed articles, always citing my sources.\n\n"
            "Just type a question, then follow up briefly, e.g. <i>And Quang Ninh?</i>\n\n"
            "In groups: use /ask &lt;question&gt;, mention me, or reply to my message.\n"
            "/sources: the articles · /language: language · /settings: settings · /help: how to ask"
        ),
    },
    "help": {
        "vi": (
            "<b>Cách hỏi</b>\n"
            "• Gõ câu hỏi ngắn, nêu tên tỉnh nếu có, ví dụ: <i>Mục tiêu Chính phủ số của Nghệ An là gì?</i>\n"
            "• Hỏi tiếp ngắn gọn: <i>còn Quảng Ninh thì sao?</i>, <i>ai chủ trì?</i>, <i>bao giờ?</i> "
            "hoặc trả lời (reply) câu trả lời của mình.\n"
            "• Dòng đầu là câu trả lời, kèm số nguồn [1]; bấm vào trích dẫn để xem đầy đủ, bấm <b>📄 Đoạn văn</b> "
            "để xem đoạn gốc khi bài không có liên kết.\n"
            "• Bấm 👍 hoặc 👎 để cho biết câu trả lời có hữu ích không.\n"
            "• Ở bất kỳ cuộc trò chuyện nào: gõ <code>@tên_bot câu hỏi</code>.\n\n"
            "<b>Lệnh</b>\n/start: giới thiệu\n/help: hướng dẫn này\n/sources: danh sách bài viết theo tỉnh\n"
            "/language: ngôn ngữ\n/settings: ngôn ngữ và tỉnh mặc định\n/ask: đặt câu hỏi (trong nhóm)"
        ),
        "en": (
            "<b>How to ask</b>\n"
            "• Type a short question and name the province if there is one, e.g. "
            "<i>What are Nghe An's digital government targets?</i>\n"
            "• Follow up briefly: <i>And Quang Ninh?</i>, <i>who leads it?</i>, <i>when?</i>, or reply to my answer.\n"
            "• The first line is the answer with its source number [1]; open the quote for the full passage, "
            "press <b>📄 Passage</b> to read it in context when the article has no link.\n"
            "• Press 👍 or 👎 to say whether the answer helped.\n"
            "• In any chat: type <code>@bot_name question</code>.\n\n"
            "<b>Commands</b>\n/start: introduction\n/help: this help\n/sources: articles by province\n"
            "/language: language\n/settings: language and default province\n/ask: ask a question (in groups)"
        ),
    },
    "admin_help": {
        "vi": "\n\n<b>Quản trị</b>\n/reindex: cập nhật chỉ mục (/reindex force: nhúng lại toàn bộ)\n/stats: thống kê\n"
              "Gửi tệp .txt .md .html .pdf .docx để thêm bài viết.",
        "en": "\n\n<b>Admin</b>\n/reindex: update the index (/reindex force: re-embed everything)\n/stats: statistics\n"
              "Send a .txt .md .html .pdf .docx file to add an article.",
    },
    "related_note": {
        "vi": "⚠️ Chưa thấy đoạn nào trả lời đúng câu hỏi; đây là các đoạn liên quan nhất, có thể không trả lời chính xác.",
        "en": "⚠️ No passage answers this exactly; these are the closest ones and may not answer it.",
    },
    "quoted_in_vietnamese": {"vi": "", "en": "Quoted verbatim from the Vietnamese source."},
    "understood_as": {"vi": "↪️ Hiểu là: {question}", "en": "↪️ Understood as: {question}"},
    "passage_button": {"vi": "📄 Đoạn văn [{n}]", "en": "📄 Passage [{n}]"},
    "passage_title": {"vi": "Đoạn văn [{n}] trong bài", "en": "Passage [{n}] in context"},
    "passage_changed": {
        "vi": "Bài viết đã thay đổi từ lúc trả lời; đây là đoạn đã trích:",
        "en": "The article changed since this answer; this is the quoted passage:",
    },
    "passage_shown": {"vi": "Đoạn văn đã hiện ở trên.", "en": "The passage is shown above."},
    "greeting": {
        "vi": "Xin chào! 👋 Mình trả lời câu hỏi về chuyển đổi số của các tỉnh, thành, có dẫn nguồn. Bạn có thể hỏi:",
        "en": "Hello! 👋 I answer questions about provincial digital transformation in Vietnam, with sources. You could ask:",
    },
    "thanks": {
        "vi": "Rất vui được giúp bạn! 😊 Bạn muốn hỏi thêm không? Ví dụ:",
        "en": "Glad to help! 😊 Anything else? For example:",
    },
    "identity": {
        "vi": "Mình là trợ lý hỏi đáp về chuyển đổi số của các tỉnh, thành Việt Nam. Mình chỉ trả lời từ các bài "
              "viết đã lập chỉ mục và luôn ghi nguồn. Thử hỏi:",
        "en": "I'm a Q&amp;A assistant on the digital transformation of Vietnam's provinces. I answer only from "
              "indexed articles and always cite them. Try:",
    },
    "bye": {"vi": "Tạm biệt! Khi cần, cứ nhắn câu hỏi cho mình nhé. 👋", "en": "Goodbye! Message me whenever you have a question. 👋"},
    "emoji": {"vi": "Bạn muốn hỏi gì về chuyển đổi số? Thử một câu:", "en": "What would you like to know about digital transformation? Try:"},
    "try_these": {"vi": "Bạn có thể thử:", "en": "You could try:"},
    "language_prompt": {"vi": "Chọn ngôn ngữ của bot:", "en": "Choose the bot's language:"},
    "language_set": {"vi": "✅ Đã chọn tiếng Việt.", "en": "✅ Language set to English."},
    "settings": {
        "vi": "<b>Cài đặt của cuộc trò chuyện</b>\nNgôn ngữ: {language}\nTỉnh mặc định: {province}",
        "en": "<b>Chat settings</b>\nLanguage: {language}\nDefault province: {province}",
    },
    "language_name_vi": {"vi": "Tiếng Việt", "en": "Vietnamese"},
    "language_name_en": {"vi": "Tiếng Anh", "en": "English"},
    "language_auto": {"vi": " (theo Telegram)", "en": " (from Telegram)"},
    "province_none": {"vi": "chưa chọn", "en": "none"},
    "province_set": {
        "vi": "📍 Đã chọn <b>{province}</b>: câu hỏi không nêu tỉnh sẽ được hiểu là về {province}. Đổi trong /settings.",
        "en": "📍 <b>{province}</b> selected: questions naming no province are taken to be about {province}. Change it in /settings.",
    },
    "province_unknown": {
        "vi": "Không nhận ra tỉnh “{slug}” trong liên kết; chưa chọn tỉnh nào.",
        "en": "The link's province “{slug}” is unknown; no province selected.",
    },
    "province_cleared": {"vi": "✅ Đã bỏ chọn tỉnh mặc định.", "en": "✅ Default province cleared."},
    "clear_province_button": {"vi": "Bỏ chọn tỉnh", "en": "Clear province"},
    "sources_page": {
        "vi": "<b>{n} bài viết, theo tỉnh</b> · trang {page}/{pages}",
        "en": "<b>{n} articles, by province</b> · page {page}/{pages}",
    },
    "no_province": {"vi": "Chưa rõ tỉnh", "en": "Province not stated"},
    "inline_hint_title": {"vi": "Gõ câu hỏi về chuyển đổi số", "en": "Type a question on digital transformation"},
    "inline_none_title": {"vi": "Chưa có thông tin", "en": "No information"},
    "inline_related_title": {"vi": "Thông tin liên quan (có thể chưa đúng ý)", "en": "Related (may not answer exactly)"},
    # Admin texts
    "upload_bad_type": {
        "vi": "không nhận loại tệp {suffix}; hãy gửi một trong {allowed}",
        "en": "unsupported file type {suffix}; send one of {allowed}",
    },
    "upload_too_big": {
        "vi": "tệp nặng {size} MB, vượt giới hạn {limit} MB",
        "en": "the file is {size} MB, above the {limit} MB limit",
    },
    "upload_unreadable": {"vi": "không đọc được nội dung tệp", "en": "the file's content could not be read"},
    "no_extension": {"vi": "(không có phần mở rộng)", "en": "(no extension)"},
    "upload_bad_name": {"vi": "tên tệp không hợp lệ", "en": "invalid file name"},
}


def t(key: str, lang: str, **values: object) -> str:
    """A fixed text in `lang` ("vi" when missing); `values` are escaped before insertion."""
    entry = TEXTS.get(key) or BASE_TEXTS[key]
    template = entry.get(lang) or entry["vi"]
    return template.format(**{k: h(v) for k, v in values.items()}) if values else template
