"""Comparing provinces: "Nghệ An và Quảng Ninh, tỉnh nào ban hành nghị quyết sớm hơn?"

Each province is answered on its own (bot/answer.py, bot/analysis.per_province), in the order named,
asked the words of its own clauses ("X ở Thanh Hóa là ai, so với Y ở Quảng Ninh …?").
When the question asks which came first or last, the province whose quoted date says so is cited
first, so the reply (and its short answer) leads with the answer to the comparison rather than with
the province named first. Dates are read from the quoted fact; a part without one leaves the order
as named: nothing is compared on a guess.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from bot.language import NUMBER_WORDS
from bot.places import provinces_of_places
from bot.provinces import mentions
from bot.records import Citation
from bot.text import fold

# On the folded question. "trước" alone only counts at the end ("… ban hành trước?"): elsewhere it is
# mostly "before" a date ("trước ngày 30/9").
_EARLIER = re.compile(r"\b(?:som hon|co truoc|truoc tien|dau tien|earlier|sooner|first)\b|\btruoc\W*$")
_LATER = re.compile(r"\b(?:muon hon|tre hon|sau cung|gan day hon|later|more recently|most recently)\b|\bsau\W*$")
# 05/8/2022, 5/2022 (tháng 5/2022), năm 2021: the first one in a fact, as (year, month, day).
_FULL_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})\b")
_MONTH_YEAR = re.compile(r"\b(\d{1,2})/((?:19|20)\d{2})\b")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_DAY_MONTH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
# How long a review looked back ("hội nghị tổng kết 3 năm", "sau 2 năm thực hiện", "the three-year
# review", folded): a meeting a question takes for granted (bot/judge.py), and what "which review
# looked back longer?" compares.
_SPAN_EN = r"(\d+|one|two|three|four|five)"
_REVIEW_SPAN = re.compile(rf"\b(?:so ket|tong ket|danh gia|sau|qua)\s+(?:hon\s+)?(\d+|mot|hai|ba)\s+nam\b"
                          rf"|\b{_SPAN_EN}[- ]years?\s+(?:review|check-up|checkup|stocktake|assessment)\b"
                          rf"|\b(?:after|reviewing|reviewed|review of)\s+(?:the\s+(?:first\s+)?)?{_SPAN_EN}\s+years?\b")
_YEARS = {**NUMBER_WORDS, "mot": "1", "hai": "2", "ba": "3"}
_LONGER = re.compile(r"\b(?:dai hon|lau hon|dai nhat|lau nhat|longer|longest|more years)\b")
_SHORTER = re.compile(r"\b(?:ngan hon|ngan nhat|shorter|shortest|fewer years)\b")
# Words of a comparison itself, which no one province's answer holds: as written, and as typed
# without diacritics (where "tinh" may also be "tình", but is most likely "tỉnh nào").
_COMPARING_WORDS = frozenset("hơn sớm muộn trễ nhất trước sau tỉnh hon som muon tre nhat truoc tinh "
                             "first earlier later sooner province which".split())


# Clauses of a comparison ("X ở Thanh Hóa là ai, so với Y ở Quảng Ninh thì …?", "Nghệ An's one-year
# review or Quảng Ninh's two-year review?"); sentences too.
_CLAUSE = re.compile(r"[,;:]\s+|(?<=[.?!])\s+|\s(?:or|and|versus|vs|hay|hoặc|và|so với|với)\s", re.IGNORECASE)
# A statement before a semicolon is a sentence of its own ("Thanh Hóa ban hành … ngày 10/11/2021;
# Nghệ An … trước ngày nào?" asks of Nghệ An alone); so is one before a comma and "còn" / "while"
# ("Quảng Ninh đạt 7/20 mục tiêu, còn Nghệ An thì đạt bao nhiêu?").
_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|,\s+(?=(?:còn|con|trong khi|nhưng|while|whereas|but)\s)", re.IGNORECASE)


def words_asked_of(text: str, provinces: tuple[str, ...], asks: Callable[[str], bool]) -> dict[str, str]:
    """For each province a comparison asks about, the words asked of it: the clauses naming it and
    those naming no province ("Lãnh đạo chỉ đạo hội nghị ở Thanh Hóa là ai, so với người chủ trì
    cuộc họp ở Quảng Ninh …": "chủ trì cuộc họp" is asked of Quảng Ninh only). A province named
    only in a sentence that asks nothing is the scene, not a part ("Thanh Hóa aims for the top 10.
    What range did Nghệ An propose?" asks of Nghệ An alone; see scene_words). A province whose
    clauses hold nothing but its name ("…, còn Quảng Ninh?") is asked the whole question. `asks`:
    whether a sentence has a question word (bot/asking.asks_a_question); one ending in "?" asks too."""
    asking = _asking_sentences(text, asks)
    asked = _asked_provinces(asking, provinces)
    # "Ở Nghệ An Chủ tịch là X; ở Quảng Ninh, người giữ chức đó là ai?": a part holding only its
    # name is asked what the asking sentences ask, not what the scene says of another province
    whole = " ".join(asking) if len(asked) < len(provinces) else ""
    return {province: _own_words(text, province) or whole for province in asked}


def scene_words(text: str, provinces: tuple[str, ...], asks: Callable[[str], bool]) -> dict[str, str]:
    """For each province named only to set the scene, the words said of it ("Thanh Hóa aims for
    the national top 10"): not a part of the answer, but the source of what the question takes for
    granted, cited after the answer (its readers check the premise; our question writers expect it)."""
    asked = _asked_provinces(_asking_sentences(text, asks), provinces)
    return {province: words for province in provinces if province not in asked
            for words in [_own_words(text, province, shared=False)] if words}


def _asked_provinces(asking: list[str], provinces: tuple[str, ...]) -> list[str]:
    """The provinces the asking sentences name; all of them when those name none."""
    return [p for p in provinces if any(p in _named(s) for s in asking)] or list(provinces)


def _asking_sentences(text: str, asks: Callable[[str], bool]) -> list[str]:
    return [sentence for sentence in _sentences(text, asks) if "?" in sentence or asks(sentence)]


def _sentences(text: str, asks: Callable[[str], bool]) -> list[str]:
    """The question's sentences; a statement about one province before a comma and a clause opening
    with another is a sentence of its own too ("Thanh Hóa muốn vào nhóm 10 tỉnh dẫn đầu, Nghệ An đặt
    mục tiêu tốp mấy?"), unless it is short enough to be a list ("So sánh Nghệ An, Quảng Ninh …")."""
    out = []
    for sentence in _SENTENCE_END.split(text):
        current, *rest = re.split(r",\s+", sentence)
        for clause in rest:
            opening = _named(" ".join(clause.split()[:3]))
            if opening and len(current.split()) >= _MIN_STATEMENT_WORDS and _named(current) - opening \
                    and "?" not in current and not asks(current):
                out.append(current)
                current = clause
            else:
                current = f"{current}, {clause}"
        out.append(current)
    return out


_MIN_STATEMENT_WORDS = 5


def _own_words(text: str, province: str, shared: bool = True) -> str:
    """The clauses naming the province and (shared) those naming none; "" when its own hold nothing
    but its name."""
    clauses = [(c, _named(c)) for c in _CLAUSE.split(text) if c.strip()]
    own = [c for c, named in clauses if province in named]
    shared = [c for c, named in clauses if not named] if shared else []
    return " ".join(own + shared) if any(_has_content(c, province) for c in own) else ""


def _named(text: str) -> set[str]:
    """The provinces a clause names, or names by a town in it ("ở Cửa Lò": Nghệ An)."""
    return {name for _, _, name in mentions(text)} | set(provinces_of_places(text))


def _has_content(clause: str, province: str) -> bool:
    """More than the province's name and the words of a follow-up ("còn Quảng Ninh thì sao")."""
    rest = clause
    for start, end, _ in sorted(mentions(clause), reverse=True):
        rest = rest[:start] + rest[end:]
    return len(re.sub(r"\b(?:con|thi sao|the nao|and|what about|how about|or|hay|va|voi|cua|o|tinh|tai)\b", " ",
                      fold(rest)).split()) >= 2


def _year(published: str) -> int:
    """The year of a citation's publication date ("2024-03-19", "19/03/2024"); 0 when unknown."""
    m = re.search(r"\b((?:19|20)\d{2})\b", published or "")
    return int(m.group(1)) if m else 0


def compares(word: str) -> bool:
    """True for a word of the comparison itself ("sớm", "hơn", "first", "province")."""
    return word.lower() in _COMPARING_WORDS


def date_order(question: str) -> str:
    """"earliest" for "sớm hơn / trước / earlier / first", "latest" for "muộn hơn / later", else ""."""
    folded = fold(question)
    if _EARLIER.search(folded):
        return "earliest"
    if _LATER.search(folded):
        return "latest"
    return ""


def review_spans(text: str) -> set[str]:
    """The years each review a text names looked back over ("sơ kết 1 năm" -> "1"), as digits."""
    return {str(int(_YEARS.get(n, n))) for m in _REVIEW_SPAN.finditer(fold(text).lower()) for n in m.groups() if n}


def span_order(question: str) -> str:
    """"longest" for "dài hơn / longer", "shortest" for "ngắn hơn / shorter", else ""."""
    folded = fold(question)
    return "longest" if _LONGER.search(folded) else "shortest" if _SHORTER.search(folded) else ""


def ordered_by_span(order: str, citations: list[Citation], facts: dict[int, str]) -> tuple[list[Citation], dict[int, str]]:
    """"Which review looked back longer?": the citations (one per province) with the longest or
    shortest review their quote names first, renumbered; unchanged unless every quote names one."""
    spans = [review_spans(c.quote) for c in citations]
    if not order or len(citations) < 2 or not all(spans):
        return citations, facts
    years = [max(int(s) for s in found) if order == "longest" else min(int(s) for s in found) for found in spans]
    return _ranked(citations, facts, years, reverse=order == "longest")


def first_date(text: str, year: int = 0) -> tuple[int, int, int] | None:
    """The first date written in text, as (year, month, day); 0 for a part not given. A day and
    month alone ("Sáng 19/3") are of `year`, the year the article was published, as news writes."""
    found = []
    for pattern, parts in ((_FULL_DATE, lambda m: (int(m[3]), int(m[2]), int(m[1]))),
                           (_MONTH_YEAR, lambda m: (int(m[2]), int(m[1]), 0)),
                           (_YEAR, lambda m: (int(m[1]), 0, 0)),
                           (_DAY_MONTH, lambda m: (year, int(m[2]), int(m[1])))):
        found += [(m.start(), parts(m)) for m in pattern.finditer(text)]
    # a day and month of an unknown year, or none that can be ("7/20 mục tiêu"), is no date
    found = [(at, date) for at, date in found if date[0] and date[1] <= 12 and date[2] <= 31]
    if not found:
        return None
    # the earliest position wins; at one position the fullest form (listed first) does
    return min(found, key=lambda item: item[0])[1]


def ordered_by_date(order: str, citations: list[Citation], facts: dict[int, str]) -> tuple[list[Citation], dict[int, str]]:
    """The citations (one per province) with the earliest or latest date first, renumbered, and
    their facts under the new numbers; unchanged unless every citation's fact holds a date."""
    dates = [first_date(facts.get(c.n, ""), _year(c.published)) for c in citations]
    if not order or len(dates) < 2 or any(date is None for date in dates):
        return citations, facts
    return _ranked(citations, facts, dates, reverse=order == "latest")


def _ranked(citations: list[Citation], facts: dict[int, str], keys: list, reverse: bool) -> tuple[list[Citation], dict[int, str]]:
    """The citations sorted by their keys (ties keep their order), renumbered, with their facts."""
    ranked = [c for _, c in sorted(zip(keys, citations), key=lambda item: item[0], reverse=reverse)]
    return [replace(c, n=n) for n, c in enumerate(ranked, start=1)], {n: facts.get(c.n, "") for n, c in enumerate(ranked, start=1)}
