"""People and the posts they hold, as provincial news names them ("đồng chí Nguyễn Đức Trung – Phó
Bí thư Tỉnh uỷ, Chủ tịch UBND tỉnh") and as questions do ("Deputy Minister Nguyễn Phú Tiến", "Ai
là Bí thư Tỉnh ủy?"): who a question names, with which post, and whether a text names someone
holding the post asked. Hand-written patterns, for the reason bot/facts.py gives.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.asking import names_only_a_post, speaker_and_words
from bot.provinces import provinces_in
from bot.text import fold, has_words

if TYPE_CHECKING:  # bot/analysis.py reads the people a question names from here
    from bot.analysis import Query
    from bot.search import Searcher

# How a person is named before their name ("đồng chí Nguyễn Đức Trung", "ông Nguyễn Văn Thông").
HONORIFICS = ("đồng chí", "ông", "bà")
# Vietnamese capitals: a name is capitalised words ("Nguyễn Đức Trung", "Đồng chí …").
UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
NAME = rf"[{UPPER}][^\W\d_]*(?:\s+[{UPPER}][^\W\d_]*){{1,3}}"
_TITLES = "Chủ tịch|Phó Chủ tịch|Bí thư|Phó Bí thư|Giám đốc|Phó Giám đốc|Tổng Giám đốc|Trưởng|Phó Trưởng|Thứ trưởng|Bộ trưởng|Ủy viên"
_PERSON = re.compile(rf"(?:(?:{'|'.join((*HONORIFICS, *(h.capitalize() for h in HONORIFICS)))})\s+(?!(?:{_TITLES})\b)(?:{NAME}))|(?:{NAME})(?=\s*[,–-]?\s*(?:{_TITLES}))")
# "Giám đốc Sở Y tế Dương Đình Chỉnh", "Chủ tịch UBND tỉnh Nguyễn Đức Trung": the name after the post,
# not an abbreviation: "Phó Trưởng Ban Thường trực BCĐ Chuyển đổi số" names no one.
_TITLED_NAME = rf"(?:{_TITLES})(?:\s+[^\s,.;:()“”\"]+){{1,6}}?\s+(?P<name>(?![{UPPER}]{{2}}){NAME})(?![^\W\d_])"
SOMEONE = re.compile(rf"{_PERSON.pattern}|{_TITLED_NAME}")
# "Ai là Bí thư Tỉnh ủy Quảng Ninh?", "Giám đốc Sở Y tế là ai?", "Who is …": a question of identity
# (not "Ai là người giới thiệu …?", who did something),
# answered only by a person named with the role asked (folded question).
IDENTITY = re.compile(r"^\W*(?:(?:the|vay|con|va|so|and|then)\s+)?(?:ai la|who is|who's|who was)\b"
                      r"(?!\s+(?:nguoi|the (?:person|one|official)|the one)\b)|\bla ai\W*$")


_ROLE_END = re.compile(r"[;.]|\s(?:đề nghị|phát biểu|cho biết|nhấn mạnh|chủ trì|trình bày)\b")
_ROLE_WORDS_BEFORE = 60  # "Giám đốc Sở Y tế Dương Đình Chỉnh": the role may come first


def names_the_asked_role(searcher: Searcher, query: Query, text: str, provinces: tuple[str, ...] = ()) -> bool:
    """False when an identity question's quote names people, none with the role asked: "Phó Bí
    thư Tỉnh ủy" does not answer "Ai là Bí thư Tỉnh ủy?", nor "Giám đốc Sở Y tế" "Ai là giám đốc
    công an tỉnh?". Names written otherwise (most text outside the news) are not judged."""
    query = query.asked_part()
    folded = fold(query.text)
    identity = IDENTITY.search(folded)  # "Ai là Chủ tịch UBND tỉnh?", "who is …", or the post alone
    if query.asks != "who" or not (identity or names_only_a_post(folded)):
        return True
    if identity and identity.end() == len(folded.rstrip()) and identity.start() > 0:
        # "… ở Quảng Ninh, người giữ chức Chủ tịch UBND tỉnh chủ trì cuộc họp … là ai?": the post is
        # in the sentence before "là ai", up to the scene it sets
        sentence = max(folded.rfind(mark, 0, identity.start()) for mark in ";.?!") + 1
        query = _post_asked(query, folded, len(folded) - len(folded[sentence:].lstrip()), identity.start())
        if not post_named(query.text):  # "Người chủ trì cuộc họp … là ai?" asks who did it, any post
            return True
    elif identity:
        query = _post_asked(query, folded, identity.end())
    # "Nghe An party chief in 2022?": the year is when, not part of the post
    query = replace(query, concepts=tuple(c for c in query.concepts if not re.fullmatch(r"(?:19|20)\d\d", c.label)))
    deputy = bool(re.search(r"\b(?:pho|deputy|vice)\b", fold(query.text)))
    title = next((fold(p.key) for c in query.concepts if not c.province for p in c.phrases if fold(p.key) not in ("pho", "deputy", "vice")), "")
    if title.startswith("pho "):  # "vice chairman", read as one term: "phó chủ tịch"
        title, deputy = title[4:], True
    # officials as the provincial news name them ("đồng chí X – Giám đốc …"), not "ông X" of any text
    people = [m for m in _PERSON.finditer(text) if not re.match(r"(?i)ông|bà", m.group(0))]
    for m in people:
        # "Chủ tịch UBND tỉnh", as the question was read
        role = searcher.analyzer.normalizer.expand(_role_around(text, m.start(), m.end()), chat=False)
        if searcher.coverage(query, role, provinces) >= 0.999 and holds_title(fold(role).lower(), re.escape(title), deputy):
            return True
    return not people


