"""The answering core: a question in, an `Answer` with verbatim, numbered, cited quotes out.

No Telegram here: the bot and the CLI both call `Answerer.answer`. Nothing is said without
support: unless a passage covers enough of the question (`[answer] min_relevance`), the reply is
the configured "no information" text and carries no citations.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from bot import llm
from bot.config import Config
from bot.embedding import Embedder
from bot.glossary import Glossary
from bot.records import Answer, Citation, DocumentMetadata, Hit
from bot.search import Query, Searcher
from bot.store import IndexStore, current_generation, open_index
from bot.text import fold, nfc, sentence_spans

logger = logging.getLogger(__name__)

# Chunks examined for support and quotable sentences. Enough that a long article answering well
# cannot crowd out a second article that answers too.
_CANDIDATE_CHUNKS = 30
_SECOND_SENTENCE_SHARE = 0.8
# Sentences holding what the question asks for (a date for "khi nào", a number for "bao nhiêu") win ties.
_ANSWER_TYPE_BONUS = 0.1
_ASKS_WHEN = re.compile(r"\b(khi nao|ngay nao|bao gio|thoi gian nao|luc nao|nam nao|thang nao|when|what date|which date|what year)\b")
_ASKS_HOW_MANY = re.compile(r"\b(bao nhieu|may|how many|how much|what percentage|what share|what number)\b")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b(tháng|năm)\s+\d{1,4}|\b(19|20)\d{2}\b")
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class Passage:
    """A document's best support for the question: its quoted sentences and how well they cover it."""

    doc_id: int
    source_file: str
    metadata: DocumentMetadata
    quote: str
    relevance: float  # coverage of the question by the best chunk of this document (0..1)
    rank: int  # position of that chunk in the fused ranking


class Answerer:
    def __init__(self, config: Config, store: IndexStore, embedder: Embedder, glossary: Glossary | None = None,
                 llm_api_key: str = "") -> None:
        self.config = config
        self._llm_api_key = llm_api_key
        self.embedder = embedder
        self.glossary = glossary or Glossary.load(config.search.glossary)
        self._searcher = Searcher(store, embedder, self.glossary, config.search)
        self._swap = threading.Lock()

    @classmethod
    def open(cls, config: Config, embedder: Embedder | None = None, llm_api_key: str = "") -> "Answerer":
        """Open the index first (a missing one fails fast), then load the model."""
        store = open_index(config)
        try:
            return cls(config, store, embedder or Embedder.from_config(config), llm_api_key=llm_api_key)
        except BaseException:
            store.close()
            raise

    @property
    def store(self) -> IndexStore:
        return self._searcher.store

    @property
    def searcher(self) -> Searcher:
        return self._searcher

    def reload_if_stale(self) -> bool:
        """Switch to the generation `index/current` points to if it is not the one served (a build
        from the command line while the bot runs). True when it switched."""
        current = current_generation(self.config.index.dir)
        if current is None or current.resolve() == self.store.gen_dir.resolve():
            return False
        self.reload()
        return True

    def reload(self) -> None:
        """Serve the index generation that `index/current` points to now (after a rebuild).
        Answers already running finish on the old store, which is closed when they drop it."""
        store = open_index(self.config)
        with self._swap:
            self._searcher = Searcher(store, self.embedder, self.glossary, self.config.search)

    def answer(self, question: str) -> Answer:
        started = time.perf_counter()
        searcher = self._searcher  # one generation for the whole answer, even if a reload happens
        query = searcher.analyze(question)
        passages = [] if query.empty or query.injection else self.supported_passages(searcher, query)
        if not passages:
            text, citations = self.not_found_text(query.language), ()
        else:
            citations = tuple(_citation(i, p) for i, p in enumerate(passages, start=1))
            text = self._generated(query, citations) or compose_answer(query.language, citations)
            citations = _cited_only(text, citations)
        return Answer(
            question=nfc(question), text=text, found=bool(citations), language=query.language,
            citations=citations, latency_ms=(time.perf_counter() - started) * 1000,
            confidence="answer" if citations else "none",
        )

    def not_found_text(self, language: str) -> str:
        return self.config.answer.not_found_en if language == "en" else self.config.answer.not_found_vi

    def supported_passages(self, searcher: Searcher, query: Query) -> list[Passage]:
        """One passage per document that answers, best first; several when several documents do."""
        settings = self.config.answer
        relevance: dict[int, float] = {}
        first_rank: dict[int, int] = {}
        hits_of: dict[int, list[Hit]] = {}
        for rank, hit in enumerate(searcher.retrieve(query, _CANDIDATE_CHUNKS)):
            if query.provinces and not set(query.provinces) & set(hit.metadata.provinces):
                continue  # a question about Thanh Hóa is not answered from an article about Nghệ An
            covered = searcher.coverage(query, f"{hit.metadata.title}\n{hit.text}", hit.metadata.provinces)
            if covered < settings.min_relevance:
                continue
            relevance[hit.doc_id] = max(relevance.get(hit.doc_id, 0.0), covered)
            first_rank.setdefault(hit.doc_id, rank)
            hits_of.setdefault(hit.doc_id, []).append(hit)
        if not relevance:
            return []
        ranked = sorted(relevance, key=lambda d: (-relevance[d], first_rank[d]))
        floor = relevance[ranked[0]] * settings.other_source_ratio
        passages = []
        for doc_id in ranked:
            quote = best_quote(searcher, query, hits_of[doc_id], settings.max_quote_sentences)
            if relevance[doc_id] >= floor and quote:
                hit = hits_of[doc_id][0]
                passages.append(Passage(doc_id, hit.source_file, hit.metadata, quote, relevance[doc_id], first_rank[doc_id]))
        return passages[: settings.max_citations]

    def _generated(self, query: Query, citations: tuple[Citation, ...]) -> str:
        if not self.config.llm.enabled:
            return ""
        return llm.generate_answer(self.config.llm, self._llm_api_key, query.text, query.language, citations)


