"""Follow-up questions: what a short message means after the previous question.

"còn Quảng Ninh thì sao?", "And Quang Ninh?", "còn trục kinh tế số?", "ai chủ trì?", "bao giờ?" or a
reply to one of the bot's answers do not stand alone; `followup_question` rewrites them into the
question to actually ask, from the previous `Turn` (its effective question and provinces), and
`context_source` names the article the previous answer came from, which the judge trusts more. No
Telegram here: the bot and `python -m bot ask --conversation` both use it.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Hashable

from bot.analysis import provinces_in_question
from bot.asking import FOLLOWUP_SEPARATOR, asks_a_question, asks_of
from bot.language import detect_language, is_stopword, words
from bot.people import asks_a_post, person_answered
from bot.provinces import PROVINCES, PROVINCES_BEFORE_2025, current_name
from bot.records import Answer
from bot.text import fold, has_diacritics, nfc


@dataclass(frozen=True)
class Turn:
    """One question of a conversation, as asked and as answered."""

    question: str  # as the user wrote it
    effective_question: str  # what was asked of the core (the follow-up resolved)
    provinces: tuple[str, ...]  # named in the effective question
    cited_doc_ids: tuple[int, ...]
    at: float  # time.time() when it was asked
    language: str = "vi"
    answered_from: str = ""  # the source file a confident answer cited first ("" when not confident)
    person: str = ""  # the one person a confident answer to "who …?" named, as written


def turn_after(question: str, asked: str, answer: Answer, at: float, expand: Callable[[str], str] = nfc) -> Turn:
    """The turn `question` makes once answered: as typed, as asked (the follow-up resolved), the
    provinces it is about (abbreviations written out by `expand`, as in followup_question) and what
    it cites, and who it named when it asked who."""
    asked_who = asks_of(asked.rpartition(FOLLOWUP_SEPARATOR)[2]) == "who"
    return Turn(question=nfc(question), effective_question=asked, provinces=detect_provinces(expand(asked)),
                cited_doc_ids=tuple(c.doc_id for c in answer.citations), at=at, language=answer.language,
                answered_from=answer.citations[0].source_file if answer.found and answer.citations else "",
                person=person_answered(answer.short_answer) if answer.found and asked_who else "")


def context_source(previous: Turn | None, message: str, asked: str) -> str:
    """The source the previous answer was confidently taken from, when `asked` is `message` read as
    its follow-up ("ai chủ trì?" after a question answered from one article): the follow-up is
    likely answered by the same article. "" for a question that stands alone."""
    return previous.answered_from if previous is not None and nfc(asked) != nfc(message).strip() else ""


def detect_provinces(text: str) -> tuple[str, ...]:
    """Provinces (2025 names) named in `text`, old or new names, with or without diacritics, or else
    by a town or city in it ("Cửa Lò": Nghệ An), as the analysis reads the question."""
    return provinces_in_question(nfc(text))


# "còn Quảng Ninh thì sao?", "Quảng Ninh thì sao?", "và Quảng Ninh?", "And Quang Ninh?", "What about X?"
_VI_ELLIPSIS = (
    re.compile(r"^(?:va |thế |the )?(?:còn|con) (?P<x>.+?)(?: (?:thì|thi) (?:sao|thế nào|the nao|ra sao)| (?:thế nào|the nao|ra sao|nữa|nua))?$"),
    re.compile(r"^(?P<x>.+?) (?:thì|thi) (?:sao|thế nào|the nao|ra sao)$"),
    re.compile(r"^(?:và|va) (?P<x>.+?)$"),
)
_EN_ELLIPSIS = (
    re.compile(r"^(?:and )?(?:what|how) about (?P<x>.+?)$"),
    re.compile(r"^and (?:for |in )?(?P<x>.+?)$"),
    re.compile(r"^same (?:for|in) (?P<x>.+?)$"),
)
# Messages that are only a question about the previous topic: "ai chủ trì?", "bao giờ?", "when?"
_QUESTION_WORDS = re.compile(
    r"^(?:ai|bao gio|khi nao|luc nao|o dau|bao nhieu|nhu the nao|the nao|ra sao|vi sao|tai sao|co gi|gi|"
    r"nam nao|who|when|where|how much|how many|how|why|which|what year|by when)\b"
)
_PRONOUNS = re.compile(r"\b(?:it|they|them|this|that|its|viec nay|van de nay|cai nay|dieu nay|viec do|cai do)\b")
# "nghị quyết đó", "hội nghị này", "kế hoạch ấy": a thing named before. With diacritics the
# demonstrative is unambiguous ("này", unlike "hôm nay"); typed without them, "do" is also
# "because" and "nay" "now", so only after a noun that names what the articles talk about.
_VI_REFERENCE = re.compile(r"(?<!\w)(?:đó|ấy|này|kia)(?!\w)")
_VI_REFERENCE_FOLDED = re.compile(
    r"\b(?:nghi quyet|ke hoach|hoi nghi|hoi thao|cuoc hop|chuong trinh|de an|du an|van ban|quyet dinh|chinh sach|"
    r"chi thi|muc tieu|nhiem vu|mo hinh|cai|viec|van de|dieu)\s+(?:do|ay|kia|nay)\b")
# "what was the other role there?", "who chaired that conference?": something named before, in
# English (not "that" alone, which also opens a clause); "he", "his" are _PERSON_REFERENCE's.
_EN_REFERENCE = re.compile(r"\b(?:there|they|their|them|(?:that|this|the same) (?:meeting|conference|"
                           r"session|plan|resolution|document|event|decision|programme|program|project|person|man|woman))\b")
# "ông ấy yêu cầu khẩn trương xây dựng bộ tiêu chí gì?", "and what did he say people must not do?":
# someone named before, however long the message (a person it names is caught as something new).
_PERSON_REFERENCE = re.compile(r"(?<!\w)(?:anh|chị) (?:ấy|ta)(?!\w)")  # "ông ấy", "bà ta": folded below
_PERSON_REFERENCE_FOLDED = re.compile(r"\b(?:(?:ong|ba) (?:ay|ta)|he|she|his|her|him)\b")
# "thế có bao nhiêu nhiệm vụ đi kèm?", "so how many tasks come with it?": a message opening with a
# word that continues the conversation is read in the previous topic, however long it is.
_CONTINUES = re.compile(r"^(?:thế|vậy)(?: thì| còn)?\s")
_CONTINUES_FOLDED = re.compile(r"^(?:(?:the|vay)(?: thi| con)?|so|then|also)\s")
# "ai là chủ tịch UBND tỉnh?", "the province's target": the province the conversation is about.
# Typed without diacritics "tinh" may be "tính", so only in a message with none.
# Not "tỉnh nào" (which province), "các tỉnh", "tỉnh khác", "tỉnh thành" (provinces at large).
_PROVINCE_MEANT = re.compile(r"(?i)(?<!các )(?<!\w)tỉnh(?!\w)(?! nào| khác| thành)|\b(?:the|this|that) province\b|\bprovincial\b")
_PROVINCE_MEANT_PLAIN = re.compile(r"(?i)(?<!cac )\btinh\b(?! nao| khac| thanh)")
_MAX_REFERENCE_FOLLOWUP_WORDS = 8  # "nghị quyết đó có trọng tâm gì?"
# What nearly every question to this bot is about: sharing it does not make a message a follow-up
# ("Tỉnh nào dẫn đầu về chuyển đổi số?" after a question on Nghệ An's targets stands alone).
_EVERY_QUESTIONS_TERMS = {("chuyen", "doi"), ("doi", "so"), ("digital", "transformation")}
_MAX_PROVINCE_FOLLOWUP_WORDS = 5  # "trọng tâm là gì?" after a question about Nghệ An
_VAGUE = re.compile(r"^(?:(?:gi|nua|gi nua|gi khac|gi them|gi nua khong|gi khac khong)(?: khong| nhi| a)?|else|anything else|more)$")
_MAX_FOLLOWUP_WORDS = 6  # "còn X thì sao": X at most this long,
_MAX_PLAIN_FOLLOWUP_WORDS = 12  # or this long when X asks nothing itself ("thế còn hội nghị sơ kết 1 năm ở Nghệ An?")
_MAX_QUESTION_FOLLOWUP_WORDS = 5  # "ai chủ trì?", "who leads it?", "ai trình bày dự thảo?"
_TAIL = re.compile(r"\s*(?:là gì|la gi|là bao nhiêu|la bao nhieu|như thế nào|nhu the nao|thế nào|the nao|ra sao|"
                   r"gồm những gì|gom nhung gi|là những gì|la nhung gi)?\s*[?.!]*\s*$", re.IGNORECASE)


def followup_question(message: str, previous: Turn | None, *, now: float, max_age_seconds: float,
                      replied: bool = False, expand: Callable[[str], str] = nfc) -> str:
    """The question to ask for `message`: itself when it stands alone, else rewritten in the context
    of `previous` (ignored when older than `max_age_seconds`, unless the message replies to it).
    `expand` writes out abbreviations as the analysis does (Answerer.expand_abbreviations), so that
    "con NA thi sao" asks about Nghệ An."""
    message = nfc(message).strip()
    if previous is None or not message or (not replied and now - previous.at > max_age_seconds):
        return message
    core = _without_particles(nfc(expand(message)).rstrip(" ?!.").strip())
    lowered = core.lower()
    aspect = _ellipsis(lowered, core)
    named = detect_provinces(core)
    if aspect is not None and _VAGUE.match(fold(aspect.lower())):
        return _in_context(message, previous)  # "còn gì nữa?": more on the same topic
    if aspect is not None:
        aspect_provinces = detect_provinces(aspect)
        if aspect_provinces and _only_provinces(aspect):
            return replace_provinces(previous.effective_question, previous.provinces, aspect_provinces)
        if aspect_provinces and previous.provinces and not asks_a_question(aspect):
            # "còn hội nghị sơ kết ở Nghệ An?" after "Ai chủ trì cuộc họp … của Quảng Ninh?": the
            # previous question, about that province, asked of what the message names
            moved = replace_provinces(previous.effective_question, previous.provinces, aspect_provinces)
            return f"{topic(moved)}{FOLLOWUP_SEPARATOR}{message}"
        if aspect_provinces:
            return _join(aspect, ())  # "còn Quảng Ninh đặt mục tiêu gì?": a question of its own
        # "còn Ban Chấp hành?", "còn chỉ tiêu kinh tế số thì sao?": the same question about another
        # part of the previous topic
        return _in_context(message, previous)
    if not named and not replied and not _refers_to_someone(lowered) and _names_something_new(core, previous.effective_question):
        # "Who won the World Cup?" after a question on Quảng Ninh: a question of its own; not "ông
        # ấy giữ cương vị gì trong Ban chỉ đạo?", about someone before
        return message
    short = len(words(core)) <= _MAX_QUESTION_FOLLOWUP_WORDS
    folded = fold(lowered)
    asks_about_previous = (short and not named and (_QUESTION_WORDS.match(folded) or _PRONOUNS.search(folded))) or (
        not named and len(words(core)) <= _MAX_REFERENCE_FOLLOWUP_WORDS and _refers_back(lowered)) or (
        not named and _refers_to_someone(lowered)) or (
        not named and (_shares_a_term(core, previous.effective_question) or _continues(lowered)))
    if asks_about_previous or (replied and short and not named and len(words(core)) <= 3):
        return _in_context(message, previous)
    if not named and previous.provinces and (replied or len(words(core)) <= _MAX_PROVINCE_FOLLOWUP_WORDS
                                             or _means_the_province(message)):  # as typed: "ubnd tinh" stays plain
        # "trọng tâm là gì?" right after a question about a province: still about that province.
        # Only its name is carried, not the previous topic, so a new question ("giá vàng hôm nay?")
        # is judged on its own words.
        return with_province(message, previous.provinces[0])
    return message


# Words typed to the bot, not about anything: "ad ơi …", "… vậy ad", "… nhé". They do not make a
# follow-up ("ai đề xuất tốp 20-25 vậy?") longer than what it asks.
_PARTICLES = r"(?:vay|v|z|a|ak|ah|ad|admin|oi|nhe|nha|nhi|ha)"
_LEADING_PARTICLES = re.compile(rf"^(?:(?:{_PARTICLES}|ban|bn)\s+)*(?:oi\s+)?")
_TRAILING_PARTICLES = re.compile(rf"(?:\s+{_PARTICLES})+$")


def _without_particles(core: str) -> str:
    """The message without the particles typed around it, as written otherwise."""
    folded = fold(core).lower()
    end = _TRAILING_PARTICLES.search(folded)
    core, folded = (core[:end.start()], folded[:end.start()]) if end and end.start() > 0 else (core, folded)
    start = _LEADING_PARTICLES.match(folded).end() if folded.startswith(("ad ", "admin ", "ban oi", "bn oi")) else 0
    return core[start:].strip() or core


def _shares_a_term(message: str, previous: str) -> bool:
    """True when a short message repeats a term of two words of the previous question ("hội thảo"
    in "hội thảo về nội dung gì?" after "… tổ chức hội thảo về chuyển đổi số?")."""
    if len(words(message)) > _MAX_REFERENCE_FOLLOWUP_WORDS:
        return False
    return bool((_content_pairs(message) & _content_pairs(previous)) - _EVERY_QUESTIONS_TERMS)


def _content_pairs(text: str) -> set[tuple[str, str]]:
    """Adjacent content words, folded; stopwords of either language judged as written ("hội" is
    content, "hỏi" is not, nor "is the")."""
    tokens = words(nfc(text).lower())
    content = [not (is_stopword(t, "vi") or is_stopword(t, "en")) for t in tokens]
    return {(fold(a), fold(b)) for (a, b), keep, keep_next in zip(zip(tokens, tokens[1:]), content, content[1:])
            if keep and keep_next}


def _means_the_province(text: str) -> bool:
    """True for "ai là chủ tịch UBND tỉnh?", "chu tich tinh la ai", "the province's target"."""
    return bool(_PROVINCE_MEANT.search(text) or (not has_diacritics(text) and _PROVINCE_MEANT_PLAIN.search(text)))


def _in_context(message: str, previous: Turn) -> str:
    """`message` asked about the previous question's topic; when it asks the post of the person
    that question's answer named ("what was his other role there?" after "Who led …?" answered by
    Mai Xuân Liêm), the person named: the post is in a sentence naming him, not any of the
    meeting's. What he said is not named so: news quote a speaker by post ("Bí thư Tỉnh ủy yêu
    cầu …"), and the name would pull the sentence introducing him instead."""
    if previous.person and asks_a_post(message):
        message = _VI_PERSON_REFERENCE.sub(lambda m: f"{m.group(1)} {previous.person}" if m.group(1) else previous.person, message)
        message = _EN_POSSESSIVE.sub(f"{previous.person}'s", message)
        message = _EN_PERSON_REFERENCE.sub(previous.person, message)
    return f"{topic(previous.effective_question)}{FOLLOWUP_SEPARATOR}{message}"


