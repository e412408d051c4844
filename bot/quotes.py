"""Step 4 of answering: the sentences to quote from each cited document, and the fact itself.

A sentence is chosen for what the question asks: the one holding a date for "khi nào / when", a
number for "bao nhiêu / how many", a person for "ai / who" (often the sentence after the event:
"Đồng chí X … chủ trì"), a decision over a proposal. English words rarely occur in Vietnamese
text, so for English questions the multilingual model's similarity of each sentence counts too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis import Query, asks_of
from bot.embedding import Embedder
from bot.provinces import provinces_in
from bot.records import Hit
from bot.search import Searcher
from bot.text import fold, sentence_spans

_DAY_MONTH = r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"  # 21/9, 05/8/2022
_DATE = re.compile(
    _DAY_MONTH + r"|\b(?:ngày|tháng)\s+\d{1,2}(?:\s*(?:/|năm)\s*\d{1,4})*|\bnăm\s+\d{4}\b|\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b\d[\d.,]*(?:\s*(?:%|phần trăm|triệu|tỷ|nghìn|ngàn|người|hồ sơ|doanh nghiệp|xã|dịch vụ|thủ tục|đơn vị))?", re.IGNORECASE)
_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_NAME = rf"[{_UPPER}][^\W\d_]*(?:\s+[{_UPPER}][^\W\d_]*){{1,3}}"
_TITLES = "Chủ tịch|Phó Chủ tịch|Bí thư|Phó Bí thư|Giám đốc|Phó Giám đốc|Tổng Giám đốc|Trưởng|Phó Trưởng|Thứ trưởng|Bộ trưởng|Ủy viên"
_PERSON = re.compile(rf"(?:(?:đồng chí|ông|bà|Đồng chí|Ông|Bà)\s+(?!(?:{_TITLES})\b)(?:{_NAME}))|(?:{_NAME})(?=\s*[,–-]?\s*(?:{_TITLES}))")
# "Giám đốc Sở Y tế Dương Đình Chỉnh", "Chủ tịch UBND tỉnh Nguyễn Đức Trung": the name after the post.
_TITLED_NAME = rf"(?:{_TITLES})(?:\s+[^\s,.;:()“”\"]+){{1,6}}?\s+(?P<name>{_NAME})(?![^\W\d_])"
_SOMEONE = re.compile(rf"{_PERSON.pattern}|{_TITLED_NAME}")
# A document's number: "586/KH-UBND", "09-NQ/TU", "168/2025/NĐ-CP", "Kế hoạch số 634".
_CODE = rf"\d+(?:/\d+)*[/-][{_UPPER}][\w-]*(?:/[{_UPPER}][\w-]*)*"
_DOCUMENT_NUMBER = re.compile(rf"\b[sS]ố\s+(?:{_CODE}|\d+\b)|\b{_CODE}")
# A date down to the day, for questions asking for one ("ngày nào", "what date").
_DAY = re.compile(_DAY_MONTH + r"|\bngày\s+\d{1,2}\b", re.IGNORECASE)
# A month, for "tháng mấy?": "tháng 5/2022", "5/2022", "21/9".
_MONTH = re.compile(_DAY_MONTH + r"|\btháng\s+\d{1,2}\b|\b\d{1,2}/(?:19|20)\d{2}\b", re.IGNORECASE)
# "UBND tỉnh vừa ban hành Kế hoạch …", "sáng nay": news dating an event by the article's own date,
# which the citation shows; an answer to "khi nào?", though not to "ngày nào?".
_JUST_DONE = re.compile(r"\b(?:vừa|mới)\s+(?:mới\s+|được\s+)?(?:ban hành|tổ chức|ký|phê duyệt|thông qua|khai trương|ra mắt|công bố|"
                        r"khánh thành|họp|diễn ra|triển khai)\b|\b(?:sáng|chiều|tối|trưa)\s+nay\b|\bhôm\s+(?:nay|qua)\b|\bmới đây\b",
                        re.IGNORECASE)
# Kinds of document (folded), each written with its number and day.
_DOCUMENT_KINDS = ("nghi quyet", "ke hoach", "quyet dinh", "chi thi", "thong tu", "nghi dinh", "luat", "cong van", "de an",
                   "chuong trinh", "thong bao", "ket luan")
# A plan's horizon in its title: "đến năm 2025, định hướng đến năm 2030", "tầm nhìn đến năm 2045".
_HORIZON = re.compile(r"(?:\bđến năm\s+\d{4}\s*,?\s*(?:và\s+)?)?\b(?:định hướng|tầm nhìn)\s+(?:đến\s+)?năm\s+\d{4}", re.IGNORECASE)
_FACT_PATTERNS = {"day": _DAY, "month": _MONTH, "when": _DATE, "how_many": _NUMBER, "who": _SOMEONE, "document_number": _DOCUMENT_NUMBER}
# Digits that count nothing: a date ("ngày 26/4/2022" does not say how many attended) or a year, and
# a document's number ("Nghị quyết số 09").
_DATE_DIGITS = re.compile(_DAY_MONTH + r"|\b(?:ngày|tháng|năm)\s+\d{1,4}(?:\s*/\s*\d{1,4})*", re.IGNORECASE)
# "Ai là Bí thư Tỉnh ủy Quảng Ninh?", "Giám đốc Sở Y tế là ai?", "Who is …": a question of identity,
# answered only by a person named with the role asked (folded question).
_IDENTITY = re.compile(r"^\W*(?:(?:the|vay|con|va|so|and|then)\s+)?(?:ai la|who is|who's|who was)\b|\bla ai\W*$")
# Decisions weigh more than proposals when both answer ("phấn đấu" in a resolution vs "đề xuất").
_DECIDED = re.compile(r"\b(kết luận|quyết nghị|thống nhất|thông qua|quyết định|ban hành|chỉ đạo)\b", re.IGNORECASE)
_PROPOSED = re.compile(r"\b(đề xuất|dự thảo|kiến nghị|dự kiến|cho rằng|đề nghị|thay vì|góp ý)\b", re.IGNORECASE)
# Clauses of a long sentence, for the short answer: "…; các mục tiêu trong trục kinh tế số đã hoàn thành 30% (…)".
# A comma before a date is no clause end: "Nghị quyết số 09-NQ/TU, ngày 05/8/2022" is one reference.
_CLAUSE_END = re.compile(r"[;:](?=\s)|,(?=\s)(?![^()]*\))(?!\s+ngày\s+\d)")
_FACT_BONUS, _DECISION_BONUS = 0.15, 0.1
# Retrieved chunks of a document, after those judged, looked at for a count the judged ones lack.
_FURTHER_CHUNKS = 3
# More than coverage and pairs can add up to: a sentence of the article the question names always wins.
_NAMED_ARTICLE_BONUS = 2.0
# Shorter than this, what follows a colon is a label or a list head, not the fact.
_MIN_SAID_CHARS = 40


@dataclass(frozen=True)
class Quote:
    text: str  # verbatim sentences in reading order, joined by " … "
    fact: str  # the asked-for span (a date, number, name) or the best sentence; verbatim
    locator: str = ""  # "Điều 5, khoản 2" of the chunk holding the best sentence, in legal documents


def quote_for(searcher: Searcher, embedder: Embedder | None, query: Query, hits: tuple[Hit, ...], max_chars: int,
              max_sentences: int = 2, cosine_weight: float = 1.0) -> Quote:
    """The best sentences of a document's retrieved chunks for the question, about max_chars long."""
    sentences, source = _sentences(hits)
    if not sentences:
        return Quote("", "")
    offsets = sorted(sentences)
    scores = _scores(searcher, embedder if cosine_weight else None, query, sentences, source, offsets,
                     hits[0].metadata.provinces, cosine_weight)
    best = max(offsets, key=lambda o: (scores[o], -o))
    chosen = [best]
    fact_at = best
    following = _next_offset(offsets, best)
    if not _facts_in(query, sentences[best]) and following is not None and _facts_in(query, sentences[following]):
        chosen.append(following)  # "Hội nghị … diễn ra" then "Đồng chí X chủ trì"
        fact_at = following
    for offset in sorted(offsets, key=lambda o: -scores[o]):
        if len(chosen) >= max_sentences or _length(sentences, chosen) >= max_chars:
            break
        if offset not in chosen and scores[offset] >= 0.8 * scores[best] and _length(sentences, chosen + [offset]) <= max_chars * 1.5 \
                and source[offset].article == source[best].article:  # one quote, one cited article
            chosen.append(offset)
    if not _facts_in(query, sentences[fact_at]):  # the fact from another sentence quoted, when only it has one
        fact_at = next((o for o in chosen if _facts_in(query, sentences[o])), fact_at)
    chosen.sort()
    text = " … ".join(sentences[o] for o in chosen)
    return Quote(text, fact_span(searcher, query, sentences[fact_at], provinces=hits[0].metadata.provinces), source[best].locator)


