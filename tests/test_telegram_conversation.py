"""End to end, a conversation: follow-ups in context (vi, en, replies), small talk with suggestions,
/language, deep links, inline queries, edited questions, the rate limit on questions only, /stats.
The real python-telegram-bot Application against the local Bot API server, the real seed index
and model; assertions are on what the user sees."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConversationConfig
from bot.records import Answer
from fake_bot_api import parse_telegram_html
from telegram_fixtures import ADMIN_ID, SEED_FILE, SEED_QUESTION, api, seed_answerer, start_bot  # noqa: F401

pytestmark = pytest.mark.slow

USER = {"id": 3001, "is_bot": False, "first_name": "Hoa", "language_code": "vi"}
OTHER = {"id": 3002, "is_bot": False, "first_name": "Nam", "language_code": "vi"}
EN_USER = {"id": 3003, "is_bot": False, "first_name": "Ann", "language_code": "en"}
DE_USER = {"id": 3004, "is_bot": False, "first_name": "Jens", "language_code": "de"}
QUANG_NINH_FILE = "001_7c41b3213df7f756.txt"
PLAN_FILE = "003_500af1a167ffe578.txt"
EN_QUESTION = "What are Nghe An's digital government targets?"


def last_cited(bot) -> str:
    return bot.rows("SELECT cited_docs FROM questions ORDER BY id DESC LIMIT 1")[0][0]


def test_followups_in_vietnamese(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    # Alone, "bao giờ?" has no answer...
    assert bot.ask(OTHER, "bao giờ?").visible.startswith("Xin lỗi, kho tài liệu hiện chưa có thông tin")

    first = bot.ask(USER, "Nghệ An ban hành Kế hoạch xây dựng Nghị quyết về chuyển đổi số như thế nào?")
    assert "Doanh nghiệp và Hội nhập" in first.visible and PLAN_FILE in last_cited(bot)
    # ...after a question, it asks about that question's topic.
    when = bot.ask(USER, "bao giờ?")
    assert "Doanh nghiệp và Hội nhập" in when.visible and PLAN_FILE in last_cited(bot)
    assert "↪️ Hiểu là: Nghệ An ban hành Kế hoạch xây dựng Nghị quyết về chuyển đổi số – bao giờ?" in when.visible
    who = bot.ask(USER, "ai chủ trì?")
    assert PLAN_FILE in last_cited(bot) and "Hiểu là: Nghệ An ban hành Kế hoạch xây dựng Nghị quyết về chuyển đổi số – ai chủ trì?" in who.visible

    # Another province: the previous question, about it.
    bot.ask(USER, SEED_QUESTION)
    assert SEED_FILE in last_cited(bot)
    quang_ninh = bot.ask(USER, "còn Quảng Ninh thì sao?")
    assert "Báo Quảng Ninh" in quang_ninh.visible and last_cited(bot) == f'["{QUANG_NINH_FILE}"]'
    assert "↪️ Hiểu là: Mục tiêu Chính phủ số của Quảng Ninh là gì?" in quang_ninh.visible
    # The history keeps the question actually asked.
    assert bot.rows("SELECT question FROM questions ORDER BY id DESC LIMIT 1") == [("Mục tiêu Chính phủ số của Quảng Ninh là gì?",)]


def test_a_followup_on_the_article_just_quoted_gets_a_plain_answer(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    # Alone, the question only gets the closest passages...
    alone = bot.ask(OTHER, "Chủ tịch tỉnh Quảng Ninh dặn phải tránh tâm lý gì?")
    assert alone.visible.startswith("⚠️") and bot.rows("SELECT found FROM questions") == [(0,)]
    # ...asked right after a question that article answered, it is the answer.
    bot.ask(USER, "Quảng Ninh sau 2 năm thực hiện Nghị quyết 09 có bao nhiêu mục tiêu đạt yêu cầu?")
    assert QUANG_NINH_FILE in last_cited(bot)
    followup = bot.ask(USER, "chủ tịch tỉnh dặn phải tránh tâm lý gì?")
    assert "e ngại, đùn đẩy, né tránh" in followup.visible and not followup.visible.startswith("⚠️")
    assert bot.rows("SELECT found FROM questions ORDER BY id DESC LIMIT 1") == [(1,)]


def test_a_followup_asking_his_post_is_about_the_person_just_named(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    first = bot.ask(EN_USER, "Which provincial vice chairman spoke at Thanh Hoa's online digital transformation meeting in April 2022?")
    assert "Mai Xuân Liêm" in first.visible
    followup = bot.ask(EN_USER, "what other role did he have?")
    assert "Phó Trưởng Ban Thường trực" in followup.visible and not followup.visible.startswith("⚠️")


def test_followups_in_english(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    alone = bot.ask({**EN_USER, "id": 3010}, "And Quang Ninh?")
    assert "Báo Quảng Ninh" not in alone.visible and bot.rows("SELECT found FROM questions") == [(0,)]

    first = bot.ask(EN_USER, EN_QUESTION)
    assert "Báo Nghệ An" in first.visible and SEED_FILE in last_cited(bot)
    followup = bot.ask(EN_USER, "And Quang Ninh?")
    assert "Báo Quảng Ninh" in followup.visible and last_cited(bot) == f'["{QUANG_NINH_FILE}"]'
    assert "\nSources\n" in followup.visible and "Understood as: What are Quảng Ninh's digital government targets?" in followup.visible
    about = bot.ask(EN_USER, "What about Thanh Hoa?")
    assert "Sources" in about.visible and "004_19ab1e55f0366f18.txt" in last_cited(bot)


def test_a_reply_to_an_answer_is_a_followup(start_bot, seed_answerer, api):
    # No time window: only replies carry the context.
    config = dataclasses.replace(seed_answerer.config, conversation=ConversationConfig(followup_minutes=0))
    bot = start_bot(seed_answerer, config=config)
    answer = bot.ask(EN_USER, EN_QUESTION)
    bot.ask(EN_USER, "Nghệ An ban hành Kế hoạch xây dựng Nghị quyết về chuyển đổi số như thế nào?")  # another topic since
    time.sleep(0.1)
    unrelated = bot.ask(EN_USER, "And Quang Ninh?")
    assert "Báo Quảng Ninh" not in unrelated.visible and not last_cited(bot).strip("[]")
    replied = bot.ask(EN_USER, "And Quang Ninh?", reply_to=answer)
    assert "Báo Quảng Ninh" in replied.visible and last_cited(bot) == f'["{QUANG_NINH_FILE}"]'


@pytest.mark.parametrize("user, text, starts", [
    (USER, "xin chào", "Xin chào!"), (USER, "Cảm ơn bạn!", "Rất vui được giúp bạn"), (USER, "🤔", "Bạn muốn hỏi gì"),
    (USER, "bạn là ai?", "Mình là trợ lý"), (EN_USER, "who are you?", "I'm a Q&A assistant"), (EN_USER, "hello", "Hello!"),
])
def test_small_talk_gets_a_friendly_reply_with_suggestions(start_bot, seed_answerer, api, user, text, starts):
    bot = start_bot(seed_answerer)
    reply = bot.ask(user, text)
    assert reply.visible.startswith(starts)
    assert "chưa có thông tin" not in reply.visible and "no information" not in reply.visible
    assert len(reply.visible) < 200
    buttons = reply.buttons()
    assert len(buttons) >= 2 and all(b["callback_data"].startswith("sg:") for b in buttons)  # no 👍/👎
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]
    # A suggestion is a question the corpus answers.
    api.press_button(user, reply, buttons[0]["callback_data"])
    answer = api.wait_for_message(user["id"], count=2)
    assert ("Nguồn" if user is USER else "Sources") in answer.visible
    assert bot.rows("SELECT found FROM questions") == [(1,)]


def test_language_command_and_default_from_the_client(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    assert bot.ask(DE_USER, "/start").visible.startswith("Hello!")  # any language but Vietnamese: English
    prompt = bot.ask(USER, "/language")
    assert prompt.visible == "Chọn ngôn ngữ của bot:"
    api.press_button(USER, prompt, "lang:en")
    api.wait_for(lambda: any(c.get("text") == "✅ Language set to English." for c in api.answered_callbacks),
                 what="the language to be set")
    assert bot.ask(USER, "/help").visible.startswith("How to ask")
    assert bot.ask(USER, "/settings").visible.startswith("Chat settings\nLanguage: English\n")
    assert bot.ask(DE_USER, "/language vi").visible == "✅ Đã chọn tiếng Việt."
    assert bot.ask(DE_USER, "/start").visible.startswith("Xin chào!")
    assert sorted(bot.rows("SELECT language FROM chat_settings")) == [("en",), ("vi",)]


def test_deep_link_sets_the_chats_province(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    reply = bot.ask(USER, "/start quang-ninh")
    assert reply.visible.startswith("📍 Đã chọn Quảng Ninh")
    answer = bot.ask(USER, "Mục tiêu Chính phủ số là gì?")  # names no province
    assert "Báo Quảng Ninh" in answer.visible and last_cited(bot) == f'["{QUANG_NINH_FILE}"]'
    assert "Tỉnh mặc định: Quảng Ninh" in bot.ask(USER, "/settings").visible
    assert SEED_FILE in (bot.ask(USER, SEED_QUESTION) and last_cited(bot))  # a named province wins
    # so does the province of a town named (Cửa Lò is in Nghệ An)
    assert "000_168b4fa967d107c9.txt" in (bot.ask(USER, "Ai chủ trì điểm cầu Cửa Lò?") and last_cited(bot))
    assert bot.ask(USER, "/start ha-noi-xyz").visible.startswith("Không nhận ra tỉnh")


def test_inline_query_returns_a_cited_answer(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    answer = api.wait_for_inline_answer(api.send_inline_query(USER, SEED_QUESTION))
    [result] = answer["results"]
    assert result["type"] == "article" and result["title"].strip()
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML" and "25 - 30" in parse_telegram_html(content["message_text"]).splitlines()[0]
    assert "Báo Nghệ An · 01/07/2022" in parse_telegram_html(content["message_text"])
    assert api.wait_for_inline_answer(api.send_inline_query(USER, ""))["results"] == []
    assert bot.rows("SELECT chat_type, found FROM questions") == [("inline", 1)]


def test_edited_question_is_answered_again_in_the_same_reply(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    sent = api.send_text(USER, "Mục tiêu Chính phủ số của Quảng Ninh là gì?")
    reply = api.wait_for_message(USER["id"])
    assert "Báo Quảng Ninh" in reply.visible
    api.edit_text(sent, SEED_QUESTION)
    api.wait_for(lambda: "25 - 30" in reply.visible, what="the reply to be edited")
    api.wait_until_idle()
    assert len(api.messages_to(USER["id"])) == 1 and "Báo Nghệ An" in reply.visible
    # A greeting edited into a question: the greeting becomes the answer.
    hello = api.send_text(OTHER, "xin chào")
    greeting = api.wait_for_message(OTHER["id"])
    api.edit_text(hello, SEED_QUESTION)
    api.wait_for(lambda: "25 - 30" in greeting.visible, what="the greeting to become the answer")
    api.wait_until_idle()
    assert len(api.messages_to(OTHER["id"])) == 1 and [b["text"] for b in greeting.buttons()][-2:] == ["👍", "👎"]


def test_a_question_edited_while_its_answer_is_on_the_way_edits_that_answer(start_bot, seed_answerer, api):
    # the reply is on Telegram (the user sees it) before the bot hears back: an edit arriving in
    # between is answered in that reply, not in a second one
    start_bot(seed_answerer)
    api.respond_slowly("sendMessage", 1.5)
    sent = api.send_text(USER, "Mục tiêu Chính phủ số của Quảng Ninh là gì?")
    reply = api.wait_for_message(USER["id"])
    api.edit_text(sent, SEED_QUESTION)
    api.wait_for(lambda: "25 - 30" in reply.visible, what="the reply to be edited")
    api.wait_until_idle()
    assert len(api.messages_to(USER["id"])) == 1


def test_rate_limit_counts_questions_only(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer, rate_limit_messages=2, rate_limit_seconds=60)
    for command in ("/start", "/help", "/sources", "/settings", "/language", "/start", "/help"):
        assert not bot.ask(USER, command).visible.startswith("Bạn đang hỏi hơi nhanh")
    sources = bot.ask(USER, "/sources")
    api.press_button(USER, sources, "srcp:0")
    assert "25 - 30" in bot.ask(USER, SEED_QUESTION).visible
    assert "Báo Quảng Ninh" in bot.ask(USER, "Mục tiêu Chính phủ số của Quảng Ninh là gì?").visible
    assert bot.ask(USER, SEED_QUESTION).visible.startswith("Bạn đang hỏi hơi nhanh")
    assert bot.ask(USER, "/help").visible.startswith("Cách hỏi")  # commands still work


class _Related:
    """The real answerer, except that questions containing "(liên quan)" get a "related" reply."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.store = inner.store
        self.config = inner.config
        self.expand_abbreviations = inner.expand_abbreviations

    def answer(self, question: str, context: str = "") -> Answer:
        answer = self._inner.answer(question.replace("(liên quan)", ""), context)
        if "(liên quan)" in question:
            return dataclasses.replace(answer, found=False, confidence="related")
        return answer

    def reload(self) -> None:
        self._inner.reload()

    def reload_if_stale(self) -> bool:
        return False


