"""The conversation core without Telegram or the model: follow-up resolution, small talk, suggested
questions, passages in context, deep-link slugs; and the bot's answer layout and fixed texts."""

from __future__ import annotations

import dataclasses

import pytest

from bot.conversation import (
    ConversationMemory, Turn, context_source, detect_provinces, followup_question, province_from_slug, province_slug, with_province,
)
from bot.passages import passage_in_context
from bot.records import Answer, Citation, DocumentMetadata
from bot.smalltalk import EMOJI, GREETING, IDENTITY, THANKS, small_talk, suggested_questions
from fake_bot_api import parse_telegram_html

NOW = 1_000_000.0
VI = Turn("Mục tiêu Chính phủ số của Nghệ An là gì?", "Mục tiêu Chính phủ số của Nghệ An là gì?", ("Nghệ An",), (3,), NOW)
EN = Turn("x", "What are Nghe An's digital government targets?", ("Nghệ An",), (3,), NOW, "en")


def ask(message: str, previous: Turn | None = VI, *, now: float = NOW + 60, replied: bool = False) -> str:
    return followup_question(message, previous, now=now, max_age_seconds=1800, replied=replied)


@pytest.mark.parametrize("message, expected", [
    ("còn Quảng Ninh thì sao?", "Mục tiêu Chính phủ số của Quảng Ninh là gì?"),
    ("còn Quảng Ninh thì sao", "Mục tiêu Chính phủ số của Quảng Ninh là gì?"),
    ("con quang ninh thi sao", "Mục tiêu Chính phủ số của Quảng Ninh là gì?"),
    ("Quảng Ninh thì sao?", "Mục tiêu Chính phủ số của Quảng Ninh là gì?"),
    ("còn tỉnh Thanh Hóa?", "Mục tiêu Chính phủ số của Thanh Hóa là gì?"),
    # another part of the same topic: the topic is kept, the part is what is asked
    ("còn trục kinh tế số?", "Mục tiêu Chính phủ số của Nghệ An – còn trục kinh tế số?"),
    # repeating a term of the previous question: about the same thing
    ("Chính phủ số gồm những chỉ số nào?", "Mục tiêu Chính phủ số của Nghệ An – Chính phủ số gồm những chỉ số nào?"),
    # "tỉnh" without a name: the province of the conversation
    ("ai là chủ tịch UBND tỉnh hiện nay?", "ai là chủ tịch UBND tỉnh hiện nay (Nghệ An)?"),
    ("chu tich ubnd tinh hien nay la ai", "chu tich ubnd tinh hien nay la ai (Nghệ An)?"),
    ("ai chủ trì?", "Mục tiêu Chính phủ số của Nghệ An – ai chủ trì?"),
    ("bao giờ?", "Mục tiêu Chính phủ số của Nghệ An – bao giờ?"),
    ("còn gì nữa không?", "Mục tiêu Chính phủ số của Nghệ An – còn gì nữa không?"),
    ("nghị quyết đó có trọng tâm gì?", "Mục tiêu Chính phủ số của Nghệ An – nghị quyết đó có trọng tâm gì?"),
    ("ke hoach do trien khai den khi nao", "Mục tiêu Chính phủ số của Nghệ An – ke hoach do trien khai den khi nao"),
    ("trọng tâm là gì?", "trọng tâm là gì (Nghệ An)?"),  # short, no province: still about Nghệ An
    # opening with "thế" / "vậy thì": goes on from the last question, however long
    ("thế có bao nhiêu nhiệm vụ, giải pháp đi kèm?", "Mục tiêu Chính phủ số của Nghệ An – thế có bao nhiêu nhiệm vụ, giải pháp đi kèm?"),
    ("vay thi dich vu cong truc tuyen dat bao nhieu phan tram",
     "Mục tiêu Chính phủ số của Nghệ An – vay thi dich vu cong truc tuyen dat bao nhieu phan tram"),
    ("hôm nay có tin gì mới về chuyển đổi số không?", "hôm nay có tin gì mới về chuyển đổi số không?"),
    ("Thanh Hóa đặt mục tiêu gì về kinh tế số?", "Thanh Hóa đặt mục tiêu gì về kinh tế số?"),  # stands alone
    # another province and another thing, with no question of its own: the previous question asked of it
    ("còn chương trình đào tạo ở Thanh Hóa?", "Mục tiêu Chính phủ số của Thanh Hóa – còn chương trình đào tạo ở Thanh Hóa?"),
    ("còn Quảng Ninh đặt mục tiêu gì?", "Quảng Ninh đặt mục tiêu gì?"),  # a question of its own
    ("Tỉnh nào dẫn đầu cả nước về chuyển đổi số?", "Tỉnh nào dẫn đầu cả nước về chuyển đổi số?"),  # the bot's subject
    ("Chuyển đổi số trong giáo dục được triển khai ra sao ở các trường học?",
     "Chuyển đổi số trong giáo dục được triển khai ra sao ở các trường học?"),
])
def test_vietnamese_followups(message, expected):
    assert ask(message) == expected


