"""XQuAD retrieval benchmark: does each retriever rank the paragraph a question was written from first?

    .venv/bin/python bench/xquad.py                       # every retriever, all 1190 questions per direction
    .venv/bin/python bench/xquad.py --limit 100           # 100 questions per direction, spread over the data
    .venv/bin/python bench/xquad.py --retrievers store-dense,bm25s

The 240 Vietnamese paragraphs of XQuAD become a corpus of one .txt file each, indexed by the project's
builder (bot.build.build_index) in a temp folder. A question's gold is the file of its paragraph; the
rank is that file's position among the distinct files of the retrieved chunks (Hit.source_file).
Two directions: the Vietnamese questions, and the same questions in English (ids are shared), both
against the Vietnamese paragraphs.

A retriever is a callable (question, k) -> source files, best first. To add one, add a factory
(Setup -> Retriever) to RETRIEVERS; a factory that cannot run here raises Unavailable with the reason.
Peers and baselines that the product does not depend on run in bench/.venv-peers (bench/setup_peers.sh)
as subprocesses speaking JSON lines, as bench/peers/bm25s_peer.py does.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import dataclasses
import functools
import json
import logging
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterable

from bench.common import (
    PROJECT_DIR, machine_summary, markdown_table, median, timed, utc_now, write_bench_config, write_result,
)
from bot.build import build_index
from bot.config import Config
from bot.embedding import Embedder
from bot.records import BuildReport
from bot.store import IndexStore, open_index
from bot.text import fold

XQUAD_DIR = Path("/work/shared/benchmarks/xquad")
PEERS_PYTHON = PROJECT_DIR / "bench" / ".venv-peers" / "bin" / "python"
PEERS_DIR = PROJECT_DIR / "bench" / "peers"
KS = (1, 5, 10)
# question language -> paragraphs searched; the corpus is always the Vietnamese paragraphs.
DIRECTIONS = {"vi": "vi->vi", "vi-plain": "vi(no diacritics)->vi", "vi-chat": "vi(chat)->vi", "en": "en->vi"}
# Articles with an even index are the dev split (tune here), odd ones the test split (report).
SPLITS = ("dev", "test", "all")
# A paragraph is cut into a few chunks; fetching this many chunks per wanted paragraph almost always
# leaves k distinct paragraphs after duplicates are dropped.
CHUNKS_PER_PARAGRAPH = 5
SEARCH_MODES = ("lexical", "dense", "hybrid")
# From /work/shared/benchmarks/xquad/README.md, to sanity-check our figures against.
REFERENCE = [
    ("BM25 (bm25s), lowercased word unigrams + bigrams", "0.927 / 0.986", "0.291 / 0.447 (diacritics folded)"),
    ("BM25 (bm25s), default tokenizer, English stop words", "0.914 / 0.986", "0.346 / 0.488"),
    ("all-MiniLM-L6-v2 dense, cosine", "0.362 / 0.592", "0.229 / 0.450"),
]

Retriever = Callable[[str, int], list[str]]
logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- data

@dataclass(frozen=True)
class Question:
    id: str
    text: str
    gold: str  # source file of the Vietnamese paragraph the answer is in


@dataclass(frozen=True)
class XQuAD:
    paragraphs: list[str]  # Vietnamese, in file order; paragraph i is written to paragraph_file(i)
    questions: dict[str, list[Question]]  # by question language: "vi", "en"


def load_xquad(data_dir: Path = XQUAD_DIR) -> XQuAD:
    """The Vietnamese paragraphs, and the Vietnamese and English questions with their gold file."""
    vi_paragraphs = _squad_paragraphs(data_dir / "xquad.vi.json")
    gold = {qa["id"]: paragraph_file(i) for i, p in enumerate(vi_paragraphs) for qa in p["qas"]}
    questions = {"vi": _questions(vi_paragraphs, gold), "en": _questions(_squad_paragraphs(data_dir / "xquad.en.json"), gold)}
    if len(questions["en"]) != len(questions["vi"]):
        raise ValueError(f"{len(questions['en'])} English questions but {len(questions['vi'])} Vietnamese ones")
    from bench.variants import chat_variant, strip_diacritics

    rng = random.Random(7)
    questions["vi-plain"] = [dataclasses.replace(q, text=strip_diacritics(q.text)) for q in questions["vi"]]
    questions["vi-chat"] = [dataclasses.replace(q, text=chat_variant(q.text, rng)) for q in questions["vi"]]
    return XQuAD([p["context"] for p in vi_paragraphs], questions)


def _squad_paragraphs(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [p for article in data["data"] for p in article["paragraphs"]]


def _questions(paragraphs: list[dict], gold: dict[str, str]) -> list[Question]:
    missing = [qa["id"] for p in paragraphs for qa in p["qas"] if qa["id"] not in gold]
    if missing:
        raise ValueError(f"{len(missing)} question ids have no Vietnamese paragraph, e.g. {missing[0]}")
    return [Question(qa["id"], qa["question"], gold[qa["id"]]) for p in paragraphs for qa in p["qas"]]


def split_of(gold: str, data_dir: Path = XQUAD_DIR) -> str:
    """"dev" or "test": the split of the article a paragraph file belongs to."""
    return "dev" if _article_of_paragraph(data_dir)[int(gold[1:4])] % 2 == 0 else "test"


@functools.lru_cache(maxsize=2)
def _article_of_paragraph(data_dir: Path) -> list[int]:
    data = json.loads((data_dir / "xquad.vi.json").read_text(encoding="utf-8"))["data"]
    return [a for a, article in enumerate(data) for _ in article["paragraphs"]]


def spread(items: list, limit: int | None) -> list:
    """`limit` items evenly spaced over the list (all of it when limit is None or larger)."""
    if limit is None or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


def paragraph_file(i: int) -> str:
    return f"p{i:03d}.txt"


def write_paragraph_corpus(paragraphs: list[str], corpus_dir: Path) -> dict[str, str]:
    """One .txt file per paragraph; returns {source file: paragraph}."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for i, text in enumerate(paragraphs):
        # The cleaner makes a headline of a file's first line (of a one-line file, its first sentence),
        # and the headline is embedded with every chunk and indexed as the title. A neutral headline
        # ("XQuAD 007") keeps the paragraph as plain text and adds no word any question shares.
        (corpus_dir / paragraph_file(i)).write_text(f"XQuAD {i:03d}\n\n{text}\n", encoding="utf-8")
        files[paragraph_file(i)] = text
    return files