# Where the post asked ends and the scene begins: "Ai là Phó Cục trưởng Cục Tin học hóa | tham dự
# hội nghị … năm 2022?", "Who is the deputy director | who attended …?" (folded).
_POST_END = re.compile(r"\s(?:tham du|du (?:hoi nghi|cuoc hop|buoi|le)|chu tri|phat bieu|trinh bay|de nghi|cho biet|nhan manh|tai|o|trong|khi"
                       r"|nam \d{4}|who|that|at|during|attended|chaired|spoke)\b")


# "người giữ chức Chủ tịch UBND tỉnh": the post is what follows (folded)
_HOLDER_OF = re.compile(r"\bnguoi (?:dang )?(?:giu|nam giu|dam nhiem|dam nhan) (?:chuc(?: vu)?|cuong vi|vi tri)\b")


def _post_asked(query: Query, folded: str, start: int, stop: int = 0) -> Query:
    """The question (`folded`: its text folded) as far as the post it asks the holder of, from
    `start` (to `stop`, where "là ai" follows the post): the role quoted must hold the post, not
    the scene the question sets (the scene is the search's and the judge's to match)."""
    end = _POST_END.search(folded, start, stop or len(folded))
    if not end and not stop:
        return query
    begin, cut = (start if stop else 0), (end.start() if end else stop)
    post = _HOLDER_OF.sub(" ", folded[begin:cut])
    concepts = tuple(c for c in query.concepts if c.province or any(
        has_words(post, fold(p.key)) for p in c.phrases))
    return replace(query, text=query.text[begin:cut], concepts=concepts)


def role_coverage(searcher: Searcher, query: Query, sentence: str, name: str, provinces: tuple[str, ...]) -> float:
    """How much of the question the role written after `name` holds."""
    role = searcher.analyzer.normalizer.expand(_role_after(sentence, sentence.find(name) + len(name)), chat=False)
    return searcher.coverage(query.asked_part(), role, provinces)


def _role_after(text: str, end: int) -> str:
    """What is written after a name ending at `end`, up to the next ";" or verb: "– Phó Chủ tịch UBND tỉnh"."""
    after = text[end:]
    stop = _ROLE_END.search(after)
    return after[: stop.start() if stop else 100]


def _role_around(text: str, start: int, end: int) -> str:
    """The role of the name at text[start:end]: the words before it ("Giám đốc Sở Y tế Dương Đình
    Chỉnh": the post may come first) and its role after it."""
    return text[max(0, start - _ROLE_WORDS_BEFORE): start] + " " + _role_after(text, end)


# Posts a question may ask the holder of, folded, with the English for them.
_POSTS = {"chu tich": "chu tich", "bi thu": "bi thu", "giam doc": "giam doc", "truong ban": "truong ban",
          "bo truong": "bo truong", "thu truong": "thu truong", "chairman": "chu tich", "chairwoman": "chu tich",
          "chair": "chu tich", "party secretary": "bi thu", "party chief": "bi thu", "secretary": "bi thu",
          "party boss": "bi thu", "boss": "chu tich",
          # the head of a department (Cục, Vụ) is its director in English too
          "director": "giam doc|cuc truong|vu truong|vien truong", "minister": "bo truong"}
