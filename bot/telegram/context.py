"""What the handlers share: the narrow interface of the answering core they use (Protocols), the
services built at start-up, and the typed handler context (`CustomContext`, `BotData`) in the way
of python-telegram-bot's examples/contexttypesbot.py."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Mapping, Protocol

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Config
from bot.conversation import ConversationMemory
from bot.corpus_admin import Rebuilder
from bot.history import ChatSettings, History
from bot.records import Answer, DocumentMetadata
from bot.telegram.ratelimit import UserRateLimiter

logger = logging.getLogger(__name__)


class IndexView(Protocol):
    """What the bot reads from the index being served (bot.store.IndexStore)."""

    @property
    def manifest(self) -> Mapping[str, object]: ...

    def documents(self) -> list[tuple[int, str, DocumentMetadata, int]]: ...

    def chunk_containing(self, source_file: str, text: str) -> str | None: ...


class Core(Protocol):
    """What the bot needs from the answering core (bot.answer.Answerer)."""

    @property
    def store(self) -> IndexView: ...

    def answer(self, question: str, context: str = "") -> Answer: ...

    def expand_abbreviations(self, text: str) -> str: ...

    def reload(self) -> None: ...

    def reload_if_stale(self) -> bool: ...


class BoundedMap(OrderedDict):
    """A dict that forgets its oldest entries beyond `limit` (message ids kept for edits and buttons)."""

    def __init__(self, limit: int = 50_000) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


@dataclass
class Services:
    config: Config
    answerer: Core
    history: History
    question_limiter: UserRateLimiter
    button_limiter: UserRateLimiter
    rebuilder: Rebuilder
    conversations: ConversationMemory = field(default_factory=ConversationMemory)
    # (chat id, the user's message id) -> (the bot's reply message ids): an edited question edits them.
    replies: BoundedMap = field(default_factory=BoundedMap)
    # (chat id, the user's message id) -> set once its reply is sent, while it is being answered.
    answering: dict[tuple[int, int], asyncio.Event] = field(default_factory=dict)
    # (chat id, answer message id, citation n) -> message id of the passage shown: no second copy.
    shown_passages: BoundedMap = field(default_factory=BoundedMap)
    started: float = field(default_factory=time.time)
    _settings: dict[int, ChatSettings] = field(default_factory=dict)
    _settings_lock: threading.Lock = field(default_factory=threading.Lock)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.telegram.admin_ids

    def chat_settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings (cached; defaults when the history database cannot be read)."""
        with self._settings_lock:
            cached = self._settings.get(chat_id)
        if cached is not None:
            return cached
        try:
            settings = self.history.chat_settings(chat_id)
        except sqlite3.Error as exc:
            logger.warning("chat settings unreadable, defaults used: %s", exc)
            return ChatSettings()
        with self._settings_lock:
            if len(self._settings) > 100_000:
                self._settings.clear()
            self._settings[chat_id] = settings
        return settings

    def set_chat_settings(self, chat_id: int, *, language: str | None = None, province: str | None = None) -> ChatSettings:
        current = self.chat_settings(chat_id)
        new = ChatSettings(current.language if language is None else language,
                           current.province if province is None else province)
        try:
            new = self.history.set_chat_settings(chat_id, language=language, province=province)
        except sqlite3.Error as exc:  # kept for this run at least
            logger.warning("chat settings not saved: %s", exc)
        with self._settings_lock:
            self._settings[chat_id] = new
        return new


class BotData:
    """The application's bot_data: the services, set once by build_application."""

    def __init__(self) -> None:
        self.services: Services | None = None


class CustomContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """The handlers' context, with typed access to the bot's services."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("the bot's services are not set up")
        return services


def language_of_user(update: Update) -> str:
    """From the user's Telegram language: Vietnamese for "vi" (or none given), English otherwise."""
    user = update.effective_user
    code = (user.language_code or "").lower() if user else ""
    return "vi" if not code or code.startswith("vi") else "en"


def chat_language(update: Update, context: CustomContext) -> str:
    """The language the bot speaks in this chat: the chat's /language choice, else the user's."""
    chat = update.effective_chat
    if chat is not None:
        chosen = context.services.chat_settings(chat.id).language
        if chosen in ("vi", "en"):
            return chosen
    return language_of_user(update)