_VI_PERSON_REFERENCE = re.compile(r"(?i)(?<!\w)(?:(ông|bà|ong|ba)|anh|chị|chi) (?:ấy|ay|ta)(?!\w)")
_EN_POSSESSIVE = re.compile(r"(?i)\b(?:his|her)\b(?=\s+\w)")
_EN_PERSON_REFERENCE = re.compile(r"(?i)\b(?:he|him|she|her)\b")


def _continues(lowered: str) -> bool:
    """True for "thế …", "vậy thì …", "so …": the message goes on from the previous question."""
    return bool(_CONTINUES.match(lowered) or _CONTINUES_FOLDED.match(fold(lowered)))


def _names_something_new(core: str, previous: str) -> bool:
    """The message names something by a capitalised name the previous question does not have
    ("World Cup", "SEA Games", "iPhone"): not its first word, a province, an abbreviation or a title."""
    before = {fold(w).lower() for w in words(previous)}
    names = [w for w in core.split()[1:] if w[:1].isupper() and not w.isupper() and w.isalpha()]
    return any(fold(w).lower() not in before and fold(w).lower() not in _NOT_NAMES for w in names)


# Capitalised words that name no new thing: honorifics, posts and the bodies officials belong to
# ("ai từ Bộ về dự?"), written with a capital in titles.
_NOT_NAMES = frozenset("mr mrs ms dr ong ba dong chi chu tich pho bi thu giam doc truong so ubnd hdnd tinh thanh pho "
                       "bo cuc ban van phong uy hoi "
                       "chairman chairwoman secretary director deputy vice party committee province provincial "
                       "resolution plan conference ministry minister department office".split())