def chunks_to_quote(searcher: Searcher, query: Query, hits: tuple[Hit, ...], examined: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """The chunks judged and, for a follow-up, the document's retrieved chunk holding most of its
    own words when the judged ones hold fewer: in "<Ai chủ trì Hội nghị lần thứ 9 …> – ai trình bày
    dự thảo?" the topic's words find the meeting, and the sentence naming who presented the draft
    may be further down the article. So for the number of what a question counts."""
    if not examined:
        return examined
    further = (*_further_focus(searcher, query, hits, examined), *_further_count(query, hits, examined),
               *_further_fact(searcher, query, hits, examined))
    return (*examined, *dict.fromkeys(h for h in further if h not in examined))


def _further_focus(searcher: Searcher, query: Query, hits: tuple[Hit, ...], examined: tuple[Hit, ...]) -> tuple[Hit, ...]:
    if not query.focus:
        return ()
    focus = {h.chunk_id: searcher.concepts_coverage(query.focus, h.text, h.metadata.provinces) for h in (*examined, *hits)}
    best = max(hits, key=lambda h: focus[h.chunk_id])
    if focus[best.chunk_id] <= max(focus[h.chunk_id] for h in examined):  # judged chunks included
        return ()
    return (best,)


def _further_fact(searcher: Searcher, query: Query, hits: tuple[Hit, ...], examined: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """"Tại Hội nghị lần thứ 9, đồng chí nào trình bày dự thảo?": the document's next retrieved chunk
    whose sentence naming a person holds more of the question than any such sentence of the judged
    chunks. (Not for days or document numbers: "Nghị quyết số 09 trong năm 2024" would win there.)"""
    if query.asks != "who":
        return ()

    def best(hit: Hit) -> float:
        sentences = (hit.text[a:b] for a, b in sentence_spans(hit.text))
        return max((searcher.coverage(query, s, hit.metadata.provinces) for s in sentences if _facts_in(query, s)), default=0.0)

    have = max(best(h) for h in examined)
    further = [(best(h), h) for h in hits[len(examined): len(examined) + _FURTHER_CHUNKS]]
    score, hit = max(further, key=lambda item: item[0], default=(0.0, None))
    return (hit,) if hit is not None and score > have else ()


def _further_count(query: Query, hits: tuple[Hit, ...], examined: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """"QN có mấy trục chính?": when no judged chunk has a number beside the word counted ("3 trục
    chính") and one of the document's next retrieved chunks has, that one too."""
    units = _counted_units(_counting_part(query))[0] if query.asks == "how_many" else ()
    if not units or any(_number_beside(h.text, units) for h in examined):
        return ()
    return next(((h,) for h in hits[len(examined): len(examined) + _FURTHER_CHUNKS]
                 if h not in examined and _number_beside(h.text, units)), ())


# Counts written in words ("hai", "ba mươi"): XQuAD and news write small numbers so.
_NUMBER_WORD = re.compile(r"\b(?:một|hai|ba|bốn|tư|năm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|triệu|tỷ|tỉ|nửa|"
                          r"one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b", re.IGNORECASE)


def holds_asked_kind(query: Query, quote: Quote) -> bool:
    """False when a "how many / when" question's quote holds no number or date at all, a question
    asking for a document's number ("số hiệu") gets none, or one asking for a day ("ban hành ngày
    nào?") gets only years ("đến năm 2025"): whatever the passage is about, it does not say what
    was asked. A question of who holds a post gets no name at all."""
    whole, query = query, query.asked_part()
    if query.asks == "document_number":
        return bool(_DOCUMENT_NUMBER.search(quote.text))
    if query.asks == "who" and query.language == "vi" and _IDENTITY.search(fold(query.text)):
        # "Ai là Chủ tịch UBND tỉnh?" is not answered by "Chủ tịch UBND tỉnh đề nghị …": a name, or nothing
        return any(not provinces_in(m.group(0)) for m in re.finditer(_NAME, quote.text))
    if query.asks in ("day", "month"):
        return bool(_FACT_PATTERNS[query.asks].search(quote.text))
    if query.asks == "how_many":
        counts = _counts(quote.text) or _NUMBER_WORD.search(_without_dates(quote.text))
        return bool(counts) and _counts_what_was_asked(whole, quote.text)
    if query.asks != "when":
        return True
    if _JUST_DONE.search(quote.text):
        return True
    # the digits of "Covid-19" or "4.0" are no date, nor the years in a plan's title
    digits = re.sub(r"(?<=[^\W\d_])-?\d+|\b\d\.\d\b", "", _without_horizons(quote.text))
    return bool(re.search(r"\d", digits) or _NUMBER_WORD.search(digits))


def _without_horizons(text: str) -> str:
    """text without the years of a plan's title ("… tỉnh Nghệ An đến năm 2025, định hướng đến năm
    2030"), which every sentence naming the plan repeats and which say nothing of when anything
    happened; offsets kept."""
    return _HORIZON.sub(lambda m: " " * len(m.group(0)), text)


def _without_dates(text: str) -> str:
    """text with its dates and document numbers blanked out, offsets kept."""
    blank = lambda m: " " * len(m.group(0))
    return _DOCUMENT_NUMBER.sub(blank, _DATE_DIGITS.sub(blank, text))


def _counts(text: str) -> list[str]:
    """The numbers in text that count something, verbatim: not dates, years or document numbers."""
    return [text[m.start():m.end()].strip() for m in _NUMBER.finditer(_without_dates(text))]


# "bao nhiêu tỷ đồng / người / phần trăm?": a count of money, people or a share is answered by a
# number of that (folded; words around the number, either side: "ở tuổi 39" is how ages are written).
# Only these: other things counted are named too many ways ("bao nhiêu khu vực" ~ "ba tâm chấn").
_COUNTED = re.compile(r"\bbao nhieu\s+(phan tram|ty|ti|trieu|nghin|dong|usd|do la|nguoi|dan|tien)\b"
                      r"|\bhow many\s+(?:people|persons|residents|inhabitants|citizens|attendees|participants|delegates)\b")
_MONEY = ("ty", "ti", "trieu", "dong", "vnd", "usd", "do la", "$", "euro", "bang", "yen")
_PEOPLE = ("nguoi", "dan", "dai bieu", "can bo", "cong chuc", "vien chuc", "thanh vien", "hoc vien", "lao dong")
_SAME_COUNT = {"phan tram": ("%", "phan tram", "nua"), "dan": _PEOPLE, "nguoi": _PEOPLE, "ty": ("ty", "ti"),
               "ti": ("ty", "ti"), "do la": ("do la", "usd", "$"), "usd": ("do la", "usd", "$"), "tien": _MONEY}
# "Tổng kinh phí … là bao nhiêu?", "How much did they spend?": an amount of money, in any currency,
# whatever follows "bao nhiêu" (folded question; "tiền" only as written with its diacritics, since
# folded "tien" is also "tiến độ").
_MONEY_ASKED = re.compile(r"\b(kinh phi|ngan sach|chi phi|von dau tu|tong muc dau tu|budget|cost|costs|spend|spent|"
                          r"money|funding|funds|price|invest|invested|investment)\b")
# "bao nhiêu mục tiêu", "mấy trục": the word counted, preferred beside the quote's number; not these, which
# say nothing of what is counted.
_COUNTED_WORD = re.compile(r"\b(?:bao nhieu|may)\s+([^\W\d_]+)")
_NOT_COUNTED_WORDS = frozenset("la thi the vay a o trong cua va con nhi nhe".split())
# Numbers as written in words, with diacritics: folded, "ba", "nam", "sau" are also "bà", "năm", "sau".
_NUMBER_WORDS_VI = {"một", "hai", "ba", "bốn", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mươi", "trăm", "nghìn",
                    "ngàn", "triệu", "tỷ", "tỉ", "nửa"}
_COUNT_WINDOW = 2  # words between a number and what it counts, either side: "ở tuổi 39", "1,3 triệu người"


def _counting_part(query: Query) -> Query:
    """The part of a question saying what is counted: a follow-up's own words, or, when it has no
    count of its own ("<… bao nhiêu phần trăm?> – thế còn kinh tế số?"), the whole question."""
    asked = query.asked_part()
    return asked if asks_of(asked.text) == "how_many" else query


def _counted_units(query: Query) -> tuple[tuple[str, ...], bool]:
    """What a how-many question counts, as the folded words a number of the answer stands beside,
    and whether a confident answer must have one: money, people and shares are named few ways;
    anything else ("bao nhiêu mục tiêu": "7/20 mục tiêu") is only preferred, since "bao nhiêu khu
    vực" may be answered by "ba tâm chấn"."""
    folded = fold(query.text)
    m = _COUNTED.search(folded)
    if m:
        unit = m.group(1) or "nguoi"  # "how many people …"
        return _SAME_COUNT.get(unit, (unit,)), True
    if _MONEY_ASKED.search(folded) or re.search(r"(?<!\w)tiền(?!\w)", query.text.lower()):
        return _MONEY, True
    word = _COUNTED_WORD.search(folded)
    return ((word.group(1),) if word and word.group(1) not in _NOT_COUNTED_WORDS else ()), False


def _counts_what_was_asked(query: Query, text: str) -> bool:
    """"Nghệ An chi bao nhiêu tỷ đồng?" is not answered by "Kế hoạch số 634 ngày 29/8/2023": a
    number of the money, people or share asked, or the answer is not confident."""
    units, required = _counted_units(_counting_part(query))
    return not required or _number_beside(text, units)


def _number_beside(text: str, units: tuple[str, ...]) -> bool:
    """A number in text (not a date) with one of the units (folded words) next to it."""
    if ("%" in units and re.search(r"\d\s*%", text)) or ("$" in units and re.search(r"\$\s*\d|\d\s*\$", text)):
        return True
    tokens = re.findall(r"\d[\d.,/]*|[^\W\d_]+", _without_dates(text).lower())
    folded = [fold(t) for t in tokens]
    numbers = [i for i, t in enumerate(tokens) if t[0].isdigit() or t in _NUMBER_WORDS_VI]
    wanted = [u.split() for u in units if u not in ("%", "$")]
    return any(folded[j: j + len(u)] == u
               for i in numbers for u in wanted
               for j in range(max(0, i - _COUNT_WINDOW - len(u) + 1), i + _COUNT_WINDOW + 2) if j != i)


_ROLE_END = re.compile(r"[;.]|\s(?:đề nghị|phát biểu|cho biết|nhấn mạnh|chủ trì|trình bày)\b")
_ROLE_WORDS_BEFORE = 60  # "Giám đốc Sở Y tế Dương Đình Chỉnh": the role may come first


def names_the_asked_role(searcher: Searcher, query: Query, quote: Quote, provinces: tuple[str, ...] = ()) -> bool:
    """False when an identity question's quote names people, none with the role asked: "Phó Bí
    thư Tỉnh ủy" does not answer "Ai là Bí thư Tỉnh ủy?", nor "Giám đốc Sở Y tế" "Ai là giám đốc
    công an tỉnh?". Names written otherwise (most text outside the news) are not judged."""
    query = query.asked_part()
    folded_question = fold(query.text)
    if query.asks != "who" or not _IDENTITY.search(folded_question):
        return True
    deputy = bool(re.search(r"\b(?:pho|deputy|vice)\b", folded_question))
    title = next((fold(p.key) for c in query.concepts if not c.province for p in c.phrases if fold(p.key) not in ("pho", "deputy", "vice")), "")
    # officials as the provincial news name them ("đồng chí X – Giám đốc …"), not "ông X" of any text
    people = [m for m in _PERSON.finditer(quote.text) if not re.match(r"(?i)ông|bà", m.group(0))]
    for m in people:
        after = quote.text[m.end():]
        end = _ROLE_END.search(after)
        role = quote.text[max(0, m.start() - _ROLE_WORDS_BEFORE): m.start()] + " " + after[: end.start() if end else 100]
        role = searcher.analyzer.normalizer.expand(role, chat=False)  # "Chủ tịch UBND tỉnh", as the question was read
        if searcher.coverage(query, role, provinces) >= 0.999 and _holds_title(fold(role).lower(), title, deputy):
            return True
    return not people


def _role_coverage(searcher: Searcher, query: Query, sentence: str, name: str, provinces: tuple[str, ...]) -> float:
    """How much of the question the role written after `name` (up to the next ";" or verb) holds."""
    after = sentence[sentence.find(name) + len(name):]
    end = _ROLE_END.search(after)
    role = searcher.analyzer.normalizer.expand(after[: end.start() if end else 100], chat=False)
    return searcher.coverage(query.asked_part(), role, provinces)


def _holds_title(role: str, title: str, deputy: bool) -> bool:
    """The asked title in the (folded) role, as the deputy ("pho chu tich") or not ("chu tich") as asked."""
    return not title or any(bool(re.search(r"\bpho\s+$", role[: m.start()])) == deputy
                            for m in re.finditer(r"(?<!\w)" + re.escape(title) + r"(?!\w)", role))


def fact_span(searcher: Searcher, query: Query, sentence: str, provinces: tuple[str, ...] = ()) -> str:
    """What was asked, verbatim from the best sentence: for when / how many / who, the clause
    holding a date, number or name that covers the question best ("các mục tiêu trong trục kinh tế
    số đã hoàn thành 30%"), or the name itself; otherwise the whole sentence."""
    pattern = _FACT_PATTERNS.get(query.asks)
    if not pattern:
        return _what_was_said(searcher, query, sentence, provinces)
    if query.asks == "who":
        # of several people named ("X – Phó Bí thư …; Y – …, Chủ tịch UBND tỉnh"), the one whose
        # role holds most of the question; the first on a tie
        names = _facts_in(query, sentence)
        return max(names, key=lambda n: (_role_coverage(searcher, query, sentence, n, provinces), -names.index(n)), default=sentence)
    # "ban hành ngày nào?": the clause with a day, not "định hướng đến năm 2030" beside it
    clauses = [c.strip() for c in _clauses(sentence) if _facts_in(query, c)]
    if not clauses:
        return sentence
    return max(clauses, key=lambda c: (_relevance(searcher, query, c, provinces), -len(c)))


def _what_was_said(searcher: Searcher, query: Query, sentence: str, provinces: tuple[str, ...]) -> str:
    """"Bí thư Tỉnh ủy kết luận: Nghệ An cần phấn đấu …": what was concluded, when it holds the
    question's content at least as well as who said it."""
    lead, colon, said = sentence.partition(": ")
    said = said.strip(" “”\"")
    if not colon or len(said) < _MIN_SAID_CHARS:
        return sentence
    return said if _relevance(searcher, query, said, provinces) >= _relevance(searcher, query, lead, provinces) else sentence


def _clauses(sentence: str) -> list[str]:
    out, start = [], 0
    for m in _CLAUSE_END.finditer(sentence):
        out.append(sentence[start:m.start()])
        start = m.end()
    return [c for c in out + [sentence[start:]] if c.strip()]


def _sentences(hits: tuple[Hit, ...]) -> tuple[dict[int, str], dict[int, Hit]]:
    """Sentences of the chunks by their offset in the document (chunks overlap), and their chunk."""
    out: dict[int, str] = {}
    source: dict[int, Hit] = {}
    for hit in hits:
        for start, end in sentence_spans(hit.text):
            if hit.start + start not in out:
                out[hit.start + start] = hit.text[start:end]
                source[hit.start + start] = hit
    return out, source


def _scores(searcher: Searcher, embedder: Embedder | None, query: Query, sentences: dict[int, str],
            source: dict[int, Hit], offsets: list[int], provinces: tuple[str, ...], cosine_weight: float) -> dict[int, float]:
    scores = {}
    counted = _counted_units(_counting_part(query))[0] if query.asks == "how_many" else ()
    asked, dated = fold(query.text), query.asks in ("day", "month", "when")
    # the day of "Kế hoạch 586" is written beside its number (for other questions the number is context)
    named = _named_numbers(query.text) if dated else []
    # the kinds of document whose day is asked, written with it: "Nghị quyết số 09-NQ/TU, ngày 05/8/2022"
    dated_kinds = "|".join(k for k in _DOCUMENT_KINDS if re.search(rf"\b{k}\b", asked)) if dated else ""
    for o in offsets:
        s = sentences[o]
        score = _relevance(searcher, query, s, provinces)
        if dated_kinds and re.search(rf"\b(?:{dated_kinds})\s+(?:so\s+)?[\w/.-]*\s*,?\s*(?:ngay\s+)?\d{{1,2}}/\d{{1,2}}", fold(s)):
            score += _FACT_BONUS  # "Nghị quyết … ban hành ngày nào?": "Nghị quyết số 09-NQ/TU, ngày 05/8/2022"
        if named and all(re.search(rf"(?<![\d/]){n}(?!\d)", s) for n in named):
            score += _FACT_BONUS  # "Kế hoạch 586 … ban hành ngày nào?": not "Kế hoạch số 634 ngày 29/8/2023"
        if _facts_in(query, s):
            # a day, a month or a document's number is said or not: no other sentence answers
            score += _FACT_BONUS * (2 if query.asks in ("day", "month", "document_number") else 1)
            if counted and _number_beside(s, counted):
                score += _FACT_BONUS  # "bao nhiêu mục tiêu?": "7/20 mục tiêu", not "sau 2 năm"
        if query.article and source[o].article == query.article:
            score += _NAMED_ARTICLE_BONUS  # "Điều 5 … quy định gì?": quote that article
        decided, proposed = _said(_DECIDED, s, asked), _said(_PROPOSED, s, asked)
        if decided and not proposed:
            score += _DECISION_BONUS
        elif proposed and not decided:
            score -= _DECISION_BONUS
        scores[o] = score
    if query.language == "en" and embedder is not None:
        # Sentence vectors stored at build time: the question is the only text embedded here.
        stored = searcher.store.sentence_vectors(h.chunk_id for h in source.values())
        question = embedder.encode_query(query.dense_text)
        for o in offsets:
            vector = stored.get(source[o].chunk_id, {}).get(o - source[o].start)
            if vector is not None:
                scores[o] += cosine_weight * float(vector @ question)
    return scores


def _said(pattern: re.Pattern, sentence: str, asked: str) -> bool:
    """A decision ("ban hành", "kết luận") or a proposal ("dự thảo") in the sentence, other than the
    words the question (folded) itself uses: "Nghị quyết … ban hành ngày nào?" is not answered
    better by a sentence because it says "ban hành"."""
    return any(not re.search(rf"\b{re.escape(fold(m.group(0)))}\b", asked) for m in pattern.finditer(sentence))


def _named_numbers(text: str) -> list[str]:
    """The numbers a question names a document or thing by ("Kế hoạch 586", "Nghị quyết 09"): not
    years, dates or counts it states ("sau 2 năm")."""
    return [n for n in re.findall(r"(?<![\d/.,])\d{2,4}(?![\d/.,%])", _without_dates(text)) if not re.fullmatch(r"(?:19|20)\d\d", n)]


def _facts_in(query: Query, text: str) -> list[str]:
    """The spans of `text` of the kind the question asks for. A person is no place ("Nghệ An,
    Giám đốc …") and not the one the question names ("Theo Chủ tịch Nguyễn Đức Trung, … lấy ai làm
    trung tâm?")."""
    pattern = _FACT_PATTERNS.get(query.asks)
    if not pattern:
        return []
    if query.asks == "how_many":  # a number the question states ("sau 2 năm …, bao nhiêu mục tiêu?") is not the answer
        given = set(re.findall(r"\d+", query.text))
        return [n for n in _counts(text) if not set(re.findall(r"\d+", n)) <= given]
    if query.asks == "when":
        return [m.group(0) for m in pattern.finditer(_without_horizons(text))]
    if query.asks != "who":
        return [m.group(0) for m in pattern.finditer(text)]
    asked = fold(query.text)
    names = ((m.group("name") or m.group(0)).strip() for m in pattern.finditer(text))
    return [n for n in names if not provinces_in(n) and _bare_name(n) not in asked]


def _bare_name(person: str) -> str:
    """"đồng chí Nguyễn Đức Trung" -> "nguyen duc trung" (folded, as the question is matched)."""
    return re.sub(r"^(?:dong chi|ong|ba)\s+", "", fold(person).lower())


def _relevance(searcher: Searcher, query: Query, text: str, provinces: tuple[str, ...]) -> float:
    """How much of the question `text` holds: its concepts, its adjacent pairs, and a follow-up's
    own words once more ("<topic> – còn kinh tế số?" is answered by the sentence on kinh tế số)."""
    return (searcher.coverage(query, text, provinces) + 0.5 * searcher.pair_coverage(query, text)
            + searcher.concepts_coverage(query.focus, text, provinces))


def _next_offset(offsets: list[int], offset: int) -> int | None:
    i = offsets.index(offset)
    return offsets[i + 1] if i + 1 < len(offsets) else None


def _length(sentences: dict[int, str], chosen: list[int]) -> int:
    return sum(len(sentences[o]) for o in chosen)
