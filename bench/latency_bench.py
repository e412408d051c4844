"""Latency, start-up and memory: the project against the peer systems, each in a fresh process.

    .venv/bin/python bench/latency_bench.py                       # 100 Vietnamese + 100 English XQuAD questions
    .venv/bin/python bench/latency_bench.py --questions 50 --systems project,txtai-hybrid

The 240 XQuAD Vietnamese paragraphs are indexed once per system and saved: by bot.build.build_index for
the project, by the peers' own save (bench/peers/*_peer.py with "save_to"). Then every system is started
in a FRESH process that loads its model and its saved index:

- start-up = wall time from spawning the process to its "ready" line (interpreter, imports, model load,
  index load), seen by this process the same way for every system;
- warm query latency p50/p95/p99 = each process timing its own query call, after 5 untimed warm-up
  questions; the questions go round-robin over the systems (question 1 to every system, then question 2,
  ...) so a burst of load on this shared machine hits them all alike;
- peak RSS = each process's own high-water mark (VmHWM in /proc/self/status) after its queries; not
  getrusage's ru_maxrss, which on Linux carries over fork + exec the peak of this (larger) process.

The project's query call is bot.answer.Answerer.answer, the path the bot and `python -m bot ask` take
(search, support check, quote selection, citations); its bot.search.Searcher.search time (hybrid) is
reported too, since the peers' query call is retrieval only (they have no answer step without an LLM).
The project runs in .venv (this file's --serve mode), the peers in bench/.venv-peers.
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
import tempfile
import time
from functools import partial

import numpy as np

from bench.common import PROJECT_DIR, machine_summary, markdown_table, timed, utc_now, write_result
from bench.peers.jsonl import peak_rss_mb

PEERS_DIR = PROJECT_DIR / "bench" / "peers"
PEERS_PYTHON = PROJECT_DIR / "bench" / ".venv-peers" / "bin" / "python"
PEER_SCRIPTS = {"txtai-hybrid": "txtai_peer.py", "llamaindex-faiss": "llamaindex_peer.py"}
SYSTEMS = ("project", *PEER_SCRIPTS)
WARM_UP = 5
K = 10


# ---------------------------------------------------------------- the project's side of the protocol

def serve_project(config_path: Path) -> None:
    """--serve mode: open the project's index as the bot does, then answer JSON-lines queries
    (the protocol of bench/peers/jsonl.py, "ms" being Answerer.answer, "search_ms" Searcher.search)."""
    from bot.answer import Answerer
    from bot.config import load_config

    out, sys.stdout = sys.stdout, sys.stderr  # anything else printed must not break the protocol
    answerer = Answerer.open(load_config(config_path))
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if "stats" in request:
            print(json.dumps({"peak_rss_mb": peak_rss_mb()}), file=out, flush=True)
            continue
        search_seconds, hits = timed(partial(answerer.searcher.search, request["query"], int(request["k"]), "hybrid"))
        answer_seconds, answer = timed(partial(answerer.answer, request["query"]))
        print(json.dumps({"ids": list(dict.fromkeys(h.source_file for h in hits))[:K], "ms": 1000 * answer_seconds,
                          "search_ms": 1000 * search_seconds, "found": answer.found}), file=out, flush=True)


# ---------------------------------------------------------------- driving the processes

class Process:
    """A system in its own process; start-up is the wall time until its first line."""

    def __init__(self, argv: list[str], setup: dict | None, threads: int | None = None) -> None:
        env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
        if threads:  # torch and FAISS both read OMP_NUM_THREADS
            env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, encoding="utf-8", env=env)
        self.ready = self.ask(setup) if setup is not None else self.read()
        self.startup_seconds = time.perf_counter() - started

    def ask(self, message: dict) -> dict:
        self.proc.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.proc.args[-1]} exited with code {self.proc.wait()}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def build_everything(workdir: Path, systems: list[str]) -> tuple[Path, dict[str, dict]]:
    """Index the paragraphs for every system; returns the project's config path and {peer: build reply}."""
    from bench.xquad import build_all_documents, load_xquad, model_folder, model_prefixes, prepare_paragraph_project
    from bot.embedding import Embedder

    xquad = load_xquad()
    config, documents = prepare_paragraph_project(workdir / "project", xquad.paragraphs)
    build_all_documents(config, Embedder.from_config(config), len(documents))
    builds = {}
    for name in systems:
        if name in PEER_SCRIPTS:
            docs = [{"id": f, "text": t} for f, t in documents.items()]
            peer = Process([str(PEERS_PYTHON), str(PEERS_DIR / PEER_SCRIPTS[name])],
                           {"documents": docs, "model": model_folder(config), "save_to": str(workdir / name),
                            **model_prefixes(config)})
            builds[name] = peer.ready
            peer.close()
    return config.path, builds


