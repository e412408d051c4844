"""Step 3 of answering: does what was retrieved answer the question?

Evidence per document, from its best retrieved chunks: the multilingual model's cosine to the
question and how far it stands above the topic's level, the IDF-weighted share of the question's
content in the best chunk and in the best single sentence, and the share of the question's
adjacent word pairs. A logistic model per question language turns that
into a probability; its coefficients and the two cut-offs are config ([answer]), fitted on a dev
split by bench/answer_eval.py --fit, never on the questions the figures are reported on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from bot.analysis import Query
from bot.config import AnswerConfig
from bot.records import Hit
from bot.search import Retrieved, Searcher
from bot.text import sentence_spans

CONFIDENT, RELATED, NONE = "answer", "related", "none"
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
    probability: float = 0.0

    @property
    def examined(self) -> tuple[Hit, ...]:
        """The chunks the evidence was read from, which the quotes come from too."""
        return self.hits[:_CHUNKS_PER_DOCUMENT]

    def features(self) -> tuple[float, ...]:
        return (self.cosine, self.margin, self.coverage, self.pairs, self.sentence)


def evidence_by_document(searcher: Searcher, query: Query, retrieved: Retrieved, settings: AnswerConfig) -> list[Evidence]:
    """One Evidence per retrieved document, in retrieval order (first chunk's rank)."""
    grouped: dict[int, list[Hit]] = {}
    for hit in retrieved.hits:
        grouped.setdefault(hit.doc_id, []).append(hit)
    cosines = sorted(retrieved.dense.values(), reverse=True)[:_TOPIC_DEPTH]
    topic = sum(cosines) / len(cosines) if cosines else 0.0
    out = []
    for doc_id, hits in grouped.items():
        top = hits[:_CHUNKS_PER_DOCUMENT]  # = Evidence.examined
        texts = [f"{h.metadata.title}\n{h.text}" for h in top]
        cosine = max((retrieved.dense.get(h.chunk_id, 0.0) for h in top), default=0.0)
        coverage = max(searcher.coverage(query, t, h.metadata.provinces) for t, h in zip(texts, top))
        pairs = max(searcher.pair_coverage(query, t) for t in texts)
        sentence = max((searcher.coverage(query, h.text[a:b], h.metadata.provinces) for h in top
                        for a, b in sentence_spans(h.text)), default=0.0)
        evidence = Evidence(doc_id, tuple(hits), cosine, cosine - topic if cosine else 0.0, coverage, pairs, sentence)
        out.append(replace(evidence, probability=answer_probability(evidence, query.language, settings)))
    return out


def answer_probability(evidence: Evidence, language: str, settings: AnswerConfig) -> float:
    """P(the document answers the question), by the calibrated logistic model of that language."""
    bias, *weights = settings.calibration_en if language == "en" else settings.calibration_vi
    z = bias + sum(w * x for w, x in zip(weights, evidence.features()))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def confidence_of(evidence: Evidence, query: Query, settings: AnswerConfig) -> str:
    """"answer", "related" or "none". A question taking an event for granted ("When did X cancel
    Y?") is never answered with confidence from a passage that does not mention that event."""
    probability = evidence.probability
    if probability >= settings.answer_probability and confirms_premises(evidence, query):
        return CONFIDENT
    if probability >= settings.answer_probability:
        return RELATED
    if probability >= settings.related_probability:
        return RELATED
    return NONE


def confirms_premises(evidence: Evidence, query: Query) -> bool:
    text = " ".join(h.text for h in evidence.examined).lower()
    return all(any(re.search(r"(?<!\w)" + re.escape(w.lower()) + r"(?!\w)", text) for w in forms) for forms in query.premises)


def cited_documents(evidence: list[Evidence], settings: AnswerConfig) -> list[Evidence]:
    """The documents to cite, in retrieval order: the first, and others that answer nearly as
    well; a first document below the "related" cut-off means nothing is cited."""
    if not evidence:
        return []
    best = max(e.probability for e in evidence)
    floor = max(settings.related_probability, best * settings.other_source_ratio)
    return [e for e in evidence if e.probability >= floor][: settings.max_citations]
