"""Step 2 of answering: hybrid retrieval over an analysed `Query`.

SQLite FTS5 (BM25 over content syllables and adjacent syllable pairs, each matched with or without
diacritics) and FAISS (the multilingual model) are fused by weighted reciprocal rank. A province
named in the question restricts both retrievers to documents about it, inside the search (an FTS
join, a FAISS id selector), so a rare province is not crowded out of a top-k list first.
`coverage` measures how much of a question a text contains; the judge and the quote selector use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

from bot.analysis import Analyzer, Concept, Phrase, Query
from bot.config import SearchConfig
from bot.embedding import Embedder
from bot.language import words
from bot.records import Hit
from bot.store import IndexStore
from bot.text import fold, has_diacritics, search_key

MODES = ("lexical", "dense", "hybrid")
_PHRASE_CACHE = 20000  # IDF entries kept per searcher; questions repeat few phrases


@dataclass
class Retrieved:
    """The fused ranking of chunks, and each retriever's own score for them (for the judge)."""

    hits: list[Hit]
    dense: dict[int, float] = field(default_factory=dict)  # chunk id -> cosine to the question
    lexical: dict[int, float] = field(default_factory=dict)  # chunk id -> BM25
    # chunk id -> cosine of its best sentence, for the top dense results (search.sentence_depth)
    sentence: dict[int, float] = field(default_factory=dict)


class Searcher:
    def __init__(self, store: IndexStore, embedder: Embedder, analyzer: Analyzer, settings: SearchConfig) -> None:
        self.store = store
        self.embedder = embedder
        self.analyzer = analyzer
        self.settings = settings
        self._chunks = max(1, store.chunk_count())
        self._idf = lru_cache(maxsize=_PHRASE_CACHE)(self._compute_idf)

    def analyze(self, question: str) -> Query:
        # The model reads Vietnamese without diacritics poorly: the corpus's written forms let the
        # analysis embed it as the corpus writes it.
        return self.analyzer.analyze(question, self.store.accents_for)

    def search(self, question: str, k: int = 10, mode: str = "hybrid") -> list[Hit]:
        return self.retrieve(self.analyze(question), k, mode)

    def retrieve(self, query: Query, k: int, mode: str = "hybrid") -> list[Hit]:
        """The k best chunks for an analysed query; Hit.score is the fused score (higher is better)."""
        return self.retrieve_scored(query, k, mode).hits

    def retrieve_scored(self, query: Query, k: int, mode: str = "hybrid") -> Retrieved:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        depth = max(k, self.settings.candidates)
        rankings, lexical, dense, sentence = [], [], [], {}
        if mode in ("lexical", "hybrid"):
            lexical = self.lexical(query, depth)
            rankings.append((self.settings.lexical_weight, lexical))
        if mode in ("dense", "hybrid") and query.dense_text:
            dense, sentence = self.dense_with_sentences(query, depth)
            rankings.append((self.dense_weight(query), dense))
        fused = fuse_rankings(rankings, self.settings.rrf_k)
        hits = self.store.hits(fused[: depth])
        if mode == "hybrid" and self.settings.coverage_weight:
            hits = self._rerank_by_coverage(query, hits)
        if query.article:  # the article the question names first, in the order found
            hits = sorted(hits, key=lambda h: h.article != query.article)
        return Retrieved(hits[:k], dict(dense), dict(lexical), sentence)

    def dense_weight(self, query: Query) -> float:
        if query.language == "en":
            return self.settings.dense_weight_en
        return self.settings.dense_weight_vi if has_diacritics(query.text) else self.settings.dense_weight_vi_plain

    def lexical(self, query: Query, k: int) -> list[tuple[int, float]]:
        expression = match_expression(query)
        if not expression:
            return []
        return self.store.lexical_search(expression, k, self.settings.column_weights, query.provinces)

    def dense(self, query: Query, k: int) -> list[tuple[int, float]]:
        """(chunk id, cosine) best first; the order counts each chunk's best sentence too."""
        return self.dense_with_sentences(query, k)[0]

    def dense_with_sentences(self, query: Query, k: int) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The dense ranking, and the cosine of the best sentence of each of its top chunks."""
        vector = self.embedder.encode_query(query.dense_text)
        found = self.store.dense_search(vector, k, query.provinces)
        top = found[: self.settings.sentence_depth]
        best = {cid: max(float(v @ vector) for v in sentences.values())
                for cid, sentences in self.store.sentence_vectors(cid for cid, _ in top).items() if sentences}
        weight = self.settings.sentence_weight
        if not weight:
            return found, best
        # The ranking keeps each chunk's own cosine as its score: only the order changes.
        return sorted(top, key=lambda item: -(item[1] + weight * best.get(item[0], item[1]))) + found[len(top):], best

    def _rerank_by_coverage(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """Rank fusion knows ranks, not content: among the top chunks, prefer those that contain
        more of what the question asks about."""
        depth, weight = self.settings.rerank_depth, self.settings.coverage_weight
        top = [
            replace(h, score=h.score + weight * self.coverage(query, f"{h.metadata.title}\n{h.text}", h.metadata.provinces))
            for h in hits[:depth]
        ]
        return sorted(top, key=lambda h: -h.score) + hits[depth:]

    # ------------------------------------------------------------ relevance

    def idf(self, phrase: Phrase) -> float:
        return self._idf(phrase)

    def _compute_idf(self, phrase: Phrase) -> float:
        """Mean BM25-style IDF of the phrase's words in the column it is matched against."""
        tokens = phrase.key.split() or [""]
        column = "body" if phrase.exact else "body_folded"
        df = self.store.document_frequencies(tokens, column)
        n = self._chunks
        return sum(math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in tokens) / len(tokens)

    def concept_weight(self, concept: Concept) -> float:
        # An alternative that never occurs has the highest IDF; a concept is as rare as its commonest form.
        weight = min(self.idf(p) for p in concept.phrases)
        return weight * self.settings.untranslated_weight if concept.untranslated else weight

    def coverage(self, query: Query, text: str, provinces: tuple[str, ...] = ()) -> float:
        """The IDF-weighted share of the question's concepts that occur in `text` (0..1)."""
        return self.concepts_coverage(query.concepts, text, provinces)

    def concepts_coverage(self, concepts: tuple[Concept, ...], text: str, provinces: tuple[str, ...] = ()) -> float:
        """The IDF-weighted share of `concepts` that occur in `text` (0..1; 0 for none)."""
        if not concepts:
            return 0.0
        forms = _text_forms(text)
        total = covered = 0.0
        for concept in concepts:
            weight = self.concept_weight(concept)
            total += weight
            if (concept.province and concept.province in provinces) or any(forms.contains(p) for p in concept.phrases):
                covered += weight
        return covered / total if total else 0.0

    def pair_coverage(self, query: Query, text: str) -> float:
        """The share of the question's adjacent content pairs that occur in `text` (0..1)."""
        return phrases_share(query.boosters, text)

    def focus_coverage(self, query: Query, text: str, provinces: tuple[str, ...] = ()) -> float:
        """How much of a follow-up's own words (or what is asked after a scene or a speaker) `text`
        holds: its concepts, and a quarter as much again its adjacent pairs; 0 without a focus."""
        return self.concepts_coverage(query.focus, text, provinces) + 0.25 * phrases_share(query.focus_pairs, text)