def prepare_paragraph_project(workdir: Path, paragraphs: list[str]) -> tuple[Config, dict[str, str]]:
    """Write the paragraph corpus and a config.toml into workdir; returns (config, {source file: paragraph})."""
    files = write_paragraph_corpus(paragraphs, workdir / "corpus")
    return write_bench_config(workdir), files


def build_all_documents(config: Config, embedder: Embedder, expected: int) -> BuildReport:
    """Build the index as the product would, insisting that no document was skipped."""
    report = build_index(config, embedder=embedder, show_progress=False)
    if not report.up_to_date and len(report.documents) != expected:
        raise RuntimeError(f"indexed {len(report.documents)} of {expected} documents; skipped: {report.skipped[:3]}")
    return report


# ---------------------------------------------------------------- retrievers

@dataclass
class Setup:
    """Everything a retriever factory may use."""

    config: Config
    store: IndexStore
    embedder: Embedder
    documents: dict[str, str]  # source file -> paragraph text, for peers that index the raw corpus


class Unavailable(Exception):
    """A retriever cannot run here; str() says why and what to do about it."""


def distinct_files(source_files: Iterable[str], k: int) -> list[str]:
    """The first k distinct files, in order: several chunks of one paragraph count once."""
    return list(dict.fromkeys(source_files))[:k]


