"""What a question asks: the kind of fact it wants (a day, a number, a person, a document's
number), whether a message asks anything of its own, and what it asks after the scene it sets or
of the speaker it names ("Tại hội nghị …, Chủ tịch nhấn mạnh điều gì?"). All on the question's
words alone; bot/analysis.py builds the Query from them.
"""

from __future__ import annotations

import re

from bot.text import fold, has_diacritics, nfc

# Between the previous question's topic and a follow-up asked in its context (bot/conversation.py).
FOLLOWUP_SEPARATOR = " – "
_WHEN = (r"\b(?:khi nao|ngay nao|bao gio|thoi gian nao|luc nao|nam nao|thang nao|thoi diem nao|ngay ban hanh|ban hanh ngay|som hon|"
         r"co truoc|muon hon|tre hon|thang may|nam may|may gio|hom nao|hoi nao|when(?! it comes to)|what date|which date|what year|which year|earlier)\b")


def _as_written_or_plain(*phrases: str) -> str:
    """An alternation matching each phrase with its diacritics or typed without any: written with
    them, "đầu" (head) is no "đâu" (where), nor "máy" (machine) "mấy" (how many)."""
    return "|".join(f"{p}|{fold(p)}" for p in phrases)


# A question word of a follow-up's own, once the "còn … thì sao" / "what about …" frame is taken off
# (on the lower-cased text).
_OWN_QUESTION = re.compile(rf"\b(?:{_as_written_or_plain('gì', 'nào', 'ai', 'đâu', 'sao', 'mấy', 'bao nhiêu', 'bao giờ', 'bao lâu')}"
                           r"|what|which|who|whom|how|why|where|when)\b")
_ELLIPSIS_FRAME = re.compile(rf"\b(?:{_as_written_or_plain('thì sao', 'thế nào', 'ra sao')}|what about|how about)\W*$"
                             r"|^\W*(?:what|how) about\b")
# "When was the resolution adopted?": the English of "ban hành khi nào", asking for a day.
ENGLISH_DOCUMENT_KINDS = r"(?:resolution|decree|decision|plan|law|circular|directive|strategy|programme|program)"
# Issuing a document, in either language (on folded text).
ISSUING = r"(?:ban hanh|thong qua|phe duyet|adopt|adopted|issue|issued|pass|passed|approve|approved|sign|signed|promulgate|promulgated)"
# "Theo Chủ tịch UBND tỉnh X, chuyển đổi số phải lấy ai làm trung tâm?": who said it only says where
# to look; what is asked follows the comma (the question's focus, as a follow-up's own words are).
_ATTRIBUTION = re.compile(r"^\W*(?:theo|according to)\s+[^,?]{3,80},\s*(.+)$", re.IGNORECASE | re.S)
# So for reported speech: "Chủ tịch UBND tỉnh nhấn mạnh điều gì là quan trọng nhất?", "What did Nghe
# An's health chief say was the biggest sticking point?". Typed without diacritics only the verbs
# that stay unambiguous ("bao" may be "bao gồm", "noi" "nổi tiếng" or "nội các").
_REPORTED = re.compile(r"^\W*(?!theo\b)([^,?]{3,80}?)\s+(?:nói|bảo|cho rằng|nhận định|nhấn mạnh|khẳng định)\s+(?:rằng\s+|là\s+)?(.{8,})$",
                       re.IGNORECASE | re.S)
