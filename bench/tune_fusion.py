"""Fit the fusion settings ([search] dense weights, rrf_k, coverage_weight) on the XQuAD dev split.

    .venv/bin/python bench/tune_fusion.py            # dev split: grid search, prints the best per direction
    .venv/bin/python bench/tune_fusion.py --split test --set search.dense_weight_vi=1.0 ...   # check one setting

Each question's lexical and dense rankings (and the coverage of their chunks) are computed once;
fusion is then replayed for every grid point, so the grid costs nothing but arithmetic.
Report figures with bench/xquad.py --split test, not with this.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import itertools
import tempfile
from collections import defaultdict

from bench.answer_eval import with_settings
from bench.xquad import build_all_documents, load_xquad, prepare_paragraph_project, split_of, spread
from bot.analysis import Analyzer
from bot.embedding import Embedder
from bot.search import Searcher, fuse_rankings
from bot.store import open_index
from bot.text import has_diacritics

DEPTH = 50
GRID = {
    "dense_weight": (0.0, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0),
    "rrf_k": (5.0, 10.0, 20.0, 40.0),
    "coverage_weight": (0.0, 0.02, 0.05, 0.1),
}


def precompute(searcher: Searcher, questions) -> list[dict]:
    rows = []
    for q in questions:
        query = searcher.analyze(q.text)
        lexical = searcher.lexical(query, DEPTH)
        dense = searcher.dense(query, DEPTH)
        ids = list(dict.fromkeys([c for c, _ in lexical[:25]] + [c for c, _ in dense[:25]]))
        hits = {h.chunk_id: h for h in searcher.store.hits([(c, 0.0) for c in ids])}
        coverage = {c: searcher.coverage(query, f"{h.metadata.title}\n{h.text}", h.metadata.provinces) for c, h in hits.items()}
        files = {c: h.source_file for c, h in hits.items()}
        rows.append({"gold": q.gold, "lexical": lexical, "dense": dense, "coverage": coverage, "files": files,
                     "plain": query.language == "vi" and not has_diacritics(q.text)})
    return rows


def top_file(row: dict, dense_weight: float, rrf_k: float, coverage_weight: float, rerank_depth: int = 20) -> str:
    fused = fuse_rankings([(1.0, row["lexical"]), (dense_weight, row["dense"])], rrf_k)[:rerank_depth]
    scored = [(s + coverage_weight * row["coverage"].get(c, 0.0), c) for c, s in fused if c in row["files"]]
    return row["files"][max(scored)[1]] if scored else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "test", "all"))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--directions", default="vi,vi-plain,vi-chat,en")
    args = parser.parse_args()
    xquad = load_xquad()
    with tempfile.TemporaryDirectory(prefix="cds-tune-") as tmp:
        config, documents = prepare_paragraph_project(Path(tmp), xquad.paragraphs)
        config = with_settings(config, args.set)
        embedder = Embedder.from_config(config)
        build_all_documents(config, embedder, len(documents))
        store = open_index(config)
        searcher = Searcher(store, embedder, Analyzer.from_config(config.search), config.search)
        rows = {
            direction: precompute(searcher, spread([q for q in qs if args.split == "all" or split_of(q.gold) == args.split], args.limit))
            for direction, qs in xquad.questions.items() if direction in args.directions.split(",")
        }
        store.close()
    for direction, data in rows.items():
        results = defaultdict(float)
        for w, k, c in itertools.product(*GRID.values()):
            results[(w, k, c)] = sum(top_file(r, w, k, c) == r["gold"] for r in data) / len(data)
        best = sorted(results.items(), key=lambda kv: -kv[1])[:5]
        print(f"{direction} ({len(data)} questions): " + "; ".join(
            f"dense={w} rrf_k={k} coverage={c}: R@1 {r:.3f}" for (w, k, c), r in best))
        s = config.search
        for k in sorted({s.rrf_k, *GRID["rrf_k"]}):
            by_weight = {w: r for (w, kk, c), r in results.items() if kk == k and c == s.coverage_weight}
            print(f"  rrf_k={k} coverage={s.coverage_weight}: " + " ".join(f"{w}:{r:.3f}" for w, r in sorted(by_weight.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
