"""The bot's fixed texts in Vietnamese and English, as Telegram HTML."""

from __future__ import annotations

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
              "/add &lt;đường dẫn&gt;: thêm một trang web\n"
              "Gửi tệp .txt .md .html .pdf .doc .docx để thêm bài viết.",
        "en": "\n\n<b>Admin</b>\n/reindex: update the index (/reindex force: re-embed everything)\n/stats: statistics\n"
              "/add &lt;link&gt;: add a web page\n"
              "Send a .txt .md .html .pdf .doc .docx file to add an article.",
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
    "sources_label": {"vi": "Nguồn", "en": "Sources"},
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
        "vi": "⏳ Đang dựng lại chỉ mục: đã nhúng {done}/{total} đoạn và câu…",
        "en": "⏳ Rebuilding the index: {done}/{total} passages embedded…",
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
    "add_usage": {
        "vi": "Gửi kèm đường dẫn: /add https://…",
        "en": "Add a link: /add https://…",
    },
    "add_fetching": {"vi": "⏳ Đang tải trang…", "en": "⏳ Fetching the page…"},
    "add_failed": {
        "vi": "❌ Không thêm được trang: {reason}\nKho tài liệu không thay đổi.",
        "en": "❌ The page was not added: {reason}\nNothing was changed.",
    },
    "add_saved": {
        "vi": "📄 Đã lưu “{title}”, đang cập nhật chỉ mục…",
        "en": "📄 Saved “{title}”, updating the index…",
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
    template = TEXTS[key].get(lang) or TEXTS[key]["vi"]
    return template.format(**{k: h(v) for k, v in values.items()}) if values else template
