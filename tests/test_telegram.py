"""End to end: the real python-telegram-bot Application, over its own HTTP requests, against a local
Bot API server, answering from the real index of the seed corpus with the real model."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.history import FEEDBACK_UP
from bot.records import Answer
from fake_bot_api import FakeBotApi, parse_telegram_html
from telegram_fixtures import ADMIN_ID, SEED_FILE, SEED_QUESTION, api, seed_answerer, start_bot  # noqa: F401

pytestmark = pytest.mark.slow

USER = {"id": 1001, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
EN_USER = {"id": 1002, "is_bot": False, "first_name": "Tom", "language_code": "en-GB"}


def test_private_question_gets_a_cited_answer(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    reply = bot.ask(USER, SEED_QUESTION)

    first = reply.visible.splitlines()[0]
    # The fact comes first: the target the meeting concluded on, not the proposal made before it.
    assert "25 - 30" in first and first.endswith("[1]") and len(first) <= 210
    assert "<blockquote expandable>" in reply.text
    assert reply.parse_mode == "HTML"
    parse_telegram_html(reply.text)  # valid Telegram HTML (the server would have refused it otherwise)
    assert "\nNguồn\n[1] Báo Nghệ An · 01/07/2022 · Ban Chấp hành Đảng bộ tỉnh Nghệ An" in reply.visible
    assert reply.visible.count("Báo Nghệ An") == 1 and reply.visible.count("01/07/2022") == 1  # each once
    # "typing…" was shown before the answer
    actions = api.calls_to("sendChatAction")
    assert actions and actions[0].params["action"] == "typing" and int(actions[0].params["chat_id"]) == USER["id"]
    # The article has no link: a button shows the passage in context instead.
    assert [b["text"] for b in reply.buttons()] == ["📄 Đoạn văn [1]", "👍", "👎"]
    # The record: hashed user id, language, found, latency, the cited document.
    rows = bot.rows("SELECT user_hash, chat_type, language, question, found, latency_ms, cited_docs, feedback FROM questions")
    assert len(rows) == 1
    user_hash, chat_type, language, question, found, latency, cited, feedback = rows[0]
    assert user_hash == bot.history.hash_user(USER["id"]) and str(USER["id"]) not in user_hash and len(user_hash) == 64
    assert (chat_type, language, question, found, feedback) == ("private", "vi", SEED_QUESTION, 1, None)
    assert latency > 0 and SEED_FILE in cited


def test_passage_button_shows_context_once_and_feedback(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    reply = bot.ask(USER, SEED_QUESTION)
    record_id = int(reply.button("ctx:")["callback_data"].split(":")[1])

    api.press_button(USER, reply, reply.button("ctx:")["callback_data"])
    passage = api.wait_for_message(USER["id"], count=2)
    assert passage.visible.startswith("Đoạn văn [1] trong bài")
    assert "<blockquote>" in passage.text and "<b>" in passage.text
    assert "25 - 30" in passage.visible and passage.reply_to == reply.message_id
    # The sentences around the quote, from the stored article, not the quote again.
    quote = passage.text.split("<b>", 2)[-1]
    assert len(passage.visible) > len(fmt_plain(quote)) + 40
    # A second press posts no second copy: it says where the passage is.
    api.press_button(USER, reply, reply.button("ctx:")["callback_data"])
    api.wait_for(lambda: any(c.get("text") == "Đoạn văn đã hiện ở trên." for c in api.answered_callbacks),
                 what="the second press to be answered")
    api.wait_until_idle()
    assert len(api.messages_to(USER["id"])) == 2

    api.press_button(USER, reply, reply.button("fb:1:")["callback_data"])
    api.wait_for(lambda: reply.edits >= 1, what="the keyboard to show the vote")
    assert [b["text"] for b in reply.buttons()] == ["📄 Đoạn văn [1]", "👍 ✓", "👎"]
    assert any(c.get("text") == "Cảm ơn phản hồi của bạn!" for c in api.answered_callbacks)
    assert bot.rows("SELECT feedback FROM questions WHERE id = ?", record_id) == [(FEEDBACK_UP,)]

    # Someone else cannot vote on this answer; the stored feedback stays.
    api.press_button(EN_USER, reply, reply.button("fb:-1:")["callback_data"])
    api.wait_for(lambda: any(c.get("text") == "Only the person who asked can rate this answer." for c in api.answered_callbacks),
                 what="the refusal")
    assert bot.rows("SELECT feedback FROM questions WHERE id = ?", record_id) == [(FEEDBACK_UP,)]

    # The asker changes their mind.
    api.press_button(USER, reply, reply.button("fb:-1:")["callback_data"])
    api.wait_for(lambda: reply.edits >= 2, what="the second vote")
    assert bot.rows("SELECT feedback FROM questions WHERE id = ?", record_id) == [(-1,)]


def fmt_plain(markup: str) -> str:
    from bot.formatting import plain_text

    return plain_text(markup)


def test_english_user_gets_english_ui_and_answer(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    start = bot.ask(EN_USER, "/start")
    assert start.visible.startswith("Hello!")
    reply = bot.ask(EN_USER, "What are Nghe An's digital government targets?")
    lines = reply.visible.splitlines()
    assert "25 - 30" in lines[0] and lines[1] == "Quoted verbatim from the Vietnamese source."
    assert "\nSources\n[1] Báo Nghệ An · 2022-07-01 · " in reply.visible
    assert [b["text"] for b in reply.buttons()][0] == "📄 Passage [1]"


def test_start_help_sources(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    assert bot.ask(USER, "/start").visible.startswith("Xin chào!")
    help_text = bot.ask(USER, "/help").visible
    assert "/sources" in help_text and "/reindex" not in help_text
    assert "/reindex" in bot.ask({**USER, "id": ADMIN_ID}, "/help").visible
    sources = bot.ask(USER, "/sources")
    assert sources.visible.startswith("5 bài viết, theo tỉnh")
    assert "📍 Nghệ An (3)" in sources.visible and "📍 Quảng Ninh (1)" in sources.visible
    assert "Báo Nghệ An · 01/07/2022" in sources.visible
    # The command menu was registered at start-up: Vietnamese, English and the admin's own.
    commands = api.calls_to("setMyCommands")
    assert {c.params.get("language_code") for c in commands} >= {None, "en"}
    admin_menu = [c for c in commands if c.params.get("scope", {}).get("chat_id") == ADMIN_ID]
    assert admin_menu and "reindex" in [c["command"] for c in admin_menu[0].params["commands"]]


def test_question_without_answer_in_corpus(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    reply = bot.ask(USER, "Giá vé máy bay Hà Nội đi Paris tháng sau là bao nhiêu?")
    assert reply.visible.startswith("Xin lỗi, kho tài liệu hiện chưa có thông tin")
    assert "Nguồn" not in reply.visible
    buttons = reply.buttons()
    assert [b["text"] for b in buttons[-2:]] == ["👍", "👎"]
    suggestions = [b for b in buttons if b["callback_data"].startswith("sg:")]
    assert len(suggestions) >= 2  # questions the corpus can answer, offered instead
    assert bot.rows("SELECT found, cited_docs FROM questions") == [(0, "[]")]

    # A vote keeps the suggestions.
    api.press_button(USER, reply, reply.button("fb:-1:")["callback_data"])
    api.wait_for(lambda: reply.edits >= 1, what="the vote")
    assert [b["text"] for b in reply.buttons()] == [b["text"] for b in suggestions] + ["👍", "👎 ✓"]
    # Pressing one asks it.
    api.press_button(USER, reply, suggestions[0]["callback_data"])
    answer = api.wait_for_message(USER["id"], count=2)
    assert suggestions[0]["text"].rstrip("?").split(" của ")[-1].split(" là")[0] in answer.visible
    assert "Nguồn" in answer.visible


def test_groups_answer_only_when_addressed(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    group = api.group_chat()
    gid = group["id"]

    api.send_text(USER, SEED_QUESTION, chat=group)  # not for the bot
    api.send_text(USER, f"/ask@other_bot {SEED_QUESTION}", chat=group)  # for another bot
    api.wait_until_idle()
    assert api.messages_to(gid) == []

    by_command = bot.ask(USER, f"/ask {SEED_QUESTION}", chat=group)
    assert "25 - 30" in by_command.visible and by_command.reply_to is not None  # quotes the question in groups
    by_command_at = bot.ask(USER, f"/ask@cds_test_bot {SEED_QUESTION}", chat=group)
    assert "25 - 30" in by_command_at.visible
    by_mention = bot.ask(USER, f"@cds_test_bot {SEED_QUESTION}", chat=group)
    assert "25 - 30" in by_mention.visible
    by_reply = bot.ask(USER, SEED_QUESTION, chat=group, reply_to=by_mention)
    assert "25 - 30" in by_reply.visible
    assert bot.ask(USER, "/ask", chat=group).visible.startswith("Cách dùng: /ask")
    # Only the four questions were recorded, with the chat type.
    assert bot.rows("SELECT chat_type, COUNT(*) FROM questions GROUP BY chat_type") == [("supergroup", 4)]


def test_non_text_messages_get_a_hint(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    api.send_sticker(USER)
    api.send_photo(USER, caption="ảnh")
    api.send_voice(USER)
    hints = [api.wait_for_message(USER["id"], count=n) for n in (1, 2, 3)]
    assert all(h.visible.startswith("Mình chỉ đọc được tin nhắn chữ") for h in hints)
    api.send_sticker(USER, chat=api.group_chat())  # groups: silence
    api.wait_until_idle()
    assert api.messages_to(api.group_chat()["id"]) == []
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(0,)]


def test_overlong_question_is_cut_with_a_notice(start_bot, seed_answerer, api):
    limit = len(SEED_QUESTION) + 1
    bot = start_bot(seed_answerer, max_question_chars=limit)
    long_question = SEED_QUESTION + " " + "và thêm nhiều chi tiết không cần thiết " * 200
    reply = bot.ask(USER, long_question)
    assert reply.visible.startswith(f"✂️ Câu hỏi quá dài nên chỉ {limit} ký tự đầu được dùng.")
    assert "25 - 30" in reply.visible  # cut at a word boundary: the question itself is kept
    assert bot.rows("SELECT question FROM questions") == [(SEED_QUESTION,)]


def test_hostile_text_is_escaped(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    reply = bot.ask(USER, '<b>Nghệ An</b> & <a href="javascript:alert(1)">Chính phủ số</a> mục tiêu?')
    parse_telegram_html(reply.text)
    assert "javascript:" not in reply.text


def test_rate_limit_answers_excess_politely(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer, rate_limit_messages=2, rate_limit_seconds=60)
    for _ in range(5):
        api.send_text(USER, SEED_QUESTION)
    api.wait_for_message(USER["id"], count=3)
    api.wait_until_idle()
    texts = [m.visible for m in api.messages_to(USER["id"])]
    answers = [t for t in texts if "25 - 30" in t]
    notices = [t for t in texts if t.startswith("Bạn đang hỏi hơi nhanh")]
    assert len(answers) == 2 and len(notices) == 1 and len(texts) == 3  # one notice, then quiet
    assert "giây" in notices[0]
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(2,)]
    # Other users and admins are not affected.
    assert "25 - 30" in bot.ask(EN_USER, SEED_QUESTION).visible
    admin = {**USER, "id": ADMIN_ID}
    for _ in range(3):
        assert "25 - 30" in bot.ask(admin, SEED_QUESTION).visible


@pytest.mark.parametrize("command", ["/reindex", "/reindex force", "/stats"])
def test_admin_commands_refused_for_others(start_bot, seed_answerer, api, command):
    bot = start_bot(seed_answerer)
    generation = (seed_answerer.config.index.dir / "current").resolve()
    reply = bot.ask(USER, command)
    assert reply.visible == "Xin lỗi, chỉ quản trị viên mới dùng được lệnh này."
    api.wait_until_idle()
    assert len(api.messages_to(USER["id"])) == 1
    assert (seed_answerer.config.index.dir / "current").resolve() == generation


def test_document_from_non_admin_is_refused(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    corpus = seed_answerer.config.corpus.dir
    before = sorted(p.name for p in corpus.iterdir())
    api.send_document(USER, "Bài viết mới về chuyển đổi số.".encode(), "bai-moi.txt")
    reply = api.wait_for_message(USER["id"])
    assert reply.visible.startswith("Cảm ơn bạn! Chỉ quản trị viên mới thêm được tài liệu.")
    api.wait_until_idle()
    assert sorted(p.name for p in corpus.iterdir()) == before
    assert api.calls_to("getFile") == []  # not even downloaded


def test_admin_stats(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    bot.ask(USER, SEED_QUESTION)
    bot.ask(USER, "Giá vé máy bay đi Paris là bao nhiêu?")
    stats = bot.ask({**USER, "id": ADMIN_ID}, "/stats").visible
    assert "Tài liệu: 5" in stats and "multilingual-e5-small" in stats
    assert "Câu hỏi: 2" in stats and "Trả lời được: 1" in stats and "Không có thông tin: 1" in stats
    assert "👍 0 · 👎 0" in stats


class _Exploding:
    """The real answerer, except that one question raises."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.store = inner.store
        self.expand_abbreviations = inner.expand_abbreviations

    def answer(self, question: str, context: str = "") -> Answer:
        if "boom" in question:
            raise RuntimeError("simulated failure in the answering core")
        return self._inner.answer(question, context)

    def reload(self) -> None:
        self._inner.reload()