def phrases_share(phrases: tuple[Phrase, ...], text: str) -> float:
    """The share of `phrases` that occur in `text` (0..1; 0 for none)."""
    if not phrases:
        return 0.0
    forms = _text_forms(text)
    return sum(forms.contains(p) for p in phrases) / len(phrases)


def fuse_rankings(rankings: list[tuple[float, list[tuple[int, float]]]], rrf_k: float) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: score(d) = sum of weight / (rrf_k + rank), rank from 1."""
    scores: dict[int, float] = {}
    for weight, ranking in rankings:
        for rank, (item, _) in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def match_expression(query: Query) -> str:
    """An FTS5 MATCH expression: any concept phrase or booster, each in the columns of its form."""
    phrases = {p for c in query.concepts for p in c.phrases if p.key} | {p for p in query.boosters if p.key}
    parts = []
    for phrase in sorted(phrases, key=lambda p: (p.exact, p.key)):
        columns = "{body title}" if phrase.exact else "{body_folded title_folded}"
        parts.append(f'{columns} : "{phrase.key}"')
    return " OR ".join(parts)


@lru_cache(maxsize=4096)
def _text_forms(text: str) -> "_TextForms":
    # The same chunks and sentences are measured again and again (rerank, judge, quotes).
    return _TextForms(text)


class _TextForms:
    """A passage in both matching forms, for phrase containment tests."""

    def __init__(self, text: str) -> None:
        self.exact = " " + " ".join(words(search_key(text))) + " "
        self.folded = " " + " ".join(words(fold(text))) + " "

    def contains(self, phrase: Phrase) -> bool:
        if not phrase.key:
            return False
        text, key = (self.exact if phrase.exact else self.folded), f" {phrase.key} "
        if not phrase.not_after:
            return key in text
        start = text.find(key)
        while start >= 0:
            if fold(text[text.rfind(" ", 0, start) + 1: start]) != phrase.not_after:
                return True
            start = text.find(key, start + 1)
        return False
