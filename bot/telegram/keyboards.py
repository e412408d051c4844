"""Inline keyboards and their callback data (at most 64 bytes: ids, never texts).

    ctx:<record>:<n>     show citation n of an answer in its document's context
    fb:<value>:<record>  👍 (1) / 👎 (-1) on an answer
    sg:<doc_id>          ask the question suggested by a document
    srcp:<page>          a page of /sources
    lang:<vi|en>         the chat's language
    prov:                clear the chat's default province
"""

from __future__ import annotations

from typing import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.formatting import safe_url
from bot.history import FEEDBACK_DOWN, FEEDBACK_UP
from bot.records import Citation
from bot.smalltalk import Suggestion
from bot.telegram.texts import t

BUTTON_CHARS = 60


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_CHARS else text[:BUTTON_CHARS - 1].rstrip() + "…"


def suggestion_rows(suggestions: Sequence[Suggestion]) -> list[list[InlineKeyboardButton]]:
    return [[InlineKeyboardButton(_label(s.question), callback_data=f"sg:{s.doc_id}")] for s in suggestions]


def suggestions_keyboard(suggestions: Sequence[Suggestion]) -> InlineKeyboardMarkup | None:
    rows = suggestion_rows(suggestions)
    return InlineKeyboardMarkup(rows) if rows else None


def answer_keyboard(record_id: int | None, citations: Sequence[Citation], lang: str,
                    suggestions: Sequence[Suggestion] = (), chosen: int | None = None) -> InlineKeyboardMarkup | None:
    """Passage buttons for the sources without a link, suggestions (for "no information"), 👍/👎."""
    rows: list[list[InlineKeyboardButton]] = []
    if record_id is not None:
        passages = [InlineKeyboardButton(t("passage_button", lang, n=c.n), callback_data=f"ctx:{record_id}:{c.n}")
                    for c in citations if not safe_url(c.url)]
        if passages:
            rows.append(passages)
    rows += suggestion_rows(suggestions)
    if record_id is not None:
        up = "👍" + (" ✓" if chosen == FEEDBACK_UP else "")
        down = "👎" + (" ✓" if chosen == FEEDBACK_DOWN else "")
        rows.append([InlineKeyboardButton(up, callback_data=f"fb:{FEEDBACK_UP}:{record_id}"),
                     InlineKeyboardButton(down, callback_data=f"fb:{FEEDBACK_DOWN}:{record_id}")])
    return InlineKeyboardMarkup(rows) if rows else None


def with_vote(markup: InlineKeyboardMarkup | None, record_id: int, chosen: int) -> InlineKeyboardMarkup | None:
    """The answer's keyboard as it is (passages, suggestions), its 👍/👎 showing the vote."""
    if markup is None:
        return None
    marks = {f"fb:{FEEDBACK_UP}:{record_id}": "👍", f"fb:{FEEDBACK_DOWN}:{record_id}": "👎"}
    rows = []
    for row in markup.inline_keyboard:
        rows.append([InlineKeyboardButton(marks[b.callback_data] + (" ✓" if b.callback_data == f"fb:{chosen}:{record_id}" else ""),
                                          callback_data=b.callback_data)
                     if isinstance(b.callback_data, str) and b.callback_data in marks else b for b in row])
    return InlineKeyboardMarkup(rows)


def sources_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    if pages <= 1:
        return None
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀️", callback_data=f"srcp:{page - 1}"))
    row.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"srcp:{page}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton("▶️", callback_data=f"srcp:{page + 1}"))
    return InlineKeyboardMarkup([row])


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    names = {"vi": "🇻🇳 Tiếng Việt", "en": "🇬🇧 English"}
    return InlineKeyboardMarkup([[InlineKeyboardButton(names[code] + (" ✓" if code == current else ""),
                                                       callback_data=f"lang:{code}") for code in ("vi", "en")]])


def settings_keyboard(language: str, has_province: bool) -> InlineKeyboardMarkup:
    rows = list(language_keyboard(language).inline_keyboard)
    if has_province:
        rows.append((InlineKeyboardButton(t("clear_province_button", language), callback_data="prov:"),))
    return InlineKeyboardMarkup(rows)
