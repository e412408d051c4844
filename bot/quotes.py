"""Step 4 of answering: the sentences to quote from each cited document, and the fact itself.

A sentence is chosen for what the question asks: the one holding a date for "khi nào / when", a
number for "bao nhiêu / how many", a person for "ai / who" (often the sentence after the event:
"Đồng chí X … chủ trì"), a decision over a proposal. English words rarely occur in Vietnamese
text, so for English questions the multilingual model's similarity of each sentence counts too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.analysis import Query
from bot.asking import FOLLOWUP_SEPARATOR, asked_head
from bot.embedding import Embedder
from bot.facts import (FACT_KINDS, body_asked, counted_units, dates_a_document, document_kinds_in, facts_in, named_numbers,
                       names_a_document, number_beside)
from bot.people import asks_a_post, holds_the_asked_post, people_named, post_named, role_coverage
from bot.records import Hit
from bot.search import Searcher
from bot.text import fold, has_words, sentence_spans

# Decisions weigh more than proposals when both answer ("phấn đấu" in a resolution vs "đề xuất").
_DECIDED = re.compile(r"\b(kết luận|quyết nghị|thống nhất|thông qua|quyết định|ban hành|chỉ đạo)\b", re.IGNORECASE)
_PROPOSED = re.compile(r"\b(đề xuất|dự thảo|kiến nghị|dự kiến|cho rằng|đề nghị|thay vì|góp ý)\b", re.IGNORECASE)
# unless a proposal is what is asked ("dự thảo ban đầu đặt mục tiêu gì?", "what did the first draft aim
# for?", "ông Thông đề xuất gì?"): then neither weighs more (on the folded question;
# "đề nghị cho biết …" only asks politely; "thông qua dự thảo", "theo dự thảo" ask of the draft, not
# of a proposal against a decision)
_PROPOSAL_ASKED = re.compile(r"\b(?:de xuat|kien nghi|gop y|ban dau|first draft|original draft|proposal|proposals|propose|proposed"
                             r"|suggest|suggested|suggestion|originally|initially)\b")
# Clauses of a long sentence, for the short answer: "…; các mục tiêu trong trục kinh tế số đã hoàn thành 30% (…)".
# A comma before a date is no clause end: "Nghị quyết số 09-NQ/TU, ngày 05/8/2022" is one reference.
_CLAUSE_END = re.compile(r"[;:](?=\s)|,(?=\s)(?![^()]*\))(?!\s+ngày\s+\d)")
_FACT_BONUS, _DECISION_BONUS = 0.15, 0.1
_SPEAKER_SENTENCES_BACK = 3  # how far back a paragraph's speaker is looked for
# A meeting asked about (folded): its article's opening sentence dates it.
_MEETING = re.compile(r"\b(?:hoi nghi|cuoc hop|phien hop|buoi lam viec|so ket|tong ket|meeting|conference|session|briefing|review)\b")
# The captions of a news article's photos ("Toàn cảnh Hội nghị lần thứ 9, Ban Chấp hành Đảng bộ tỉnh."),
# which repeat the event's name and so much of any question on it.
_CAPTION = re.compile(r"^\W*(?:toàn cảnh|quang cảnh|các đại biểu dự|đại biểu dự|ảnh\s*:)", re.IGNORECASE)
# Progress reports list what is done and what is under way ("7/20 mục tiêu cơ bản đạt yêu cầu …;
# 13/20 mục tiêu đang trong lộ trình"): "đã đạt bao nhiêu?" asks the first. On the written question
# (diacritics restored when typed without them).
_DONE = re.compile(r"(?<!\w)đã(?!\w)")
_UNDERWAY = re.compile(r"(?<!\w)(?:đang|chưa)(?!\w)")
# Retrieved chunks of a document, after those judged, looked at for a count or a person they lack.
_FURTHER_CHUNKS = 3
# More than coverage and pairs can add up to: a sentence of the article the question names always wins.
_NAMED_ARTICLE_BONUS = 2.0
# "X là gì?" (folded, diacritics restored and abbreviations written out): a sentence saying "X là …"
_DEFINITION_ASKED = re.compile(r"^\W*((?:\w+\s+){0,5}\w+)\s+la\s+gi\b")
# What a question asks explained (on the folded question), and the words of a sentence explaining
# it: "Hội nghị đó nhằm mục đích gì?", "What was the conference for?" by "Hội nghị nhằm giúp lãnh đạo
# các sở …", not by the sentence naming the event; "vì sao chưa đạt?" by "… phân tích một số nguyên
# nhân dẫn đến việc … chưa đạt yêu cầu", not by the count of targets met.
_EXPLANATIONS = (
    (re.compile(r"\b(?:muc dich|nham gi|de lam gi|purpose|what for)\b|\bwhat\b.*\bfor\W*$"),
     re.compile(r"(?<!\w)(?:nhằm|với mục đích|mục đích)(?!\w)", re.IGNORECASE)),
    (re.compile(r"\b(?:vi sao|tai sao|ly do|nguyen nhan|why|reason|reasons)\b"),
     re.compile(r"(?<!\w)(?:nguyên nhân|lý do|bởi vì|bởi|(?<!thay )vì|do đó|vì vậy|because)(?!\w)", re.IGNORECASE)),
)
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
    explaining = _explaining(query)
    scores = _scores(searcher, embedder if cosine_weight else None, query, sentences, source, offsets,
                     hits[0].metadata.provinces, cosine_weight, explaining)
    best = max(offsets, key=lambda o: (scores[o], -o))
    chosen = [best]
    fact_at = best
    if not facts_in(query, sentences[best]):
        # "Hội nghị … diễn ra" then "Đồng chí X chủ trì"; but when the next sentence says it only
        # far below the best, a close second saying it ("… cấp Cục nào của Bộ tham dự?": "Tham dự
        # Hội nghị có đồng chí X – Phó Cục trưởng …", not the next sentence's vice chairman)
        following = _next_offset(offsets, best)
        close = [o for o in offsets if o != best and scores[o] >= 0.8 * scores[best] and facts_in(query, sentences[o])
                 and source[o].article == source[best].article]
        if following is not None and facts_in(query, sentences[following]) and (following in close or not close):
            fact_at = following
        elif close:
            fact_at = max(close, key=lambda o: scores[o])
        if fact_at != best:
            chosen.append(fact_at)
    speaker = _speaker_before(query, sentences, source, offsets, fact_at) if query.asks == "who" else None
    if speaker is not None:
        chosen.insert(0, speaker)  # "Which official said …?": the paragraph's speaker, then what was said
        fact_at = speaker
    for offset in sorted(offsets, key=lambda o: -scores[o]):
        if len(chosen) >= max_sentences or _length(sentences, chosen) >= max_chars:
            break
        if offset not in chosen and scores[offset] >= 0.8 * scores[best] and _length(sentences, chosen + [offset]) <= max_chars * 1.5 \
                and source[offset].article == source[best].article:  # one quote, one cited article
            chosen.append(offset)
    says_it = explaining or (lambda sentence: facts_in(query, sentence))
    if not says_it(sentences[fact_at]):  # the fact from another sentence quoted, when only it has one
        fact_at = next((o for o in chosen if says_it(sentences[o])), fact_at)
    if (query.asks in ("day", "month") or explaining) and not any(says_it(sentences[o]) for o in chosen):
        # a day, or an explanation, is said or not: the close second that says it, over one that does not
        saying = max((o for o in offsets if says_it(sentences[o]) and source[o].article == source[best].article),
                     key=lambda o: scores[o], default=None)
        if saying is not None and scores[saying] >= 0.8 * scores[best]:
            chosen = [best, saying]
            fact_at = saying
    chosen.sort()
    text = " … ".join(sentences[o] for o in chosen)
    return Quote(text, fact_span(searcher, query, sentences[fact_at], provinces=hits[0].metadata.provinces), source[best].locator)


def chunks_to_quote(searcher: Searcher, query: Query, hits: tuple[Hit, ...], examined: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """The chunks judged and, from the document's other retrieved chunks, one that holds more of what
    was asked than any judged chunk: for a follow-up, most of its own words ("<Ai chủ trì Hội nghị
    lần thứ 9 …> – ai trình bày dự thảo?": the topic's words find the meeting, the sentence naming
    who presented the draft may be further down the article); the number of what a question counts
    ("QN có mấy trục chính?": "3 trục chính"); a sentence naming a person that holds more of the
    question ("đồng chí nào trình bày dự thảo?"). Not for days or document numbers: "Nghị quyết số
    09 trong năm 2024" would win there."""
    if not examined:
        return examined
    further = hits[len(examined): len(examined) + _FURTHER_CHUNKS]
    found = []
    if query.focus:
        found += _better_chunk(hits, examined, lambda h: searcher.focus_coverage(query, h.text, h.metadata.provinces))
    units = counted_units(query)
    if units:
        found += _better_chunk(further, examined, lambda h: float(number_beside(h.text, units)))
    if query.asks == "who":
        # any of the document's chunks: a long chunk naming who did it may rank low as a whole
        found += _better_chunk(hits[len(examined):], examined,
                               lambda h: _best_coverage(searcher, query, h, lambda s: bool(facts_in(query, s))))
    explaining = _explaining(query)
    if explaining:  # as for who: the sentence explaining it may sit in a chunk ranked low
        found += _better_chunk(hits[len(examined):], examined, lambda h: _best_coverage(searcher, query, h, explaining))
    if query.asks in ("day", "when") and _MEETING.search(fold(query.written).lower()) and not names_a_document(query):
        # "Which came first: Thanh Hóa's briefing or …?": news date the meeting they report in their
        # opening sentence ("Sáng ngày 26/4/2022, … tổ chức Hội nghị …"), which shares few words
        found += [h for h in hits if h.start == 0]
    return (*examined, *dict.fromkeys(h for h in found if h not in examined))