_REPORTED_FOLDED = re.compile(r"^\W*(?!theo\b)([^,?]{3,80}?)\s+(?:cho rang|nhan dinh|nhan manh|khang dinh|noi rang|bao rang)\s+(?:la\s+)?(.{8,})$"
                              r"|^\W*(?:what|which|who|how|why)\s+(?:did|does|do|has|have)\s+(.{3,80}?)\s+(?:say|said|think|believe|stress|stressed|call|describe)\s+(.{8,})$"
                              # "The vice chairman who spoke on April 26 said the hardest part was what?"
                              r"|^\W*(?!(?:what|which|who|how|why|when|where|is|was|did|does)\b)([^?]{3,80}?)\s+(?:said|says|stressed|noted)\s+(?:that\s+)?(.{8,})$"
                              # "pct ubnd TH mai xuan liem noi cds la …": "noi" is "nói" after an
                              # official, unless it starts "nội dung", "nổi bật" …
                              r"|^\W*(?!theo\b)([^,?]{0,60}?\b(?:chu tich|bi thu|giam doc|truong|dong chi|ong|ba)\b[^,?]{0,50}?)"
                              # "… bao …" ("bảo", said) unless "báo cáo", "bao nhiêu", "bảo đảm" …
                              r"\s+(?:noi\s+(?!(?:dung|bo|vu|bat|tieu|that|tinh|dia|tro|len|khu|thanh|vien|ngoai|chinh|tiep|lien|gian)\b)"
                              r"|bao\s+(?!(?:cao|gom|nhieu|gio|lau|ve|dam|chi|hiem|phu|quat|tri|ton|dong|dap|moi|tin|an|luc|so)\b))"
                              r"(?:rang\s+|la\s+)?(.{8,})$",
                              re.S)