@pytest.mark.parametrize("message, expected", [
    ("And Quang Ninh?", "What are Quảng Ninh's digital government targets?"),
    ("What about Quảng Ninh?", "What are Quảng Ninh's digital government targets?"),
    ("how about Thanh Hoa", "What are Thanh Hóa's digital government targets?"),
    ("when?", "What are Nghe An's digital government targets – when?"),
    ("who leads it?", "What are Nghe An's digital government targets – who leads it?"),
    ("What is the e-government plan of Thanh Hoa?", "What is the e-government plan of Thanh Hoa?"),
    ("What are the opening hours of the museum?", "What are the opening hours of the museum?"),  # shares only "what are"
    ("What are the digital government rules for banks?",  # repeats "digital government": same topic
     "What are Nghe An's digital government targets – What are the digital government rules for banks?"),
    ("so how many online public services does the province offer now?",
     "What are Nghe An's digital government targets – so how many online public services does the province offer now?"),
])
def test_english_followups(message, expected):
    assert ask(message, EN) == expected


def test_province_abbreviations_switch_the_province_when_the_analysis_expands_them():
    expand = {"con NA thi sao": "con Nghệ An thi sao", "QN thì sao?": "Quảng Ninh thì sao?"}.get
    after_qn = Turn("x", "Mục tiêu Chính phủ số của Quảng Ninh là gì?", ("Quảng Ninh",), (3,), NOW)
    assert followup_question("con NA thi sao", after_qn, now=NOW, max_age_seconds=60, expand=lambda m: expand(m, m)) == \
        "Mục tiêu Chính phủ số của Nghệ An là gì?"
    assert followup_question("QN thì sao?", VI, now=NOW, max_age_seconds=60, expand=lambda m: expand(m, m)) == \
        "Mục tiêu Chính phủ số của Quảng Ninh là gì?"


def test_context_expires_except_for_replies_and_chains_do_not_pile_up():
    assert ask("còn Quảng Ninh thì sao?", now=NOW + 3600) == "còn Quảng Ninh thì sao?"
    assert ask("còn Quảng Ninh thì sao?", now=NOW + 3600, replied=True) == "Mục tiêu Chính phủ số của Quảng Ninh là gì?"
    assert ask("bao giờ?", None) == "bao giờ?"
    chained = Turn("bao giờ?", "Mục tiêu Chính phủ số của Nghệ An – bao giờ?", ("Nghệ An",), (3,), NOW)
    assert ask("ai chủ trì?", chained) == "Mục tiêu Chính phủ số của Nghệ An – ai chủ trì?"
    # A reply naming no province is about the answer's province.
    assert ask("kế hoạch triển khai gồm những nhiệm vụ nào trong năm nay?", replied=True) == \
        "kế hoạch triển khai gồm những nhiệm vụ nào trong năm nay (Nghệ An)?"


def test_provinces_with_and_without_diacritics_and_slugs():
    assert set(detect_provinces("so sánh nghe an và Quảng Ninh, TP HCM")) == {"Quảng Ninh", "Hồ Chí Minh", "Nghệ An"}
    assert province_slug("Nghệ An") == "nghe-an" and province_slug("Bà Rịa - Vũng Tàu") == "ba-ria-vung-tau"
    # A province merged in 2025 is found by its old name and named by its current one.
    assert detect_provinces("tỉnh Hà Giang") == ("Tuyên Quang",)
    assert province_from_slug("ha-giang") == "Tuyên Quang"
    assert province_from_slug("nghe-an") == "Nghệ An" and province_from_slug("Quang_Ninh") == "Quảng Ninh"
    assert province_from_slug("ha-noi-xyz") is None and province_from_slug("") is None
    assert with_province("Mục tiêu là gì?", "Nghệ An") == "Mục tiêu là gì (Nghệ An)?"
    assert with_province("Mục tiêu của Quảng Ninh?", "Nghệ An") == "Mục tiêu của Quảng Ninh?"


def test_conversation_memory_is_bounded_and_finds_answers_by_message():
    memory = ConversationMemory(max_chats=2, max_answers=2)
    for chat in (1, 2, 3):
        memory.remember(chat, VI)
        memory.link_answer(chat, (10 + chat,), VI)
    assert memory.last(1) is None and memory.last(3) == VI
    assert memory.answered_by(3, 13) == VI and memory.answered_by(1, 11) is None