def _better_chunk(candidates: tuple[Hit, ...], examined: tuple[Hit, ...], score) -> list[Hit]:
    """The best-scoring candidate (the first on a tie) when it scores above every judged chunk."""
    have = max(score(h) for h in examined)
    top, hit = max(((score(h), h) for h in candidates), key=lambda item: item[0], default=(0.0, None))
    return [hit] if hit is not None and top > have else []


def _best_coverage(searcher: Searcher, query: Query, hit: Hit, saying_it) -> float:
    """The share of the question held by the chunk's best sentence `saying_it` (a fact of the asked
    kind, an explanation)."""
    sentences = (hit.text[a:b] for a, b in sentence_spans(hit.text))
    return max((searcher.coverage(query, s, hit.metadata.provinces) for s in sentences if saying_it(s)), default=0.0)


def _explaining(query: Query):
    """For a question asking what something is for, why, or what it is: a search for the words
    explaining it in a sentence; None for any other question."""
    asked = fold(query.asked_part().text).lower()
    defined = _DEFINITION_ASKED.match(fold(query.written.rpartition(FOLLOWUP_SEPARATOR)[2]).lower())
    if defined:  # "cds là gì?" (written out "chuyển đổi số là gì"): "Chuyển đổi số là chuyển hoạt động …"
        definition = re.compile(rf"^\W*{re.escape(defined.group(1))}\s+la\s")
        return lambda sentence: definition.search(fold(sentence).lower())
    return next((said.search for asks, said in _EXPLANATIONS if asks.search(asked)), None)


