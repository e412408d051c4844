"""The Telegram bot: a thin adapter between python-telegram-bot and the answering core.

    python -m bot serve [--config config.toml]     # token from $TELEGRAM_BOT_TOKEN (see [telegram])

Handlers parse the update, call the core (`Answerer`, `build_index`, `History`) in worker threads,
and reply in Telegram HTML built by `bot.formatting`. Everyone can ask (in private chats any text;
in groups /ask, a mention or a reply to the bot); admins listed in config can /reindex, see /stats
and upload documents. The answering core never imports Telegram.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from telegram import (
    BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message,
    MessageEntity, Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter, Application, ApplicationBuilder, ApplicationHandlerStop, CallbackContext, CallbackQueryHandler,
    CommandHandler, ContextTypes, Defaults, ExtBot, MessageHandler, TypeHandler, filters,
)

from bot import formatting as fmt
from bot.config import Config
from bot.corpus import UnreadableFile, read_corpus_file
from bot.corpus_admin import AnswererLike, Rebuilder, UploadRefused, install_upload, restore_upload, safe_corpus_name
from bot.errors import BotError, ConfigError
from bot.formatting import text
from bot.history import FEEDBACK_DOWN, FEEDBACK_UP, History
from bot.language import detect_language
from bot.records import Answer, BuildReport, Citation
from bot.report import format_build_report
from bot.text import nfc

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
TELEGRAM_DOWNLOAD_LIMIT = 20_000_000  # the Bot API's getFile limit on telegram.org
SERVICES_KEY = "services"
# API calls that change nothing when repeated; they are retried after any network error.
_IDEMPOTENT = {"sendChatAction", "answerCallbackQuery", "editMessageText", "editMessageReplyMarkup", "getFile",
               "setMyCommands", "deleteWebhook", "getMe", "setWebhook"}
NETWORK_RETRIES = 3
# Question records the history database refused (locked, disk full) are retried this often.
HISTORY_FLUSH_SECONDS = 5.0
MAX_RECORD_ID = 2**63 - 1  # SQLite's largest integer; button data beyond it is not ours
# Typing indicators are cosmetic: they are sent only while less than this share of the bot's flood
# budget (30 requests/s) is in use, so under load every request Telegram allows carries an answer.
TYPING_BUDGET_SHARE = 0.5

COMMANDS = {
    "vi": [("start", "Giới thiệu và cách hỏi"), ("help", "Hướng dẫn"), ("sources", "Các bài viết đang dùng"),
           ("ask", "Đặt câu hỏi (trong nhóm)")],
    "en": [("start", "Introduction"), ("help", "How to ask"), ("sources", "The articles I use"),
           ("ask", "Ask a question (in groups)")],
}
ADMIN_COMMANDS = [("reindex", "Dựng lại chỉ mục / rebuild the index"), ("stats", "Thống kê / statistics")]


# ---------------------------------------------------------------- keeping the token out of logs

_SECRETS: set[str] = set()
_factory_installed = False


def redact(message: str) -> str:
    for secret in _SECRETS:
        message = message.replace(secret, "<redacted>")
    return message


def install_log_redaction(secret: str) -> None:
    """Replace `secret` in every log record created from now on, whatever handler prints it.

    A LogRecord factory (not a handler filter) so handlers added later, by tests or by a service
    wrapper, are covered too. httpx logs request URLs, which contain the bot token, at INFO.
    """
    global _factory_installed
    if len(secret) >= 8:
        _SECRETS.add(secret)
    if _factory_installed:
        return
    base_factory = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base_factory(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def _redact_record(record: logging.LogRecord) -> None:
    if not _SECRETS:
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to logging's own error reporting
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        if isinstance(record.exc_info[1], InvalidToken):
            record.exc_info = None  # reported in one line by run_bot; no traceback
        else:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def configure_logging(level: str, token: str) -> None:
    install_log_redaction(token)
    logging.getLogger("bot").setLevel(level.upper())
    # httpx logs every request URL (with the token) at INFO; the redaction above is the second line of defence.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


# ---------------------------------------------------------------- state shared by the handlers

class UserRateLimiter:
    """At most `max_events` per user within a sliding window of `window` seconds."""

    def __init__(self, max_events: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_events = max_events
        self.window = window
        self._clock = clock
        self._events: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def hit(self, user_id: int) -> tuple[bool, bool, float]:
        """(allowed, warn this time, seconds until allowed again); a refused event is not counted."""
        now = self._clock()
        events = self._events.setdefault(user_id, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) < self.max_events:
            events.append(now)
            return True, False, 0.0
        wait = self.window - (now - events[0])
        warned = self._warned.get(user_id)
        warn = warned is None or now - warned >= self.window
        if warn:
            self._warned[user_id] = now
        return False, warn, wait

    def forget_idle(self) -> None:
        """Drop users with no event inside the window (keeps memory flat on a busy bot)."""
        now = self._clock()
        for user_id in [u for u, ev in self._events.items() if not ev or now - ev[-1] >= self.window]:
            del self._events[user_id]
            self._warned.pop(user_id, None)


@dataclass
class Services:
    config: Config
    answerer: AnswererLike
    history: History
    question_limiter: UserRateLimiter
    button_limiter: UserRateLimiter
    rebuilder: Rebuilder
    started: float = field(default_factory=time.time)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.config.telegram.admin_ids


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The handlers' context, with typed access to the bot's services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]


class RetryingRateLimiter(AIORateLimiter):
    """PTB's rate limiter (Telegram's flood limits, RetryAfter) plus retries with backoff after network
    errors. A request that may have reached Telegram is repeated only when repeating it is harmless,
    so an answer is never sent twice."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        if endpoint == "sendChatAction" and not self._room_for_cosmetics():
            logger.debug("typing indicator skipped: near Telegram's flood limit")
            return True
        delay = 1.0
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, InvalidToken):
                raise
            except NetworkError as exc:
                if attempt == NETWORK_RETRIES or not _safe_to_retry(endpoint, exc):
                    raise
                logger.warning("Telegram %s failed (%s); retry %d in %.0fs", endpoint, redact(str(exc)), attempt + 1, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        raise AssertionError("unreachable")

    def _room_for_cosmetics(self) -> bool:
        # Without this, each question costs two requests (typing, answer) and a busy bot answers at
        # half the rate Telegram allows. `_base_limiter` is PTB's overall limiter (PTB is pinned < 23).
        limiter = getattr(self, "_base_limiter", None)
        return limiter is None or limiter.has_capacity(limiter.max_rate * TYPING_BUDGET_SHARE)


def _safe_to_retry(endpoint: str, exc: NetworkError) -> bool:
    not_sent = str(exc).startswith(("httpx.ConnectError", "Pool timeout"))
    return not_sent or endpoint in _IDEMPOTENT


# ---------------------------------------------------------------- helpers

def user_lang(update: Update) -> str:
    user = update.effective_user
    return "en" if user and (user.language_code or "").lower().startswith("en") else "vi"


def addressed_text(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a message meant for the bot, or None when the bot is not addressed.

    Private chats: any text. Groups: a mention of the bot (removed from the text) or a reply to one
    of the bot's messages. Commands are handled by their own handlers."""
    raw = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return raw
    mention = f"@{bot_username}".lower() if bot_username else ""
    spans = []
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if (entity.type == MessageEntity.MENTION and mention and value.lower() == mention) or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        ):
            spans.append(value)
    replied = message.reply_to_message
    is_reply = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    if not spans and not is_reply:
        return None
    for value in spans:
        raw = raw.replace(value, " ")
    return raw


def _message_addressed(update: Update, context: BotContext) -> bool:
    """Whether a message update is for the bot (what the per-user rate limit counts)."""
    message = update.message
    if message is None:
        return False
    if message.chat.type == ChatType.PRIVATE:
        return True
    entities = message.entities or ()
    if entities and entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0:
        command = (message.text or "")[: entities[0].length]
        return "@" not in command or command.split("@", 1)[1].lower() == (context.bot.username or "").lower()
    if not message.text:
        return False
    return addressed_text(message, context.bot.id, context.bot.username or "") is not None


def cut_question(question: str, limit: int) -> tuple[str, bool]:
    """The question cut to `limit` characters at a word boundary when possible; (text, was cut)."""
    if len(question) <= limit:
        return question, False
    head = question[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(), True


def command_text(message: Message) -> str:
    """The text after a leading /command (keeps line breaks, unlike context.args)."""
    raw = message.text or ""
    entities = message.entities or ()
    if entities and entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0:
        return raw[entities[0].length:]
    return raw


async def _reply_html(message: Message, markup: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Send Telegram HTML, split below the length limit; buttons go on the last part."""
    parts = fmt.split_html(markup)
    sent = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent = await message.reply_text(part, reply_markup=reply_markup if last else None,
                                        do_quote=None if i == 0 else False)
    return sent


async def _edit_quietly(message: Message | None, markup: str) -> None:
    """Edit a status message; 'message is not modified' and the like are not worth an error."""
    if message is None:
        return
    try:
        await message.edit_text(fmt.split_html(markup)[0] if markup else markup)
    except BadRequest as exc:
        logger.debug("status edit skipped: %s", exc)


def _answer_keyboard(record_id: int, has_passages: bool, lang: str, chosen: int | None = None) -> InlineKeyboardMarkup:
    up = "👍" + (" ✓" if chosen == FEEDBACK_UP else "")
    down = "👎" + (" ✓" if chosen == FEEDBACK_DOWN else "")
    row = []
    if has_passages:
        row.append(InlineKeyboardButton(text("passages_button", lang), callback_data=f"src:{record_id}"))
    row += [InlineKeyboardButton(up, callback_data=f"fb:{FEEDBACK_UP}:{record_id}"),
            InlineKeyboardButton(down, callback_data=f"fb:{FEEDBACK_DOWN}:{record_id}")]
    return InlineKeyboardMarkup([row])


def passage_contexts(store: Any, citations: tuple[Citation, ...]) -> dict[int, str]:
    """For each citation, the indexed chunk holding its quote (looked up by file, so answers given
    before a rebuild still find theirs); citations whose document changed are left out."""
    contexts: dict[int, str] = {}
    for c in citations:
        first = c.quote.split(" … ")[0].strip()
        if not first:
            continue
        try:
            chunk = store.chunk_containing(c.source_file, first)
        except sqlite3.Error as exc:
            logger.warning("passage lookup failed: %s", exc)
            return contexts
        if chunk:
            contexts[c.n] = chunk
    return contexts


def build_summary(report: BuildReport) -> str:
    """The build report for an admin: every document for a small corpus, only the new ones for a big one."""
    if len(report.documents) <= 15:
        return format_build_report(report)
    changed = [d for d in report.documents if d.source_file in set(report.embedded_files)]
    shown = dataclasses.replace(report, documents=changed)
    return format_build_report(shown).replace("Documents:", f"New or changed documents ({len(changed)}):", 1)


# ---------------------------------------------------------------- handlers: everyone

async def enforce_rate_limit(update: object, context: BotContext) -> None:
    """Runs before every handler (group -1): the per-user limit on questions and button presses."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    services = context.services
    user_id = update.effective_user.id
    if services.is_admin(user_id):
        return
    lang = user_lang(update)
    if update.callback_query is not None:
        allowed, _, _ = services.button_limiter.hit(user_id)
        if not allowed:
            await update.callback_query.answer(text("rate_limited_short", lang))
            raise ApplicationHandlerStop
        return
    if not _message_addressed(update, context):
        return
    allowed, warn, wait = services.question_limiter.hit(user_id)
    if allowed:
        return
    logger.info("rate limit: message refused (%s chat)", update.effective_chat.type if update.effective_chat else "?")
    if warn and update.effective_message is not None:
        await update.effective_message.reply_text(text("rate_limited", lang, seconds=max(1, round(wait))))
    raise ApplicationHandlerStop


async def start(update: Update, context: BotContext) -> None:
    """Greet and show how to ask."""
    lang = user_lang(update)
    extra = text("admin_help", lang) if context.services.is_admin(update.effective_user.id) else ""
    await update.effective_message.reply_text(text("start", lang) + extra)


async def help_command(update: Update, context: BotContext) -> None:
    """How to ask, and the commands."""
    lang = user_lang(update)
    extra = text("admin_help", lang) if context.services.is_admin(update.effective_user.id) else ""
    await update.effective_message.reply_text(text("help", lang) + extra)


async def sources_command(update: Update, context: BotContext) -> None:
    """List the indexed articles with outlet, date and link."""
    documents = await asyncio.to_thread(context.services.answerer.store.documents)
    await _reply_html(update.effective_message, fmt.format_sources(documents, user_lang(update)))


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask <question>, the way to ask in groups (works in private chats too)."""
    question = command_text(update.effective_message)
    if not fmt.normalize_question(question):
        await update.effective_message.reply_text(text("ask_usage", user_lang(update)))
        return
    await answer_question(update, context, question)


async def private_text(update: Update, context: BotContext) -> None:
    """In a private chat any text is a question."""
    await answer_question(update, context, update.effective_message.text or "")


async def group_text(update: Update, context: BotContext) -> None:
    """In groups the bot answers when mentioned or replied to, and stays quiet otherwise."""
    question = addressed_text(update.effective_message, context.bot.id, context.bot.username or "")
    if question is not None:
        await answer_question(update, context, question)


async def answer_question(update: Update, context: BotContext, raw_question: str) -> None:
    services = context.services
    message = update.effective_message
    question = fmt.normalize_question(raw_question)
    if not question:
        await message.reply_text(text("empty_question", user_lang(update)))
        return
    question, was_cut = cut_question(question, services.config.telegram.max_question_chars)
    try:
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    except TelegramError as exc:  # cosmetic; the answer matters
        logger.debug("typing indicator failed: %s", exc)
    started = time.perf_counter()
    try:
        answer = await asyncio.to_thread(services.answerer.answer, question)
    except Exception:
        # The question was asked all the same: keep its record (marked failed); on_error tells the user.
        await asyncio.to_thread(services.history.record, update.effective_user.id, message.chat.type,
                                failed_answer(question, started), failed=True)
        raise
    # None when the database refused the record for now (it is kept and written later): no buttons then.
    record_id = await asyncio.to_thread(services.history.record, update.effective_user.id, message.chat.type, answer)
    markup = fmt.format_answer(answer, truncated_to=services.config.telegram.max_question_chars if was_cut else 0)
    keyboard = _answer_keyboard(record_id, bool(answer.citations), answer.language) if record_id else None
    await _reply_html(message, markup, keyboard)
    logger.info("answered: found=%s language=%s citations=%d %.0f ms", answer.found, answer.language,
                len(answer.citations), answer.latency_ms)


def failed_answer(question: str, started: float) -> Answer:
    """What the history keeps for a question whose answering raised."""
    return Answer(question=nfc(question), text="", found=False, language=detect_language(question), citations=(),
                  latency_ms=(time.perf_counter() - started) * 1000)


async def non_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and the like: a short hint."""
    await update.effective_message.reply_text(text("non_text", user_lang(update)))


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown /command in a private chat: show the help."""
    await help_command(update, context)


async def on_button(update: Update, context: BotContext) -> None:
    """The answer's buttons: show the quoted passages, or store 👍/👎 feedback."""
    query = update.callback_query
    services = context.services
    lang = user_lang(update)
    kind, _, rest = (query.data or "").partition(":")
    try:
        if kind == "src":
            record_id, value = int(rest), None
        elif kind == "fb":
            value_text, _, id_text = rest.partition(":")
            value, record_id = int(value_text), int(id_text)
        else:
            raise ValueError(query.data)
        if not 0 < record_id <= MAX_RECORD_ID:
            raise ValueError(query.data)  # SQLite cannot even look it up (OverflowError)
    except ValueError:
        await query.answer()
        logger.warning("unknown button data %r", (query.data or "")[:64])
        return
    record = await asyncio.to_thread(services.history.get, record_id)
    if record is None:
        await query.answer(text("expired", lang), show_alert=True)
        return
    if kind == "src":
        await query.answer()
        contexts = await asyncio.to_thread(passage_contexts, services.answerer.store, record.citations)
        markup = fmt.format_passages(record.citations, record.language, contexts)
        for i, part in enumerate(fmt.split_html(markup)):
            await context.bot.send_message(query.message.chat.id, part,
                                           reply_to_message_id=query.message.message_id if i == 0 else None)
        return
    if value not in (FEEDBACK_UP, FEEDBACK_DOWN):
        await query.answer()
        return
    stored = await asyncio.to_thread(services.history.set_feedback, record_id, update.effective_user.id, value)
    if not stored:
        await query.answer(text("feedback_not_yours", lang), show_alert=True)
        return
    await query.answer(text("feedback_thanks", lang))
    if record.feedback != value:
        try:
            await query.edit_message_reply_markup(_answer_keyboard(record_id, bool(record.citations), record.language, value))
        except BadRequest as exc:
            logger.debug("keyboard update skipped: %s", exc)


# ---------------------------------------------------------------- handlers: admins

async def _refuse_non_admin(update: Update, context: BotContext, key: str = "admin_only") -> bool:
    """True (and a polite reply) when the sender is not an admin."""
    if context.services.is_admin(update.effective_user.id if update.effective_user else None):
        return False
    logger.info("refused admin action for a non-admin user")
    await update.effective_message.reply_text(text(key, user_lang(update)))
    return True


async def stats_command(update: Update, context: BotContext) -> None:
    """Documents, chunks, model, questions answered, not-found rate and feedback."""
    if await _refuse_non_admin(update, context):
        return
    services = context.services
    lang = user_lang(update)
    store = services.answerer.store
    manifest = dict(store.manifest)
    stats = await asyncio.to_thread(services.history.stats)
    uptime = timedelta(seconds=int(time.time() - services.started))
    vi = lang == "vi"
    lines = [
        "<b>📊 Thống kê</b>" if vi else "<b>📊 Statistics</b>",
        f"{'Tài liệu' if vi else 'Documents'}: {fmt.h(manifest.get('documents', '?'))} · "
        f"{'Đoạn' if vi else 'Chunks'}: {fmt.h(manifest.get('chunks', '?'))}",
        f"{'Mô hình' if vi else 'Model'}: {fmt.h(manifest.get('model', '?'))} "
        f"({fmt.h(manifest.get('dimension', '?'))}-d, {fmt.h(manifest.get('index_type', '?'))})",
        f"{'Chỉ mục dựng lúc' if vi else 'Index built'}: {fmt.h(manifest.get('build_time', '?'))}",
        f"{'Câu hỏi đã trả lời' if vi else 'Questions answered'}: {stats.questions}",
        f"{'Không tìm thấy' if vi else 'Not found'}: {stats.not_found} ({stats.not_found_rate:.0%})"
        + (f" · {'Lỗi' if vi else 'Errors'}: {stats.failed}" if stats.failed else ""),
        f"{'Phản hồi' if vi else 'Feedback'}: 👍 {stats.feedback_up} · 👎 {stats.feedback_down}",
        f"{'Lưu câu hỏi' if vi else 'Records kept'}: {services.history.retention_days} "
        f"{'ngày' if vi else 'days'} · {'Chạy được' if vi else 'Uptime'}: {uptime}",
    ]
    if services.rebuilder.busy:
        lines.append("⏳ " + ("Đang dựng lại chỉ mục" if vi else "A rebuild is running"))
    await update.effective_message.reply_text("\n".join(lines))


async def reindex_command(update: Update, context: BotContext) -> None:
    """Rebuild the index in the background; the old index answers until the new one is ready."""
    if await _refuse_non_admin(update, context):
        return
    services = context.services
    lang = user_lang(update)
    force = command_text(update.effective_message).strip().lower() == "force"
    rebuilder = services.rebuilder
    status = await update.effective_message.reply_text(text("reindex_queued" if rebuilder.busy else "reindex_started", lang))
    async with rebuilder.exclusive():
        await _edit_quietly(status, text("reindex_started", lang))
        report = await _run_build(context, status, lang, force=force)
    if report is None:
        return
    await _edit_quietly(status, text("reindex_up_to_date" if report.up_to_date else "reindex_done", lang))
    await _reply_html(update.effective_message, fmt.pre(build_summary(report)))


async def _run_build(context: BotContext, status: Message, lang: str, force: bool = False) -> BuildReport | None:
    """One build with progress edits on `status`; failures are reported there and return None."""
    services = context.services

    async def show_progress(done: int, total: int) -> None:
        await _edit_quietly(status, text("reindex_progress", lang, done=done, total=total))

    try:
        return await services.rebuilder.build(
            show_progress, force=force, interval=services.config.telegram.progress_interval_seconds,
        )
    except BotError as exc:
        logger.warning("rebuild failed: %s", exc)
        await _edit_quietly(status, text("reindex_failed", lang, reason=str(exc)))
    except Exception:
        logger.exception("rebuild failed unexpectedly")
        await _edit_quietly(status, text("reindex_crashed", lang))
    return None


async def document_upload(update: Update, context: BotContext) -> None:
    """An admin's document: checked, saved into corpus/, indexed; a bad file is refused with the reason."""
    if await _refuse_non_admin(update, context, "upload_admin_only"):
        return
    services = context.services
    lang = user_lang(update)
    message = update.effective_message
    document = message.document
    shown_name = document.file_name or "?"
    try:
        name = safe_corpus_name(document.file_name)
    except UploadRefused as exc:
        await message.reply_text(text("upload_refused", lang, name=shown_name, reason=str(exc)))
        return
    max_bytes = int(services.config.corpus.max_file_mb * 1_000_000)
    if document.file_size and document.file_size > min(max_bytes, TELEGRAM_DOWNLOAD_LIMIT):
        reason = f"file is {document.file_size / 1e6:.1f} MB, above the {min(max_bytes, TELEGRAM_DOWNLOAD_LIMIT) / 1e6:.0f} MB limit"
        await message.reply_text(text("upload_refused", lang, name=name, reason=reason))
        return
    status = await message.reply_text(text("upload_received", lang, name=name))
    corpus_dir = services.config.corpus.dir
    with tempfile.TemporaryDirectory(prefix="cds-upload-") as tmp:
        tmp_dir = Path(tmp)
        received = tmp_dir / "incoming" / name
        received.parent.mkdir()
        telegram_file = await document.get_file()
        await telegram_file.download_to_drive(received)
        try:
            await asyncio.to_thread(read_corpus_file, received, received.parent, max_bytes)
        except UnreadableFile as exc:
            await _edit_quietly(status, text("upload_refused", lang, name=name, reason=str(exc)))
            return
        async with services.rebuilder.exclusive():
            try:
                backup = await asyncio.to_thread(install_upload, received, corpus_dir, name, tmp_dir)
            except (UploadRefused, OSError) as exc:
                await _edit_quietly(status, text("upload_refused", lang, name=name, reason=str(exc)))
                return
            replaced = text("upload_replaced", lang) if backup else ""
            await _edit_quietly(status, text("upload_saved", lang, name=name, replaced=replaced))
            report = await _run_build(context, status, lang)
            skipped = next((s for s in report.skipped if s.source_file == name), None) if report else None
            if report is None or skipped is not None:
                await asyncio.to_thread(restore_upload, corpus_dir, name, backup)
                if skipped is not None:
                    await _edit_quietly(status, text("upload_refused", lang, name=name, reason=skipped.reason))
                    if backup is not None:  # the previous version left the index with the bad one: put it back
                        await _run_build(context, status, lang)
                return
    await _edit_quietly(status, text("upload_indexed", lang, name=name))
    added = [d for d in report.documents if d.source_file == name]
    if added:
        shown = dataclasses.replace(report, documents=added, skipped=[], warnings=report.warnings)
        await _reply_html(message, fmt.pre(format_build_report(shown)))


# ---------------------------------------------------------------- errors, start-up, maintenance

async def on_error(update: object, context: BotContext) -> None:
    """Log every exception a handler raised and tell the user; the bot keeps serving."""
    error = context.error
    if isinstance(error, (NetworkError, Forbidden)) and not isinstance(error, BadRequest):
        logger.warning("Telegram request failed: %s: %s", type(error).__name__, redact(str(error)))
    else:
        logger.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text("error", user_lang(update)), show_alert=True)
            else:
                await context.bot.send_message(update.effective_chat.id, text("error", user_lang(update)))
        except TelegramError as exc:
            logger.warning("could not tell the user about the error: %s", redact(str(exc)))


async def register_commands(application: Application) -> None:
    """The command menu: Vietnamese by default, English for English clients, admin commands for admins."""
    bot, admin_ids = application.bot, application.bot_data[SERVICES_KEY].config.telegram.admin_ids
    try:
        await bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["vi"]])
        await bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["en"]], language_code="en")
    except TelegramError as exc:
        logger.warning("could not register the command menu: %s", redact(str(exc)))
    for admin_id in admin_ids:
        try:
            await bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["vi"] + ADMIN_COMMANDS],
                                      scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:  # the admin has not opened a chat with the bot yet
            logger.info("admin command menu not set for one admin: %s", redact(str(exc)))