def store_dense(setup: Setup) -> Retriever:
    """FAISS over the stored chunk vectors, queried with Embedder.encode_query."""
    def retrieve(question: str, k: int) -> list[str]:
        scored = setup.store.dense_search(setup.embedder.encode_query(question), k * CHUNKS_PER_PARAGRAPH)
        return distinct_files((hit.source_file for hit in setup.store.hits(scored)), k)
    return retrieve


def store_lexical(setup: Setup) -> Retriever:
    """SQLite FTS5 BM25 over the folded chunk text, with any folded question word allowed to match."""
    def retrieve(question: str, k: int) -> list[str]:
        expression = fts_or_expression(question)
        if not expression:
            return []
        scored = setup.store.lexical_search(expression, k * CHUNKS_PER_PARAGRAPH)
        return distinct_files((hit.source_file for hit in setup.store.hits(scored)), k)
    return retrieve


def fts_or_expression(question: str, column: str = "body_folded") -> str:
    """`body_folded : ("a" OR "b" ...)` over the question's folded words; "" when it has none.
    Quoting makes each word a plain string, so FTS5 operators typed by a user (AND, NEAR, *) stay words."""
    terms = dict.fromkeys(re.findall(r"\w+", fold(question)))
    return f"{column} : (" + " OR ".join(f'"{t}"' for t in terms) + ")" if terms else ""


def searcher_mode(setup: Setup, mode: str) -> Retriever:
    """The product's own search (bot.search.Searcher) in one of its modes, with the project's glossary."""
    from bot.analysis import Analyzer
    from bot.search import Searcher

    search = setup.config.search
    searcher = Searcher(setup.store, setup.embedder, Analyzer.from_config(search), search)

    def retrieve(question: str, k: int) -> list[str]:
        hits = searcher.search(question, k * CHUNKS_PER_PARAGRAPH, mode)
        return distinct_files((hit.source_file for hit in hits), k)
    return retrieve


class PeerProcess:
    """A retriever running in bench/.venv-peers, spoken to in JSON lines (protocol in bench/peers/bm25s_peer.py)."""

    def __init__(self, script: Path, setup_message: dict) -> None:
        if not PEERS_PYTHON.is_file():
            raise Unavailable(f"{PEERS_PYTHON} is missing; run: bash bench/setup_peers.sh")
        self.script = script
        self.proc = subprocess.Popen([str(PEERS_PYTHON), str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, encoding="utf-8")
        try:
            self.index_seconds = float(self._ask(setup_message)["seconds"])
        except RuntimeError as exc:
            self.close()
            raise Unavailable(f"{exc}; try: bash bench/setup_peers.sh") from exc

    def __call__(self, question: str, k: int) -> list[str]:
        return self._ask({"query": question, "k": k})["ids"]

    def _ask(self, message: dict) -> dict:
        self.proc.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"peer {self.script.name} exited with code {self.proc.wait()} (its error is printed above)")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def bm25s_peer(setup: Setup, tokenizer: str) -> Retriever:
    """BM25 alone (the bm25s package) over the raw paragraphs, in the peers' virtualenv."""
    documents = [{"id": name, "text": text} for name, text in setup.documents.items()]
    return PeerProcess(PEERS_DIR / "bm25s_peer.py", {"documents": documents, "tokenizer": tokenizer})


def model_folder(config: Config) -> str:
    """The local folder of the project's embedding model, for peers to load the same model."""
    from bot.embedding import model_source

    return model_source(config.embedding, config.base_dir)


def model_prefixes(config: Config) -> dict[str, str]:
    """The model's query and passage prefixes, which the peers apply their own way (fair to e5)."""
    return {"query_prefix": config.embedding.query_prefix, "passage_prefix": config.embedding.passage_prefix}


