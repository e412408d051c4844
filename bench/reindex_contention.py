"""Does a /reindex starve answering? Answer latency while the bot's rebuild runs in the same process.

    .venv/bin/python bench/reindex_contention.py                   # 120 XQuAD paragraphs
    .venv/bin/python bench/reindex_contention.py --paragraphs 240

One process, set up as `bot serve` sets itself up: limit_threads([search] threads), then an Answerer
over an index of XQuAD paragraphs. The rebuild is the one the bot's /reindex runs
(bot.corpus_admin's build: build_index with Embedder.for_build, every core), forced so that every
passage is embedded again, in a worker thread. Questions (Vietnamese and English XQuAD questions,
alternating) are answered one after another with no build running, then for as long as the build
runs. Reported: answer p50 / p95 in both phases and their ratio (same run), questions answered
during the build, and the build's time with answering beside it ÷ its time alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import itertools
import tempfile
import threading
import time

import numpy as np

from bench.common import machine_summary, markdown_table, utc_now, write_result
from bench.xquad import XQUAD_DIR, build_all_documents, load_xquad, prepare_paragraph_project
from bot.answer import Answerer
from bot.corpus_admin import build_with_all_cores
from bot.embedding import Embedder, limit_threads


def questions_for(paragraph_count: int) -> list[str]:
    """Vietnamese and English questions about the indexed paragraphs, alternating."""
    data = load_xquad(XQUAD_DIR)
    wanted = {f"p{i:03d}.txt" for i in range(paragraph_count)}
    vi = [q.text for q in data.questions["vi"] if q.gold in wanted]
    en = [q.text for q in data.questions["en"] if q.gold in wanted]
    return [q for pair in zip(vi, en) for q in pair]


def timed_answer(answerer: Answerer, question: str) -> float:
    if answerer.embedder._cache is not None:
        answerer.embedder._cache.clear()  # a repeated question would skip the encoder
    started = time.perf_counter()
    answerer.answer(question)
    return (time.perf_counter() - started) * 1000


def run(paragraph_count: int, idle_questions: int) -> dict:
    paragraphs = load_xquad(XQUAD_DIR).paragraphs[:paragraph_count]
    with tempfile.TemporaryDirectory(prefix="cds-reindex-") as tmp:
        config, files = prepare_paragraph_project(Path(tmp), paragraphs)
        limit_threads(config.search.threads)
        embedder = Embedder.from_config(config)
        build_all_documents(config, embedder, len(files))
        answerer = Answerer.open(config, embedder=embedder)
        questions = itertools.cycle(questions_for(paragraph_count))
        for _ in range(5):
            timed_answer(answerer, next(questions))
        idle = [timed_answer(answerer, next(questions)) for _ in range(idle_questions)]

        started = time.perf_counter()
        build_with_all_cores(config, embedder, force=True, on_progress=None)
        build_alone = time.perf_counter() - started

        done = threading.Event()
        build_seconds: list[float] = []

        def rebuild() -> None:
            began = time.perf_counter()
            try:
                build_with_all_cores(config, embedder, force=True, on_progress=None)
            finally:
                build_seconds.append(time.perf_counter() - began)
                done.set()

        worker = threading.Thread(target=rebuild, name="reindex")
        worker.start()
        during = []
        while not done.is_set():
            during.append(timed_answer(answerer, next(questions)))
        worker.join()
    return {"date": utc_now(), "machine": machine_summary(), "paragraphs": paragraph_count,
            "backend": config.embedding.backend, "threads": config.search.threads,
            "idle": idle, "during": during, "build_alone": build_alone, "build_beside": build_seconds[0]}


def format_markdown(result: dict) -> str:
    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")

    idle, during = result["idle"], result["during"]
    rows = [
        ["no build running", len(idle), f"{pct(idle, 50):.1f}", f"{pct(idle, 95):.1f}", "1.00", "1.00"],
        ["while /reindex rebuilds (forced, every passage embedded)", len(during), f"{pct(during, 50):.1f}",
         f"{pct(during, 95):.1f}", f"{pct(during, 50) / pct(idle, 50):.2f}", f"{pct(during, 95) / pct(idle, 95):.2f}"],
    ]
    return "\n".join([
        "## Answering during a /reindex",
        "",
        f"Measured {result['date']} on {result['machine']}. Command: `.venv/bin/python bench/reindex_contention.py"
        f" --paragraphs {result['paragraphs']}`.",
        f"One process as `bot serve` runs it (backend {result['backend']}, [search] threads = {result['threads']});"
        f" {result['paragraphs']} XQuAD paragraphs; Vietnamese and English questions alternating, each embedded"
        " (the answer cache cleared); the rebuild is the bot's /reindex build (Embedder.for_build, every core).",
        "",
        markdown_table(["phase", "questions answered", "p50 ms", "p95 ms", "p50 ÷ idle", "p95 ÷ idle"], rows),
        "",
        f"The build took {result['build_beside']:.1f} s with questions answered beside it, {result['build_alone']:.1f} s"
        f" alone ({result['build_beside'] / result['build_alone']:.2f}x).",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=120)
    parser.add_argument("--idle-questions", type=int, default=100)
    args = parser.parse_args()
    text = format_markdown(run(args.paragraphs, args.idle_questions))
    print(text)
    write_result("reindex_contention", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