async def post_init(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    await register_commands(application)
    await prune_history(services)
    if application.job_queue is not None:
        application.job_queue.run_repeating(daily_maintenance, interval=timedelta(days=1), first=timedelta(days=1),
                                            name="daily-maintenance")
        application.job_queue.run_repeating(flush_history, interval=HISTORY_FLUSH_SECONDS, first=HISTORY_FLUSH_SECONDS,
                                            name="flush-history")
    manifest = services.answerer.store.manifest
    logger.info("serving as @%s: %s documents, %s chunks, model %s", application.bot.username,
                manifest.get("documents"), manifest.get("chunks"), manifest.get("model"))


async def daily_maintenance(context: BotContext) -> None:
    """Enforce the history retention; forget idle users in the rate limiters."""
    services = context.services
    await prune_history(services)
    services.question_limiter.forget_idle()
    services.button_limiter.forget_idle()


async def prune_history(services: Services) -> None:
    """Enforce the retention; a locked or full history database must not stop the bot (next time, then)."""
    try:
        await asyncio.to_thread(services.history.prune)
    except sqlite3.Error as exc:
        logger.warning("history retention not enforced this time: %s", exc)


async def flush_history(context: BotContext) -> None:
    """Write the question records the history database refused earlier."""
    await asyncio.to_thread(context.services.history.flush)


async def post_shutdown(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    services.history.close()


def build_application(config: Config, token: str, answerer: AnswererLike, history: History) -> Application:
    """The configured Application with every handler; not started."""
    install_log_redaction(token)
    tg = config.telegram
    services = Services(
        config=config, answerer=answerer, history=history,
        question_limiter=UserRateLimiter(tg.rate_limit_messages, tg.rate_limit_seconds),
        button_limiter=UserRateLimiter(3 * tg.rate_limit_messages, tg.rate_limit_seconds),
        rebuilder=Rebuilder(config, answerer),
    )
    defaults = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
                        allow_sending_without_reply=True)
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .defaults(defaults)
        .rate_limiter(RetryingRateLimiter(max_retries=3))
        .concurrent_updates(tg.concurrent_updates)
        .context_types(ContextTypes(context=BotContext))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    new = filters.UpdateType.MESSAGE  # edited messages are not asked again
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, enforce_rate_limit), group=-1)
    application.add_handler(CommandHandler("start", start, filters=new))
    application.add_handler(CommandHandler("help", help_command, filters=new))
    application.add_handler(CommandHandler("sources", sources_command, filters=new))
    application.add_handler(CommandHandler("ask", ask_command, filters=new))
    application.add_handler(CommandHandler("stats", stats_command, filters=new))
    # Long-running admin work runs as its own task so it never holds up other users' questions.
    application.add_handler(CommandHandler("reindex", reindex_command, filters=new, block=False))
    application.add_handler(MessageHandler(new & private & filters.Document.ALL, document_upload, block=False))
    application.add_handler(MessageHandler(new & private & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(new & private & filters.TEXT, private_text))
    application.add_handler(MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND, group_text))
    application.add_handler(MessageHandler(new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, non_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)


def run_bot(config: Config) -> int:
    """Entry point of `python -m bot serve`: returns the exit code; BotErrors go to the CLI as one line."""
    tg = config.telegram
    token = os.environ.get(tg.token_env, "").strip()
    if not token:
        raise ConfigError(f"no Telegram bot token: set the environment variable {tg.token_env} "
                          "(create a bot and get its token from @BotFather)")
    configure_logging(tg.log_level, token)
    from bot.answer import Answerer
    from bot.embedding import limit_threads

    limit_threads(config.search.threads)
    answerer = Answerer.open(config)
    history = History.open(config)
    application = build_application(config, token, answerer, history)
    try:
        if tg.webhook_url:
            secret = os.environ.get(tg.webhook_secret_env, "") or None
            if secret:
                install_log_redaction(secret)
            logger.info("receiving updates by webhook on %s:%d", tg.webhook_listen, tg.webhook_port)
            application.run_webhook(listen=tg.webhook_listen, port=tg.webhook_port, url_path=tg.webhook_path,
                                    webhook_url=tg.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                    bootstrap_retries=-1)
        else:
            logger.info("receiving updates by long polling")
            application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    except InvalidToken:
        raise ConfigError(f"Telegram rejected the bot token in {tg.token_env} (or base_url {redact(tg.base_url)!r} "
                          "is not a Bot API server); check it with @BotFather") from None
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run: python -m bot serve")
