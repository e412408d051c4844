"""Hybrid retrieval: SQLite FTS5 (BM25) and FAISS results fused by weighted reciprocal rank.

A question is first analysed into *concepts* (the content words of a Vietnamese question, or the
glossary translations and leftover words of an English one). Concepts drive the lexical query and
also measure how much of the question a passage covers, which decides whether we answer at all.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.config import SearchConfig
from bot.embedding import Embedder
from bot.glossary import Glossary
from bot.language import WORD, detect_language, is_stopword, words
from bot.provinces import PROVINCES, provinces_in
from bot.records import Hit
from bot.store import IndexStore
from bot.text import fold, has_diacritics, nfc, search_key

MODES = ("lexical", "dense", "hybrid")
_NUMBER_WORDS = dict(zip(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty".split(),
    "1 2 3 4 5 6 7 8 9 10 11 12 15 20 30".split(),
))
# Share of the rarer syllable's chunks in which the pair must occur to count as one word.
_COLLOCATION_SHARE = 0.3

# Requests to drop the bot's rules are answered like any question without support in the corpus.
_INJECTION = re.compile(
    r"ignore (all |any |the |your )?(previous|prior|above|earlier|system)|disregard (all |the |your )?(previous|prior|above|instructions)"
    r"|system prompt|you are now|pretend (to be|you)|jailbreak|developer mode"
    r"|bo qua (moi |tat ca |cac |nhung )?(huong dan|chi dan|chi thi|lenh|quy tac)|quen (het |moi |tat ca )?(huong dan|chi dan|quy tac)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Phrase:
    """One way a concept may be written in the corpus; `key` is in the form its column stores."""

    key: str
    exact: bool  # True: matched with diacritics (search_key); False: folded

    @classmethod
    def of(cls, text: str) -> "Phrase":
        exact = has_diacritics(text)
        return cls(" ".join(words(search_key(text) if exact else fold(text))), exact)


@dataclass(frozen=True)
class Concept:
    """A unit of meaning of the question; covered by a passage if any of its phrases occurs."""

    label: str
    phrases: tuple[Phrase, ...]
    province: str = ""  # set when the concept is a province: covered by the document's provinces too
    # An English word the glossary does not know: it may well be in the article in Vietnamese, so its
    # absence counts for less.
    untranslated: bool = False


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    concepts: tuple[Concept, ...]
    boosters: tuple[Phrase, ...]  # adjacent-word phrases that sharpen ranking, not coverage
    provinces: tuple[str, ...]
    dense_text: str
    injection: bool = False

    @property
    def empty(self) -> bool:
        return not self.concepts


class Searcher:
    def __init__(self, store: IndexStore, embedder: Embedder, glossary: Glossary, settings: SearchConfig) -> None:
        self.store = store
        self.embedder = embedder
        self.glossary = glossary
        self.settings = settings
        self._chunks = max(1, store.chunk_count())
        self._idf_cache: dict[Phrase, float] = {}
        self._word_cache: dict[Phrase, bool] = {}
        self._folded_synonyms = {fold(k): k for k in glossary.synonyms}

    # ------------------------------------------------------------ analysis

    def analyze(self, question: str) -> Query:
        text = nfc(question).strip()
        language = detect_language(text)
        provinces = _provinces_in_query(text)
        if language == "en":
            concepts, extra = self._english_concepts(text, provinces)
            boosters: tuple[Phrase, ...] = ()
            dense_text = f"{text}\n{' '.join(extra)}" if extra and self.settings.dense_glossary else text
        else:
            concepts, boosters = self._vietnamese_concepts(text, provinces)
            dense_text = text
        return Query(text, language, tuple(concepts), tuple(boosters), provinces, dense_text, bool(_INJECTION.search(fold(text))))

    def _english_concepts(self, text: str, provinces: tuple[str, ...]) -> tuple[list[Concept], list[str]]:
        concepts, translations = [], []
        rest = nfc(text).lower()
        for match in self.glossary.matches(text):
            phrases = tuple(Phrase.of(v) for v in match.vietnamese)
            named = provinces_in(" ".join(match.vietnamese))
            concepts.append(Concept(match.english, phrases, named[0] if named else ""))
            translations.extend(match.vietnamese)
            rest = rest[: match.start] + " " * (match.end - match.start) + rest[match.end:]
        province_words = {w for p in provinces for w in words(fold(p))}
        concepts += [_province_concept(p) for p in provinces if not any(c.province == p for c in concepts)]
        for token in words(rest):
            if not is_stopword(token, "en") and fold(token) not in province_words:
                token = _NUMBER_WORDS.get(token, token)
                concepts.append(Concept(token, (Phrase.of(token),), untranslated=not token.isdigit()))
        return concepts, translations

    def _vietnamese_concepts(self, text: str, provinces: tuple[str, ...]) -> tuple[list[Concept], list[Phrase]]:
        """Content words of a Vietnamese question, grouped into the multi-syllable words the corpus
        uses ("chính phủ", "mục tiêu") and widened with the glossary's synonyms."""
        concepts = [_province_concept(p) for p in provinces]
        boosters: list[Phrase] = []
        for run in _content_runs(text, provinces):
            boosters += [Phrase.of(f"{a} {b}") for a, b in zip(run, run[1:])]
            i = 0
            while i < len(run):
                size = self._longest_synonym(run, i) or (2 if i + 1 < len(run) and self._is_word(run[i], run[i + 1]) else 1)
                phrase = " ".join(run[i: i + size])
                alternatives = (phrase, *self._synonyms(phrase))
                concepts.append(Concept(phrase, tuple(dict.fromkeys(Phrase.of(a) for a in alternatives))))
                i += size
        return concepts, boosters

    def _longest_synonym(self, run: list[str], i: int) -> int:
        for size in range(min(5, len(run) - i), 1, -1):
            if self._synonyms(" ".join(run[i: i + size])):
                return size
        return 0

    def _synonyms(self, phrase: str) -> tuple[str, ...]:
        if has_diacritics(phrase):
            return self.glossary.synonyms_of(phrase)
        folded = self._folded_synonyms.get(phrase)
        return self.glossary.synonyms_of(folded) if folded else ()

    def _is_word(self, first: str, second: str) -> bool:
        """Two syllables form one word if the corpus mostly writes them together ("chính phủ"),
        not merely next to each other sometimes ("tiêu chính")."""
        pair = Phrase.of(f"{first} {second}")
        if pair not in self._word_cache:
            column = "body" if pair.exact else "body_folded"
            a, b = pair.key.split()
            together = self.store.phrase_frequency(pair.key, column)
            apart = self.store.document_frequencies([a, b], column)
            self._word_cache[pair] = together >= 2 and together >= _COLLOCATION_SHARE * min(apart[a], apart[b])
        return self._word_cache[pair]

    # ------------------------------------------------------------ retrieval

    def search(self, question: str, k: int = 10, mode: str = "hybrid") -> list[Hit]:
        return self.retrieve(self.analyze(question), k, mode)

    def retrieve(self, query: Query, k: int, mode: str = "hybrid") -> list[Hit]:
        """The k best chunks for an analysed query; Hit.score is the fused score (higher is better)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        depth = max(k, self.settings.candidates)
        rankings = []
        if mode in ("lexical", "hybrid"):
            rankings.append((self.settings.lexical_weight, self.lexical(query, depth)))
        if mode in ("dense", "hybrid") and query.dense_text:
            weight = self.settings.dense_weight_en if query.language == "en" else self.settings.dense_weight_vi
            rankings.append((weight, self.dense(query, depth)))
        fused = fuse_rankings(rankings, self.settings.rrf_k)
        hits = self.store.hits(fused[: depth])
        if mode == "hybrid":
            hits = self._rerank_by_coverage(query, hits)
        if query.provinces:
            hits = self._prefer_provinces(hits, query.provinces)
        return hits[:k]

    def lexical(self, query: Query, k: int) -> list[tuple[int, float]]:
        expression = match_expression(query)
        return self.store.lexical_search(expression, k, self.settings.column_weights) if expression else []

    def dense(self, query: Query, k: int) -> list[tuple[int, float]]:
        return self.store.dense_search(self.embedder.encode_query(query.dense_text), k)

    def _rerank_by_coverage(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """Rank fusion knows ranks, not content: among the top chunks, prefer those that contain
        more of what the question asks about."""
        depth, weight = self.settings.rerank_depth, self.settings.coverage_weight
        top = [
            replace(h, score=h.score + weight * self.coverage(query, f"{h.metadata.title}\n{h.text}", h.metadata.provinces))
            for h in hits[:depth]
        ]
        return sorted(top, key=lambda h: -h.score) + hits[depth:]

    def _prefer_provinces(self, hits: list[Hit], provinces: tuple[str, ...]) -> list[Hit]:
        """A question naming a province is about that province: other provinces' articles sink."""
        wanted = set(provinces)
        penalty = self.settings.other_province_penalty

        def adjusted(hit: Hit) -> Hit:
            if wanted & set(hit.metadata.provinces):
                return hit
            return replace(hit, score=hit.score * penalty)

        return sorted((adjusted(h) for h in hits), key=lambda h: -h.score)

    # ------------------------------------------------------------ relevance

    def idf(self, phrase: Phrase) -> float:
        """Mean BM25-style IDF of the phrase's words in the column it is matched against."""
        if phrase not in self._idf_cache:
            tokens = phrase.key.split() or [""]
            column = "body" if phrase.exact else "body_folded"
            df = self.store.document_frequencies(tokens, column)
            n = self._chunks
            self._idf_cache[phrase] = sum(math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in tokens) / len(tokens)
        return self._idf_cache[phrase]

    def concept_weight(self, concept: Concept) -> float:
        # An alternative that never occurs has the highest IDF; a concept is as rare as its commonest form.
        weight = min(self.idf(p) for p in concept.phrases)
        return weight * self.settings.untranslated_weight if concept.untranslated else weight

    def coverage(self, query: Query, text: str, provinces: tuple[str, ...] = ()) -> float:
        """The IDF-weighted share of the question's concepts that occur in `text` (0..1)."""
        if query.empty:
            return 0.0
        forms = _text_forms(text)
        total = covered = 0.0
        for concept in query.concepts:
            weight = self.concept_weight(concept)
            total += weight
            if (concept.province and concept.province in provinces) or any(forms.contains(p) for p in concept.phrases):
                covered += weight
        return covered / total if total else 0.0


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


