"""Admin handlers (user ids from config only): /stats, /reindex [force], document uploads. Replies
are in the admin's language; reasons come without exception class names or command-line flags."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path

from telegram import Message, Update

from bot.corpus import SUPPORTED_SUFFIXES, UnreadableFile, read_corpus_file
from bot.corpus_admin import UploadRefused, install_upload, restore_upload, safe_corpus_name
from bot.errors import BotError
from bot.fetch import add_url
from bot.records import BuildReport
from bot.telegram.context import CustomContext, chat_language
from bot.telegram.messages import command_text, edit_quietly, reply_html
from bot.telegram.render import render_build_summary, render_stats
from bot.telegram.texts import t

logger = logging.getLogger(__name__)

TELEGRAM_DOWNLOAD_LIMIT = 20_000_000  # the Bot API's getFile limit on telegram.org


async def refuse_non_admin(update: Update, context: CustomContext, key: str = "admin_only") -> bool:
    """True (and a polite reply) when the sender is not an admin."""
    if context.services.is_admin(update.effective_user.id if update.effective_user else None):
        return False
    logger.info("refused admin action for a non-admin user")
    await update.effective_message.reply_text(t(key, await asyncio.to_thread(chat_language, update, context)))
    return True


async def stats_command(update: Update, context: CustomContext) -> None:
    """Documents, chunks, model; questions answered, "related" and not found; feedback; local times."""
    if await refuse_non_admin(update, context):
        return
    services = context.services
    lang = await asyncio.to_thread(chat_language, update, context)
    manifest = dict(services.answerer.store.manifest)
    stats = await asyncio.to_thread(services.history.stats)
    await update.effective_message.reply_text(render_stats(
        stats, manifest, lang, time.time() - services.started, services.history.retention_days,
        services.rebuilder.busy))


async def reindex_command(update: Update, context: CustomContext) -> None:
    """Rebuild the index in the background; the old index answers until the new one is ready."""
    if await refuse_non_admin(update, context):
        return
    services = context.services
    lang = await asyncio.to_thread(chat_language, update, context)
    force = command_text(update.effective_message).strip().lower() == "force"
    rebuilder = services.rebuilder
    status = await update.effective_message.reply_text(t("reindex_queued" if rebuilder.busy else "reindex_started", lang))
    async with rebuilder.exclusive():
        await reload_if_stale(context)  # a generation built from the command line meanwhile
        await edit_quietly(status, t("reindex_started", lang))
        report = await run_build(context, status, lang, force=force)
    if report is None:
        return
    await edit_quietly(status, t("reindex_up_to_date" if report.up_to_date else "reindex_done", lang))
    await reply_html(update.effective_message, render_build_summary(report, lang))


async def add_command(update: Update, context: CustomContext) -> None:
    """/add URL: fetch a web page into the corpus (trafilatura extracts it) and index it."""
    if await refuse_non_admin(update, context):
        return
    services = context.services
    lang = await asyncio.to_thread(chat_language, update, context)
    url = command_text(update.effective_message).strip()
    if not url:
        await update.effective_message.reply_text(t("add_usage", lang))
        return
    status = await update.effective_message.reply_text(t("add_fetching", lang))
    async with services.rebuilder.exclusive():
        try:
            added = await asyncio.to_thread(add_url, services.config, url, build=False)
        except BotError as exc:  # FetchError included: one line, nothing saved
            await edit_quietly(status, t("add_failed", lang, reason=str(exc)))
            return
        await edit_quietly(status, t("add_saved", lang, title=added.title or added.source_file))
        report = await run_build(context, status, lang)
    if report is not None:
        await edit_quietly(status, t("reindex_done", lang))
        await reply_html(update.effective_message, render_build_summary(report, lang))


async def reload_if_stale(context: CustomContext) -> bool:
    try:
        switched = await asyncio.to_thread(context.services.answerer.reload_if_stale)
    except BotError as exc:
        logger.warning("a newer index generation could not be opened: %s", exc)
        return False
    if switched:
        logger.info("switched to a newer index generation")
    return switched


async def run_build(context: CustomContext, status: Message, lang: str, force: bool = False) -> BuildReport | None:
    """One build with progress edits on `status`; failures are reported there and return None."""
    services = context.services

    async def show_progress(done: int, total: int) -> None:
        await edit_quietly(status, t("reindex_progress", lang, done=done, total=total))

    try:
        return await services.rebuilder.build(
            show_progress, force=force, interval=services.config.telegram.progress_interval_seconds,
        )
    except BotError as exc:
        logger.warning("rebuild failed: %s", exc)
        await edit_quietly(status, t("reindex_failed", lang, reason=str(exc)))
    except Exception:
        logger.exception("rebuild failed unexpectedly")
        await edit_quietly(status, t("reindex_crashed", lang))
    return None


def refusal_reason(exc: UploadRefused, file_name: str, lang: str) -> str:
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return t("upload_bad_type", lang, suffix=suffix or t("no_extension", lang), allowed=", ".join(SUPPORTED_SUFFIXES))
    return t("upload_bad_name", lang)


async def document_upload(update: Update, context: CustomContext) -> None:
    """An admin's document: checked, saved into corpus/, indexed; a bad file is refused with the reason."""
    if await refuse_non_admin(update, context, "upload_admin_only"):
        return
    services = context.services
    lang = await asyncio.to_thread(chat_language, update, context)
    message = update.effective_message
    document = message.document
    shown_name = document.file_name or "?"
    try:
        name = safe_corpus_name(document.file_name)
    except UploadRefused as exc:
        await message.reply_text(t("upload_refused", lang, name=shown_name, reason=refusal_reason(exc, shown_name, lang)))
        return
    max_bytes = int(services.config.corpus.max_file_mb * 1_000_000)
    limit = min(max_bytes, TELEGRAM_DOWNLOAD_LIMIT)
    if document.file_size and document.file_size > limit:
        reason = t("upload_too_big", lang, size=f"{document.file_size / 1e6:.1f}", limit=f"{limit / 1e6:.0f}")
        await message.reply_text(t("upload_refused", lang, name=name, reason=reason))
        return
    status = await message.reply_text(t("upload_received", lang, name=name))
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
            reason = f"{t('upload_unreadable', lang)} ({exc})"
            await edit_quietly(status, t("upload_refused", lang, name=name, reason=reason))
            return
        async with services.rebuilder.exclusive():
            try:
                backup = await asyncio.to_thread(install_upload, received, corpus_dir, name, tmp_dir)
            except UploadRefused as exc:
                await edit_quietly(status, t("upload_refused", lang, name=name, reason=refusal_reason(exc, name, lang)))
                return
            except OSError as exc:
                logger.warning("upload not saved: %s", exc)
                await edit_quietly(status, t("upload_refused", lang, name=name, reason=exc.strerror or str(exc)))
                return
            replaced = t("upload_replaced", lang) if backup else ""
            await edit_quietly(status, t("upload_saved", lang, name=name, replaced=replaced))
            report = await run_build(context, status, lang)
            skipped = next((s for s in report.skipped if s.source_file == name), None) if report else None
            if report is None or skipped is not None:
                await asyncio.to_thread(restore_upload, corpus_dir, name, backup)
                if skipped is not None:
                    reason = f"{t('upload_unreadable', lang)} ({skipped.reason})"
                    await edit_quietly(status, t("upload_refused", lang, name=name, reason=reason))
                    if backup is not None:  # the previous version left the index with the bad one: put it back
                        await run_build(context, status, lang)
                return
    await edit_quietly(status, t("upload_indexed", lang, name=name))
    if any(d.source_file == name for d in report.documents):
        await reply_html(message, render_build_summary(report, lang, only=name))