def embedding_peer(setup: Setup, script: str) -> Retriever:
    """A peer system (bench/peers/<script>, protocol in bench/peers/jsonl.py) indexing the raw paragraphs
    with the project's embedding model, in the peers' virtualenv."""
    documents = [{"id": name, "text": text} for name, text in setup.documents.items()]
    return PeerProcess(PEERS_DIR / script, {"documents": documents, "model": model_folder(setup.config),
                                            **model_prefixes(setup.config)})


RETRIEVERS: dict[str, Callable[[Setup], Retriever]] = {
    "bm25s": partial(bm25s_peer, tokenizer="default"),
    "bm25s-folded-bigrams": partial(bm25s_peer, tokenizer="folded-bigrams"),
    "store-lexical": store_lexical,
    "store-dense": store_dense,
    **{f"searcher-{mode}": partial(searcher_mode, mode=mode) for mode in SEARCH_MODES},
    "txtai-hybrid": partial(embedding_peer, script="txtai_peer.py"),
    "llamaindex-faiss": partial(embedding_peer, script="llamaindex_peer.py"),
}


# ---------------------------------------------------------------- evaluation

@dataclass(frozen=True)
class Scores:
    retriever: str
    direction: str
    questions: int
    recall: dict[str, float]  # "R@k" -> share of questions whose gold paragraph is in the top k
    mrr: float  # MRR@10: mean of 1/rank, counting 0 when the gold is not in the top max(KS)
    ms_per_query: float  # median


def gold_rank(gold: str, ranking: list[str]) -> int | None:
    """1-based rank of the gold file, None when it was not retrieved."""
    return ranking.index(gold) + 1 if gold in ranking else None


def evaluate(name: str, retriever: Retriever, questions: list[Question], direction: str) -> Scores:
    ranks, seconds = [], []
    for q in questions:
        took, ranking = timed(partial(retriever, q.text, max(KS)))
        ranks.append(gold_rank(q.gold, ranking))
        seconds.append(took)
    n = len(questions)
    return Scores(
        retriever=name, direction=direction, questions=n,
        recall={f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in KS},
        mrr=sum(1 / r for r in ranks if r is not None) / n,
        ms_per_query=1000 * median(seconds),
    )


def run_retrievers(setup: Setup, questions: dict[str, list[Question]], names: list[str],
                   ) -> tuple[list[Scores], dict[str, str]]:
    """Scores of every retriever that ran, and {name: why not} for those unavailable or failed."""
    results, not_run = [], {}
    for name in names:
        try:
            retriever = RETRIEVERS[name](setup)
        except Unavailable as exc:
            not_run[name] = str(exc)
            logger.warning("skipping %s: %s", name, exc)
            continue
        try:
            for language, direction in DIRECTIONS.items():
                if language not in questions:
                    continue
                results.append(evaluate(name, retriever, questions[language], direction))
                logger.info("%s %s done", name, direction)
        except Exception as exc:  # one broken retriever must not cost the others' results; main() exits 1
            logger.error("%s failed", name, exc_info=True)
            not_run[name] = f"failed: {exc.__class__.__name__}: {exc}"
        finally:
            if hasattr(retriever, "close"):
                retriever.close()
    return results, not_run


