"""Scale benchmark: FAISS search latency, memory and approximate recall from 10 thousand to 1 million chunks.

    .venv/bin/python bench/scale_bench.py                          # sizes 10k,100k,300k,1M; 200 queries
    .venv/bin/python bench/scale_bench.py --sizes 10000,100000 --queries 100

The vectors are SYNTHETIC: no run on this machine can embed a million chunks (the encoder does about
10 chunks/s here, see docs/benchmarks.md). They are normalized 384-d vectors drawn around random
cluster centres (so that, like real sentence embeddings, they have neighbourhoods an IVF index can find;
uniform random vectors have none and would understate IVF recall). Queries are stored vectors plus
noise, re-normalized. For every size both indexes are built with the product's own
bot.index_writer.build_faiss: exact (IndexConfig(approximate_above=n), a flat inner-product index) and
approximate (IndexConfig(approximate_above=0), the IVF + 8-bit scalar quantization index the builder
switches to above the configured approximate_above). The table marks which one the builder picks at that
size with the project's config.toml.

Measured per size and index: build seconds, serialized index bytes (what the process holds for the
index), one-query-at-a-time search latency p50/p95 (k=10, as the bot searches), and the recall@10 the
approximate index keeps against exact search on the same queries. Each size runs in its own
subprocess so its peak RSS (resource.getrusage) is its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import resource
import subprocess
import time

import numpy as np

from bench.common import PROJECT_DIR, machine_summary, markdown_table, utc_now, write_result

DIMENSION = 384
CLUSTERS = 2000
K = 10
DEFAULT_SIZES = (10_000, 100_000, 300_000, 1_000_000)


def synthetic_vectors(n: int, seed: int = 0) -> np.ndarray:
    """n normalized vectors around CLUSTERS random centres (float32, generated in slices to bound memory)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((CLUSTERS, DIMENSION)).astype(np.float32)
    out = np.empty((n, DIMENSION), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        block = centres[rng.integers(0, CLUSTERS, m)] + 0.9 * rng.standard_normal((m, DIMENSION)).astype(np.float32)
        out[start:start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def queries_from(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picked = vectors[rng.choice(len(vectors), size=count, replace=False)]
    noisy = picked + 0.5 * rng.standard_normal(picked.shape).astype(np.float32) / np.sqrt(DIMENSION) * 4
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def percentile_ms(seconds: list[float], q: float) -> float:
    return round(1000 * float(np.percentile(seconds, q)), 3)


def measure_size(n: int, query_count: int) -> dict:
    """Build both indexes over n synthetic vectors and measure them (runs inside the child process)."""
    import faiss

    from bot.config import IndexConfig, load_config
    from bot.index_writer import build_faiss, index_type_name

    settings = load_config(PROJECT_DIR / "config.toml").index
    vectors = synthetic_vectors(n)
    ids = np.arange(1, n + 1, dtype=np.int64)
    queries = queries_from(vectors, query_count)
    result = {"chunks": n, "queries": query_count, "builder_picks": "exact" if n <= settings.approximate_above else "approximate",
              "config_approximate_above": settings.approximate_above, "nprobe": settings.nprobe}
    found = {}
    default_threads = faiss.omp_get_max_threads()
    result["default_threads"] = default_threads
    for kind, threshold in (("exact", n), ("approximate", 0)):
        started = time.perf_counter()
        index = build_faiss(ids, vectors, IndexConfig(approximate_above=threshold, nprobe=settings.nprobe))
        build_seconds = time.perf_counter() - started
        result[kind] = {"type": index_type_name(index), "build_seconds": round(build_seconds, 2),
                        "index_mb": round(len(faiss.serialize_index(index)) / 2**20, 1)}
        # FAISS's default OpenMP threads (what the bot runs with: it sets none), then one thread.
        for label, threads in (("", default_threads), ("1t_", 1)):
            faiss.omp_set_num_threads(threads)
            index.search(queries[:1], K)  # warm-up
            seconds, rows = [], []
            for q in queries:
                t = time.perf_counter()
                _, got = index.search(q.reshape(1, -1), K)
                seconds.append(time.perf_counter() - t)
                rows.append(got[0])
            result[kind].update({f"{label}p50_ms": percentile_ms(seconds, 50), f"{label}p95_ms": percentile_ms(seconds, 95)})
        faiss.omp_set_num_threads(default_threads)
        found[kind] = rows
        del index
    result["approximate"]["recall_at_10"] = round(float(np.mean(
        [len(set(a) & set(e)) / K for a, e in zip(found["approximate"], found["exact"])])), 4)
    result["vectors_mb"] = round(vectors.nbytes / 2**20, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def run(sizes: list[int], query_count: int) -> dict:
    rows = []
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--queries", str(query_count)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{n} chunks done", file=sys.stderr)
    return {"date": utc_now(), "machine": machine_summary(), "k": K,
            "command": "bench/scale_bench.py " + " ".join(sys.argv[1:]), "sizes": rows}


def format_markdown(summary: dict) -> str:
    rows = []
    base = summary["sizes"][0]["exact"]["p50_ms"]
    base1 = summary["sizes"][0]["exact"]["1t_p50_ms"]
    for r in summary["sizes"]:
        for kind in ("exact", "approximate"):
            m = r[kind]
            rows.append([f"{r['chunks']:,}", kind + (" ← builder" if r["builder_picks"] == kind else ""), m["type"],
                         m["p50_ms"], m["p95_ms"], f"{m['p50_ms'] / base:.3g}", m["1t_p50_ms"], f"{m['1t_p50_ms'] / base1:.3g}",
                         m["index_mb"], m["build_seconds"],
                         m.get("recall_at_10", "1 (reference)"), r["peak_rss_mb"] if kind == "exact" else ""])
    return "\n".join([
        "## Scale: FAISS search from 10 thousand to 1 million chunks",
        "",
        f"Measured {summary['date']} on {summary['machine']}. Command: `.venv/bin/python {summary['command'].strip()}`.",
        f"Synthetic normalized 384-d vectors (clustered; not embedded text), {summary['sizes'][0]['queries']} queries per size, "
        f"k={summary['k']}, one query per search call. Ratio = p50 ÷ p50 of exact search at {summary['sizes'][0]['chunks']:,} chunks "
        f"(same run), per thread setting. FAISS runs with its default OpenMP threads in the bot (it sets none); the 1-thread columns show what a single-query search costs without OpenMP start-up. Peak RSS is the whole child process (vectors + both indexes), one per size.",
        "",
        markdown_table(["chunks", "index", "FAISS type", f"p50 ms ({summary['sizes'][0]['default_threads']} threads)", "p95 ms", "p50 ratio", "p50 ms (1 thread)", "1-thread ratio", "index MB", "build s",
                        "recall@10 vs exact", "peak RSS MB"], rows),
    ]) + "\n"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_size(args.child, args.queries)))
        return 0
    summary = run([int(s) for s in args.sizes.split(",")], args.queries)
    markdown = format_markdown(summary)
    print(markdown, end="")
    write_result("scale.md", markdown)
    write_result("scale.json", json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
