"""Questions: small talk, follow-ups in context, the chat's province, the answer, its edits, and
inline queries. The meaning of a follow-up and of small talk comes from the core
(bot.conversation, bot.smalltalk); this module only carries them to and from Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from typing import Hashable

from telegram import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent, LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError

from bot import formatting as fmt
from bot.conversation import context_source, detect_provinces, followup_question, turn_after, with_province
from bot.history import answer_confidence
from bot.language import detect_language
from bot.records import Answer
from bot.smalltalk import Suggestion, small_talk, suggested_questions
from bot.telegram.context import CustomContext, chat_language, language_of_user
from bot.telegram.keyboards import answer_keyboard, suggestions_keyboard
from bot.telegram.messages import cut_question, replace_html, replies_to_bot, reply_html
from bot.telegram.render import fact_of, render_answer, source_line
from bot.telegram.texts import t
from bot.text import nfc

logger = logging.getLogger(__name__)

SUGGESTIONS = 3


def conversation_key(message: Message) -> Hashable:
    """Private chats are one conversation; in groups each member has their own."""
    if message.chat.type == ChatType.PRIVATE or message.from_user is None:
        return message.chat_id
    return (message.chat_id, message.from_user.id)


async def suggestions(context: CustomContext, lang: str, exclude: tuple[str, ...] = ()) -> list[Suggestion]:
    documents = await asyncio.to_thread(context.services.answerer.store.documents)
    return suggested_questions([(d[0], d[2]) for d in documents], lang, SUGGESTIONS, exclude)


async def question_allowed(update: Update, context: CustomContext, lang: str) -> bool:
    """The per-user limit on questions (admins exempt); a polite reply once per window when refused."""
    services = context.services
    user = update.effective_user
    if user is None or services.is_admin(user.id):
        return True
    allowed, warn, wait = services.question_limiter.hit(user.id)
    if not allowed:
        logger.info("rate limit: question refused")
        if warn and update.effective_message is not None:
            await update.effective_message.reply_text(t("rate_limited", lang, seconds=max(1, round(wait))))
    return allowed


async def reply_small_talk(update: Update, context: CustomContext, kind: str, lang: str,
                           earlier_reply: list[Message] | None = None) -> None:
    """A short friendly reply with questions to try (no feedback buttons: there is nothing to rate)."""
    message = update.effective_message
    offered = await suggestions(context, lang) if kind != "bye" else []
    keyboard = suggestions_keyboard(offered)
    if earlier_reply:
        sent = await replace_html(earlier_reply, message, t(kind, lang), keyboard)
    else:
        sent = await reply_html(message, t(kind, lang), keyboard)
    context.services.replies[(message.chat_id, message.message_id)] = sent


# How long an edit waits for the first answer to its message before answering on its own.
_EDIT_WAIT_SECONDS = 30.0


async def answer_question(update: Update, context: CustomContext, raw_question: str, *,
                          earlier_reply: list[Message] | None = None, count: bool = True) -> None:
    """Answer a message: small talk, else the question (resolved in its conversation) with citations.
    `earlier_reply`: the bot's reply to the message before it was edited (edited in place). While
    it runs the message is marked as being answered: an edit of it arriving meanwhile (updates are
    handled concurrently) waits for the reply, so that it edits the reply instead of sending another."""
    message = update.effective_message
    key = (message.chat_id, message.message_id)
    answering = context.services.answering
    done = answering[key] = asyncio.Event()
    try:
        await _answer_question(update, context, raw_question, earlier_reply, count)
    finally:
        done.set()
        if answering.get(key) is done:
            del answering[key]


async def _answer_question(update: Update, context: CustomContext, raw_question: str,
                           earlier_reply: list[Message] | None, count: bool) -> None:
    services = context.services
    message = update.effective_message
    lang = await asyncio.to_thread(chat_language, update, context)
    question = fmt.normalize_question(raw_question)
    if not question:
        await message.reply_text(t("empty_question", lang))
        return
    talk = small_talk(question)
    if talk is not None:
        await reply_small_talk(update, context, talk.kind, talk.language or lang, earlier_reply)
        return
    if count and not await question_allowed(update, context, lang):
        return
    question, was_cut = cut_question(question, services.config.telegram.max_question_chars)
    key = conversation_key(message)
    replied = replies_to_bot(message, context.bot.id)
    previous = services.conversations.answered_by(message.chat_id, message.reply_to_message.message_id) \
        if replied else None
    previous = previous or services.conversations.last(key)
    expand = services.answerer.expand_abbreviations  # "NA", "QN" name provinces
    effective = followup_question(question, previous, now=time.time(), replied=replied, expand=expand,
                                  max_age_seconds=services.config.conversation.followup_minutes * 60)
    source = context_source(previous, question, effective)
    province = services.chat_settings(message.chat_id).province
    if effective == nfc(question) and province and not detect_provinces(expand(question)):
        effective = with_province(effective, province)
    try:
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    except TelegramError as exc:  # cosmetic; the answer matters
        logger.debug("typing indicator failed: %s", exc)
    answer = await ask_core(update, context, effective, source)
    turn = turn_after(question, effective, answer, time.time(), expand)
    # Remembered before the reply goes out: updates are handled concurrently, and the user's next
    # message ("còn Quảng Ninh thì sao?") can arrive while this handler still awaits Telegram.
    services.conversations.remember(key, turn)
    user_id = update.effective_user.id if update.effective_user else 0
    # None when the database refused the record for now (it is kept and written later): no buttons then.
    record_id = await asyncio.to_thread(services.history.record, user_id, message.chat.type, answer)
    offered = await suggestions(context, answer.language, detect_provinces(effective)) \
        if answer_confidence(answer) == "none" else []
    markup = render_answer(answer, understood_as=effective if effective != nfc(question) else "",
                           truncated_to=services.config.telegram.max_question_chars if was_cut else 0,
                           suggesting=bool(offered))
    keyboard = answer_keyboard(record_id, answer.citations, answer.language, offered)
    if earlier_reply:
        sent = await replace_html(earlier_reply, message, markup, keyboard)
    else:
        sent = await reply_html(message, markup, keyboard)
    services.replies[(message.chat_id, message.message_id)] = sent
    services.conversations.link_answer(message.chat_id, tuple(m.message_id for m in sent), turn)
    logger.info("answered: confidence=%s language=%s citations=%d followup=%s %.0f ms", answer_confidence(answer),
                answer.language, len(answer.citations), effective != nfc(question), answer.latency_ms)


async def ask_core(update: Update, context: CustomContext, question: str, source: str = "") -> Answer:
    """The core's answer in a worker thread (`source`: conversation.context_source); a failure is
    recorded (marked failed) and re-raised."""
    services = context.services
    started = time.perf_counter()
    try:
        return await asyncio.to_thread(services.answerer.answer, question, source)
    except Exception:
        # The question was asked all the same: keep its record (marked failed); on_error tells the user.
        chat_type = update.effective_chat.type if update.effective_chat else "inline"
        user_id = update.effective_user.id if update.effective_user else 0
        await asyncio.to_thread(services.history.record, user_id, chat_type, failed_answer(question, started),
                                failed=True)
        raise


def failed_answer(question: str, started: float) -> Answer:
    """What the history keeps for a question whose answering raised."""
    return Answer(question=nfc(question), text="", found=False, language=detect_language(question), citations=(),
                  latency_ms=(time.perf_counter() - started) * 1000)


async def edited_message(update: Update, context: CustomContext) -> None:
    """An edited question is answered again, in the bot's earlier reply (a new reply if none is known)."""
    message = update.edited_message
    if message is None or not message.text or message.text.startswith("/"):
        return
    if message.chat.type != ChatType.PRIVATE and not replies_to_bot(message, context.bot.id) \
            and f"@{context.bot.username}".lower() not in message.text.lower():
        return
    key = (message.chat_id, message.message_id)
    pending = context.services.answering.get(key)
    if pending is not None:  # edited while its first answer is still being sent
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pending.wait(), _EDIT_WAIT_SECONDS)
    earlier = context.services.replies.get(key)
    text = message.text.replace(f"@{context.bot.username}", " ") if context.bot.username else message.text
    await answer_question(update, context, text, earlier_reply=earlier)