def test_error_is_logged_user_told_and_bot_keeps_serving(start_bot, seed_answerer, api, caplog):
    bot = start_bot(_Exploding(seed_answerer), config=seed_answerer.config)
    with caplog.at_level(logging.ERROR, logger="bot.telegram"):
        reply = bot.ask(USER, "boom")
    assert reply.visible.startswith("Xin lỗi, đã có lỗi khi xử lý tin nhắn của bạn.")
    errors = [r for r in caplog.records if r.name.startswith("bot.telegram") and r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info and "simulated failure" in str(errors[0].exc_info[1])
    assert "25 - 30" in bot.ask(USER, SEED_QUESTION).visible


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
def test_flood_limit_and_network_errors_are_retried(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    reply = bot.ask(USER, SEED_QUESTION)
    assert "25 - 30" in reply.visible
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]
    # An answer is sent exactly once even when Telegram fails with a server error: not repeated blindly.
    api.fail_next("sendChatAction", 502, "Bad Gateway", times=2)
    assert "25 - 30" in bot.ask(USER, SEED_QUESTION).visible
    assert [c.status for c in api.calls_to("sendChatAction")][-3:] == [502, 502, 200]


def test_token_never_appears_in_logs(start_bot, seed_answerer, api, caplog):
    caplog.set_level(logging.DEBUG)  # everything, httpx request URLs and PTB's debug output included
    bot = start_bot(seed_answerer)
    bot.ask(USER, SEED_QUESTION)
    bot.ask({**USER, "id": ADMIN_ID}, "/stats")
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "bot<redacted>/sendMessage" in text  # httpx did log the URLs...
    assert api.token not in text  # ...without the token
    assert api.token.split(":")[1] not in text


def test_history_write_failure_still_answers(start_bot, seed_answerer, api):
    bot = start_bot(seed_answerer)
    bot.history._conn.execute("PRAGMA query_only = ON")  # every write now fails
    reply = bot.ask(USER, SEED_QUESTION)
    assert "25 - 30" in reply.visible and reply.buttons() == []
    bot.history._conn.execute("PRAGMA query_only = OFF")


def test_fake_server_refuses_what_telegram_refuses():
    """The checks that make the tests above meaningful."""
    import httpx

    with FakeBotApi() as server:
        url = f"{server.base_url}{server.token}/sendMessage"
        ok = httpx.post(url, data={"chat_id": "1", "text": "<b>x</b> &amp; y", "parse_mode": "HTML"})
        assert ok.json()["ok"] is True
        for bad in ("<b>x", "<script>x</script>", "a & b", "x" * 4097, "   "):
            response = httpx.post(url, data={"chat_id": "1", "text": bad, "parse_mode": "HTML"})
            assert response.status_code == 400, bad
        assert httpx.post(f"{server.base_url}wrong/getMe").status_code == 401
        assert httpx.post(f"{server.base_url}{server.token}/noSuchMethod").status_code == 404


def test_history_records_are_kept_for_the_retention_period(start_bot, seed_answerer, api):
    from datetime import datetime, timedelta, timezone

    bot = start_bot(seed_answerer)
    bot.ask(USER, SEED_QUESTION)
    old = datetime.now(timezone.utc) - timedelta(days=31)
    with sqlite3.connect(bot.config.history.path) as conn:
        conn.execute("UPDATE questions SET asked_at = ?", (old.isoformat(timespec="seconds"),))
    bot.ask(USER, SEED_QUESTION)
    # The daily job enforces retention (30 days here); run it now instead of waiting a day.
    job = bot.runner.application.job_queue.get_jobs_by_name("daily-maintenance")[0]
    bot.runner.call(job.run(bot.runner.application))
    assert bot.rows("SELECT COUNT(*) FROM questions") == [(1,)]