def expected_answer_type(question: str) -> re.Pattern | None:
    """What a "when" or "how many" question's answer looks like: a date or a number."""
    folded = fold(question)
    if _ASKS_WHEN.search(folded):
        return _DATE
    if _ASKS_HOW_MANY.search(folded):
        return _NUMBER
    return None


def best_quote(searcher: Searcher, query: Query, hits: list[Hit], max_sentences: int) -> str:
    """The sentences of a document's retrieved chunks that cover the question best, verbatim, in
    reading order. Chunks overlap, so a sentence is identified by its offset in the document."""
    sentences: dict[int, tuple[float, str]] = {}
    wanted = expected_answer_type(query.text)
    for hit in hits:
        for start, end in sentence_spans(hit.text):
            if hit.start + start not in sentences:
                sentence = hit.text[start:end]
                score = searcher.coverage(query, sentence, hit.metadata.provinces)
                if wanted and wanted.search(sentence):
                    score += _ANSWER_TYPE_BONUS
                sentences[hit.start + start] = (score, sentence)
    if not sentences:
        return ""
    top = max(score for score, _ in sentences.values())
    if top <= 0:
        return ""
    # A second sentence joins only if it answers nearly as well (e.g. a proposal and the decision).
    best = sorted(sentences.items(), key=lambda kv: -kv[1][0])[:max_sentences]
    return " … ".join(sentence for _, (score, sentence) in sorted(best) if score >= _SECOND_SENTENCE_SHARE * top)


def _citation(n: int, passage: Passage) -> Citation:
    m = passage.metadata
    return Citation(
        n=n, doc_id=passage.doc_id, title=m.title, outlet=m.outlet, published=m.published, url=m.url,
        source_file=passage.source_file, quote=passage.quote, score=round(passage.relevance, 4),
        # "Điều 5, khoản 2": set once Passage carries its chunk's Hit.locator.
        locator=getattr(passage, "locator", ""),
    )


def _cited_only(text: str, citations: tuple[Citation, ...]) -> tuple[Citation, ...]:
    """A generated answer may cite fewer sources than were offered: keep those it cites."""
    cited = tuple(c for c in citations if f"[{c.n}]" in text)
    return cited or citations


def source_label(citation: Citation, language: str) -> str:
    """"Báo Nghệ An (01/07/2022)", or the headline when the outlet is unknown."""
    name = citation.outlet or (f"bài “{citation.title}”" if language == "vi" else f"“{citation.title}”")
    date = format_date(citation.published, language)
    return f"{name} ({date})" if date else name


def format_date(iso: str, language: str) -> str:
    if len(iso) != 10:
        return iso
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}" if language == "vi" else iso


def compose_answer(language: str, citations: tuple[Citation, ...]) -> str:
    """The extractive reply: the bot's own words in the question's language, quotes as written."""
    if len(citations) == 1:
        c = citations[0]
        lead = "Theo" if language == "vi" else "According to"
        return f"{lead} {source_label(c, language)} [{c.n}]:\n“{c.quote}”"
    lead = "Theo các nguồn trong kho tài liệu:" if language == "vi" else "According to the documents:"
    lines = [lead] + [f"[{c.n}] {source_label(c, language)}: “{c.quote}”" for c in citations]
    return "\n".join(lines)