def test_stats_count_answered_related_and_not_found_in_local_time(start_bot, seed_answerer, api):
    bot = start_bot(_Related(seed_answerer), config=seed_answerer.config)
    bot.ask(USER, SEED_QUESTION)
    bot.ask(OTHER, "Mục tiêu Chính phủ số của Quảng Ninh là gì?")
    related = bot.ask(USER, "Mục tiêu Chính phủ số của Thanh Hóa là gì? (liên quan)")
    assert related.visible.startswith("⚠️") and "có thể không trả lời chính xác" in related.visible
    assert "Nguồn" in related.visible
    bot.ask(USER, "Giá vé máy bay đi Paris là bao nhiêu?")
    bot.ask(USER, "cảm ơn bạn")  # small talk is not a question
    stats = bot.ask({**USER, "id": ADMIN_ID}, "/stats").visible
    assert "Câu hỏi: 4\n• Trả lời được: 2\n• Chỉ có thông tin liên quan: 1\n• Không có thông tin: 1" in stats
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    shown = {(now - timedelta(minutes=m)).strftime("%H:%M %d/%m/%Y") for m in (0, 1)}
    assert any(f"Câu hỏi gần nhất: {s}" in stats for s in shown), stats
    english = bot.ask({**EN_USER, "id": ADMIN_ID}, "/stats").visible
    assert "Answered: 2" in english and "Related only: 1" in english and "(UTC+7)" in english