def run(data_dir: Path, names: list[str], limit: int | None, split: str = "all", settings: tuple[str, ...] = (),
        directions: tuple[str, ...] = tuple(DIRECTIONS)) -> dict:
    """Build the paragraph index, run the retrievers, return everything the reports show."""
    from bench.answer_eval import with_settings

    xquad = load_xquad(data_dir)
    questions = {
        lang: spread([q for q in qs if split == "all" or split_of(q.gold, data_dir) == split], limit)
        for lang, qs in xquad.questions.items() if lang in directions
    }
    with tempfile.TemporaryDirectory(prefix="cds-xquad-") as tmp:
        workdir = Path(tmp)
        config, documents = prepare_paragraph_project(workdir, xquad.paragraphs)
        config = with_settings(config, list(settings))
        load_seconds, embedder = timed(partial(Embedder.from_config, config))
        report = build_all_documents(config, embedder, len(documents))
        store = open_index(config)
        try:
            results, skipped = run_retrievers(Setup(config, store, embedder, documents), questions, names)
        finally:
            store.close()
    return {
        "date": utc_now(),
        "machine": machine_summary(),
        "command": "bench/xquad.py " + " ".join(sys.argv[1:]),
        "corpus": {
            "paragraphs": len(xquad.paragraphs), "chunks": report.chunks, "build_seconds": round(report.seconds, 2),
            "model": config.embedding.model, "model_load_seconds": round(load_seconds, 2),
            "files": "one .txt per Vietnamese paragraph: a neutral headline line 'XQuAD NNN', then the paragraph",
        },
        "questions": {DIRECTIONS[lang]: len(qs) for lang, qs in questions.items()},
        "results": [dataclasses.asdict(s) for s in results],
        "skipped": skipped,
    }


# ---------------------------------------------------------------- reporting

def format_markdown(summary: dict) -> str:
    corpus = summary["corpus"]
    rows = [
        [r["retriever"], r["direction"], *(f"{r['recall'][f'R@{k}']:.3f}" for k in KS), f"{r['mrr']:.3f}", f"{r['ms_per_query']:.1f}"]
        for r in summary["results"]
    ]
    lines = [
        "## XQuAD paragraph retrieval",
        "",
        f"Measured {summary['date']} on {summary['machine']}.",
        f"Command: `.venv/bin/python {summary['command'].strip()}`.",
        f"Corpus: {corpus['paragraphs']} XQuAD Vietnamese paragraphs ({corpus['files']}), {corpus['chunks']} chunks, "
        f"built by bot.build.build_index in {corpus['build_seconds']} s with {corpus['model']}.",
        "Questions: " + ", ".join(f"{n} {d}" for d, n in summary["questions"].items())
        + ". Rank = position of the gold paragraph's file among the distinct files retrieved; MRR over the top 10.",
        "",
        markdown_table(["retriever", "direction", *(f"R@{k}" for k in KS), "MRR@10", "ms/query (median)"], rows),
        "",
        "Reference figures (README of the data set; R@1 / R@5):",
        "",
        markdown_table(["retriever", "vi->vi", "en->vi"], REFERENCE),
    ]
    if summary["skipped"]:
        lines += ["", "Not run, or failed:", *(f"- {name}: {why}" for name, why in summary["skipped"].items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="questions per direction, evenly spread (default: all 1190)")
    parser.add_argument("--retrievers", default=",".join(RETRIEVERS),
                        help=f"comma-separated, from: {', '.join(RETRIEVERS)} (default: all)")
    parser.add_argument("--data", type=Path, default=XQUAD_DIR, help="folder with xquad.vi.json and xquad.en.json")
    parser.add_argument("--split", choices=SPLITS, default="all", help="articles: dev (even), test (odd) or all")
    parser.add_argument("--directions", default=",".join(DIRECTIONS), help=f"from: {', '.join(DIRECTIONS)}")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a setting for this run (TOML value), e.g. search.rrf_k=20")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.retrievers.split(",") if n.strip()]
    unknown = [n for n in names if n not in RETRIEVERS]
    if unknown:
        parser.error(f"unknown retriever(s) {unknown}; allowed: {', '.join(RETRIEVERS)}")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    summary = run(args.data, names, args.limit, args.split, tuple(args.set), tuple(args.directions.split(",")))
    markdown = format_markdown(summary)
    print(markdown, end="")
    write_result("xquad.md", markdown)
    write_result("xquad.json", json.dumps(summary, ensure_ascii=False, indent=2))
    print("\nwritten: bench/results/xquad.md, bench/results/xquad.json")
    return 1 if any(why.startswith("failed:") for why in summary["skipped"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