def test_an_answer_sent_late_does_not_take_back_the_last_turn():
    """Updates are handled concurrently: the next question can be answered while the previous
    answer is still being sent. Linking that answer's messages keeps the newer turn the last one."""
    memory = ConversationMemory()
    earlier = Turn("Mục tiêu của Nghệ An?", "Mục tiêu của Nghệ An?", ("Nghệ An",), (1,), NOW)
    later = Turn("còn Quảng Ninh thì sao?", "Mục tiêu của Quảng Ninh?", ("Quảng Ninh",), (2,), NOW + 5)
    memory.remember(7, earlier)
    memory.remember(7, later)
    memory.link_answer(7, (70,), earlier)
    assert memory.last(7) == later and memory.answered_by(7, 70) == earlier


@pytest.mark.parametrize("message, kind, language", [
    ("xin chào", GREETING, "vi"), ("Chào bạn!", GREETING, "vi"), ("Hello", GREETING, "en"), ("hi there", GREETING, "en"),
    ("cảm ơn bạn", THANKS, "vi"), ("Cám ơn nhiều!", THANKS, "vi"), ("thank you", THANKS, "en"),
    ("bạn là ai?", IDENTITY, "vi"), ("Who are you?", IDENTITY, "en"), ("🤔", EMOJI, ""), ("👍👍", EMOJI, ""),
])
def test_small_talk(message, kind, language):
    talk = small_talk(message)
    assert talk is not None and (talk.kind, talk.language) == (kind, language)


@pytest.mark.parametrize("message", ["Mục tiêu là gì?", "xin chào, mục tiêu Chính phủ số của Nghệ An là gì?",
                                     "chuyển đổi số", "hello, what are Nghe An's targets?", "cảm ơn, còn Quảng Ninh?", "2025"])
def test_questions_are_not_small_talk(message):
    assert small_talk(message) is None


def test_suggestions_come_from_the_corpus():
    docs = [(1, DocumentMetadata(title="A", published="2022-01-01", provinces=("Nghệ An",))),
            (2, DocumentMetadata(title="B", published="2023-01-01", provinces=("Nghệ An",))),
            (3, DocumentMetadata(title="C", provinces=("Lào Cai",))),
            (4, DocumentMetadata(title="Hội nghị chuyển đổi số năm 2022"))]
    vi = suggested_questions(docs, "vi")
    assert [s.question for s in vi] == ["Mục tiêu chuyển đổi số của Nghệ An là gì?", "Mục tiêu chuyển đổi số của Lào Cai là gì?",
                                       "Hội nghị chuyển đổi số năm 2022?"]
    assert vi[0].doc_id == 2  # the newest document of the province
    assert suggested_questions(docs, "en", 1, exclude_provinces=("Nghệ An",))[0].question == \
        "What are Lào Cai's digital transformation targets?"
    assert suggested_questions([], "vi") == []


class Chunks:
    def __init__(self, chunk: str) -> None:
        self.chunk = chunk

    def chunk_containing(self, source_file: str, text: str) -> str | None:
        return self.chunk if text in self.chunk else None


def test_passage_in_context():
    chunk = "Câu một. Câu hai nói về bối cảnh. Nghệ An đặt mục tiêu tốp 30. Câu bốn. Câu năm. Câu sáu."
    found = passage_in_context(Chunks(chunk), "a.txt", "Nghệ An đặt mục tiêu tốp 30.")
    assert found is not None
    assert (found.before, found.quote, found.after) == ("Câu một. Câu hai nói về bối cảnh.", "Nghệ An đặt mục tiêu tốp 30.",
                                                        "Câu bốn. Câu năm.")
    assert passage_in_context(Chunks(chunk), "a.txt", "Không có trong bài.") is None


# ---------------------------------------------------------------- the bot's layout and texts

QUOTE = ("Liên quan đến mục tiêu tổng quát, qua phân tích các yếu tố, tiềm năng của tỉnh, Phó Bí thư Thường trực Tỉnh ủy "
         "cho rằng Nghệ An cần phấn đấu nằm trong tốp 20 - 25 tỉnh, thành phố có chỉ số cao về Chính phủ số, thay vì "
         "mục tiêu giữ vị trí thuộc tốp 30 như trong dự thảo. … Bí thư Tỉnh ủy kết luận: tốp 25 - 30 <tỉnh> & thành phố.")