def test_a_newer_index_built_from_the_command_line_is_picked_up(start_bot, api, tmp_path):
    from telegram_fixtures import StubAnswerer, stub_config

    answerer = StubAnswerer(stub_config(tmp_path / "project"))
    checks: list[int] = []
    answerer.reload_if_stale = lambda: checks.append(1) or True
    bot = start_bot(answerer)
    [job] = bot.runner.application.job_queue.get_jobs_by_name("reload-if-stale")
    assert job.trigger.interval.total_seconds() == 60
    bot.runner.call(job.run(bot.runner.application))
    assert checks == [1]


def test_in_groups_each_member_has_their_own_followups_and_anyone_can_reply(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    group = api.group_chat()
    answer = bot.ask(USER, f"@cds_test_bot {EN_QUESTION}", chat=group)
    assert "Báo Nghệ An" in answer.visible
    # Another member's short message is not read in the first member's context...
    alone = bot.ask(OTHER, "@cds_test_bot And Quang Ninh?", chat=group)
    assert "Báo Quảng Ninh" not in alone.visible
    # ...but a reply to the answer is.
    replied = bot.ask(OTHER, "And Quang Ninh?", chat=group, reply_to=answer)
    assert "Báo Quảng Ninh" in replied.visible and last_cited(bot) == f'["{QUANG_NINH_FILE}"]'