def start(name: str, config_path: Path, workdir: Path, threads: int | None) -> Process:
    if name == "project":
        return Process([sys.executable, __file__, "--serve", str(config_path)], None, threads)
    from bench.xquad import model_folder, model_prefixes
    from bot.config import load_config

    config = load_config(config_path)
    return Process([str(PEERS_PYTHON), str(PEERS_DIR / PEER_SCRIPTS[name])],
                   {"load": str(workdir / name), "model": model_folder(config), **model_prefixes(config)}, threads)


def percentiles(ms: list[float]) -> dict[str, float]:
    return {f"p{q}": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)}


def run(systems: list[str], per_language: int, threads: int | None = None) -> dict:
    from bench.xquad import load_xquad, spread

    xquad = load_xquad()
    questions = [q.text for lang in ("vi", "en") for q in spread(xquad.questions[lang], per_language)]
    with tempfile.TemporaryDirectory(prefix="cds-latency-") as tmp:
        workdir = Path(tmp)
        config_path, builds = build_everything(workdir, systems)
        procs = {}
        for name in systems:  # one at a time, so start-ups do not compete with each other
            procs[name] = start(name, config_path, workdir, threads)
        for q in questions[:WARM_UP]:
            for p in procs.values():
                p.ask({"query": q, "k": K})
        replies = {name: [] for name in systems}
        for q in questions:
            for name, p in procs.items():
                replies[name].append(p.ask({"query": q, "k": K}))
        results = {}
        for name, p in procs.items():
            results[name] = {"startup_seconds": round(p.startup_seconds, 2), "peak_rss_mb": p.ask({"stats": True})["peak_rss_mb"],
                             "query_ms": percentiles([r["ms"] for r in replies[name]])}
            if name == "project":
                results[name]["search_ms"] = percentiles([r["search_ms"] for r in replies[name]])
            else:
                results[name]["index_build_seconds"] = round(builds[name]["seconds"], 2)
                results[name]["build_peak_rss_mb"] = builds[name]["peak_rss_mb"]
            p.close()
    return {"date": utc_now(), "machine": machine_summary(), "questions": len(questions), "warm_up": WARM_UP,
            "threads": threads or "default (torch and FAISS pick the core count)",
            "command": "bench/latency_bench.py " + " ".join(sys.argv[1:]), "results": results}


def format_markdown(summary: dict) -> str:
    r = summary["results"]
    base = r.get("project")
    rows = []
    for name, m in r.items():
        def ratio(value, base_value):
            return f"{value / base_value:.2f}" if base else "—"
        rows.append([name + (" (Answerer.answer)" if name == "project" else " (its query call)"),
                     m["query_ms"]["p50"], m["query_ms"]["p95"], m["query_ms"]["p99"],
                     ratio(m["query_ms"]["p50"], base["query_ms"]["p50"]) if base else "—",
                     m["startup_seconds"], ratio(m["startup_seconds"], base["startup_seconds"]) if base else "—",
                     m["peak_rss_mb"], ratio(m["peak_rss_mb"], base["peak_rss_mb"]) if base else "—"])
        if name == "project":
            s = m["search_ms"]
            rows.append(["project (Searcher.search, hybrid: retrieval only)", s["p50"], s["p95"], s["p99"],
                         f"{s['p50'] / base['query_ms']['p50']:.2f}", "", "", "", ""])
    return "\n".join([
        "## Latency, start-up and memory",
        "",
        f"Measured {summary['date']} on {summary['machine']}. Command: `.venv/bin/python {summary['command'].strip()}`.",
        f"{summary['questions']} XQuAD questions (half Vietnamese, half English) over the 240 paragraphs, after "
        f"{summary['warm_up']} warm-up questions, round-robin over the systems; each system in a fresh process "
        f"loading its saved index; threads per process (OMP_NUM_THREADS): {summary.get('threads', 'default')}. "
        "Ratios are to the project (its Answerer.answer, same run).",
        "",
        markdown_table(["system", "p50 ms", "p95 ms", "p99 ms", "p50 ÷ project", "start-up s", "÷ project",
                        "peak RSS MB", "÷ project"], rows),
    ]) + "\n"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100, help="questions per language (default 100)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, from: {', '.join(SYSTEMS)}")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for every system's process (default: unset)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_project(args.serve)
        return 0
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown system(s) {unknown}; allowed: {', '.join(SYSTEMS)}")
    if any(s in PEER_SCRIPTS for s in systems) and not PEERS_PYTHON.is_file():
        parser.error(f"{PEERS_PYTHON} is missing; run: bash bench/setup_peers.sh")
    summary = run(systems, args.questions, args.threads)
    markdown = format_markdown(summary)
    print(markdown, end="")
    write_result("latency.md", markdown)
    write_result("latency.json", json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
