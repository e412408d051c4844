"""Answer quality on a hand-written QA set: right source first, fact in the answer, refusals.

Shared by the tests (which assert the rates stay above thresholds) and the benchmarks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer import Answerer
from bot.conversation import context_source, followup_question, turn_after
from bot.records import Answer
from bot.text import search_key


@dataclass(frozen=True)
class QAItem:
    question: str
    source: str  # expected first citation's source file; "" = the corpus has no answer
    fact: str = ""
    kind: str = ""
    previous: str = ""  # for a follow-up: the earlier question in the same chat
    also: str = ""  # for a comparison: a second source file that must be cited too


@dataclass
class QAResult:
    item: QAItem
    answer: Answer

    @property
    def source_ok(self) -> bool:
        if not self.item.source:
            return self.answer.confidence != "answer"  # "related" passages may be shown, never as the answer
        cited = [c.source_file for c in self.answer.citations]
        return self.answer.found and cited[0] == self.item.source and (not self.item.also or self.item.also in cited)

    @property
    def fact_ok(self) -> bool:
        return bool(self.item.fact) and self.answer.found and search_key(self.item.fact) in search_key(self.answer.text)


@dataclass
class QAReport:
    results: list[QAResult] = field(default_factory=list)

    def _share(self, rows: list[QAResult], ok) -> float:
        return sum(1 for r in rows if ok(r)) / len(rows) if rows else 0.0

    @property
    def answerable(self) -> list[QAResult]:
        return [r for r in self.results if r.item.source]

    @property
    def unanswerable(self) -> list[QAResult]:
        return [r for r in self.results if not r.item.source]

    @property
    def source_at_1(self) -> float:
        return self._share(self.answerable, lambda r: r.source_ok)

    @property
    def fact_contained(self) -> float:
        return self._share(self.answerable, lambda r: r.fact_ok)

    @property
    def refusals(self) -> float:
        return self._share(self.unanswerable, lambda r: r.source_ok)

    def by_kind(self) -> dict[str, tuple[int, float, float]]:
        """kind -> (questions, source@1 or refusal rate, fact rate)."""
        kinds = sorted({r.item.kind for r in self.results})
        out = {}
        for kind in kinds:
            rows = [r for r in self.results if r.item.kind == kind]
            out[kind] = (len(rows), self._share(rows, lambda r: r.source_ok), self._share(rows, lambda r: r.fact_ok))
        return out

    def failures(self) -> list[str]:
        lines = []
        for r in self.results:
            if not r.source_ok or (r.item.fact and not r.fact_ok):
                got = r.answer.citations[0].source_file if r.answer.citations else "(no answer)"
                lines.append(f"{r.item.kind:8} {r.item.question!r}: expected {r.item.source or '(no answer)'}"
                             f" / {r.item.fact!r}, got {got}")
        return lines


def load_qa(path: Path) -> list[QAItem]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return [QAItem(**item) for item in raw["qa"]]


def evaluate(answerer: Answerer, items: list[QAItem]) -> QAReport:
    return QAReport([QAResult(item, answer_in_context(answerer, item)) for item in items])


def answer_in_context(answerer: Answerer, item: QAItem) -> Answer:
    """The answer to the item's question; a follow-up is asked after its previous question, in the
    same conversation, the way the bot resolves it."""
    if not item.previous:
        return answerer.answer(item.question)
    expand = answerer.expand_abbreviations
    turn = turn_after(item.previous, item.previous, answerer.answer(item.previous), 0.0, expand)
    asked = followup_question(item.question, turn, now=0.0, max_age_seconds=60.0, expand=expand)
    return answerer.answer(asked, context_source(turn, item.question, asked))