def _refers_to_someone(lowered: str) -> bool:
    """True for "ông ấy …", "what did he …": a person named before."""
    return bool(_PERSON_REFERENCE.search(lowered) or _PERSON_REFERENCE_FOLDED.search(fold(lowered)))


def _refers_back(lowered: str) -> bool:
    """True for "nghị quyết đó …", "hội nghị này …", "what was his role?": the message is about
    what was asked before."""
    return bool(_VI_REFERENCE.search(lowered) or _VI_REFERENCE_FOLDED.search(fold(lowered)) or _EN_REFERENCE.search(lowered))


def _ellipsis(lowered: str, original: str) -> str | None:
    """The X of "còn X thì sao" / "what about X", cut from the original text; None otherwise."""
    for pattern in _VI_ELLIPSIS + _EN_ELLIPSIS:
        m = pattern.match(lowered)
        size = len(words(m.group("x"))) if m else 0
        if m and (size <= _MAX_FOLLOWUP_WORDS or (size <= _MAX_PLAIN_FOLLOWUP_WORDS and not asks_a_question(m.group("x")))):
            start, end = m.span("x")
            return original[start:end].strip() if len(lowered) == len(original) else m.group("x").strip()
    return None


def _only_provinces(text: str) -> bool:
    """True when `text` is province names and filler ("tỉnh", "the province of")."""
    rest = fold(text.lower())
    for name in detect_provinces(text):
        rest = rest.replace(fold(name.lower()), " ")
    filler = {"tinh", "thanh", "pho", "tp", "province", "of", "the", "city", "o", "in", "va", "and", "cua"}
    return all(w in filler for w in words(rest))


