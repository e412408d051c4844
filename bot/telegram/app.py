"""Wiring: the Application with its handlers, jobs and error handler, and `python -m bot serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from datetime import timedelta

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application, ApplicationBuilder, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ContextTypes,
    Defaults, InlineQueryHandler, MessageHandler, TypeHandler, filters,
)

from bot.config import Config
from bot.corpus_admin import Rebuilder
from bot.errors import ConfigError
from bot.history import History
from bot.telegram import admin_handlers as admin
from bot.telegram import user_handlers as user
from bot.telegram.admin_handlers import reload_if_stale
from bot.telegram.buttons import on_button
from bot.telegram.context import BotData, Core, CustomContext, Services, chat_language, language_of_user
from bot.telegram.questions import edited_message, inline_query
from bot.telegram.ratelimit import RetryingRateLimiter, UserRateLimiter
from bot.telegram.redaction import configure_logging, install_log_redaction, redact
from bot.telegram.texts import t

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
HISTORY_FLUSH_SECONDS = 5.0  # question records the history database refused are retried this often
RELOAD_CHECK_SECONDS = 60.0  # how often the bot looks for an index generation built from the command line

COMMANDS = {
    "vi": [("start", "Giới thiệu và cách hỏi"), ("help", "Hướng dẫn"), ("sources", "Các bài viết theo tỉnh"),
           ("language", "Ngôn ngữ / language"), ("settings", "Ngôn ngữ và tỉnh mặc định"),
           ("ask", "Đặt câu hỏi (trong nhóm)")],
    "en": [("start", "Introduction"), ("help", "How to ask"), ("sources", "The articles by province"),
           ("language", "Language / ngôn ngữ"), ("settings", "Language and default province"),
           ("ask", "Ask a question (in groups)")],
}
ADMIN_COMMANDS = [("reindex", "Cập nhật chỉ mục / update the index"), ("stats", "Thống kê / statistics"),
                  ("add", "Thêm trang web / add a web page")]


async def limit_buttons(update: object, context: CustomContext) -> None:
    """Runs before every handler (group -1): a flood guard on button presses, apart from questions."""
    if not isinstance(update, Update) or update.callback_query is None or update.effective_user is None:
        return
    services = context.services
    if services.is_admin(update.effective_user.id):
        return
    allowed, _, _ = services.button_limiter.hit(update.effective_user.id)
    if not allowed:
        await update.callback_query.answer(t("rate_limited_short", language_of_user(update)))
        raise ApplicationHandlerStop


async def on_error(update: object, context: CustomContext) -> None:
    """Log every exception a handler raised and tell the user; the bot keeps serving."""
    error = context.error
    if isinstance(error, (NetworkError, Forbidden)) and not isinstance(error, BadRequest):
        logger.warning("Telegram request failed: %s", redact(str(error)))
    else:
        logger.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            lang = chat_language(update, context)
            if update.callback_query is not None:
                await update.callback_query.answer(t("error", lang), show_alert=True)
            else:
                await context.bot.send_message(update.effective_chat.id, t("error", lang))
        except TelegramError as exc:
            logger.warning("could not tell the user about the error: %s", redact(str(exc)))


async def register_commands(application: Application) -> None:
    """The command menu: Vietnamese by default, English for English clients, admin commands for admins."""
    bot, admin_ids = application.bot, _services(application).config.telegram.admin_ids
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


def _services(application: Application) -> Services:
    services = application.bot_data.services
    if services is None:
        raise RuntimeError("the bot's services are not set up")
    return services


async def post_init(application: Application) -> None:
    services = _services(application)
    await register_commands(application)
    await prune_history(services)
    if application.job_queue is not None:
        application.job_queue.run_repeating(daily_maintenance, interval=timedelta(days=1), first=timedelta(days=1),
                                            name="daily-maintenance")
        application.job_queue.run_repeating(flush_history, interval=HISTORY_FLUSH_SECONDS, first=HISTORY_FLUSH_SECONDS,
                                            name="flush-history")
        application.job_queue.run_repeating(reload_job, interval=RELOAD_CHECK_SECONDS, first=RELOAD_CHECK_SECONDS,
                                            name="reload-if-stale")
    manifest = services.answerer.store.manifest
    logger.info("serving as @%s: %s documents, %s chunks, model %s", application.bot.username,
                manifest.get("documents"), manifest.get("chunks"), manifest.get("model"))


async def reload_job(context: CustomContext) -> None:
    """Switch to an index generation built from the command line (not while /reindex runs)."""
    if not context.services.rebuilder.busy:
        await reload_if_stale(context)


async def daily_maintenance(context: CustomContext) -> None:
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


async def flush_history(context: CustomContext) -> None:
    """Write the question records the history database refused earlier."""
    await asyncio.to_thread(context.services.history.flush)


async def post_shutdown(application: Application) -> None:
    _services(application).history.close()


def build_application(config: Config, token: str, answerer: Core, history: History) -> Application:
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
        .context_types(ContextTypes(context=CustomContext, bot_data=BotData))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.services = services
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    new = filters.UpdateType.MESSAGE  # edited messages have their own handler
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, limit_buttons), group=-1)
    application.add_handler(CommandHandler("start", user.start, filters=new))
    application.add_handler(CommandHandler("help", user.help_command, filters=new))
    application.add_handler(CommandHandler("sources", user.sources_command, filters=new))
    application.add_handler(CommandHandler("language", user.language_command, filters=new))
    application.add_handler(CommandHandler("settings", user.settings_command, filters=new))
    application.add_handler(CommandHandler("ask", user.ask_command, filters=new))
    application.add_handler(CommandHandler("stats", admin.stats_command, filters=new))
    # Long-running admin work runs as its own task so it never holds up other users' questions.
    application.add_handler(CommandHandler("reindex", admin.reindex_command, filters=new, block=False))
    application.add_handler(CommandHandler("add", admin.add_command, filters=new, block=False))
    application.add_handler(MessageHandler(new & private & filters.Document.ALL, admin.document_upload, block=False))
    application.add_handler(MessageHandler(new & private & filters.COMMAND, user.unknown_command))
    application.add_handler(MessageHandler(new & private & filters.TEXT, user.private_text))
    application.add_handler(MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND, user.group_text))
    application.add_handler(MessageHandler(new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, user.non_text))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, edited_message))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(inline_query))
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