# "Tại hội nghị sơ kết 1 năm, Chủ tịch UBND tỉnh nhấn mạnh điều gì?", "In Quang Ninh's two-year
# review, what did the chairman call …?": the scene set before the comma finds the article; the
# sentence answering is the one holding what follows it, which need not repeat the scene (folded).
_SCENE = re.compile(r"^\W*(?:tai|trong|o|sau|khi|nhan dip|in|at|during|after|following|on|when)\s+([^,?]{3,80}),\s*(.{8,})$", re.S)
# So for who is asking, before a colon: "I'm an investor eyeing Quang Ninh: what does the chairman think …?"
_LEAD_IN = re.compile(r"^\W*([^:?]{3,80}):\s+(.{8,})$", re.S)
# A news article, folded: "bài", "bài viết", "bài báo", "bản tin", not a poem or a speech ("bài thơ").
_THE_ARTICLE = r"(?:bai(?!\s+(?:tho|hat|ca|van|phat bieu|giang|luan|nhac|thuoc|toan))(?:\s+(?:viet|bao))?|ban tin|tin)\b"
# What kind of fact the question asks for, on the folded question.
_ASKS = (
    # "số hiệu", "Kế hoạch số mấy?": a document's number ("586/KH-UBND"), before how_many's "bao nhieu"
    ("document_number", re.compile(r"\b(so hieu|ky hieu|so may|so bao nhieu|what number|which number|document number|reference number)\b"
                                   # "what's the number of the Thanh Hoa party document?", not "the number of tasks in the plan"
                                   rf"|\bnumber of (?:(?!in |of |for |under |from |by )[a-z']+ ){{0,4}}?(?:{ENGLISH_DOCUMENT_KINDS}|document)\b(?!s)")),
    # a day: "ngày nào", "ngày ban hành", or when a document was issued ("ban hành khi nào?") unless
    # the year is asked; "khi nào" alone may be answered by a year
    ("day", re.compile(rf"\b(?:ngay nao|ngay bao nhieu|ngay may|ngay ban hanh|ban hanh ngay|what date|which date|what day|which day)\b"
                       rf"|^(?!.*\b(?:nam nao|nam bao nhieu|what year|which year)\b).*(?:\bban hanh\b.*{_WHEN}|{_WHEN}.*\bban hanh\b)"
                       rf"|^(?=.*\bwhen\b)(?=.*\b{ENGLISH_DOCUMENT_KINDS}\b)(?=.*\b{ISSUING}\b)"
                       # "When is National Digital Transformation Day?": a day, not the year of a plan for it
                       r"|\bwhen(?:'s| is| was)\b(?:\s+[\w-]+){0,6}\s+day\b", re.S)),
    # "tháng mấy?": a month ("tháng 5/2022", "21/9"), which a year alone ("đến năm 2025") does not say
    ("month", re.compile(r"\b(?:thang may|thang nao|what month|which month)\b")),
    ("when", re.compile(_WHEN)),
    ("how_many", re.compile(r"\b(bao nhieu|so luong|ty le|how many|how much|what percentage|what share|what number|what proportion)\b")),
    # "ai viết bài …?", "who wrote the piece …?": the article's own authors, its byline
    # (bot/byline.py); not who wrote a poem, a book or a draft (what a passage says)
    ("author", re.compile(rf"\b(?:ai|nguoi nao)\s+(?:da\s+)?(?:viet|dua tin|chap but)\s+{_THE_ARTICLE}"
                          rf"|\b{_THE_ARTICLE}(?:\s+[\w&/-]+){{0,20}}?\s+(?:(?:ai|nguoi nao)\s+(?:da\s+)?(?:viet|dua tin)"
                          rf"|(?:phong vien|nha bao|tac gia)\s+(?:nao|la ai))\b"
                          rf"|\btac gia\s+(?:cua\s+)?{_THE_ARTICLE}|\bbut danh\b|\bbyline\b"
                          r"|\bwho\s+(?:wrote|authored|penned|reported)\s+(?:the|this|that)\s+(?:[\w&.-]+\s+){0,3}?(?:article|piece|story|news|report)\b"
                          r"|\b(?:authors?|writers?|reporters?)\s+(?:of|behind)\s+(?:the|this|that)\s+(?:article|piece|story|news)\b"
                          r"|\b(?:article|piece|story)\b.*\b(?:written|reported)\s+by\s+(?:whom|who)\b")),
    # "Phó Chủ tịch UBND tỉnh nào …?", "which vice chairman": a post asked by "nào" asks for its holder
    ("who", re.compile(r"\b(ai|nguoi nao|vi nao|dong chi nao|ong nao|ba nao|who|whom|whose)\b"
                       r"|\b(?:lanh dao|chu tich|giam doc|bi thu|thu truong|bo truong|truong ban)(?:\s+\w+){0,5}(?<!\bthe)\s+nao\b"
                       r"|\bwhich (?:\w+\s+){0,2}(?:official|leader|chairman|chairwoman|chair|secretary|director|minister|deputy)\b")),
    # "tổ chức ở đâu?", "where was it held?": a named place ("tại Hội trường Sở …", "ở Cửa Lò")
    ("place", re.compile(r"\b(?:o dau|tai dau|dia diem nao|noi nao|where)\b")),
    # "xin ý kiến Bộ nào?", "trình lên cơ quan nào?", "which ministry …?": a named body ("Bộ TT&TT",
    # "Ban Thường vụ Tỉnh ủy"); after "who", which has "lãnh đạo Cục nào" (folded; "so nao" may be "số nào")
    ("body", re.compile(r"\b(?:bo|cuc|co quan|don vi|to chuc|van phong)\s+nao\b"
                        r"|\b(?:which|what)\s+(?:[a-z-]+\s+){0,2}(?:ministry|ministries|department|agency|office|body|authority)\b")),
)


def _asks_how_many_by_may(text: str, plain: bool) -> str:
    """"mấy ngày?" asks how many; typed with diacritics "máy" (a machine) does not, and only in a
    question typed without them (`plain`: as typed, before "NA" became "Nghệ An") is "may" "mấy"."""
    lowered = text.lower()
    if re.search(r"(?<!\w)mấy(?!\w)", lowered) or (plain and re.search(r"\bmay\b", lowered)):
        return "how_many"
    return ""