def fact_span(searcher: Searcher, query: Query, sentence: str, provinces: tuple[str, ...] = ()) -> str:
    """What was asked, verbatim from the best sentence: for when / how many / who, the clause
    holding a date, number or name that covers the question best ("các mục tiêu trong trục kinh tế
    số đã hoàn thành 30%"), or the name itself; otherwise the whole sentence."""
    if query.asks not in FACT_KINDS:
        return _what_was_said(searcher, query, sentence, provinces)
    if query.asks == "who":
        # of several people named ("X – Phó Bí thư …; Y – …, Chủ tịch UBND tỉnh"), the one whose
        # role holds most of the question; the first on a tie
        names = facts_in(query, sentence)
        return max(names, key=lambda n: (holds_the_asked_post(query, sentence, n), role_coverage(searcher, query, sentence, n, provinces),
                                          -names.index(n)), default=sentence)
    # "ban hành ngày nào?": the clause with a day, not "định hướng đến năm 2030" beside it
    clauses = [c.strip() for c in _clauses(sentence) if facts_in(query, c)]
    if not clauses:
        return sentence
    if query.asks in ("day", "month", "when"):
        # "Sáng 19/3, đồng chí X chủ trì cuộc họp … thực hiện Nghị quyết số 09-NQ/TU ngày 05/02/2022":
        # a meeting asked about is dated by "Sáng 19/3", not by the resolution it reviewed; a
        # resolution asked about ("NA ban hành nq cds ngày nào?") by its own day, not the meeting's
        document = names_a_document(query) and not _MEETING.search(fold(query.written).lower())
        clauses = [c for c in clauses if dates_a_document(c) == document] or clauses
    done = _DONE.search(query.dense_text.lower()) and not _UNDERWAY.search(query.dense_text.lower())
    return max(clauses, key=lambda c: (not (done and _UNDERWAY.search(re.sub(r"\([^)]*\)", "", c.lower()))),
                                       _relevance(searcher, query, c, provinces), -len(c)))


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
            source: dict[int, Hit], offsets: list[int], provinces: tuple[str, ...], cosine_weight: float,
            explaining=None) -> dict[int, float]:
    """Each sentence's score for quoting; `explaining`: quote_for's _explaining(query)."""
    scores = {}
    counted = counted_units(query)
    asked, dated = fold(query.text), query.asks in ("day", "month", "when")
    # the day of "Kế hoạch 586" is written beside its number (for other questions the number is context)
    named = named_numbers(query.text) if dated else []
    # the kinds of document whose day is asked, written with it: "Nghị quyết số 09-NQ/TU, ngày 05/8/2022"
    dated_kinds = "|".join(document_kinds_in(fold(query.written))) if dated else ""
    # "Who was the provincial chairman that led …?": the person holding that post is what was asked
    own = query.asked_part().text
    post_asked = post_named(own) if query.asks == "who" else None
    body_kind = body_asked(query)
    proposal_asked = bool(_PROPOSAL_ASKED.search(fold(own).lower()))
    # "ông Mai Xuân Liêm còn giữ cương vị gì?": his posts are written where he is named
    whose_post = people_named(own) if asks_a_post(own) else []
    head = asked_head(own) if query.language == "vi" else ""  # "mô hình gì?": a sentence naming a "mô hình"
    weighed = _without_the_speaker(query)
    for o in offsets:
        s, folded = sentences[o], fold(sentences[o])
        score = _relevance(searcher, weighed, s, provinces)
        if dated_kinds and re.search(rf"\b(?:{dated_kinds})\s+(?:so\s+)?[\w/.-]*\s*,?\s*(?:ngay\s+)?\d{{1,2}}/\d{{1,2}}", folded):
            score += _FACT_BONUS  # "Nghị quyết … ban hành ngày nào?": "Nghị quyết số 09-NQ/TU, ngày 05/8/2022"
        if named and all(re.search(rf"(?<![\d/]){n}(?!\d)", s) for n in named):
            score += _FACT_BONUS  # "Kế hoạch 586 … ban hành ngày nào?": not "Kế hoạch số 634 ngày 29/8/2023"
        found = facts_in(query, s)
        if found:
            # a day, a month or a document's number is said or not: no other sentence answers
            score += _FACT_BONUS * (2 if query.asks in ("day", "month", "document_number") else 1)
            if post_asked and any(holds_the_asked_post(query, s, n, post_asked) for n in found):
                # the holder of the post asked is named or not, as a day is said or not
                score += 2 * _FACT_BONUS
            if body_kind:
                score += 2 * _FACT_BONUS  # "Bộ nào?": a ministry named or not, as a day is
            if counted and number_beside(s, counted):
                # "bao nhiêu mục tiêu?": "7/20 mục tiêu", not "sau 2 năm": the count asked for is said
                # or not, as a day is
                score += 2 * _FACT_BONUS
        if head and has_words(folded, head):
            score += _FACT_BONUS / 2  # a lead: the answer may name it ("đội nào?": "Denver Broncos")
        if whose_post and any(has_words(folded, name) for name in whose_post):
            score += 2 * _FACT_BONUS
        if explaining and explaining(s):
            score += 2 * _FACT_BONUS  # an explanation is said or not, as a day is
        if _CAPTION.match(s):
            score -= _FACT_BONUS  # a photo's caption names the event, says nothing of it
        if query.article and source[o].article == query.article:
            score += _NAMED_ARTICLE_BONUS  # "Điều 5 … quy định gì?": quote that article
        decided, proposed = _said(_DECIDED, s, asked), _said(_PROPOSED, s, asked)
        if decided != proposed and not proposal_asked:
            score += _DECISION_BONUS if decided else -_DECISION_BONUS
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