def citation(n: int = 1, url: str = "", quote: str = QUOTE) -> Citation:
    return Citation(n, n, "Nghệ An thông qua dự thảo", "Báo Nghệ An", "2022-07-01", url, "002.txt", quote, 0.9)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_answer_layout_fact_first_then_quote_then_sources_once(language):
    from bot.formatting import plain_text
    from bot.telegram.render import render_answer

    answer = Answer("q", "…", True, language, (citation(1), citation(2, "https://baomoi.vn/x?a=1&b=2", "Câu khác.")),
                    5.0, "answer", "")
    markup = render_answer(answer)
    parse_telegram_html(markup)
    visible = plain_text(markup)
    first = visible.splitlines()[0]
    assert "tốp 20 - 25" in first and first.endswith("[1]") and len(first) <= 210
    assert "<blockquote expandable>" in markup and "&lt;tỉnh&gt; &amp;" in markup
    assert visible.count("Báo Nghệ An") == 2  # once per source, never in the answer text
    assert '<a href="https://baomoi.vn/x?a=1&amp;b=2">' in markup
    assert ("Nguồn" if language == "vi" else "Sources") in visible


def test_short_answer_is_shown_first_and_related_and_none_say_so():
    from bot.formatting import plain_text
    from bot.telegram.render import render_answer

    short = Answer("q", "…", True, "vi", (citation(),), 1.0, "answer", "tốp 25 - 30")
    assert plain_text(render_answer(short)).startswith("tốp 25 - 30 [1]\n")
    related = Answer("q", "…", False, "en", (citation(),), 1.0, "related", "")
    assert plain_text(render_answer(related)).startswith("⚠️ No passage answers this exactly")
    none = Answer("q", "Sorry, nothing.", False, "en", (), 1.0, "none", "")
    assert plain_text(render_answer(none)) == "Sorry, nothing."


def test_long_answers_split_into_valid_messages():
    from bot.formatting import split_html, utf16_len
    from bot.telegram.render import render_answer

    long_quote = " … ".join(["Câu rất dài về chuyển đổi số & dữ liệu <số>." * 20] * 8)
    answer = Answer("q", "…", True, "vi", tuple(citation(n, quote=long_quote) for n in (1, 2, 3)), 1.0, "answer", "")
    parts = split_html(render_answer(answer))
    assert len(parts) > 1
    for part in parts:
        parse_telegram_html(part)
        assert utf16_len(parse_telegram_html(part)) <= 4096


def test_every_fixed_text_is_valid_telegram_html():
    import string

    from bot.telegram.texts import TEXTS, t

    for key, entry in TEXTS.items():
        for language in entry:
            fields = {name: "<x & y>" for _, name, _, _ in string.Formatter().parse(entry[language]) if name}
            markup = t(key, language, **fields)
            if markup:
                parse_telegram_html(markup)


def test_build_summary_is_short_and_names_chat_commands():
    from bot.formatting import plain_text
    from bot.records import BuildReport, Document, SkippedFile
    from bot.telegram.render import render_build_summary

    docs = [Document(f"{i}.txt", "x", DocumentMetadata(title=f"Bài {i}", outlet="Báo", provinces=("Nghệ An",)), "h")
            for i in range(40)]
    report = BuildReport(documents=docs, skipped=[SkippedFile("x.pdf", "corrupt or unreadable PDF")] * 5,
                         warnings=["w"] * 50, chunks=400, embedded=30, reused=370,
                         embedded_files=tuple(d.source_file for d in docs[:12]), seconds=12.0)
    for language in ("vi", "en"):
        text = plain_text(render_build_summary(report, language))
        assert len(text.splitlines()) <= 10
        assert "/reindex force" in text and "--force" not in text


def test_sources_are_grouped_by_province_and_paged():
    from bot.formatting import plain_text
    from bot.telegram.keyboards import sources_keyboard
    from bot.telegram.render import SOURCES_PER_PAGE, render_sources

    docs = [(i, f"{i}.txt", DocumentMetadata(title=f"Bài {i}", outlet="Báo", published=f"2023-01-{i + 1:02d}",
                                             url="https://x.vn/a" if i % 2 else "",
                                             provinces=("Nghệ An",) if i < 12 else ("Lào Cai",) if i < 18 else ()), 1)
            for i in range(20)]
    first = render_sources(docs, "vi", 0)
    assert first.pages == 3 and plain_text(first.markup).startswith("20 bài viết, theo tỉnh · trang 1/3")
    assert "📍 Nghệ An (12)" in plain_text(first.markup) and plain_text(first.markup).count("•") == SOURCES_PER_PAGE
    last = render_sources(docs, "en", 99)
    assert last.page == 2 and "📍 Province not stated (2)" in plain_text(last.markup)
    for page in (first, last):
        parse_telegram_html(page.markup)
    buttons = [b.callback_data for row in sources_keyboard(1, 3).inline_keyboard for b in row]
    assert buttons == ["srcp:0", "srcp:1", "srcp:2"]
    assert sources_keyboard(0, 1) is None


