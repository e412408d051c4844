"""Reading what a message says to the bot, and sending or editing HTML replies within Telegram's limits."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, MessageEntity
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import formatting as fmt

logger = logging.getLogger(__name__)


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
    if not spans and not replies_to_bot(message, bot_id):
        return None
    for value in spans:
        raw = raw.replace(value, " ")
    return raw


def replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


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


async def reply_html(message: Message, markup: str, reply_markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Send Telegram HTML, split below the length limit; buttons go on the last part."""
    parts = fmt.split_html(markup)
    sent = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent.append(await message.reply_text(part, reply_markup=reply_markup if last else None,
                                             do_quote=None if i == 0 else False))
    return sent


async def replace_html(old: list[Message], message: Message, markup: str,
                       reply_markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Edit the bot's earlier reply parts in place with new HTML (extra parts sent, spare ones emptied)."""
    parts = fmt.split_html(markup)
    out: list[Message] = []
    for i, part in enumerate(parts):
        keyboard = reply_markup if i == len(parts) - 1 else None
        if i < len(old):
            try:
                edited = await old[i].edit_text(part, reply_markup=keyboard)
                out.append(edited if isinstance(edited, Message) else old[i])
            except BadRequest as exc:  # "message is not modified": the same answer again
                logger.debug("edit skipped: %s", exc)
                out.append(old[i])
        else:
            out.append(await message.reply_text(part, reply_markup=keyboard, do_quote=False))
    for spare in old[len(parts):]:
        try:
            await spare.edit_text("…")
        except BadRequest as exc:
            logger.debug("spare part not emptied: %s", exc)
    return out


async def edit_quietly(message: Message | None, markup: str) -> None:
    """Edit a status message; 'message is not modified' and the like are not worth an error."""
    if message is None:
        return
    try:
        await message.edit_text(fmt.split_html(markup)[0] if markup else markup)
    except BadRequest as exc:
        logger.debug("status edit skipped: %s", exc)