def _join(aspect: str, provinces: tuple[str, ...]) -> str:
    return " ".join([aspect, *provinces]).strip() + "?"


def topic(question: str) -> str:
    """The question without its trailing question phrase ("là gì?", "?") or earlier follow-up (" – ai?")."""
    question = question.split(FOLLOWUP_SEPARATOR)[0]
    return _TAIL.sub("", question).strip() or question.strip()


def with_province(question: str, province: str) -> str:
    """The question about `province` (appended, unless it already names a province)."""
    if detect_provinces(question):
        return question
    base = question.rstrip(" ?!.")
    return f"{base} ({province})?" if base else province


def replace_provinces(question: str, old: tuple[str, ...], new: tuple[str, ...]) -> str:
    """`question` with the provinces it names replaced by `new` (appended when it names none)."""
    if not old:
        return with_province(question, new[0]) if new else question
    folded = fold(question.lower())
    if len(folded) != len(question):  # folding changed the length: cannot map spans back
        return f"{topic(question)} ({', '.join(new)})?"
    spans = []
    for name in old:
        key = fold(name.lower())
        for m in re.finditer(re.escape(key), folded):
            spans.append((m.start(), m.end()))
    if not spans:
        return f"{topic(question)} ({', '.join(new)})?"
    out, pos, replacement = [], 0, " và ".join(new) if detect_language(question) == "vi" else " and ".join(new)
    for i, (a, b) in enumerate(sorted(spans)):
        if a < pos:
            continue
        out += [question[pos:a], replacement if i == 0 else new[0]]
        pos = b
    out.append(question[pos:])
    return "".join(out)