def _content_runs(text: str, provinces: tuple[str, ...]) -> list[list[str]]:
    """Runs of adjacent content words; stopwords and province names split them."""
    province_spans = _province_spans(text, provinces)
    runs: list[list[str]] = [[]]
    for m in WORD.finditer(nfc(text).lower()):
        token = m.group(0)
        if any(a <= m.start() < b for a, b in province_spans) or is_stopword(token, "vi"):
            runs.append([])
        else:
            runs[-1].append(token)
    return [run for run in runs if run]


def _province_concept(name: str) -> Concept:
    return Concept(name, (Phrase.of(name),), province=name)


@lru_cache(maxsize=1)
def _folded_provinces() -> list[tuple[str, re.Pattern]]:
    return [(p, re.compile(r"(?<![^\W\d_])" + re.escape(fold(p)) + r"(?![^\W\d_])")) for p in PROVINCES]


def _provinces_in_query(text: str) -> tuple[str, ...]:
    """Provinces named in a question, written with or without diacritics."""
    found = dict.fromkeys(provinces_in(text))
    folded = fold(text)
    for name, pattern in _folded_provinces():
        if pattern.search(folded):
            found.setdefault(name, None)
    return tuple(found)


def _province_spans(text: str, provinces: tuple[str, ...]) -> list[tuple[int, int]]:
    folded = fold(text)  # same length as the lowercase NFC text: folding maps one char to one
    return [m.span() for name, pattern in _folded_provinces() if name in provinces for m in pattern.finditer(folded)]


@lru_cache(maxsize=4096)
def _text_forms(text: str) -> "_TextForms":
    # The same chunks and sentences are measured again and again (rerank, support, quotes).
    return _TextForms(text)


class _TextForms:
    """A passage in both matching forms, for phrase containment tests."""

    def __init__(self, text: str) -> None:
        self.exact = " " + " ".join(words(search_key(text))) + " "
        self.folded = " " + " ".join(words(fold(text))) + " "

    def contains(self, phrase: Phrase) -> bool:
        return bool(phrase.key) and f" {phrase.key} " in (self.exact if phrase.exact else self.folded)