def test_chat_settings_are_kept_under_a_hash_of_the_chat_id(tmp_path):
    import sqlite3

    from bot.history import History

    history = History(tmp_path / "h.sqlite", b"salt", 30)
    assert history.chat_settings(123456789).language == ""
    history.set_chat_settings(123456789, language="en")
    history.set_chat_settings(123456789, province="Nghệ An")
    settings = history.chat_settings(123456789)
    assert (settings.language, settings.province) == ("en", "Nghệ An")
    assert history.set_chat_settings(123456789, province="").province == "" and history.chat_settings(123456789).language == "en"
    history.close()
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:
        rows = conn.execute("SELECT * FROM chat_settings").fetchall()
    assert len(rows) == 1 and "123456789" not in repr(rows)


def test_the_source_a_followup_is_read_against_is_the_previous_confident_answers():
    answered = dataclasses.replace(VI, answered_from="002_f4c38aa5626986ed.txt")
    asked = followup_question("ai chủ trì?", answered, now=NOW + 1, max_age_seconds=60)
    assert context_source(answered, "ai chủ trì?", asked) == "002_f4c38aa5626986ed.txt"
    # a question standing on its own, or after an answer that was not confident, has none
    alone = "Giá vàng hôm nay là bao nhiêu?"
    assert context_source(answered, alone, followup_question(alone, answered, now=NOW + 1, max_age_seconds=60)) == ""
    assert context_source(VI, "ai chủ trì?", followup_question("ai chủ trì?", VI, now=NOW + 1, max_age_seconds=60)) == ""


@pytest.mark.parametrize("message", ["what was his other role there?", "and who chaired that conference?",
                                     "what did she say about the targets?"])
def test_an_english_message_pointing_back_is_asked_about_the_previous_topic(message):
    asked = followup_question(message, EN, now=NOW + 1, max_age_seconds=60)
    assert asked.startswith("What are Nghe An's digital government targets") and asked.endswith(message)


@pytest.mark.parametrize("message", ["Who won the World Cup?", "Ai vô địch SEA Games năm nay?"])
def test_a_short_question_naming_something_new_stands_alone(message):
    # not the previous topic, nor its province: an off-topic question gets "no information", not passages on Nghệ An
    assert followup_question(message, VI, now=NOW + 1, max_age_seconds=60) == message


@pytest.mark.parametrize("message", [
    "ông ấy yêu cầu các sở, ngành phải khẩn trương xây dựng bộ tiêu chí đánh giá gì?",
    "ong ay de nghi nhung nganh nao phai som co ke hoach chuyen doi so rieng",
    "And what did he tell the departments they must absolutely not do while carrying it out?",
])
def test_a_long_message_about_someone_named_before_is_asked_about_the_previous_topic(message):
    # "ông ấy", "he": the person the previous question was about, however long the message
    asked = followup_question(message, VI, now=NOW + 1, max_age_seconds=60)
    assert asked.startswith("Mục tiêu Chính phủ số của Nghệ An") and asked.endswith(message)


@pytest.mark.parametrize("message", ["ad ơi ai chủ trì vậy ạ?", "khi nao to chuc vay ad oi", "bn oi ai trinh bay du thao nhe"])
def test_particles_typed_around_a_short_followup_do_not_make_it_stand_alone(message):
    asked = followup_question(message, VI, now=NOW + 1, max_age_seconds=60)
    assert asked == f"Mục tiêu Chính phủ số của Nghệ An – {message}"


def test_a_town_named_in_a_message_is_its_province_in_the_conversation():
    # a question on Cửa Lò is about Nghệ An: a chat set to another province does not add its name,
    # and "còn Cửa Lò thì sao?" after a question on Quảng Ninh asks it of Nghệ An
    assert detect_provinces("Ai chủ trì điểm cầu Cửa Lò?") == ("Nghệ An",)
    quang_ninh = Turn("Ai chủ trì cuộc họp đánh giá 2 năm của Quảng Ninh?", "Ai chủ trì cuộc họp đánh giá 2 năm của Quảng Ninh?",
                      ("Quảng Ninh",), (), NOW)
    asked = followup_question("còn Cửa Lò thì sao?", quang_ninh, now=NOW + 1, max_age_seconds=60)
    assert "Nghệ An" in asked and "Quảng Ninh" not in asked
