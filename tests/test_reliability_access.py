"""Access: admin commands and uploads are refused to everyone whose id is not in config (whatever
they claim), the bot token never reaches a log, an error message or stderr, and the history
database never holds a raw Telegram user id.

These drive the real python-telegram-bot Application against the local Bot API server with a stub
answering core (no model): what is tested here is who may do what, not what the answers say.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
import warnings
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest
from telegram.ext import CommandHandler, MessageHandler

from bot import corpus_admin
from bot.config import load_config
from bot.history import History
from bot.telegram import ADMIN_COMMANDS, COMMANDS, build_application
from fake_bot_api import FakeBotApi, RunningBot
from telegram_fixtures import ADMIN_ID, StubAnswerer, api, bot_config, start_bot, stub_config  # noqa: F401

USER = {"id": 2_000_001, "is_bot": False, "first_name": "Người dùng", "language_code": "vi"}
ADMIN = {"id": ADMIN_ID, "is_bot": False, "first_name": "Quản trị", "language_code": "vi"}
REFUSAL = "Xin lỗi, chỉ quản trị viên mới dùng được lệnh này."
UPLOAD_REFUSAL = "Cảm ơn bạn! Chỉ quản trị viên mới thêm được tài liệu."
PUBLIC_COMMANDS = {name for name, _ in COMMANDS["vi"]}
# Each admin action and the test below that proves it is refused to others.
REFUSAL_TESTS = {"reindex": "test_reindex_is_refused_to_non_admins", "stats": "test_stats_is_refused_to_non_admins",
                 "upload": "test_upload_is_refused_to_non_admins", "add": "test_add_url_is_refused_to_non_admins"}


@pytest.fixture
def stub_bot(start_bot, tmp_path):
    """A running bot over the stub answerer; build_index and History.stats are spied on."""
    def start(**telegram):
        return start_bot(StubAnswerer(stub_config(tmp_path / "project")), **telegram)

    return start


@pytest.fixture
def build_calls(monkeypatch) -> list:
    calls: list = []

    def spy(config, **kwargs):
        calls.append(kwargs)
        raise AssertionError("a build was started")

    monkeypatch.setattr(corpus_admin, "build_index", spy)
    return calls


# ---------------------------------------------------------------- one test per admin action

def test_every_admin_action_has_its_refusal_test(stub_bot):
    """A new admin command must come with its own refusal test here; every command is either public or admin."""
    admin = {name for name, _ in ADMIN_COMMANDS}
    assert set(REFUSAL_TESTS) == admin | {"upload"}
    assert all(name in globals() for name in REFUSAL_TESTS.values())
    bot = stub_bot()
    handlers = [h for group in bot.runner.application.handlers.values() for h in group]
    commands = set().union(*(h.commands for h in handlers if isinstance(h, CommandHandler)))
    assert commands == PUBLIC_COMMANDS | admin
    uploads = [h for h in handlers if isinstance(h, MessageHandler) and "Document" in repr(h.filters)]
    assert [h.callback.__name__ for h in uploads] == ["document_upload"]


def test_reindex_is_refused_to_non_admins(stub_bot, api, build_calls):
    bot = stub_bot()
    group = api.group_chat()
    for text, chat in [("/reindex", None), ("/reindex force", None), ("/reindex@cds_test_bot", group),
                       ("/reindex@cds_test_bot force", group)]:
        assert bot.ask(USER, text, chat=chat).visible == REFUSAL
    api.wait_until_idle()
    assert build_calls == []
    assert len(api.messages_to(USER["id"])) == 2 and len(api.messages_to(group["id"])) == 2
    assert not (bot.config.index.dir / ".build.lock").exists()


def test_stats_is_refused_to_non_admins(stub_bot, api):
    bot = stub_bot()
    looked_up = []
    bot.history.stats = lambda: looked_up.append(1)  # the refusal must come before any lookup
    for text, chat in [("/stats", None), ("/stats@cds_test_bot", api.group_chat())]:
        reply = bot.ask(USER, text, chat=chat)
        assert reply.visible == REFUSAL and "Tài liệu" not in reply.visible
    assert looked_up == []


def test_add_url_is_refused_to_non_admins(stub_bot, api, build_calls, monkeypatch):
    from bot.telegram import admin_handlers

    fetched = []
    monkeypatch.setattr(admin_handlers, "add_url", lambda *a, **k: fetched.append(a))  # nothing may be fetched
    bot = stub_bot()
    for text, chat in [("/add http://example.org/tin.html", None), ("/add@cds_test_bot http://example.org/a", api.group_chat())]:
        assert bot.ask(USER, text, chat=chat).visible == REFUSAL
    api.wait_until_idle()
    assert fetched == [] and build_calls == [] and list(bot.config.corpus.dir.iterdir()) == []


def test_upload_is_refused_to_non_admins(stub_bot, api, build_calls):
    bot = stub_bot()
    corpus = bot.config.corpus.dir
    api.send_document(USER, "Bài viết mới về chuyển đổi số.".encode(), "bai-moi.txt")
    assert api.wait_for_message(USER["id"]).visible.startswith(UPLOAD_REFUSAL)
    api.send_document(USER, b"x", "bai-moi.txt", chat=api.group_chat())  # groups: ignored, not even read
    api.wait_until_idle()
    assert api.calls_to("getFile") == [] and list(corpus.iterdir()) == [] and build_calls == []
    assert api.messages_to(api.group_chat()["id"]) == []


# ---------------------------------------------------------------- admin ids come from config only

IMPERSONATIONS = {
    "admin-looking names": lambda api: api.send_text(
        {**USER, "username": "admin", "first_name": "Admin", "last_name": "(quản trị viên)"}, "/stats"),
    "forwarded from the admin": lambda api: api.send_text(
        USER, "/stats", forward_origin={"type": "user", "date": 1, "sender_user": ADMIN}),
    "reply to the admin": lambda api: api.send_text(
        USER, "/stats", reply_to={"message_id": 5, "date": 1, "chat": api.private_chat(USER), "from": ADMIN,
                                  "text": "/stats"}),
    "mentions the admin": lambda api: api.send_text(
        USER, "/stats Quản trị", entities=[{"type": "bot_command", "offset": 0, "length": 6},
                                          {"type": "text_mention", "offset": 7, "length": 8, "user": ADMIN}]),
    "anonymous group admin": lambda api: api.send_text(
        {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}, "/stats",
        chat=api.group_chat(), sender_chat=api.group_chat()),
}


@pytest.mark.parametrize("how", list(IMPERSONATIONS))
def test_claiming_to_be_admin_does_not_make_one(stub_bot, api, how):
    bot = stub_bot()
    message = IMPERSONATIONS[how](api)
    reply = api.wait_for_message(message["chat"]["id"])
    assert reply.visible == REFUSAL
    assert bot.ask(ADMIN, "/stats").visible.startswith("📊 Thống kê")  # the real admin still gets them


@pytest.mark.parametrize("variable", ["ADMIN_IDS", "TELEGRAM_ADMIN_IDS", "CDS_BOT_ADMIN_IDS", "BOT_ADMINS", "ADMIN_ID"])
def test_admin_ids_are_not_read_from_the_environment(stub_bot, api, monkeypatch, tmp_path, variable):
    monkeypatch.setenv(variable, str(USER["id"]))
    (tmp_path / "config.toml").write_text("[telegram]\n", encoding="utf-8")
    assert load_config(tmp_path / "config.toml").telegram.admin_ids == ()
    bot = stub_bot()
    assert bot.ask(USER, "/stats").visible == REFUSAL


# ---------------------------------------------------------------- the token stays secret

CANARY_TOKEN = "5550001234:AAH-leak-canary_QWERTYuiopASDFghjkl"


@contextlib.contextmanager
def everything_logged() -> Iterator[io.StringIO]:
    """Every log record of every logger at DEBUG, formatted with tracebacks, into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    names = ["", "telegram", "telegram.ext", "httpx", "httpcore", "bot", "asyncio", "apscheduler"]
    levels = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def running_bot(api: FakeBotApi, root: Path, token: str, answerer=None) -> Iterator[tuple[RunningBot, History]]:
    config = bot_config(stub_config(root), api, root / "history.sqlite")
    history = History.open(config)
    runner = RunningBot(build_application(config, token, answerer or StubAnswerer(config), history)).start()
    try:
        yield runner, history
    finally:
        runner.stop()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_token_never_appears_in_logs_errors_or_stderr(tmp_path, capfd):
    user = {**USER, "id": 2_000_002}
    with FakeBotApi(token=CANARY_TOKEN) as api, everything_logged() as log, \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with running_bot(api, tmp_path, CANARY_TOKEN):
            api.send_text(user, "câu hỏi bình thường")
            api.wait_for_message(user["id"], count=1)
            # An exception in a handler: logged with its traceback, the user told.
            api.send_text(user, "boom")
            api.wait_for_message(user["id"], contains="đã có lỗi")
            # Telegram refuses a reply (400) and then fails with a server error (502).
            for code, description in [(400, "Bad Request: chat not found"), (502, "Bad Gateway")]:
                api.fail_next("sendMessage", code, description)
                before = len(api.messages_to(user["id"]))
                api.send_text(user, f"câu hỏi {code}")
                api.wait_for(lambda: len(api.calls_to("sendMessage")) >= 2 and len(api.messages_to(user["id"])) > before,
                             what=f"the bot to get past the {code}")
            # A flood-limit reply, then the network gone for a while: polling and sending retry.
            api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            api.send_text(user, "câu hỏi 429")
            api.wait_for_message(user["id"], contains="câu hỏi 429", timeout=20)
            api.go_down()
            api.send_text(user, "câu hỏi khi mất mạng")
            time.sleep(2.5)
            api.come_back()
            api.wait_for_message(user["id"], contains="câu hỏi khi mất mạng", timeout=40)
        out, err = capfd.readouterr()
    logged = log.getvalue()
    sent = "\n".join(m.text for m in api.sent) + "\n".join(str(c.get("text", "")) for c in api.answered_callbacks)
    everything = "\n".join([logged, out, err, sent, *(str(w.message) for w in caught)])
    # The test saw what it meant to: request URLs, a traceback, network errors...
    assert "bot<redacted>/getUpdates" in logged or "bot<redacted>/sendMessage" in logged
    assert "simulated failure in the answering core" in logged and "Traceback" in logged
    assert "hat not found" in logged  # PTB strips "Bad Request: "
    # ...and never the token, in any form.
    secret = CANARY_TOKEN.split(":", 1)[1]
    for form in (CANARY_TOKEN, secret, quote(CANARY_TOKEN), quote(CANARY_TOKEN, safe="")):
        assert form not in everything