_POST = re.compile(r"\b(?:(pho|deputy|vice)[\s-]+)?(" + "|".join(sorted(_POSTS, key=len, reverse=True)) + r")\b")
# Any post in a role as the news writes it (folded): "Phó Cục trưởng Cục Tin học hóa" is one, though
# no question asks for it by that name.
_ANY_POST = re.compile(r"\b(?:pho|chu tich|bi thu|giam doc|(?:bo|thu|cuc|vu|vien) truong|truong (?:ban|phong|doan)|thu tuong|uy vien)\b")


def post_named(text: str) -> tuple[str, bool] | None:
    """The first post the text names, folded, and whether as its deputy: "Phó Chủ tịch UBND tỉnh
    nào" -> ("chu tich", True), "the vice chairman" too; a deputy minister is a "thứ trưởng"."""
    return _post_of(_POST.search(fold(text).lower()))


def _post_of(m: re.Match | None) -> tuple[str, bool] | None:
    if not m:
        return None
    post, deputy = _POSTS[m.group(2)], bool(m.group(1))
    return ("thu truong", False) if (post, deputy) == ("bo truong", True) else (post, deputy)


_CAPITALISED = re.compile(rf"[{UPPER}][^\W\d_]*(?:\s+[{UPPER}][^\W\d_]*)+")
_POST_BEFORE_NAME = 50  # "Chủ tịch UBND tỉnh Nghệ An Nguyễn Đức Trung": the post's own words between


def posts_given(text: str) -> list[tuple[str, tuple[str, bool]]]:
    """The people a question names with a post, each (folded name, (post, deputy)): "Deputy
    Minister Nguyễn Phú Tiến" -> ("nguyen phu tien", ("thu truong", False)); "Nguyễn Đức Trung,
    Chủ tịch UBND tỉnh" too. The question takes the post for granted."""
    folded, out = fold(text), []
    for run in _CAPITALISED.finditer(text):
        names = run.group(0).split()
        # a name is two to four words from a family name: "Chủ Tịch Nguyễn Đức Trung" is not Chu's
        first = next((i for i, w in enumerate(names) if fold(w) in _FAMILY_NAMES and 2 <= len(names) - i <= 4), None)
        if first is None or provinces_in(" ".join(names[first:])):
            continue
        name = " ".join(names[first:])
        start = run.start() + run.group(0).index(name)
        before = re.split(r"[,.;:?!()]", folded[max(0, start - _POST_BEFORE_NAME):start])[-1]
        after = re.match(r"\s*[,–-]\s*([^,.;:?!]{0,40})", folded[start + len(name):])
        posts = [*_POST.finditer(before)] or [*_POST.finditer(after.group(1) if after else "")][:1]
        if posts:
            out.append((fold(name), _post_of(posts[-1])))
    return out


