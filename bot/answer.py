"""The answering core: a question in, an `Answer` with verbatim, numbered, cited quotes out.

A question flows one way: analyse (bot/analysis.py) → retrieve (bot/search.py) → judge whether it
is answered (bot/judge.py) → select quotes (bot/quotes.py) → compose (bot/compose.py). No Telegram
here: the bot and the CLI both call `Answerer.answer`. Nothing is said without support: a reply is
a confident answer, the closest passages marked as possibly not answering, or "no information".
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time

from bot import llm
from bot.analysis import Analyzer, Query, per_province
from bot.byline import byline_of
from bot.comparison import date_order, ordered_by_date, ordered_by_span, span_order
from bot.compose import compose_answer
from bot.config import Config
from bot.embedding import Embedder
from bot.judge import CONFIDENT, NONE, RELATED, Evidence, cited_documents, confidence_of, evidence_by_document
from bot.facts import holds_asked_kind
from bot.people import names_the_asked_role
from bot.quotes import Quote, chunks_to_quote, quote_for
from bot.records import Answer, Citation
from bot.search import Searcher
from bot.store import IndexStore, current_generation, open_index
from bot.text import nfc

logger = logging.getLogger(__name__)

# Chunks examined for evidence and quotable sentences. Enough that a long article answering well
# cannot crowd out a second article that answers too.
_CANDIDATE_CHUNKS = 30


class Answerer:
    def __init__(self, config: Config, store: IndexStore, embedder: Embedder, llm_api_key: str = "") -> None:
        self.config = config
        self._llm_api_key = llm_api_key
        self.embedder = embedder
        self._searcher = Searcher(store, embedder, Analyzer.from_config(config.search), config.search)
        self._swap = threading.Lock()

    @classmethod
    def open(cls, config: Config, embedder: Embedder | None = None, llm_api_key: str | None = None) -> "Answerer":
        """Open the index first (a missing one fails fast), then load the model. The LLM key is read
        from the environment here, once, unless given."""
        if llm_api_key is None:
            llm_api_key = os.environ.get(config.llm.api_key_env, "") if config.llm.enabled else ""
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
        from the command line while the bot runs), and pick up edited glossary or normalisation
        files. True when it switched."""
        current = current_generation(self.config.index.dir)
        if current is None or current.resolve() == self.store.gen_dir.resolve():
            return False
        self.reload()
        return True

    def reload(self) -> None:
        """Serve the index generation that `index/current` points to now (after a rebuild).
        Answers already running finish on the old searcher, whose store closes when they drop it."""
        with self._swap:
            store = open_index(self.config)
            self._searcher = Searcher(store, self.embedder, Analyzer.from_config(self.config.search), self.config.search)

    def expand_abbreviations(self, text: str) -> str:
        """`text` with abbreviations written out as the analysis reads them ("con NA thi sao" ->
        "con Nghệ An thi sao"): follow-ups and the provinces of a turn are resolved on this."""
        return self._searcher.analyzer.normalizer.expand(text, chat=False)

    def answer(self, question: str, context: str = "") -> Answer:
        """`context`: the source file a follow-up's previous answer was confidently taken from
        (conversation.context_source), "" for a question on its own."""
        started = time.perf_counter()
        with self._swap:
            searcher = self._searcher  # one generation for the whole answer, even if a reload happens
        query = searcher.analyze(question)
        confidence, citations, facts = NONE, (), {}
        if not (query.asks_nothing or query.injection):
            confidence, citations, facts = self._cited(searcher, query, context)
        if citations:
            generated = self._generated(query, citations) if confidence == "answer" else ""
            text = generated or compose_answer(query.language, citations, confidence)
            citations = _cited_only(text, citations)
            if generated:  # the generated sentence, checked to cite real sources, is the fact to show
                facts = {citations[0].n: generated}
        else:
            confidence, text = NONE, self.not_found_text(query.language)
        return Answer(
            question=nfc(question), text=text, found=confidence == "answer", language=query.language,
            citations=citations, latency_ms=(time.perf_counter() - started) * 1000,
            confidence=confidence, short_answer=_short_answer(citations, confidence, facts),
        )

    def not_found_text(self, language: str) -> str:
        return self.config.answer.not_found_en if language == "en" else self.config.answer.not_found_vi

    def _cited(self, searcher: Searcher, query: Query, context: str) -> tuple[str, tuple[Citation, ...], dict[int, str]]:
        """Confidence, the citations in retrieval order, and each citation's fact span by its n. A
        question naming several provinces is answered province by province: confident only when
        each has its answer, its best source for each, in the order named; a province named only to
        set the scene has its source cited last, when related, without a say in the confidence."""
        parts = per_province(query)
        asked = [part for part in parts if not part.scene]
        citations, facts, seen, confidences, backing = [], {}, set(), [], []
        for part, evidence, cited, confidence in (self._judged(searcher, part, context) for part in parts):
            quoted = []
            for e in cited:
                unit = (e.doc_id, e.hits[0].article)  # an article of a legal document is cited on its own
                if unit in seen:
                    continue
                seen.add(unit)
                quote = self._quote(searcher, part, e)
                if quote.text:
                    quoted.append((e, quote))
            if part.scene:
                backing += quoted[:1] if confidence != NONE else []
                continue
            if confidence == CONFIDENT and quoted:
                others = [e for e in evidence if e not in cited and (e.doc_id, e.hits[0].article) not in seen]
                quoted, confidence = self._saying_what_was_asked(searcher, part, quoted, others, context)
            if len(asked) > 1:
                quoted = quoted[:1]  # one source per province, in the order named
            for e, quote in quoted:
                citations.append(_citation(len(citations) + 1, e, quote))
                facts[len(citations)] = quote.fact
            if cited:
                confidences.append(confidence)
        if not confidences:
            return NONE, (), {}
        everywhere = len(confidences) == len(asked) and all(c == CONFIDENT for c in confidences)
        if len(asked) > 1 and everywhere and asked[0].asks in ("day", "month", "when"):  # "tỉnh nào ban hành sớm hơn?": that one first
            citations, facts = ordered_by_date(date_order(query.text), citations, facts)
        elif len(asked) > 1:  # "which review looked back longer?": the spans its quotes name; else as named
            citations, facts = ordered_by_span(span_order(query.text), citations, facts)
        for e, quote in backing if citations else ():
            citations.append(_citation(len(citations) + 1, e, quote))
        if len(asked) == 1:
            return confidences[0], tuple(citations), facts
        return CONFIDENT if everywhere else RELATED, tuple(citations), facts

    def _quote(self, searcher: Searcher, query: Query, e: Evidence) -> Quote:
        settings = self.config.answer
        if query.asked_part().asks == "author":  # "ai viết bài …?": the byline, which no sentence holds
            byline = byline_of(searcher.store.document_text(e.doc_id))
            if byline:
                return Quote(byline, byline)
        # only the chunks judged (and a follow-up's own best): a long article's 10th chunk rarely
        # holds the answer, and for English questions every quotable sentence is embedded
        chunks = chunks_to_quote(searcher, query, e.hits, e.examined)
        return quote_for(searcher, self.embedder, query, chunks, settings.quote_chars,
                         settings.max_quote_sentences, settings.quote_cosine_weight)

    def _saying_what_was_asked(self, searcher: Searcher, query: Query, quoted: list[tuple[Evidence, Quote]],
                               others: list[Evidence], context: str) -> tuple[list[tuple[Evidence, Quote]], str]:
        """A confident answer's sources, the first one saying what was asked ("bao nhiêu?" a number,
        "ngày nào?" a day, "ai là …?" a name holding the post): when several documents answer with
        confidence, the first whose quote says it goes first ("Nghị quyết … ban hành ngày nào?": the
        article quoting "Nghị quyết số 09-NQ/TU, ngày 05/8/2022", not the one on the draft), also one
        confident but not cited beside the first (`others`: less likely than it by more than
        other_source_ratio). When none says it, the answer is only related."""
        def says_it(e: Evidence, quote: Quote) -> bool:
            return holds_asked_kind(query, quote.text) and names_the_asked_role(searcher, query, quote.text,
                                                                                 e.hits[0].metadata.provinces)

        first = quoted[0]
        if says_it(*first):
            return quoted, CONFIDENT
        settings = self.config.answer
        # others are quoted only as far as needed: the first confident one saying it ends the search
        candidates = itertools.chain(quoted[1:], ((e, self._quote(searcher, query, e)) for e in others
                                                  if confidence_of(e, query, settings, context) != NONE))
        first_saying = None
        for item in candidates:
            if not (item[1].text and says_it(*item)):
                continue
            if confidence_of(item[0], query, settings, context) == CONFIDENT:
                return [item, *(q for q in quoted if q is not item)], CONFIDENT
            first_saying = first_saying or item
        # "bao nhiêu?" answered by a sentence without a number: related, and the likeliest passage
        # that has one is shown too ("Kế hoạch số 586/KH-UBND" for "số hiệu?")
        return [*quoted, *([first_saying] if first_saying and first_saying not in quoted else [])], RELATED

    def _judged(self, searcher: Searcher, query: Query, context: str = "") -> tuple[Query, list[Evidence], list[Evidence], str]:
        """Every retrieved document's evidence, the documents to cite for one question, and how confidently."""
        evidence = evidence_by_document(searcher, query, searcher.retrieve_scored(query, _CANDIDATE_CHUNKS), self.config.answer)
        cited = cited_documents(evidence, self.config.answer, query, context)
        return query, evidence, cited, confidence_of(cited[0], query, self.config.answer, context) if cited else NONE

    def _generated(self, query: Query, citations: tuple[Citation, ...]) -> str:
        if not self.config.llm.enabled:
            return ""
        return llm.generate_answer(self.config.llm, self._llm_api_key, query.text, query.language, citations)


def _short_answer(citations: tuple[Citation, ...], confidence: str, facts: dict[int, str]) -> str:
    if confidence != "answer" or not citations:
        return ""
    return facts.get(citations[0].n, "")


def _citation(n: int, evidence: Evidence, quote: Quote) -> Citation:
    hit = evidence.hits[0]
    m = hit.metadata
    return Citation(
        n=n, doc_id=evidence.doc_id, title=m.title, outlet=m.outlet, published=m.published, url=m.url,
        source_file=hit.source_file, quote=quote.text, score=round(evidence.probability, 4), locator=quote.locator,
    )


def _cited_only(text: str, citations: tuple[Citation, ...]) -> tuple[Citation, ...]:
    """A generated answer may cite fewer sources than were offered: keep those it cites."""
    cited = tuple(c for c in citations if f"[{c.n}]" in text)
    return cited or citations