class ConversationMemory:
    """The last turn of each chat, and the turn behind each of the bot's answers (for replies);
    bounded (least recently used dropped), thread-safe."""

    def __init__(self, max_chats: int = 10_000, max_answers: int = 50_000) -> None:
        self._last: OrderedDict[Hashable, Turn] = OrderedDict()
        self._by_message: OrderedDict[tuple[Hashable, int], Turn] = OrderedDict()
        self._max_chats, self._max_answers = max_chats, max_answers
        self._lock = threading.Lock()

    def remember(self, chat: Hashable, turn: Turn) -> None:
        """`turn` is the last of `chat`'s conversation (a chat, or a member of a group)."""
        with self._lock:
            self._last[chat] = turn
            self._last.move_to_end(chat)
            while len(self._last) > self._max_chats:
                self._last.popitem(last=False)

    def link_answer(self, messages_in: Hashable, answer_message_ids: tuple[int, ...], turn: Turn) -> None:
        """The messages (in chat `messages_in`) that carry `turn`'s answer, for anyone's reply to
        them; the chat's last turn stays as it is (a later question may have been asked while this
        answer was being sent)."""
        with self._lock:
            for message_id in answer_message_ids:
                self._by_message[(messages_in, message_id)] = turn
            while len(self._by_message) > self._max_answers:
                self._by_message.popitem(last=False)

    def last(self, chat: Hashable) -> Turn | None:
        with self._lock:
            return self._last.get(chat)

    def answered_by(self, chat: Hashable, message_id: int) -> Turn | None:
        with self._lock:
            return self._by_message.get((chat, message_id))

    def forget(self, chat: Hashable) -> None:
        with self._lock:
            self._last.pop(chat, None)


def province_slug(name: str) -> str:
    """"Nghệ An" -> "nghe-an" (deep links: t.me/<bot>?start=nghe-an)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name.lower())).strip("-")


def province_from_slug(slug: str) -> str | None:
    """The province a deep-link slug names ("nghe-an", "Nghe_An", "quang ninh"), or None."""
    wanted = province_slug(slug.replace("_", " "))
    if not wanted:
        return None
    return next((current_name(name) for name in (*PROVINCES, *PROVINCES_BEFORE_2025) if province_slug(name) == wanted),
                {"hcm": current_name("Hồ Chí Minh"), "tp-hcm": current_name("Hồ Chí Minh")}.get(wanted))