def _relevance(searcher: Searcher, query: Query, text: str, provinces: tuple[str, ...]) -> float:
    """How much of the question `text` holds: its concepts, its adjacent pairs, and its focus once
    more, a follow-up's own words or what is asked after a scene or a speaker ("<topic> – còn kinh
    tế số?" is answered by the sentence on kinh tế số)."""
    typed_plain = query.boosters and not any(b.exact for b in query.boosters)
    return (searcher.coverage(query, text, provinces)
            + (_PAIRS_WEIGHT_PLAIN if typed_plain else _PAIRS_WEIGHT) * searcher.pair_coverage(query, text)
            + searcher.focus_coverage(query, text, provinces))


def _without_the_speaker(query: Query) -> Query:
    """`query` without the words naming who said what it asks ("pct ubnd TH Mai Xuân Liêm nói …"):
    a sentence is quoted for holding what was said; the one naming the speaker comes with it
    (_speaker_before), not instead of it."""
    if not (post_named(query.speaker) or people_named(query.speaker)):  # "Theo dự thảo, …": a document says it
        return query
    speaker = fold(query.speaker)
    concepts = tuple(c for c in query.concepts if c.province or not all(has_words(speaker, fold(p.key)) for p in c.phrases))
    return replace(query, concepts=concepts or query.concepts,
                   boosters=tuple(b for b in query.boosters if not has_words(speaker, fold(b.key))))