# ---------------------------------------------------------------- user ids are hashed

def test_raw_user_ids_never_reach_the_history_database(tmp_path):
    users = [{**USER, "id": 918_273_645_501}, {**USER, "id": 123_456_789_012, "language_code": "en"}]
    with FakeBotApi() as api, running_bot(api, tmp_path, api.token) as (runner, history):
        for user in users:
            reply = None
            for n in range(2):
                api.send_text(user, f"câu hỏi số {n}")
                reply = api.wait_for_message(user["id"], count=n + 1)
            api.press_button(user, reply, reply.button("fb:1:")["callback_data"])
            api.wait_for(lambda: reply.edits >= 1, what="the vote")
        files_while_running = _history_bytes(history.path)
    files_after = _history_bytes(history.path)
    for user in users:
        uid = user["id"]
        forms = [str(uid).encode(), str(uid).encode("utf-16-le"), uid.to_bytes(8, "big"), uid.to_bytes(6, "big")]
        for data in (files_while_running, files_after):
            assert not any(form in data for form in forms), uid
    import sqlite3

    with contextlib.closing(sqlite3.connect(history.path)) as conn:
        hashes = {h for (h,) in conn.execute("SELECT user_hash FROM questions")}
    assert hashes == {history.hash_user(u["id"]) for u in users} and all(len(h) == 64 for h in hashes)


def _history_bytes(path: Path) -> bytes:
    """The database and its WAL and shared-memory files, as an attacker with the disk would read them."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")) if p.is_file())
