"""What kind of fact a text holds for a question: a day, a month, a date, a count (of money, of
people, of what was counted), a person (who holds which post: bot/people.py), a document's number.

The judge and the quote selector both ask it: a quote "says what was asked" only when it holds a
fact of the asked kind ("bao nhiêu tỷ đồng?" an amount of money, "ngày nào?" a day, "ai là Chủ
tịch?" someone named with that post). Hand-written patterns: no package recognises these in
Vietnamese provincial news (dates as "05/8/2022", counts as "7/20 mục tiêu", officials as "đồng chí
X – Phó Bí thư …").
"""

from __future__ import annotations

import re

from bot.analysis import Query
from bot.asking import ENGLISH_DOCUMENT_KINDS, ISSUING, asks_of, names_only_a_post, speaker_and_words
from bot.byline import is_byline
from bot.language import NUMBER_WORDS
from bot.people import IDENTITY, NAME, SOMEONE, UPPER, bare_name, holds_title, people_in, post_named, role_of
from bot.provinces import provinces_in
from bot.text import fold

_DAY_MONTH = r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"  # 21/9, 05/8/2022
_DATE = re.compile(
    _DAY_MONTH + r"|\b(?:ngày|tháng)\s+\d{1,2}(?:\s*(?:/|năm)\s*\d{1,4})*|\bnăm\s+\d{4}\b|\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
# A number, with its unit; or an ordinal in Roman numerals ("lần thứ XIII", "khóa XIX"), which
# answers "lần thứ mấy?".
_NUMBER = re.compile(r"\b\d[\d.,]*(?:\s*(?:%|phần trăm|triệu|tỷ|nghìn|ngàn|người|hồ sơ|doanh nghiệp|xã|dịch vụ|thủ tục|đơn vị))?"
                     r"|\b(?:thứ|khóa|khoá)\s+(?-i:[IVXLC]+)\b", re.IGNORECASE)
# A document's number: "586/KH-UBND", "09-NQ/TU", "168/2025/NĐ-CP", "Kế hoạch số 634".
_CODE = rf"\d+(?:/\d+)*[/-][{UPPER}][\w-]*(?:/[{UPPER}][\w-]*)*"
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
DOCUMENT_KINDS = ("nghi quyet", "ke hoach", "quyet dinh", "chi thi", "thong tu", "nghi dinh", "luat", "cong van", "de an",
                   "chuong trinh", "thong bao", "ket luan")
# A document's own day, written after its number: "Nghị quyết số 09-NQ/TU ngày 05/02/2022", "Kế hoạch số
# 634 ngày 29/8/2023"; the English names of the kinds, for questions asking about a document.
_DOCUMENT_DAY = re.compile(rf"(?:{_CODE}|\bsố\s+\d+)\s*,?\s*(?:ngày\s+)?\d{{1,2}}/\d{{1,2}}/\d{{4}}", re.IGNORECASE)
_ISSUING = re.compile(rf"\b{ISSUING}\b")
_DOCUMENT_KINDS_EN = re.compile(rf"\b(?:{ENGLISH_DOCUMENT_KINDS}|document)s?\b")


def document_kinds_in(folded: str) -> list[str]:
    """The kinds of document (DOCUMENT_KINDS) a folded text names."""
    return [k for k in DOCUMENT_KINDS if re.search(rf"\b{k}\b", folded)]


def names_a_document(query: Query) -> bool:
    """The question is about a document (a resolution, a plan …), whose own day may answer it; as
    written out ("nq" is "Nghị quyết")."""
    folded = fold(query.written)
    return bool(document_kinds_in(folded) or _DOCUMENT_KINDS_EN.search(folded))


def dates_a_document(text: str) -> bool:
    """The text's date is a document's own ("… số 09-NQ/TU ngày 05/02/2022"), not an event's."""
    return bool(_DOCUMENT_DAY.search(text))


# A plan's horizon in its title: "đến năm 2025, định hướng đến năm 2030", "tầm nhìn đến năm 2045".
_HORIZON = re.compile(r"(?:\bđến năm\s+\d{4}\s*,?\s*(?:và\s+)?)?\b(?:định hướng|tầm nhìn)\s+(?:đến\s+)?năm\s+\d{4}", re.IGNORECASE)
# A named body: "Bộ TT&TT", "Văn phòng UBND tỉnh", "Ban Thường vụ Tỉnh ủy", "Sở Thông tin và Truyền thông".
_BODY_KINDS = "Bộ|Sở|Cục|Tổng cục|Văn phòng|Trung tâm|Ủy ban|Ban|Hội đồng|UBND|HĐND|Tỉnh ủy"
_BODY = re.compile(rf"(?<!\w)(?:{_BODY_KINDS})\s+(?:[{UPPER}][\w&]*)(?:\s+(?:và\s+)?(?:[{UPPER}][\w&]*|tỉnh|huyện))*")
# the kind of body asked for (folded question word -> how the body's name begins); others: any body
_BODY_ASKED = {"bo": "Bộ", "ministry": "Bộ", "ministries": "Bộ", "cuc": "Cục", "department": "Sở|Cục", "van phong": "Văn phòng",
               "office": "Văn phòng|Trung tâm"}
_BODY_WORD = re.compile(r"\b(bo|cuc|van phong)\s+nao\b|\b(ministry|ministries|department|office)\b")
# A named place: "tại Hội trường Sở Thông tin và Truyền thông", "tại điểm cầu Cửa Lò", "ở Hạ Long".
_PLACE = re.compile(rf"(?<!\w)(?:[Tt]ại|[Ởở])\s+(?:(?:[Hh]ội trường|[Tt]rụ sở|[Đđ]iểm cầu|[Nn]hà văn hóa|[Tt]rung tâm)\s+)?"
                    rf"[{UPPER}][\w&]*(?:\s+(?:và\s+)?[{UPPER}][\w&]*)*")
_FACT_PATTERNS = {"day": _DAY, "month": _MONTH, "when": _DATE, "how_many": _NUMBER, "who": SOMEONE, "document_number": _DOCUMENT_NUMBER,
                  "body": _BODY, "place": _PLACE}
FACT_KINDS = frozenset(_FACT_PATTERNS)  # Query.asks values a fact answers
# Digits that count nothing: a date ("ngày 26/4/2022" does not say how many attended) or a year, and
# a document's number ("Nghị quyết số 09").
_DATE_DIGITS = re.compile(_DAY_MONTH + r"|\b(?:ngày|tháng|năm)\s+\d{1,4}(?:\s*/\s*\d{1,4})*", re.IGNORECASE)


# Counts written in words ("hai", "ba mươi"): XQuAD and news write small numbers so.
_NUMBER_WORD = re.compile(r"\b(?:một|hai|ba|bốn|tư|năm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|triệu|tỷ|tỉ|nửa|"
                          r"one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b", re.IGNORECASE)


def holds_asked_kind(query: Query, text: str) -> bool:
    """False when a "how many / when" question's quote holds no number or date at all, a question
    asking for a document's number ("số hiệu") gets none, or one asking for a day ("ban hành ngày
    nào?") gets only years ("đến năm 2025"): whatever the passage is about, it does not say what
    was asked. A question of who holds a post gets no name at all."""
    whole, query = query, query.asked_part()
    if query.asks == "author":
        return is_byline(text)
    if query.asks == "document_number":
        return bool(_DOCUMENT_NUMBER.search(text))
    if query.asks == "who":
        folded = fold(query.text)
        if names_only_a_post(folded):
            return bool(SOMEONE.search(text))  # "Nghe An party chief?": a person, not "Ban chấp hành Đảng bộ"
        if query.language == "vi" and IDENTITY.search(folded):
            # "Ai là Chủ tịch UBND tỉnh?" is not answered by "Chủ tịch UBND tỉnh đề nghị …": a name, or nothing
            return any(not provinces_in(m.group(0)) for m in re.finditer(NAME, text))
        if IDENTITY.search(folded) and post_named(query.text):
            return bool(SOMEONE.search(text))  # "Who was Nghe An's party secretary in 2022?": a person
    if query.asks in ("day", "month"):
        # "When was the resolution adopted?" is not answered by a deadline ("gửi về Sở TT&TT trước
        # ngày 30/9/2021"), but by a document's own day ("Nghị quyết số 09-NQ/TU, ngày 05/8/2022")
        if _asks_when_issued(query) and not dates_a_document(text):
            return False
        return bool(_FACT_PATTERNS[query.asks].search(text))
    if query.asks == "how_many":
        counts = _counts(text) or _NUMBER_WORD.search(_without_dates(text))
        return bool(counts) and _counts_what_was_asked(whole, text)
    if query.asks != "when":
        return True
    if _JUST_DONE.search(text):
        return True
    # the digits of "Covid-19" or "4.0" are no date, nor the years in a plan's title
    digits = re.sub(r"(?<=[^\W\d_])-?\d+|\b\d\.\d\b", "", _without_horizons(text))
    return bool(re.search(r"\d", digits) or _NUMBER_WORD.search(digits))


def _asks_when_issued(query: Query) -> bool:
    """The question asks when a document was issued, in its own words: one province's part of a
    comparison is asked its own clause ("Thanh Hóa ban hành … ngày 10/11/2021; Nghệ An … hoàn
    thành dự thảo trước ngày nào?" asks Nghệ An for a deadline)."""
    return bool(_ISSUING.search(fold(query.text)) and _ISSUING.search(fold(query.written)) and names_a_document(query))


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
_COUNTED = re.compile(r"\b(?:bao nhieu|bn)\s+(phan tram|ty|ti|trieu|nghin|dong|usd|do la|nguoi|dan|tien|doanh nghiep|dich vu|dvc|dvctt|thu tuc|tthc|ho so)\b"
                      r"|\b(?:bao nhieu|bn|may)\s*(%)"
                      r"|\bhow many\s+(?:people|persons|residents|inhabitants|citizens|attendees|participants|delegates)\b"
                      r"|\bhow many\s+(?:[a-z-]+\s+){0,2}(companies|businesses|firms|enterprises)\b"
                      r"|\bhow many\s+(?:[a-z-]+\s+){0,2}(services|procedures|applications|dossiers)\b")
_MONEY = ("ty", "ti", "trieu", "dong", "vnd", "usd", "do la", "$", "euro", "bang", "yen")
_PEOPLE = ("nguoi", "dan", "dai bieu", "can bo", "cong chuc", "vien chuc", "thanh vien", "hoc vien", "lao dong")
_SAME_COUNT = {"phan tram": ("%", "phan tram", "nua"), "dan": _PEOPLE, "nguoi": _PEOPLE, "ty": ("ty", "ti"),
               "ti": ("ty", "ti"), "do la": ("do la", "usd", "$"), "usd": ("do la", "usd", "$"), "tien": _MONEY,
               "doanh nghiep": ("doanh nghiep", "cong ty", "dn"), "dich vu": ("dich vu",), "thu tuc": ("thu tuc",),
               "ho so": ("ho so",)}
# what is counted, named as above: in English, or typed as its abbreviation ("bn dvc")
_COUNTED_AS = {"services": "dich vu", "procedures": "thu tuc", "applications": "ho so", "dossiers": "ho so",
               "dvc": "dich vu", "dvctt": "dich vu", "tthc": "thu tuc"}
# "Tổng kinh phí … là bao nhiêu?", "How much did they spend?": an amount of money, in any currency,
# whatever follows "bao nhiêu" (folded question; "tiền" only as written with its diacritics, since
# folded "tien" is also "tiến độ").
_MONEY_ASKED = re.compile(r"\b(kinh phi|ngan sach|chi phi|von dau tu|tong muc dau tu|budget|cost|costs|spend|spent|"
                          r"money|funding|funds|price|invest|invested|investment)\b")
# "bao nhiêu mục tiêu", "mấy trục": the word counted, preferred beside the quote's number; not these, which
# say nothing of what is counted.
_COUNTED_WORD = re.compile(r"\b(?:bao nhieu|bn|may)\s+([^\W\d_]+)")
_COUNTED_ENGLISH = re.compile(r"\bhow many\s+((?:[a-z-]+\s+)?[a-z-]+)")
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
        # "bn %", "how many people …", "how many tech companies …"
        unit = m.group(1) or ("phan tram" if m.group(2) else "doanh nghiep" if m.group(3) else m.group(4) or "nguoi")
        unit = _COUNTED_AS.get(unit, unit)
        return _SAME_COUNT.get(unit, (unit,)), True
    if _MONEY_ASKED.search(folded) or re.search(r"(?<!\w)tiền(?!\w)", query.text.lower()):
        return _MONEY, True
    word = _COUNTED_WORD.search(folded)
    if word and word.group(1) not in _NOT_COUNTED_WORDS:
        return (word.group(1),), False
    # "how many tasks …?", "how many online services …?": the article's words for what is counted
    # ("nhiệm vụ"), as the glossary translated the words after "how many"
    english = _COUNTED_ENGLISH.search(folded)
    counted = set(english.group(1).split()) if english else set()
    return tuple(fold(p.key) for c in query.concepts if counted & set(c.label.lower().split())
                 for p in c.phrases if p.key != c.label.lower()), False


def _counts_what_was_asked(query: Query, text: str) -> bool:
    """"Nghệ An chi bao nhiêu tỷ đồng?" is not answered by "Kế hoạch số 634 ngày 29/8/2023": a
    number of the money, people or share asked, or the answer is not confident."""
    units, required = _counted_units(_counting_part(query))
    return not required or number_beside(text, units)


def number_beside(text: str, units: tuple[str, ...]) -> bool:
    """A number in text (not a date) with one of the units (folded words) next to it."""
    if ("%" in units and re.search(r"\d\s*%", text)) or ("$" in units and re.search(r"\$\s*\d|\d\s*\$", text)):
        return True
    tokens = re.findall(r"\d[\d.,/]*|[^\W\d_]+", _without_dates(text).lower())
    folded = [fold(t) for t in tokens]
    numbers = [i for i, t in enumerate(tokens) if t[0].isdigit() or t in _NUMBER_WORDS_VI]
    wanted = [u.split() for u in units if u not in ("%", "$")]
    # a currency follows its number ("5 tỷ đồng"); before one, "đồng" is "đồng thời" ("đồng thời 100% …")
    return any(folded[j: j + len(u)] == u
               for i in numbers for u in wanted
               for j in range(i + 1 if " ".join(u) in _MONEY else max(0, i - _COUNT_WINDOW - len(u) + 1), i + _COUNT_WINDOW + 2)
               if j != i)


def named_numbers(text: str) -> list[str]:
    """The numbers a question names a document or thing by ("Kế hoạch 586", "Nghị quyết 09"): not
    years, dates or counts it states ("sau 2 năm")."""
    return [n for n in re.findall(r"(?<![\d/.,])\d{2,4}(?![\d/.,%])", _without_dates(text)) if not re.fullmatch(r"(?:19|20)\d\d", n)]


def body_asked(query: Query) -> str:
    """How the name of the kind of body asked for begins ("Bộ" for "Bộ nào?", "which ministry?"),
    as a pattern; "" when any body answers ("cơ quan nào?") or none is asked."""
    asked = _BODY_WORD.search(fold(query.asked_part().text)) if query.asks == "body" else None
    return _BODY_ASKED[asked.group(1) or asked.group(2)] if asked else ""


def facts_in(query: Query, text: str) -> list[str]:
    """The spans of `text` of the kind the question asks for. A person is no place ("Nghệ An,
    Giám đốc …") and not the one the question names ("Theo Chủ tịch Nguyễn Đức Trung, … lấy ai làm
    trung tâm?")."""
    pattern = _FACT_PATTERNS.get(query.asks)
    if not pattern:
        return []
    if query.asks == "how_many":  # a number the question states ("sau 2 năm …, bao nhiêu mục tiêu?") is not the answer
        # in words too: "How many goals were met after two years?" is not answered by "sau 2 năm"
        given = set(re.findall(r"\d+", query.text)) | {NUMBER_WORDS.get(w, "") for w in re.findall(r"[a-z]+", query.text.lower())}
        return [n for n in _counts(text) if not set(re.findall(r"\d+", n)) <= given]
    if query.asks in ("day", "month", "when") and not names_a_document(query):
        # "Ngày Chuyển đổi số Quốc gia là ngày nào?" is not answered by the day of the plan for it
        # ("Kế hoạch số 634 ngày 29/8/2023 về việc tổ chức ngày Chuyển đổi số quốc gia"): offsets kept
        text = _DOCUMENT_DAY.sub(lambda m: " " * len(m.group(0)), text)
    if query.asks == "when":
        return [m.group(0) for m in pattern.finditer(_without_horizons(text))]
    if query.asks == "body":  # "xin ý kiến Bộ nào?": a ministry, not the department that asks it
        kinds = body_asked(query) or _BODY_KINDS
        return [m.group(0) for m in pattern.finditer(text) if re.match(rf"(?:{kinds})\s", m.group(0))]
    if query.asks != "who":
        return [m.group(0) for m in pattern.finditer(text)]
    asked = fold(query.text)
    names = [n for n in people_in(text) if not provinces_in(n) and bare_name(n) not in asked]
    # the one the question says spoke, named by post ("Chủ tịch UBND tỉnh nhấn mạnh phải lấy ai làm
    # trung tâm?"), is not the answer either: not "Chủ tịch UBND tỉnh Nguyễn Đức Trung", who said it
    speaker = speaker_and_words(query.text)[0]
    post = post_named(speaker) if speaker and names else None
    return [n for n in names if not (post and holds_title(fold(role_of(text, n)).lower(), *post))]


def counted_units(query: Query) -> tuple[str, ...]:
    """What a how-many question counts ("bao nhiêu mục tiêu", "mấy trục"), as the folded words a
    number of the answer stands beside; () for any other question."""
    return _counted_units(_counting_part(query))[0] if query.asks == "how_many" else ()