# What a sentence's adjacent pairs of the question count for, beside its concepts. Typed without
# diacritics a syllable alone matches many ("nhan" is nhận, nhân, nhãn …), a pair far fewer ("nhan
# thuc"): XQuAD dev without diacritics, quote holding the answer 0.696 at 0.5, 0.705 at 0.75, 0.710
# at 1.0 (which cost a seed dev fact: "muc tieu chinh phu so nghe an").
_PAIRS_WEIGHT = 0.5
_PAIRS_WEIGHT_PLAIN = 0.75


def _speaker_before(query: Query, sentences: dict[int, str], source: dict[int, Hit], offsets: list[int], best: int) -> int | None:
    """When the sentence at `best` names no one, the nearest sentence before it in its paragraph that
    names someone ("Phát biểu …, đồng chí Mai Xuân Liêm – Phó Chủ tịch UBND tỉnh nhấn mạnh …. …
    Thách thức lớn nhất … là vấn đề nhận thức"): news let one speaker's words run on without naming
    them again."""
    if facts_in(query, sentences[best]):
        return None
    later = best
    for offset in reversed(offsets[max(0, offsets.index(best) - _SPEAKER_SENTENCES_BACK): offsets.index(best)]):
        if "\n" in _between(source[offset], source[later], offset, later):
            return None  # another paragraph: someone else may be speaking
        if facts_in(query, sentences[offset]):
            return offset
        later = offset
    return None


def _between(first: Hit, second: Hit, start: int, end: int) -> str:
    """The document's text from `start` in chunk `first` to `end` in chunk `second`, as far as the
    chunks hold it; a newline when they are not contiguous (chunks are cut between sentences)."""
    if first is second or first.start + len(first.text) >= end:
        return first.text[start - first.start: end - first.start]
    if first.start + len(first.text) + 1 < second.start:
        return "\n"
    return first.text[start - first.start:] + " " + second.text[: end - second.start]


def _next_offset(offsets: list[int], offset: int) -> int | None:
    i = offsets.index(offset)
    return offsets[i + 1] if i + 1 < len(offsets) else None


def _length(sentences: dict[int, str], chosen: list[int]) -> int:
    return sum(len(sentences[o]) for o in chosen)