def _asks(folded: str, text: str, plain: bool) -> str:
    folded = _RELATIVE_WHO.sub("   ", folded) if _OTHER_WH.search(folded) else folded
    folded = _SUBORDINATE_WHEN.sub("    ", folded) if _ASKED_FIRST.match(folded) else folded
    folded = _WHO_AT_THE_CENTRE.sub(lambda m: " " * len(m.group(0)), folded)
    return next((name for name, pattern in _ASKS if pattern.search(folded)), "") or _asks_how_many_by_may(text, plain) \
        or ("who" if names_only_a_post(folded) else "")


# "phải lấy ai làm trung tâm?", "who should it put at its centre?": whom something serves, answered
# by a group ("người dân và doanh nghiệp"), not by a person's name (folded).
_WHO_AT_THE_CENTRE = re.compile(r"\blay ai lam trung tam\b|\b(?:who|whom)\b(?=.*\b(?:at (?:its|the) (?:center|centre|heart)|revolve around)\b)")
# "The vice chairman who spoke on April 26 said the hardest part was what?": "who" after a noun, in
# a question asking with another word, opens a relative clause; it asks for no one. Not after a
# word that introduces a question ("and who …", "tell me who …").
_RELATIVE_WHO = re.compile(r"(?<=[a-z] )(?<!\band )(?<!\bor )(?<!\bbut )(?<!\bso )(?<!\bthen )(?<!\bme )(?<!\bus )(?<!\bknow )"
                           r"(?<!\babout )(?<!\bexactly )(?<!\bwonder )(?<!\bask )who\b")
_OTHER_WH = re.compile(r"\b(?:what|which|where|when|how|why)\b")
# "Did anyone float lower fees when people use services online?": after a question opened by
# another word, "when" starts a clause and asks no time; not "… and when?", "tell me when …".
_ASKED_FIRST = re.compile(r"^\W*(?:did|does|do|is|are|was|were|can|could|should|will|would|has|have|had|what|which|who|whom|whose|how|why|where)\b")
_SUBORDINATE_WHEN = re.compile(r"(?<=[a-z] )(?<!\band )(?<!\bor )(?<!\bme )(?<!\bus )(?<!\bknow )(?<!\bexactly )(?<!\bwonder )(?<!\bask )when\b")


# A post typed as a search ("Nghe An party chief in 2022?", "giam doc so y te NA"): who holds it.
_POST_TERMS = re.compile(r"\b(?:chu tich|bi thu|giam doc|truong ban|bo truong|thu truong|cuc truong|party (?:chief|boss|secretary)"
                         r"|chairman|chairwoman|director|governor|minister)\b")
# what was said or done by the holder, asked without a question word ("chu tich NA phat bieu ve cds")
_DEEDS = re.compile(r"\b(?:noi|phat bieu|de nghi|yeu cau|ket luan|nhan manh|chi dao|chu tri|trinh bay|say|said|says|ask|asked|want|wants)\b")
_MAX_POST_QUERY_WORDS = 8


def names_only_a_post(folded: str) -> bool:
    """True for a message that names a post and asks nothing else: no question word, no deed."""
    return (len(folded.split()) <= _MAX_POST_QUERY_WORDS and bool(_POST_TERMS.search(folded))
            and not asks_a_question(folded) and not _DEEDS.search(folded))


def asks_of(text: str) -> str:
    """What kind of fact `text` asks for ("how_many", "when", …), as Query.asks says it."""
    return _asks(fold(text), text, not has_diacritics(text))


def asks_in_context(folded: str, text: str, typed: str, language: str = "vi") -> str:
    """A follow-up asked in context ("<topic> khi nào – ai chủ trì?") asks what its own words ask;
    one that only names another part of the topic ("<topic> khi nào – còn Ban Chấp hành thì sao?")
    asks what the topic asked, but not one with a question of its own ("– trọng tâm là gì?").
    `typed`: the question before abbreviations were written out; only Vietnamese typed without
    diacritics reads "may" as "mấy" (in English it is "may")."""
    own_folded, own = folded.rpartition(FOLLOWUP_SEPARATOR)[2], text.rpartition(FOLLOWUP_SEPARATOR)[2]
    vietnamese = language == "vi"
    asks = _asks(own_folded, own, vietnamese and not has_diacritics(typed.rpartition(FOLLOWUP_SEPARATOR)[2]))
    # "<what did the health director propose> – and the education director?": a post alone after a
    # topic asks the topic's question of its holder, not who holds it
    ellipsis = FOLLOWUP_SEPARATOR in folded and asks == "who" and names_only_a_post(own_folded)
    if (asks and not ellipsis) or FOLLOWUP_SEPARATOR not in folded or asks_a_question(own_folded):
        return asks
    return _asks(folded, text, vietnamese and not has_diacritics(typed))


