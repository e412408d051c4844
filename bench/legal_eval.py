"""Legal retrieval benchmark: among thousands of statute articles, is the right article cited first?

    .venv/bin/python bench/legal_eval.py --split test          # report here
    .venv/bin/python bench/legal_eval.py --split dev           # tune here
    .venv/bin/python bench/legal_eval.py --pack DIR [DIR ...]  # (re)pack collected statutes

The corpus is Vietnamese statutes and decrees (bench/data/legal/statutes.jsonl.gz; legal normative
documents are not protected by copyright in Vietnam, Luật Sở hữu trí tuệ, Điều 15), one .txt file
each, indexed by the project's builder, which chunks them article by article. The questions
(bench/data/legal/questions.toml) were written by people who had read the statutes but not this
project's code or glossary, in formal and everyday Vietnamese; each names the article (file and
Điều number) that answers it.

Reported per question set:
- search: the article of the first retrieved chunk (Searcher.retrieve_scored), and within the first 5;
- answer: the article of the answer's first citation (confident or "related"; none counts as wrong),
  and how often the answer is confident;
- baseline: BM25 (bm25s) over the articles, diacritics folded, syllables + adjacent pairs, in
  bench/.venv-peers (the baseline the issue measured at 92% on its own legal set).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import csv
import gzip
import json
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass

from bench.answer_eval import with_settings
from bench.common import PROJECT_DIR, markdown_table, utc_now, write_bench_config, write_result
from bench.xquad import PEERS_DIR, PeerProcess, Unavailable, build_all_documents
from bot import legal
from bot.answer import Answerer
from bot.embedding import Embedder

DATA_DIR = PROJECT_DIR / "bench" / "data" / "legal"
STATUTES = DATA_DIR / "statutes.jsonl.gz"
QUESTIONS = DATA_DIR / "questions.toml"


@dataclass(frozen=True)
class Statute:
    file: str  # luat-giao-dich-dien-tu-2023.txt
    title: str
    number: str
    text: str


@dataclass(frozen=True)
class LegalQuestion:
    text: str
    file: str
    article: int
    split: str  # "dev" or "test"
    style: str = ""  # formal / casual / plain (no diacritics)


def load_statutes(path: Path = STATUTES) -> list[Statute]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [Statute(**{k: row[k] for k in ("file", "title", "number", "text")}) for row in map(json.loads, f)]


def load_questions(path: Path = QUESTIONS) -> list[LegalQuestion]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["question"]
    return [LegalQuestion(r["text"], r["file"], int(r["article"]), r["split"], r.get("style", "")) for r in rows]


def articles(statute: Statute) -> dict[int, str]:
    """Article number -> its text (heading included), cut as the project cuts them, for the
    baseline and for checking the gold."""
    return {_number(s.locator): statute.text[s.start: s.end] for s in legal.sections(statute.text) if s.locator}


def article_of(source_file: str, locator: str) -> tuple[str, int]:
    article = legal.article_of(locator)
    return source_file, _number(article) if article else -1


def _number(article: str) -> int:
    return int(article.split()[1])  # "Điều 5" -> 5


def pack(raw_dirs: list[Path], out: Path = STATUTES) -> int:
    """Pack the collected statutes (each dir's MANIFEST.tsv and the .txt files it lists) into one
    gzip JSON-lines file; a file listed twice is taken from the first dir."""
    manifest: dict[str, tuple[Path, dict]] = {}
    for raw_dir in raw_dirs:
        with (raw_dir / "MANIFEST.tsv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if (raw_dir / row["file"]).is_file():
                    manifest.setdefault(row["file"], (raw_dir, row))
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as f:
        for name, (raw_dir, row) in sorted(manifest.items()):
            text = unicodedata.normalize("NFC", (raw_dir / name).read_text(encoding="utf-8"))
            f.write(json.dumps({"file": name, "title": row["title"], "number": row["number"], "year": row["year"],
                                "source": row["source"], "text": text}, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_corpus(statutes: list[Statute], workdir: Path):
    config = write_bench_config(workdir)
    config.corpus.dir.mkdir(parents=True, exist_ok=True)
    for s in statutes:
        (config.corpus.dir / s.file).write_text(s.text, encoding="utf-8")
    return config


def baseline(statutes: list[Statute]) -> PeerProcess:
    documents = [{"id": f"{s.file}#{n}", "text": text} for s in statutes for n, text in articles(s).items()]
    return PeerProcess(PEERS_DIR / "bm25s_peer.py", {"documents": documents, "tokenizer": "folded-bigrams"})


def evaluate(questions: list[LegalQuestion], answerer: Answerer, bm25: PeerProcess | None,
             misses: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    searcher = answerer.searcher
    for q in questions:
        gold = (q.file, q.article)
        c = counts.setdefault(q.style or "all", dict.fromkeys(
            ("questions", "search_first", "search_top5", "answer_first", "confident", "baseline_first", "baseline_top5"), 0))
        c["questions"] += 1
        hits = searcher.retrieve_scored(searcher.analyze(q.text), 30).hits
        ranked = list(dict.fromkeys(article_of(h.source_file, h.locator) for h in hits))
        c["search_first"] += ranked[:1] == [gold]
        c["search_top5"] += gold in ranked[:5]
        answer = answerer.answer(q.text)
        first = article_of(answer.citations[0].source_file, answer.citations[0].locator) if answer.citations else None
        c["answer_first"] += first == gold
        c["confident"] += answer.confidence == "answer"
        if bm25 is not None:
            found = [(i.split("#")[0], int(i.split("#")[1])) for i in bm25(q.text, 5)]
            c["baseline_first"] += found[:1] == [gold]
            c["baseline_top5"] += gold in found
        if first != gold:
            misses.append(f"{q.text}\n  gold {gold}; answer {first}; search {ranked[:3]}")
    return counts


HEADERS = ["questions", "n", "search: article first", "search: in top 5", "answer: first citation",
           "answer confident", "BM25 bigrams: first", "BM25 bigrams: top 5"]


def table_rows(counts: dict[str, dict[str, int]], with_baseline: bool) -> list[list]:
    total = {k: sum(c[k] for c in counts.values()) for k in next(iter(counts.values()))}
    rows = []
    for name, c in [*sorted(counts.items()), ("all", total)] if len(counts) > 1 else [("all", total)]:
        n = max(1, c["questions"])
        base = [f"{c['baseline_first'] / n:.3f}", f"{c['baseline_top5'] / n:.3f}"] if with_baseline else ["–", "–"]
        rows.append([name, c["questions"], f"{c['search_first'] / n:.3f}", f"{c['search_top5'] / n:.3f}",
                     f"{c['answer_first'] / n:.3f}", f"{c['confident'] / n:.3f}", *base])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--pack", type=Path, nargs="+", metavar="RAW_DIR",
                        help="pack the statutes listed in each RAW_DIR/MANIFEST.tsv and exit")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bm25s baseline (peers venv)")
    parser.add_argument("--misses", action="store_true", help="print the questions whose first citation is wrong")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a setting for this run (TOML value)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the corpus and index here: a second run over unchanged statutes skips the build "
                             "(for changes on the question side only; the index is not rebuilt when the code changes)")
    args = parser.parse_args()
    if args.pack:
        print(f"packed {pack(args.pack)} statutes into {STATUTES}")
        return 0
    statutes = load_statutes()
    questions = [q for q in load_questions() if args.split in ("all", q.split)]
    known = {s.file: articles(s) for s in statutes}
    unknown = [q for q in questions if q.article not in known.get(q.file, {})]
    if unknown:
        raise SystemExit(f"{len(unknown)} questions name an article not in the corpus, e.g. {unknown[0]}")
    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cds-legal-eval-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        config = with_settings(write_corpus(statutes, workdir), args.set)
        embedder = Embedder.from_config(config)
        build_all_documents(config, embedder, len(statutes))
        answerer = Answerer.open(config, embedder=embedder)
        try:
            bm25 = None if args.no_baseline else baseline(statutes)
        except Unavailable as exc:
            print(f"baseline skipped: {exc}", file=sys.stderr)
            bm25 = None
        counts = evaluate(questions, answerer, bm25, misses)
        if bm25 is not None:
            bm25.close()
    if args.misses:
        print("\n".join(misses))
    article_count = sum(len(a) for a in known.values())
    table = markdown_table(HEADERS, table_rows(counts, bm25 is not None))
    print(table)
    write_result(f"legal_eval_{args.split}", f"# Legal retrieval ({args.split} split, {len(questions)} questions, "
                 f"{len(statutes)} documents, {article_count} articles, {utc_now()})\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
