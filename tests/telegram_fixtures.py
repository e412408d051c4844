"""Fixtures for the Telegram bot tests: the fake Bot API server, the real answerer over the seed
index, and a factory that starts the real python-telegram-bot Application against the server.

Imported by tests/test_telegram*.py (explicitly, so the shared conftest stays the other tests' own).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bot.config import Config, HistoryConfig, TelegramConfig
from bot.history import History
from fake_bot_api import FakeBotApi, RunningBot, SentMessage

ADMIN_ID = 4242
SEED_QUESTION = "Mục tiêu Chính phủ số của Nghệ An là gì?"
SEED_FILE = "002_f4c38aa5626986ed.txt"


def bot_config(config: Config, api: FakeBotApi, history_path: Path, **telegram: Any) -> Config:
    """`config` pointed at the fake server, with an admin, a generous rate limit and a private history."""
    settings = {"base_url": api.base_url, "base_file_url": api.base_file_url, "admin_ids": (ADMIN_ID,),
                "rate_limit_messages": 100, "progress_interval_seconds": 0.1, **telegram}
    return dataclasses.replace(config, telegram=TelegramConfig(**settings),
                               history=HistoryConfig(path=history_path, retention_days=30, salt_env=""))


@dataclass
class BotUnderTest:
    api: FakeBotApi
    runner: RunningBot
    history: History
    config: Config

    def ask(self, user: dict, question: str, chat: dict | None = None, timeout: float = 20.0, **extra: Any) -> SentMessage:
        """Send a message and return the bot's next message in that chat."""
        chat_id = (chat or self.api.private_chat(user))["id"]
        before = len(self.api.messages_to(chat_id))
        self.api.send_text(user, question, chat=chat, **extra)
        return self.api.wait_for_message(chat_id, count=before + 1, timeout=timeout)

    def rows(self, sql: str, *args: Any) -> list[tuple]:
        """Query the history database (a separate connection, as an admin would)."""
        import sqlite3

        with sqlite3.connect(self.config.history.path) as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="session")
def seed_answerer(built_seed, bundled_embedder):
    """The real Answerer over the seed index, shared read-only by the tests that do not rebuild."""
    from bot.answer import Answerer

    return Answerer.open(built_seed.config, embedder=bundled_embedder)


@pytest.fixture
def start_bot(api: FakeBotApi, tmp_path: Path) -> Iterator[Callable[..., BotUnderTest]]:
    """start_bot(answerer, config=None, **telegram_settings) -> a running bot; stopped after the test."""
    from bot.telegram import build_application

    running: list[RunningBot] = []

    def start(answerer: Any, config: Config | None = None, **telegram: Any) -> BotUnderTest:
        cfg = bot_config(config or answerer.config, api, tmp_path / f"history-{len(running)}.sqlite", **telegram)
        history = History.open(cfg)
        application = build_application(cfg, api.token, answerer, history)
        runner = RunningBot(application).start()
        running.append(runner)
        return BotUnderTest(api, runner, history, cfg)

    yield start
    for runner in running:
        runner.stop()


class StubStore:
    """What the handlers read from an index store, with no index behind it."""

    conn = None
    manifest = {"documents": 1, "chunks": 1, "model": "stub", "dimension": 3, "index_type": "Flat",
                "build_time": "2026-01-01T00:00:00+00:00"}

    def chunk_containing(self, source_file: str, text: str) -> str | None:
        return None

    def documents(self) -> list:
        from bot.records import DocumentMetadata

        return [(1, "a.txt", DocumentMetadata(title="Bài <thử> & nghiệm", outlet="Báo", published="2024-01-02",
                                              url="https://x.vn/a?b=1&c=2"), 1)]


class StubAnswerer:
    """An answerer with no model or index, for handler tests that need no real answers: it echoes the
    question into the answer text and the quote (so hostile input reaches the formatting), and
    raises on any question containing "boom" (an exception in a handler)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = StubStore()
        self.questions: list[str] = []

    def answer(self, question: str, context: str = ""):
        from bot.language import detect_language
        from bot.records import Answer, Citation
        from bot.text import nfc

        self.questions.append(question)
        if "boom" in question:
            raise RuntimeError("simulated failure in the answering core")
        question = nfc(question)
        citation = Citation(1, 1, "Tiêu đề <b>x</b>", "Báo & Đời", "2024-01-02", "https://x.vn/a?b=1&c=2", "a.txt",
                            question or "…", 0.9)
        return Answer(question=question, text=f"Theo Báo [1]: “{question}”", found=True,
                      language=detect_language(question), citations=(citation,), latency_ms=1.0)

    def expand_abbreviations(self, text: str) -> str:
        return text

    def reload(self) -> None:
        pass

    def reload_if_stale(self) -> bool:
        return False


def stub_config(root: Path) -> Config:
    """A Config whose corpus, index and history live under `root` (nothing there is built)."""
    from bot.config import CorpusConfig, IndexConfig

    (root / "corpus").mkdir(parents=True, exist_ok=True)
    return dataclasses.replace(Config(path=root / "config.toml"), corpus=CorpusConfig(dir=root / "corpus"),
                               index=IndexConfig(dir=root / "index"))