def holds_the_posts_given(question: str, document: str) -> bool:
    """Every person the question names with a post has that post wherever the document gives them
    one ("Deputy Minister Nguyễn Phú Tiến": the article's "Phó Cục trưởng Nguyễn Phú Tiến" is
    not); true of people it does not mention or gives no post."""
    given = posts_given(question)
    folded = fold(document) if given else ""
    for name, post in given:
        roles = [fold(_role_around(document, m.start(), m.end()))
                 for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", folded)]
        posted = [r for r in roles if _ANY_POST.search(r)]
        if posted and not any(holds_title(r, *post) for r in posted):
            return False
    return True


def someone_holds_the_speakers_post(question: str, document: str) -> bool:
    """The post of the one a question says spoke ("What did Thanh Hoa's chairman say …?", "Theo Chủ
    tịch UBND tỉnh, …") is written in the document as that post, deputy or not as asked: an article
    whose only "Chủ tịch" is a "Phó Chủ tịch" has no chairman's words. True when no speaker's post
    is named."""
    speaker = speaker_and_words(question)[0]
    post = post_named(speaker) if speaker else None
    return not post or holds_title(fold(document).lower(), *post)


def holds_the_asked_post(query: Query, sentence: str, name: str, post: tuple[str, bool] | None = None) -> bool:
    """The role written after `name` is the post the question asks of, as its deputy or not as asked:
    "Phó Chủ tịch UBND tỉnh nào …?" is Bùi Đình Long "– Phó Chủ tịch UBND tỉnh", not Nguyễn Đức Trung
    "– Phó Bí thư Tỉnh uỷ, Chủ tịch UBND tỉnh". True when the question names no post. `post`: the
    question's, when the caller read it already (post_named of its asked part)."""
    post = post or post_named(query.asked_part().text)
    return not post or holds_title(fold(_role_after(sentence, sentence.find(name) + len(name))).lower(), *post)


def holds_title(role: str, title: str, deputy: bool) -> bool:
    """The asked title (a pattern: "giam doc|cuc truong") in the (folded) role, as the deputy ("pho
    chu tich") or not ("chu tich") as asked."""
    return not title or any(bool(re.search(r"\bpho\s+$", role[: m.start()])) == deputy
                            for m in re.finditer(r"(?<!\w)(?:" + title + r")(?!\w)", role))


def people_in(text: str) -> list[str]:
    """The people `text` names, as written: "Đồng chí Mai Xuân Liêm", or the name after a post
    ("Giám đốc Sở Y tế Dương Đình Chỉnh" -> "Dương Đình Chỉnh")."""
    return [(m.group("name") or m.group(0)).strip() for m in SOMEONE.finditer(text)]


_ASKS_A_POST = re.compile(r"\b(?:chuc(?: vu)?|vai tro|cuong vi|roles?|titles?|jobs?|positions?|posts?)\b")


def asks_a_post(text: str) -> bool:
    """The question asks someone's post ("ông ấy giữ chức gì?", "what other jobs does he hold?")."""
    return bool(_ASKS_A_POST.search(fold(text).lower()))


def people_named(text: str) -> list[str]:
    """The people a question names by post or as "ông / bà / đồng chí" ("Chủ tịch UBND tỉnh Nguyễn
    Đức Trung đã kết luận gì …?"), or by a full name alone ("When did Nguyen Duc Trung sign …?"),
    folded and bare: the question takes them for granted."""
    named = [n for n in map(bare_name, people_in(text)) if _is_a_person(n)]
    full = [n for n in (fold(m.group(0)) for m in _FULL_NAME.finditer(text))
            if len(n.split()) >= 3 and _is_a_person(n) and not _ENGLISH_WORDS.intersection(n.split())]
    return list(dict.fromkeys(named + [n for n in full if not any(n in m or m in n for m in named)]))


# A full name alone is three or four capitalised words, a family name first: two ("Hà Nội", "Phan
# Thiết", "Cao Lãnh") are as often places.
_FULL_NAME = re.compile(rf"(?<![^\W\d_]){NAME}(?![^\W\d_])")
# A title-cased English question ("Do The Provinces …") is no Đỗ.
_ENGLISH_WORDS = frozenset("the a an and of in on for with both all any these those their its what which how".split())


def _is_a_person(name: str) -> bool:
    """A family name first and no place: "Theo Phó Bí thư …", "Nghệ An" are no one."""
    return fold(name.split()[0]).lower() in _FAMILY_NAMES and not provinces_in(name)


# Vietnamese family names (folded), nearly every official's: what a name in a question starts with.
_FAMILY_NAMES = frozenset("nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly mai thai cao dinh lam "
                          "truong trinh ha luong doan chu kieu ta to vuong quach luu tong hua giang lai khuat nghiem "
                          "chau thach lo lu van au".split())


def role_of(text: str, name: str) -> str:
    """The role around the first mention of `name` in text."""
    at = text.find(name)
    return _role_around(text, at, at + len(name))


def person_answered(short_answer: str) -> str:
    """The one person a who-question's short answer gives, as written: "Đồng chí Mai Xuân Liêm" ->
    "Mai Xuân Liêm", "Giám đốc Sở Y tế Dương Đình Chỉnh" -> "Dương Đình Chỉnh"; "" when it names no
    one or several."""
    text = short_answer.strip()
    found = {_HONORIFIC.sub("", n) for n in people_in(text)}
    if not found and re.fullmatch(NAME, text):  # "Nguyễn Văn Thông": the name alone
        found = {text}
    names = {n for n in found if _is_a_person(n)}
    return names.pop() if len(names) == 1 else ""


_HONORIFIC = re.compile(rf"^(?:{'|'.join(HONORIFICS)})\s+", re.IGNORECASE)


def bare_name(person: str) -> str:
    """"đồng chí Nguyễn Đức Trung" -> "nguyen duc trung" (folded, as the question is matched)."""
    return fold(_HONORIFIC.sub("", person)).lower()
