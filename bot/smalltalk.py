"""Small talk and suggested questions, with no Telegram in them.

`small_talk("xin chào")` tells a greeting, thanks, "who are you" or an emoji-only message from a
question, so none of them gets the "no information" reply. `suggested_questions` draws questions
to offer from the indexed documents (their provinces and titles), never from a fixed list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from bot.records import DocumentMetadata
from bot.text import fold, nfc

GREETING, THANKS, IDENTITY, BYE, EMOJI = "greeting", "thanks", "identity", "bye", "emoji"


@dataclass(frozen=True)
class SmallTalk:
    kind: str  # GREETING, THANKS, IDENTITY, BYE or EMOJI
    language: str  # "vi", "en", or "" when the message does not tell (emoji)


_ADDRESS = r"(?: (?:ban|bot|nhe|nha|a|ad|admin|moi nguoi|nhieu|lam|nhe ban|there|so much|a lot|bot oi|ban oi))*"
_PATTERNS: tuple[tuple[str, str, re.Pattern], ...] = (
    (GREETING, "vi", re.compile(rf"^(?:xin chao|chao|chao ban|alo|a lo|hi ban|hello ban)(?: ban)?{_ADDRESS}$")),
    (GREETING, "en", re.compile(rf"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|greetings|yo){_ADDRESS}$")),
    (THANKS, "vi", re.compile(rf"^(?:ok |vang |da )?(?:cam on|cam ong|cmon|tks)(?: ban)?{_ADDRESS}$")),
    (THANKS, "en", re.compile(rf"^(?:ok |great |cool )?(?:thanks|thank you|thx|ty|cheers|much appreciated){_ADDRESS}$")),
    (IDENTITY, "vi", re.compile(r"^(?:ban|may|em|bot) (?:la ai|la gi|ten gi|lam duoc gi|giup duoc gi|co the lam gi)(?: the| vay| day)?$")),
    (IDENTITY, "en", re.compile(r"^(?:who are you|what are you|what can you do|what do you do|who is this|help me)$")),
    (BYE, "vi", re.compile(rf"^(?:tam biet|bye|hen gap lai){_ADDRESS}$")),
    (BYE, "en", re.compile(rf"^(?:bye|goodbye|see you|see ya){_ADDRESS}$")),
)


def small_talk(message: str) -> SmallTalk | None:
    """What kind of small talk `message` is, or None when it may be a question."""
    text = nfc(message or "").strip()
    if not text:
        return None
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return SmallTalk(EMOJI, "")  # emoji, punctuation, symbols only: "🤔", "👍", "?!"
    key = re.sub(r"[^\w\s]", " ", fold(text.lower()))
    key = re.sub(r"\s+", " ", key).strip()
    for kind, language, pattern in _PATTERNS:
        if pattern.match(key):
            return SmallTalk(kind, language)
    return None


# ---------------------------------------------------------------- suggested questions

_PROVINCE_QUESTION = {"vi": "Mục tiêu chuyển đổi số của {province} là gì?",
                      "en": "What are {province}'s digital transformation targets?"}
_TITLE_QUESTION = {"vi": "{title}?", "en": "{title}?"}
MAX_SUGGESTION_CHARS = 90


@dataclass(frozen=True)
class Suggestion:
    doc_id: int  # the document it was drawn from (a button carries this id, not the text)
    question: str


def question_for(doc_id: int, metadata: DocumentMetadata, language: str) -> Suggestion | None:
    """The question a document suggests: about its province, else its headline as a question."""
    language = "en" if language == "en" else "vi"
    if metadata.provinces:
        return Suggestion(doc_id, _PROVINCE_QUESTION[language].format(province=metadata.provinces[0]))
    title = metadata.title.strip().rstrip(".?!:")
    if title and len(title) <= MAX_SUGGESTION_CHARS:
        return Suggestion(doc_id, _TITLE_QUESTION[language].format(title=title))
    return None


def suggested_questions(documents: Iterable[tuple[int, DocumentMetadata]], language: str,
                        limit: int = 3, exclude_provinces: Sequence[str] = ()) -> list[Suggestion]:
    """Up to `limit` different questions the corpus can answer: provinces with the most documents
    first (newest document of each), then headlines. `exclude_provinces`: already asked about."""
    by_province: dict[str, list[tuple[int, DocumentMetadata]]] = {}
    loose: list[tuple[int, DocumentMetadata]] = []
    for doc_id, meta in documents:
        if meta.provinces:
            by_province.setdefault(meta.provinces[0], []).append((doc_id, meta))
        else:
            loose.append((doc_id, meta))
    order = sorted(by_province, key=lambda p: (p in exclude_provinces, -len(by_province[p]), p))
    picks = [max(by_province[p], key=lambda d: (d[1].published, -d[0])) for p in order] + loose
    out: list[Suggestion] = []
    for doc_id, meta in picks:
        suggestion = question_for(doc_id, meta, language)
        if suggestion and suggestion.question not in {s.question for s in out}:
            out.append(suggestion)
        if len(out) >= limit:
            break
    return out
