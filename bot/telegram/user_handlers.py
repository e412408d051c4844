"""Handlers for everyone: /start (with deep links), /help, /sources, /language, /settings, /ask,
and plain messages (questions in private chats; in groups when addressed)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import formatting as fmt
from bot.conversation import province_from_slug
from bot.telegram.context import CustomContext, chat_language
from bot.telegram.keyboards import language_keyboard, settings_keyboard, sources_keyboard
from bot.telegram.messages import addressed_text, command_text, reply_html
from bot.telegram.questions import answer_question
from bot.telegram.render import render_sources
from bot.telegram.texts import t


async def _lang(update: Update, context: CustomContext) -> str:
    return await asyncio.to_thread(chat_language, update, context)


def _admin_extra(update: Update, context: CustomContext, lang: str) -> str:
    user = update.effective_user
    return t("admin_help", lang) if context.services.is_admin(user.id if user else None) else ""


async def start(update: Update, context: CustomContext) -> None:
    """Greet and show how to ask; `/start <province-slug>` (a deep link) sets the chat's province."""
    lang = await _lang(update, context)
    message = update.effective_message
    payload = (context.args or [""])[0].strip() if context.args else ""
    if payload:
        province = province_from_slug(payload)
        if province is None:
            await message.reply_text(t("province_unknown", lang, slug=payload[:64]))
        else:
            await asyncio.to_thread(context.services.set_chat_settings, message.chat_id, province=province)
            await message.reply_text(t("province_set", lang, province=province))
            return
    await message.reply_text(t("start", lang) + _admin_extra(update, context, lang))


async def help_command(update: Update, context: CustomContext) -> None:
    """How to ask, and the commands."""
    lang = await _lang(update, context)
    await update.effective_message.reply_text(t("help", lang) + _admin_extra(update, context, lang))


async def sources_command(update: Update, context: CustomContext) -> None:
    """The indexed documents grouped by province, a page at a time."""
    lang = await _lang(update, context)
    documents = await asyncio.to_thread(context.services.answerer.store.documents)
    page = render_sources(documents, lang, 0)
    await reply_html(update.effective_message, page.markup, sources_keyboard(page.page, page.pages))


async def language_command(update: Update, context: CustomContext) -> None:
    """/language: buttons to choose; `/language en` or `/language vi` sets it at once."""
    message = update.effective_message
    choice = command_text(message).strip().lower()[:2]
    if choice in ("vi", "en"):
        await asyncio.to_thread(context.services.set_chat_settings, message.chat_id, language=choice)
        await message.reply_text(t("language_set", choice))
        return
    lang = await _lang(update, context)
    await message.reply_text(t("language_prompt", lang), reply_markup=language_keyboard(lang))


def settings_text(update: Update, context: CustomContext) -> tuple[str, str, bool]:
    """(the /settings text, the chat's language, whether a province is set)."""
    chat_id = update.effective_chat.id if update.effective_chat else 0
    settings = context.services.chat_settings(chat_id)
    lang = chat_language(update, context)
    language = t(f"language_name_{lang}", lang) + ("" if settings.language else t("language_auto", lang))
    province = settings.province or t("province_none", lang)
    return t("settings", lang, language=language, province=province), lang, bool(settings.province)


async def settings_command(update: Update, context: CustomContext) -> None:
    """The chat's language and default province, with buttons to change them."""
    text, lang, has_province = await asyncio.to_thread(settings_text, update, context)
    await update.effective_message.reply_text(text, reply_markup=settings_keyboard(lang, has_province))


async def ask_command(update: Update, context: CustomContext) -> None:
    """/ask <question>, the way to ask in groups (works in private chats too)."""
    question = command_text(update.effective_message)
    if not fmt.normalize_question(question):
        await update.effective_message.reply_text(t("ask_usage", await _lang(update, context)))
        return
    await answer_question(update, context, question)


async def private_text(update: Update, context: CustomContext) -> None:
    """In a private chat any text is a question (or small talk)."""
    await answer_question(update, context, update.effective_message.text or "")


async def group_text(update: Update, context: CustomContext) -> None:
    """In groups the bot answers when mentioned or replied to, and stays quiet otherwise."""
    question = addressed_text(update.effective_message, context.bot.id, context.bot.username or "")
    if question is not None:
        await answer_question(update, context, question)


async def non_text(update: Update, context: CustomContext) -> None:
    """Stickers, photos, voice and the like: a short hint."""
    await update.effective_message.reply_text(t("non_text", await _lang(update, context)))


async def unknown_command(update: Update, context: CustomContext) -> None:
    """An unknown /command in a private chat: show the help."""
    await help_command(update, context)

