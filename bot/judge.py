"""Step 3 of answering: does what was retrieved answer the question?

Evidence per document, from its best retrieved chunks: the multilingual model's cosine to the
question and how far it stands above the topic's level, the same two for its best sentence (vectors
stored at build time), the IDF-weighted share of the question's content in the best chunk and in
the best single sentence, and the share of the question's adjacent word pairs. The sentence cosine
is what an English question has: its words do not occur in Vietnamese text, and a passage on the
topic that does not answer has no sentence standing out. A logistic model per question language turns that
into a probability; its coefficients and the two cut-offs are config ([answer]), fitted on a dev
split by bench/answer_eval.py --fit, never on the questions the figures are reported on. What the
model cannot see lowers the cut-off: a document about the province the question names, the article a
follow-up's previous answer came from (set on the dev halves of the project's question sets).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from bot.analysis import Query
from bot.asking import ISSUING
from bot.comparison import review_spans
from bot.config import AnswerConfig
from bot.people import holds_the_posts_given, people_named, someone_holds_the_speakers_post
from bot.records import Hit
from bot.search import Retrieved, Searcher
from bot.text import fold, has_words, sentence_spans

CONFIDENT, RELATED, NONE = "answer", "related", "none"
# A question asking for a reason (folded) takes what it states for granted, its numbers too; so
# does a claim put up for confirmation ("Nghệ An đặt mục tiêu tốp 10, phải không?", "Is it true
# that …?"): a passage without its numbers does not confirm it, whatever else it shares.
_WHY = re.compile(r"\b(?:vi sao|tai sao|ly do|nguyen nhan|why|how come|how did)\b")
_CLAIM = re.compile(r"\b(?:dung|phai)\s+(?:khong|ko|k|hok|hong|chu|ha)\b|\bco phai\b|\b(?:is|was) it true\b|\bis that true\b"
                    r"|\btrue that\b|\b(?:right|correct|true)\W*$|\bisn'?t it\W*$")
# The year a question says a document was issued in ("Nghị quyết 09 … được HĐND tỉnh thông qua năm
# 2023 …?"): taken for granted like a why-question's numbers. Not any year a question names: "bao
# nhiêu lần đoạt bóng trong năm 2015?" asks within a season its passage need not restate.
_ISSUED_IN = re.compile(rf"\b{ISSUING}\b[^?.]{{0,25}}?(?<![\d.,/])((?:19|20)\d\d)(?![\d/])"
                        # "… năm 2020 thông qua nghị quyết …", not a horizon ("đến năm 2025 ban hành …")
                        rf"|(?<!den )(?<!toi )\b(?:nam|in) ((?:19|20)\d\d) (?:\w+ ){{0,2}}?{ISSUING}\b")
# Chunks of one document looked at for its evidence.
_CHUNKS_PER_DOCUMENT = 3
# Dense results averaged for the topic's level, against which the best chunk's peak is measured.
_TOPIC_DEPTH = 10


@dataclass(frozen=True)
class Evidence:
    doc_id: int
    hits: tuple[Hit, ...]  # the document's retrieved chunks, in retrieval order
    cosine: float  # of the best chunk to the question
    margin: float  # that cosine above the mean of the top dense results: a peak, not a topic
    coverage: float  # IDF-weighted share of the question's content in the best chunk
    pairs: float  # share of the question's adjacent word pairs in the best chunk
    sentence: float  # coverage by the best single sentence: the answer is in one place
    sentence_cosine: float  # of the best sentence of those chunks to the question
    sentence_margin: float  # that cosine above the mean best sentence of the top dense results
    probability: float = 0.0

    @property
    def examined(self) -> tuple[Hit, ...]:
        """The chunks the evidence was read from, which the quotes come from too."""
        return self.hits[:_CHUNKS_PER_DOCUMENT]

    def features(self) -> tuple[float, ...]:
        return (self.cosine, self.margin, self.coverage, self.pairs, self.sentence, self.sentence_cosine, self.sentence_margin)


def evidence_by_document(searcher: Searcher, query: Query, retrieved: Retrieved, settings: AnswerConfig) -> list[Evidence]:
    """One Evidence per retrieved document (per article of a legal document), in retrieval order
    (first chunk's rank)."""
    grouped: dict[tuple[int, str], list[Hit]] = {}
    for hit in retrieved.hits:
        grouped.setdefault((hit.doc_id, hit.article), []).append(hit)
    unit_of = _legal_units(searcher, retrieved)
    topic = _mean(_best_per_unit(retrieved.dense, unit_of)[:_TOPIC_DEPTH])
    sentence_topic = _mean(_best_per_unit(retrieved.sentence, unit_of))
    out = []
    for (doc_id, _), hits in grouped.items():
        top = hits[:_CHUNKS_PER_DOCUMENT]  # = Evidence.examined
        texts = [f"{h.metadata.title}\n{h.text}" for h in top]
        cosine = max((retrieved.dense.get(h.chunk_id, 0.0) for h in top), default=0.0)
        coverage = max(searcher.coverage(query, t, h.metadata.provinces) for t, h in zip(texts, top))
        pairs = max(searcher.pair_coverage(query, t) for t in texts)
        sentence = max((searcher.coverage(query, h.text[a:b], h.metadata.provinces) for h in top
                        for a, b in sentence_spans(h.text)), default=0.0)
        # a chunk below the dense top (sentence_depth) counts its own cosine for its best sentence's
        best_sentence = max((retrieved.sentence.get(h.chunk_id, retrieved.dense.get(h.chunk_id, 0.0)) for h in top), default=0.0)
        evidence = Evidence(doc_id, tuple(hits), cosine, cosine - topic if cosine else 0.0, coverage, pairs, sentence,
                            best_sentence, best_sentence - sentence_topic if best_sentence else 0.0)
        out.append(replace(evidence, probability=answer_probability(evidence, query.language, settings)))
    return out


def _legal_units(searcher: Searcher, retrieved: Retrieved) -> dict[int, tuple[int, str]]:
    """The article (document, "Điều 5") of each scored chunk of a legal document; no lookup when no
    retrieved chunk is in one (a corpus of news articles)."""
    if not any(h.article for h in retrieved.hits):
        return {}
    chunk_ids = [*retrieved.dense, *retrieved.sentence]
    return {cid: unit for cid, unit in searcher.store.articles_of(chunk_ids).items() if unit[1]}


def _best_per_unit(scores: dict[int, float], unit_of: dict[int, tuple[int, str]]) -> list[float]:
    """The best score of each unit, highest first: a chunk is its own unit, except that the chunks
    of one legal article are one. The topic's level is measured over articles, because the clauses
    of one long article would otherwise fill the top and flatten its peak to nothing."""
    best: dict[object, float] = {}
    for chunk_id, score in scores.items():
        unit = unit_of.get(chunk_id, chunk_id)
        best[unit] = max(score, best.get(unit, score))
    return sorted(best.values(), reverse=True)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def answer_probability(evidence: Evidence, language: str, settings: AnswerConfig) -> float:
    """P(the document answers the question), by the calibrated logistic model of that language."""
    bias, *weights = settings.calibration_en if language == "en" else settings.calibration_vi
    z = bias + sum(w * x for w, x in zip(weights, evidence.features()))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def confidence_of(evidence: Evidence, query: Query, settings: AnswerConfig, context: str = "") -> str:
    """"answer", "related" or "none". A question taking an event for granted ("When did X cancel
    Y?") is never answered with confidence from a passage that does not mention that event.
    `context`: the source a follow-up's previous answer was confidently taken from."""
    probability = evidence.probability
    # each way of checking the premises once, however many cut-offs the probability clears
    checks = sorted({every_number for cutoff, every_number in _answer_cutoffs(evidence, query, settings, context)
                     if probability >= cutoff})
    # a follow-up moved to another province ("còn Nghệ An?" after Quảng Ninh's two-year review) asks
    # for that province's own review, whatever its span
    if any(confirms_premises(evidence, query, every_number) for every_number in checks) and (
            context or holds_the_review_span(evidence, query)):
        return CONFIDENT
    if probability >= settings.related_cutoff(query.language):
        return RELATED
    return NONE


def _answer_cutoffs(evidence: Evidence, query: Query, settings: AnswerConfig, context: str) -> list[tuple[float, bool]]:
    """The probabilities from which the document answers, each with whether every number the
    question states must be in it. Lower for a document about the provinces the question names (the
    answerability model, fitted on XQuAD, sees no metadata; a sibling paragraph on the same topic
    is its hard case, one province's article for another's question is not), but then the
    question's numbers must be there: the province vouches for the topic, not for "DTI năm 2021" or
    "chỉ hoàn thành 5/20 mục tiêu". Lower too for the article a follow-up's previous answer was
    confidently taken from."""
    first = evidence.hits[0]
    cutoffs = [(settings.answer_cutoff(query.language), False)]
    if query.provinces and set(query.provinces) <= set(first.metadata.provinces):
        cutoffs.append((settings.anchored_cutoff(query.language), True))
    if context and first.source_file == context:
        cutoffs.append((settings.followup_probability, False))
    return cutoffs


def confirms_premises(evidence: Evidence, query: Query, every_number: bool = False) -> bool:
    """The events the question takes for granted are in the passage and, when it asks why or asks to
    confirm a claim (or `every_number`), every number it states ("Vì sao Quảng Ninh đã hoàn thành
    100% mục tiêu?" is not confirmed by "đạt 60%", nor "tốp 10, phải không?" by "tốp 25 - 30", nor
    "5/20 mục tiêu" by "7/20"); the people it names are in the document ("Chủ tịch UBND tỉnh Nguyễn
    Đức Trung … hội nghị của Thanh Hóa": he is Nghệ An's), with the posts it gives them ("Deputy
    Minister Nguyễn Phú Tiến": a Phó Cục trưởng)."""
    first = evidence.hits[0].metadata
    document = _document_text(evidence)
    people = people_named(query.written)  # a comparison's part: the people its own words name
    if people:
        folded = fold(document)
        if not all(has_words(folded, p) for p in people):
            return False
    if not (holds_the_posts_given(query.text, document) and someone_holds_the_speakers_post(query.text, document)):
        return False
    text = " ".join([first.title, first.published, *(h.text for h in evidence.examined)]).lower()
    folded = fold(query.text)
    # a comparison's part answers for its own words only (query.written): "… Thanh Hóa và cuộc họp
    # đánh giá 2 năm Nghị quyết 09 ở Quảng Ninh" asks Thanh Hóa's article for no "09"
    numbers = _numbers(query.written) if every_number else _numbers(query.text) if _WHY.search(folded) or _CLAIM.search(folded) \
        else {year for m in _ISSUED_IN.finditer(folded) for year in m.groups() if year}
    return all(any(has_words(text, w.lower()) for w in forms) for forms in query.premises) \
        and (not numbers or numbers <= _numbers_stated(text)) and not (_WHY.search(folded) and _denies(query, text))


# "… là vấn đề nhận thức chứ không phải là vấn đề công nghệ": what follows "không phải" is denied
# (folded); a question asking why it holds ("Why did he say it is mainly a technology problem?")
# takes for granted what the passage denies. Not a question that denies it itself ("… không phải …").
_DENIED = re.compile(r"\bkhong phai (?:la )?([^,.;:!?]{1,60})")
_NEGATION = re.compile(r"\b(?:khong|chua|chang|not|never|no)\b|n't\b")


def _denies(query: Query, text: str) -> bool:
    """True when a sentence of `text` holding at least half of the question's words has one of them
    only where it says "không phải …"."""
    if _NEGATION.search(fold(query.text)):
        return False
    keys = [{fold(p.key) for p in c.phrases} for c in query.concepts if not c.province]
    for a, b in sentence_spans(text):
        sentence = fold(text[a:b])
        denied = " ".join(_DENIED.findall(sentence))
        if not denied:
            continue
        rest = _DENIED.sub(" ", sentence)
        held = [forms for forms in keys if any(has_words(sentence, k) for k in forms)]
        if 2 * len(held) >= len(keys) and any(any(has_words(denied, k) for k in forms) and not any(has_words(rest, k) for k in forms)
                                              for forms in held):
            return True
    return False


def holds_the_review_span(evidence: Evidence, query: Query) -> bool:
    """The span of a review the question names in its own words ("hội nghị tổng kết 3 năm …") is in
    the document: a one-year review does not confirm a three-year one. A comparison's part names
    only its own (query.written: "Nghệ An's one-year review, and Quảng Ninh's two-year review")."""
    spans = review_spans(query.written)
    if not spans:
        return True
    document = fold(_document_text(evidence)).lower()
    return all(re.search(rf"(?<![\w.,/])0*{n} (?:nam|years?)\b", document) for n in spans)  # statutes write "03 năm"


def _document_text(evidence: Evidence) -> str:
    """The document's title and every retrieved chunk of it: where the people and spans a question
    takes for granted are looked for."""
    return " ".join([evidence.hits[0].metadata.title, *(h.text for h in evidence.hits)])


def _numbers_stated(text: str) -> set[str]:
    """A day or a count of a fraction is stated whole ("1/7", "7/20"); a lone number may be a part
    of one ("26" of "26/4/2022")."""
    whole = _numbers(text)
    return whole | {part for n in whole for part in n.split("/")}


def _numbers(text: str) -> set[str]:
    """The numbers of a text, a fraction or a date as one ("5/20", "26/4/2022"), without leading zeros."""
    return {"/".join(part.lstrip("0") or "0" for part in n.split("/"))
            for n in re.findall(r"(?<![\d.,/])\d+(?:[.,]\d+)*(?:/\d+)*(?![\d/])", text)}


def cited_documents(evidence: list[Evidence], settings: AnswerConfig, query: Query, context: str = "") -> list[Evidence]:
    """The documents to cite: those that answer nearly as well as the best, the likeliest first
    (on the dev sets this orders confident answers better than the search: seed dev 0.902 -> 0.927,
    XQuAD dev +0.002, statutes dev the same). When none answers with confidence, the search's first
    stays first (if related at all): the judge's probabilities that low order passages worse than
    the search does."""
    if not evidence:
        return []
    best = max(e.probability for e in evidence)
    language = query.language
    floor = max(settings.related_cutoff(language), best * settings.other_source_ratio)
    cited = [e for e in evidence if e.probability >= floor]
    # The search's first stays first without a confident answer, and when it is the article the
    # question names ("Điều 7 … quy định gì?"; the search puts that article first)
    first = evidence[0]
    # a follow-up's article just quoted stays the likeliest when none answers with confidence, if it
    # is about the provinces the question names ("còn Quảng Ninh thì sao?" moves away from it)
    first = next((e for e in evidence if context and e.hits[0].source_file == context
                  and set(query.provinces) <= set(e.hits[0].metadata.provinces)
                  and e.probability >= settings.related_cutoff(language)), first)
    named = bool(query.article) and first.hits[0].article == query.article
    if (named or best < settings.answer_cutoff(language)) and first.probability >= settings.related_cutoff(language):
        cited = [first, *(e for e in cited if e is not first)]
    else:
        cited = sorted(cited, key=lambda e: -e.probability)
    # "Who wrote the DNHN piece …?": that outlet's likeliest article first when nearly as likely as
    # the first (an article whose outlet is unknown is not passed over for a much weaker one)
    own = [e for e in evidence if query.outlet and e.hits[0].metadata.outlet == query.outlet]
    likeliest = max(own, key=lambda e: e.probability, default=None)
    if likeliest and cited and likeliest.probability >= cited[0].probability * settings.other_source_ratio:
        cited = [likeliest, *(e for e in cited if e is not likeliest)]
    return cited[: settings.max_citations]