def asked_after_scene(text: str) -> str:
    """What a question asks after the scene it sets ("Tại hội nghị …, <…>?"); "" when it sets none."""
    m = (_SCENE.match(fold(text)) or _LEAD_IN.match(fold(text))) if FOLLOWUP_SEPARATOR not in text else None
    # folding keeps each character's place: the span found in the folded text is the text's
    if not m or asks_a_question(m.group(1)) or not asks_a_question(m.group(2)):
        return ""
    return text[m.start(2):]


def speaker_and_words(text: str, plain: bool | None = None) -> tuple[str, str]:
    """Who a question says said something, and what it asks they said ("Theo X, <…>", "X cho rằng
    <…>", "What did X say <…>", after a scene: "At the review, what did X say <…>"); ("", "") when
    it attributes nothing. `plain`: typed without diacritics (its abbreviations written out may
    have some)."""
    text = asked_after_scene(text) or text
    m = _ATTRIBUTION.match(text)
    if m:
        return text[: m.start(1)], m.group(1)
    if FOLLOWUP_SEPARATOR in text:
        return "", ""
    # folding keeps each character's place: the span found in the folded text is the text's
    plain = not has_diacritics(text) if plain is None else plain
    m = _REPORTED_FOLDED.match(fold(text)) if plain else _REPORTED.match(text)
    speaker = text[m.start(m.lastindex - 1): m.end(m.lastindex - 1)] if m else ""
    # the speaker, not a question ("Khi nào X nói rằng …?" asks when it was said)
    if not m or asks_a_question(_RELATIVE_WHO.sub("   ", fold(speaker))):  # "the chairman who led …" asks no one
        return "", ""
    return speaker, text[m.start(m.lastindex): m.end(m.lastindex)]


# "gợi ý mô hình gì?", "những tâm lý nào?": the kind of thing asked for, named before "gì" / "nào"
# (folded), which the sentence answering names too ("các mô hình như: tổ công nghệ số cộng đồng").
# Not a question word's own ("điều gì", "thế nào", "làm gì"), nor a time, place or person, asked
# otherwise (Query.asks).
_ASKED_HEAD = re.compile(r"(\w+ \w+|\w+) (?:gi|nao)\b")
_NO_HEAD = frozenset("la cai dieu nhung the lam co ve ngay thang nam luc khi gio thoi diem tinh nguoi dong chi ong ba vi ai "
                     "noi dau do nay kia sao bao".split())


def asked_head(text: str) -> str:
    """What kind of thing a Vietnamese question asks for ("mo hinh" in "gợi ý mô hình gì?"), folded; ""
    when it names none."""
    m = _ASKED_HEAD.search(fold(text))
    head = m.group(1).split() if m else []
    while head and head[0] in _NO_HEAD and head[0] != "co":  # "cơ quan nào" ("có gì" asks nothing named)
        head = head[1:]
    return " ".join(head) if head and head[-1] not in _NO_HEAD else ""


def asks_a_question(text: str) -> bool:
    """True when `text` has a question word of its own ("gì", "nào", "bao nhiêu", "who"), once the
    "còn … thì sao" / "what about …" frame is taken off."""
    lowered = nfc(text).lower()
    return bool(_OWN_QUESTION.search(_ELLIPSIS_FRAME.sub(" ", lowered)))
