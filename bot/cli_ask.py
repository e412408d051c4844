"""`python -m bot ask`: answers from the command line, one per question, optionally as JSON lines.

A stable contract for other tools: with --json, exactly one JSON object per input line, in input
order, blank or odd lines included, with the model loaded once for all of them.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict
from typing import Iterable, TextIO

from bot.answer import Answerer
from bot.compose import format_date
from bot.config import Config
from bot.conversation import Turn, context_source, followup_question, turn_after
from bot.embedding import limit_threads
from bot.records import Answer


def run_ask(config: Config, questions: list[str], as_json: bool = False,
            stdin: TextIO | None = None, stdout: TextIO | None = None, conversation: bool = False) -> int:
    """`conversation`: the lines are one conversation, each a possible follow-up of the one before
    ("còn Quảng Ninh thì sao?"), resolved as the bot resolves them; the answer's question is the
    question actually asked."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    limit_threads(config.search.threads)
    answerer = Answerer.open(config)
    lines: Iterable[str] = [" ".join(questions)] if questions else (line.rstrip("\r\n") for line in stdin)
    previous: Turn | None = None
    for question in lines:
        asked = question
        if conversation and question.strip():
            asked = followup_question(question, previous, now=time.time(), max_age_seconds=math.inf,
                                      expand=answerer.expand_abbreviations)
        answer = answerer.answer(asked, context_source(previous, question, asked))
        if conversation and question.strip():
            previous = turn_after(question, asked, answer, time.time(), answerer.expand_abbreviations)
        stdout.write((answer_json(answer) if as_json else answer_text(answer)) + "\n")
        stdout.flush()
    return 0


def answer_json(answer: Answer) -> str:
    return json.dumps({
        "question": answer.question,
        "answer": answer.text,
        "found": answer.found,
        "confidence": answer.confidence,
        "short_answer": answer.short_answer,
        "language": answer.language,
        "latency_ms": round(answer.latency_ms, 2),
        "citations": [asdict(c) for c in answer.citations],
    }, ensure_ascii=False)


def answer_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("Nguồn:" if answer.language == "vi" else "Sources:")
        for c in answer.citations:
            details = [c.outlet, format_date(c.published, answer.language), c.url, f"corpus/{c.source_file}"]
            lines.append(f"[{c.n}] {c.title} — " + " — ".join(d for d in details if d))
    return "\n".join(lines)
