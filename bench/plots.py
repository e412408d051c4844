"""PNG plots for docs/benchmarks.md from the JSON results in bench/results/ (matplotlib).

    bench/.venv-peers/bin/python bench/plots.py        # writes docs/img/*.png for the results present

Runs in bench/.venv-peers (matplotlib is not a dependency of the product) and reads JSON only: it
imports neither the project nor the benchmarks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
IMG = ROOT / "docs" / "img"


def xquad(summary: dict, path: Path) -> None:
    """Recall@1/5/10 and MRR per retriever, one panel per direction."""
    directions = list(dict.fromkeys(r["direction"] for r in summary["results"]))
    fig, axes = plt.subplots(1, len(directions), figsize=(6 * len(directions), 4), sharey=True)
    for ax, direction in zip(np.atleast_1d(axes), directions):
        rows = [r for r in summary["results"] if r["direction"] == direction]
        x = np.arange(len(rows))
        metrics = [("R@1", lambda r: r["recall"]["R@1"]), ("R@5", lambda r: r["recall"]["R@5"]),
                   ("R@10", lambda r: r["recall"]["R@10"]), ("MRR@10", lambda r: r["mrr"])]
        for i, (label, get) in enumerate(metrics):
            ax.bar(x + (i - 1.5) * 0.2, [get(r) for r in rows], 0.2, label=label)
        ax.set_xticks(x), ax.set_xticklabels([r["retriever"] for r in rows], rotation=20, fontsize=8)
        ax.set_title(f"XQuAD {direction} ({rows[0]['questions']} questions)"), ax.set_ylim(0, 1)
        ax.grid(True, axis="y", alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=8)
    _save(fig, path)


def latency(summary: dict, path: Path) -> None:
    r = summary["results"]
    names = list(r)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    x = np.arange(len(names))
    for i, q in enumerate(("p50", "p95", "p99")):
        axes[0].bar(x + (i - 1) * 0.27, [r[n]["query_ms"][q] for n in names], 0.27, label=q)
    axes[0].set_ylabel("warm query ms"), axes[0].legend(fontsize=8)
    axes[1].bar(x, [r[n]["startup_seconds"] for n in names]), axes[1].set_ylabel("start-up s (fresh process)")
    axes[2].bar(x, [r[n]["peak_rss_mb"] for n in names]), axes[2].set_ylabel("peak RSS MB")
    for ax in axes:
        ax.set_xticks(x), ax.set_xticklabels(names, rotation=15, fontsize=8), ax.grid(True, axis="y", alpha=0.3)
    _save(fig, path)


def scale(summary: dict, path: Path) -> None:
    rows = summary["sizes"]
    sizes = [r["chunks"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for kind, marker in (("exact", "o"), ("approximate", "s")):
        left.plot(sizes, [r[kind]["p50_ms"] for r in rows], marker + "-", label=f"{kind}, default threads")
        left.plot(sizes, [r[kind]["1t_p50_ms"] for r in rows], marker + "--", label=f"{kind}, 1 thread")
        right.plot(sizes, [r[kind]["index_mb"] for r in rows], marker + "-", label=f"{kind} index")
    right.plot(sizes, [r["peak_rss_mb"] for r in rows], "^:", label="peak RSS of the run")
    for r in rows:
        left.annotate(f"recall@10 {r['approximate']['recall_at_10']:.2f}", (r["chunks"], r["approximate"]["1t_p50_ms"]),
                      textcoords="offset points", xytext=(4, -12), fontsize=7)
    for ax, label in ((left, "search p50 ms (one query, k=10)"), (right, "MB")):
        ax.set_xscale("log"), ax.set_yscale("log"), ax.set_xlabel("chunks (synthetic 384-d vectors)")
        ax.set_ylabel(label), ax.grid(True, which="both", alpha=0.3), ax.legend(fontsize=7)
    _save(fig, path)


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"written: {path.relative_to(ROOT)}")


PLOTS = {"xquad.json": (xquad, "xquad.png"), "latency.json": (latency, "latency.png"), "scale.json": (scale, "scale.png")}


def main() -> int:
    for source, (draw, name) in PLOTS.items():
        if (RESULTS / source).is_file():
            draw(json.loads((RESULTS / source).read_text(encoding="utf-8")), IMG / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
