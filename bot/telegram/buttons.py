"""Inline buttons: a passage in context (once), 👍/👎, suggested questions, /sources pages, language."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import BadRequest

from bot import formatting as fmt
from bot.history import FEEDBACK_DOWN, FEEDBACK_UP
from bot.passages import passages_in_context
from bot.smalltalk import question_for
from bot.telegram.context import CustomContext, chat_language
from bot.telegram.keyboards import answer_keyboard, settings_keyboard, sources_keyboard, with_vote
from bot.telegram.questions import answer_question
from bot.telegram.render import render_passage, render_sources
from bot.telegram.texts import t
from bot.telegram.user_handlers import settings_text

logger = logging.getLogger(__name__)

MAX_RECORD_ID = 2**63 - 1  # SQLite's largest integer; button data beyond it is not ours


def _parse(data: str) -> tuple[str, list[int], str]:
    """(kind, integer fields, text field) of callback data; raises ValueError on anything else."""
    kind, _, rest = data.partition(":")
    if (kind == "lang" and rest in ("vi", "en")) or (kind == "prov" and rest == ""):
        return kind, [], rest
    numbers = [int(x) for x in rest.split(":")] if rest else []
    expected = {"ctx": 2, "src": 1, "fb": 2, "sg": 1, "srcp": 1}
    if expected.get(kind) != len(numbers) or any(abs(n) > MAX_RECORD_ID for n in numbers):
        raise ValueError(data)
    return kind, numbers, ""


async def on_button(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    try:
        kind, numbers, value = _parse(query.data or "")
    except ValueError:
        await query.answer()
        logger.warning("unknown button data %r", (query.data or "")[:64])
        return
    if kind in ("ctx", "src"):
        await show_passage(update, context, numbers[0], numbers[1] if kind == "ctx" else 0)
    elif kind == "fb":
        await feedback(update, context, record_id=numbers[1], value=numbers[0])
    elif kind == "sg":
        await ask_suggestion(update, context, numbers[0])
    elif kind == "srcp":
        await sources_page(update, context, numbers[0])
    elif kind == "lang":
        await set_language(update, context, value)
    else:
        await clear_province(update, context)


async def _language_and_record(update: Update, context: CustomContext, record_id: int):
    """The chat's language and the answer record a button belongs to; None (the press answered)
    when the button is not for a stored answer or the record has expired."""
    query = update.callback_query
    lang = await asyncio.to_thread(chat_language, update, context)
    if record_id <= 0:
        await query.answer()
        return lang, None
    record = await asyncio.to_thread(context.services.history.get, record_id)
    if record is None:
        await query.answer(t("expired", lang), show_alert=True)
    return lang, record


async def show_passage(update: Update, context: CustomContext, record_id: int, n: int) -> None:
    """Citation n of an answer in its document's context, sent once: a second press says where it is."""
    query, services = update.callback_query, context.services
    lang, record = await _language_and_record(update, context, record_id)
    if record is None:
        return
    chat_id = query.message.chat.id if query.message else 0
    key = (chat_id, record_id, n)
    if key in services.shown_passages:
        await query.answer(t("passage_shown", lang))
        return
    services.shown_passages[key] = 0  # claimed before the send: a fast double press posts one copy
    await query.answer()
    citations = [c for c in record.citations if n in (0, c.n)]
    blocks = []
    for c in citations:
        passage = await asyncio.to_thread(passages_in_context, services.answerer.store, c.source_file, c.quote)
        blocks.append(render_passage(c, passage, record.language))
    for i, part in enumerate(fmt.split_html("\n\n".join(blocks))):
        sent = await context.bot.send_message(chat_id, part,
                                              reply_to_message_id=query.message.message_id if i == 0 else None)
        if i == 0:
            services.shown_passages[key] = sent.message_id


async def feedback(update: Update, context: CustomContext, record_id: int, value: int) -> None:
    query, services = update.callback_query, context.services
    lang, record = await _language_and_record(update, context, record_id if value in (FEEDBACK_UP, FEEDBACK_DOWN) else 0)
    if record is None:
        return
    stored = await asyncio.to_thread(services.history.set_feedback, record_id, update.effective_user.id, value)
    if not stored:
        await query.answer(t("feedback_not_yours", lang), show_alert=True)
        return
    await query.answer(t("feedback_thanks", lang))
    if record.feedback != value:
        try:
            current = query.message.reply_markup if query.message is not None else None
            keyboard = with_vote(current, record_id, value) or answer_keyboard(
                record_id, record.citations, record.language, chosen=value)
            await query.edit_message_reply_markup(keyboard)
        except BadRequest as exc:
            logger.debug("keyboard update skipped: %s", exc)


async def ask_suggestion(update: Update, context: CustomContext, doc_id: int) -> None:
    """A suggested question's button: the question is asked (in the user's name) and answered."""
    query = update.callback_query
    lang = await asyncio.to_thread(chat_language, update, context)
    documents = await asyncio.to_thread(context.services.answerer.store.documents)
    meta = next((d[2] for d in documents if d[0] == doc_id), None)
    suggestion = question_for(doc_id, meta, lang) if meta is not None else None
    if suggestion is None or query.message is None:
        await query.answer(t("expired", lang), show_alert=True)
        return
    await query.answer(suggestion.question[:200])
    await answer_question(update, context, suggestion.question, count=False)


async def sources_page(update: Update, context: CustomContext, page: int) -> None:
    query = update.callback_query
    lang = await asyncio.to_thread(chat_language, update, context)
    documents = await asyncio.to_thread(context.services.answerer.store.documents)
    shown = render_sources(documents, lang, page)
    await query.answer()
    try:
        await query.edit_message_text(fmt.split_html(shown.markup)[0], reply_markup=sources_keyboard(shown.page, shown.pages))
    except BadRequest as exc:  # the page shown already
        logger.debug("sources page not changed: %s", exc)


async def set_language(update: Update, context: CustomContext, lang: str) -> None:
    query = update.callback_query
    if lang not in ("vi", "en") or update.effective_chat is None:
        await query.answer()
        return
    await asyncio.to_thread(context.services.set_chat_settings, update.effective_chat.id, language=lang)
    await query.answer(t("language_set", lang))
    await _refresh_settings(update, context)


async def clear_province(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    if update.effective_chat is None:
        await query.answer()
        return
    await asyncio.to_thread(context.services.set_chat_settings, update.effective_chat.id, province="")
    lang = await asyncio.to_thread(chat_language, update, context)
    await query.answer(t("province_cleared", lang))
    await _refresh_settings(update, context)


async def _refresh_settings(update: Update, context: CustomContext) -> None:
    """The message with the buttons now shows the new settings."""
    text, lang, has_province = await asyncio.to_thread(settings_text, update, context)
    try:
        await update.callback_query.edit_message_text(text, reply_markup=settings_keyboard(lang, has_province))
    except BadRequest as exc:
        logger.debug("settings message not changed: %s", exc)