async def inline_query(update: Update, context: CustomContext) -> None:
    """`@bot question` in any chat: the cited answer as an article the user can send."""
    query = update.inline_query
    if query is None:
        return
    lang = language_of_user(update)
    question = fmt.normalize_question(query.query)[: context.services.config.telegram.max_question_chars]
    if not question or small_talk(question) is not None:
        await query.answer([], cache_time=300, button=InlineQueryResultsButton(
            text=t("inline_hint_title", lang), start_parameter="inline"))
        return
    user = update.effective_user
    if user is not None and not context.services.is_admin(user.id):
        allowed, _, _ = context.services.question_limiter.hit(user.id)
        if not allowed:
            await query.answer([], cache_time=5, is_personal=True)
            return
    answer = await ask_core(update, context, question)
    await asyncio.to_thread(context.services.history.record, user.id if user else 0, "inline", answer)
    confidence = answer_confidence(answer)
    title = {"answer": fmt.plain_text(fact_of(answer)) if answer.citations else "",
             "related": t("inline_related_title", answer.language),
             "none": t("inline_none_title", answer.language)}[confidence] or question
    description = fmt.plain_text(source_line(answer.citations[0], answer.language)) if answer.citations \
        else fmt.plain_text(answer.text)
    content = fmt.split_html(render_answer(answer))[0]
    result = InlineQueryResultArticle(
        id=hashlib.sha256(question.encode()).hexdigest()[:32], title=title[:120], description=description[:200],
        input_message_content=InputTextMessageContent(content, parse_mode=ParseMode.HTML,
                                                      link_preview_options=LinkPreviewOptions(is_disabled=True)),
    )
    await query.answer([result], cache_time=60)
    logger.info("inline answer: confidence=%s language=%s (%s)", confidence, answer.language, lang)
