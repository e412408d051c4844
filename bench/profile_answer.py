"""Where the answer path spends its time: cProfile over Answerer.answer on the seed QA questions.

    .venv/bin/python bench/profile_answer.py                       # backend from config.toml
    .venv/bin/python bench/profile_answer.py --set 'embedding.backend="onnx"' --top 25

Indexes a copy of corpus/ in a temp folder (bench/ask_latency.prepare), loads the Answerer as
`bot ask` does (limit_threads([search] threads)), answers every question once untimed, then profiles
a second pass and prints the functions with the most cumulative time, plus the time spent inside
the encoder (Embedder._encode) per question and how many texts it embedded.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import cProfile
import io
import pstats
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)

    from bench.answer_eval import with_settings
    from bench.ask_latency import prepare, seed_questions
    from bot.answer import Answerer
    from bot.config import load_config
    from bot.embedding import Embedder, limit_threads

    questions = seed_questions(1)
    with tempfile.TemporaryDirectory(prefix="cds-profile-") as tmp:
        configs = prepare(Path(tmp))
        config = with_settings(load_config(configs["torch"]), args.set)
        limit_threads(config.search.threads)
        answerer = Answerer.open(config)
        for q in questions:
            answerer.answer(q)
        calls = {"texts": 0, "calls": 0, "seconds": 0.0}
        original = Embedder._encode

        def counting(self, texts):
            started = time.perf_counter()
            try:
                return original(self, texts)
            finally:
                calls["seconds"] += time.perf_counter() - started
                calls["calls"] += 1
                calls["texts"] += len(texts)

        Embedder._encode = counting
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for q in questions:
            answerer.answer(q)
        profile.disable()
        total = time.perf_counter() - started
        Embedder._encode = original
    n = len(questions)
    print(f"backend {config.embedding.backend}: {n} questions, {1000 * total / n:.1f} ms per question (profiled); "
          f"encoder: {calls['calls'] / n:.1f} calls, {calls['texts'] / n:.1f} texts, "
          f"{1000 * calls['seconds'] / n:.1f} ms per question ({calls['seconds'] / total:.0%} of the time)")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
