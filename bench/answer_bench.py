"""Answer quality and warm latency through the product's own answer path.

    .venv/bin/python bench/answer_bench.py               # seed QA set, XQuAD spans, CLI latency
    .venv/bin/python bench/answer_bench.py --limit 200   # fewer XQuAD questions per direction

1. Seed QA set (tests/data/seed_qa.toml) over the seed corpus: correct source first, fact in the
   answer, correct refusals — the same figures the tests assert.
2. XQuAD: how often a quoted sentence of the answer contains the gold answer span (Vietnamese
   and English questions over the 240 Vietnamese paragraphs), and how often the bot answered.
3. Warm latency of `python -m bot ask --json` (the CLI path: model loaded once, each question's
   latency_ms as the CLI reports it), p50/p95/p99, plus the process's start-up time.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import shutil
import subprocess
import tempfile
import time

from bench.common import PROJECT_DIR, machine_summary, markdown_table, utc_now, write_bench_config, write_result
from bench.xquad import XQUAD_DIR, build_all_documents, load_xquad, prepare_paragraph_project, spread
from bot.answer import Answerer
from bot.build import build_index
from bot.config import load_config
from bot.embedding import Embedder
from bot.evaluation import evaluate, load_qa
from bot.text import search_key

SEED_QA = PROJECT_DIR / "tests" / "data" / "seed_qa.toml"
SEED_FILES = ("000_168b4fa967d107c9.txt", "001_7c41b3213df7f756.txt", "002_f4c38aa5626986ed.txt",
              "003_500af1a167ffe578.txt", "004_19ab1e55f0366f18.txt", "metadata.toml", "glossary.toml")
LATENCY_ROUNDS = 3  # the seed questions are asked this many times in one CLI process


def seed_project(workdir: Path):
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True)
    for name in SEED_FILES:
        shutil.copy2(PROJECT_DIR / "corpus" / name, corpus / name)
    return write_bench_config(workdir)


def seed_quality(workdir: Path, embedder: Embedder) -> dict:
    config = seed_project(workdir)
    build_index(config, embedder=embedder, show_progress=False)
    report = evaluate(Answerer.open(config, embedder=embedder), load_qa(SEED_QA))
    return {
        "questions": len(report.results), "answerable": len(report.answerable), "unanswerable": len(report.unanswerable),
        "source_at_1": round(report.source_at_1, 3), "fact_contained": round(report.fact_contained, 3),
        "refusals": round(report.refusals, 3),
        "by_kind": {k: {"n": n, "source_or_refusal": round(s, 3), "fact": round(f, 3)} for k, (n, s, f) in report.by_kind().items()},
        "failures": report.failures(),
        "config": str(config.path),
    }


def gold_spans(data_dir: Path) -> dict[str, list[str]]:
    data = json.loads((data_dir / "xquad.vi.json").read_text(encoding="utf-8"))
    return {qa["id"]: [a["text"] for a in qa["answers"]]
            for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]}


def xquad_spans(workdir: Path, embedder: Embedder, limit: int | None) -> dict:
    xquad = load_xquad(XQUAD_DIR)
    spans = gold_spans(XQUAD_DIR)
    config, _ = prepare_paragraph_project(workdir, xquad.paragraphs)
    build_all_documents(config, embedder, len(xquad.paragraphs))
    answerer = Answerer.open(config, embedder=embedder)
    out = {}
    for language, questions in xquad.questions.items():
        chosen = spread(questions, limit)
        found = contained = right_paragraph = 0
        for q in chosen:
            answer = answerer.answer(q.text)
            found += answer.found
            right_paragraph += bool(answer.citations) and answer.citations[0].source_file == q.gold
            quotes = " ".join(search_key(c.quote) for c in answer.citations)
            contained += any(search_key(s) in quotes for s in spans[q.id])
        n = len(chosen)
        out[language] = {"questions": n, "answered": round(found / n, 3), "first_source_is_gold": round(right_paragraph / n, 3),
                         "quote_contains_gold_span": round(contained / n, 3)}
    return {"directions": out, "config": str(config.path)}


def cli_latency(config_path: str, questions: list[str]) -> dict:
    """Run the CLI once over all questions; latencies as it reports them, start-up from wall time."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--config", config_path],
        input="\n".join(questions) + "\n", capture_output=True, text=True, cwd=PROJECT_DIR, timeout=1800,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"bot ask failed: {result.stderr[-500:]}")
    latencies = sorted(json.loads(line)["latency_ms"] for line in result.stdout.splitlines())
    if len(latencies) != len(questions):
        raise RuntimeError(f"{len(latencies)} answers for {len(questions)} questions")

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {"questions": len(latencies), "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "startup_s": round(wall - sum(latencies) / 1000, 2)}


def format_markdown(summary: dict) -> str:
    seed, spans, latency = summary["seed"], summary["xquad"]["directions"], summary["latency"]
    parts = [
        "## Answers",
        "",
        f"Measured {summary['when']} on {summary['machine']}.",
        "Command: `.venv/bin/python bench/answer_bench.py" + (f" --limit {summary['limit']}`." if summary["limit"] else "`."),
        "",
        f"Seed QA set ({seed['questions']} hand-written questions, {seed['answerable']} answerable, "
        f"{seed['unanswerable']} not answerable from the corpus):",
        "",
        markdown_table(["measure", "rate"], [
            ["correct source cited first", seed["source_at_1"]],
            ["fact contained in the answer", seed["fact_contained"]],
            ["correct refusals (no citation, plain 'no information')", seed["refusals"]],
        ]),
        "",
        markdown_table(["kind", "questions", "source first / refusal", "fact"],
                       [[k, v["n"], v["source_or_refusal"], v["fact"]] for k, v in seed["by_kind"].items()]),
        "",
        "XQuAD (240 Vietnamese paragraphs; every question has an answer there):",
        "",
        markdown_table(["questions", "n", "answered", "gold paragraph cited first", "a quote contains the gold span"],
                       [[f"{lang}->vi", v["questions"], v["answered"], v["first_source_is_gold"], v["quote_contains_gold_span"]]
                        for lang, v in spans.items()]),
        "",
        "Warm latency through `python -m bot ask --json` (model loaded once; latency_ms as reported per question):",
        "",
        markdown_table(["questions", "n", "p50 ms", "p95 ms", "p99 ms", "process start-up s"],
                       [[name, v["questions"], v["p50_ms"], v["p95_ms"], v["p99_ms"], v["startup_s"]] for name, v in latency.items()]),
    ]
    if seed["failures"]:
        parts += ["", "Seed QA misses:", "", *[f"- {line}" for line in seed["failures"]]]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="XQuAD questions per direction (default: all)")
    args = parser.parse_args(argv)
    embedder = Embedder.from_config(load_config(PROJECT_DIR / "config.toml"))
    with tempfile.TemporaryDirectory(prefix="answer-bench-") as tmp:
        tmp = Path(tmp)
        seed = seed_quality(tmp / "seed", embedder)
        spans = xquad_spans(tmp / "xquad", embedder, args.limit)
        seed_questions = [item.question for item in load_qa(SEED_QA)] * LATENCY_ROUNDS
        xquad = load_xquad(XQUAD_DIR)
        xquad_questions = [q.text for lang in ("vi", "en") for q in spread(xquad.questions[lang], 150)]
        latency = {
            "seed QA x3": cli_latency(seed["config"], seed_questions),
            "XQuAD vi+en sample": cli_latency(spans["config"], xquad_questions),
        }
    summary = {"when": utc_now(), "machine": machine_summary(), "limit": args.limit,
               "seed": seed, "xquad": spans, "latency": latency}
    text = format_markdown(summary)
    write_result("answer.json", json.dumps(summary, ensure_ascii=False, indent=2))
    write_result("answer.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
