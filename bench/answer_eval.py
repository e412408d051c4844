"""Answers on XQuAD as users would ask: four question variants, gold paragraph present or removed,
a dev split to fit the answerability model on and a test split to report.

    .venv/bin/python bench/answer_eval.py --split test                 # report (the split not tuned on)
    .venv/bin/python bench/answer_eval.py --split dev --fit            # fit [answer] calibration on dev
    .venv/bin/python bench/answer_eval.py --split test --limit 200     # quicker

Corpus: the 240 Vietnamese XQuAD paragraphs (48 articles x 5), minus the 2nd and 4th paragraph of
every article (96 "removed" paragraphs). A question on a removed paragraph must not get a confident
answer: its article's other paragraphs are still there, on the same topic, so this is the in-domain
refusal the bot faces. Articles with an even index are the dev split, odd ones the test split.
Variants: vi (as written), vi-plain (no diacritics), vi-chat (typed on a phone: bench/variants.py),
en (the parallel English question, against the Vietnamese paragraphs).
Per variant: answered (confidence "answer") when the gold is present, right paragraph cited first,
a quote containing the gold answer span, and confident / related answers when the gold is removed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import random
import tempfile
from dataclasses import dataclass

import numpy as np

from bench.common import markdown_table, utc_now, write_result
from bench.xquad import XQUAD_DIR, build_all_documents, paragraph_file, prepare_paragraph_project, spread
from bot.answer import Answerer
from bot.embedding import Embedder
from bot.judge import evidence_by_document
from bot.text import search_key

VARIANTS = ("vi", "vi-plain", "vi-chat", "en")
REMOVED_POSITIONS = (1, 3)  # within each article of five paragraphs
EVIDENCE_DOCS = 5  # documents per question whose features are kept for fitting


@dataclass(frozen=True)
class Item:
    id: str
    questions: dict[str, str]  # variant -> question text
    answer_vi: str  # the gold span in the Vietnamese paragraph
    gold: str  # source file of the gold paragraph
    removed: bool
    split: str  # "dev" or "test"


def load_items(data_dir: Path = XQUAD_DIR, seed: int = 7) -> tuple[list[str], list[Item]]:
    """(paragraphs to index, every question) with variants, split and removal marked."""
    from bench.variants import chat_variant, strip_diacritics

    vi = json.loads((data_dir / "xquad.vi.json").read_text(encoding="utf-8"))["data"]
    en = json.loads((data_dir / "xquad.en.json").read_text(encoding="utf-8"))["data"]
    english = {qa["id"]: qa["question"] for a in en for p in a["paragraphs"] for qa in p["qas"]}
    rng = random.Random(seed)
    indexed, items, i = [], [], 0
    for a_index, article in enumerate(vi):
        for position, paragraph in enumerate(article["paragraphs"]):
            removed = position in REMOVED_POSITIONS
            if not removed:
                indexed.append((i, paragraph["context"]))
            for qa in paragraph["qas"]:
                q = qa["question"]
                variants = {"vi": q, "vi-plain": strip_diacritics(q), "vi-chat": chat_variant(q, rng), "en": english[qa["id"]]}
                items.append(Item(qa["id"], variants, qa["answers"][0]["text"], paragraph_file(i), removed,
                                  "dev" if a_index % 2 == 0 else "test"))
            i += 1
    return indexed, items


def write_corpus(indexed: list[tuple[int, str]], workdir: Path):
    """The kept paragraphs under their global file names (p007.txt), and the bench config."""
    config, _ = prepare_paragraph_project(workdir, [])
    for i, text in indexed:
        (config.corpus.dir / paragraph_file(i)).write_text(f"XQuAD {i:03d}\n\n{text}\n", encoding="utf-8")
    return config


def run(items: list[Item], variants: list[str], answerer: Answerer, keep_features: bool) -> tuple[dict, list[dict]]:
    results, rows = {}, []
    searcher = answerer.searcher
    for variant in variants:
        counts = dict.fromkeys(("present", "answered", "right_first", "span", "related_or_better", "removed",
                                "removed_confident", "removed_related"), 0)
        for item in items:
            question = item.questions[variant]
            if keep_features:  # fitting needs the evidence only
                query = searcher.analyze(question)
                evidence = evidence_by_document(searcher, query, searcher.retrieve_scored(query, 30), answerer.config.answer)
                for e in evidence[:EVIDENCE_DOCS]:
                    rows.append({"variant": variant, "language": query.language, "id": item.id, "removed": item.removed,
                                 "features": list(e.features()), "label": e.hits[0].source_file == item.gold})
                continue
            answer = answerer.answer(question)
            if item.removed:
                counts["removed"] += 1
                counts["removed_confident"] += answer.confidence == "answer"
                counts["removed_related"] += answer.confidence == "related"
            else:
                counts["present"] += 1
                counts["related_or_better"] += answer.confidence != "none"
                if answer.confidence == "answer":
                    counts["answered"] += 1
                    counts["right_first"] += answer.citations[0].source_file == item.gold
                    counts["span"] += any(search_key(item.answer_vi) in search_key(c.quote) for c in answer.citations)
        results[variant] = counts
    return results, rows


def summary_rows(results: dict) -> list[list]:
    out = []
    for variant, c in results.items():
        present, removed = max(1, c["present"]), max(1, c["removed"])
        out.append([variant, c["present"], f"{c['answered'] / present:.3f}", f"{c['right_first'] / present:.3f}",
                    f"{c['span'] / present:.3f}", f"{c['related_or_better'] / present:.3f}", c["removed"],
                    f"{c['removed_confident'] / removed:.3f}", f"{c['removed_related'] / removed:.3f}"])
    return out


HEADERS = ["variant", "gold present", "answered", "right source first", "span in quote", "answered or related",
           "gold removed", "confident (must be low)", "related"]


def fit(rows: list[dict]) -> dict[str, list[float]]:
    """A logistic model per question language: P(document is the gold) from its evidence features."""
    from sklearn.linear_model import LogisticRegression

    out = {}
    for language in ("vi", "en"):
        data = [r for r in rows if r["language"] == language]
        if not data:
            continue
        x = np.array([r["features"] for r in data])
        y = np.array([r["label"] for r in data])
        model = LogisticRegression(C=10.0, max_iter=2000).fit(x, y)
        out[language] = [round(float(model.intercept_[0]), 3), *(round(float(w), 3) for w in model.coef_[0])]
    return out


def cutoffs(rows: list[dict], calibration: dict[str, list[float]], pooled_budget: float = 0.08,
            variant_budget: float = 0.10) -> str:
    """Per language: the lowest answer cut-off keeping confident answers on removed-gold questions
    at or under pooled_budget over the language's questions and under variant_budget in each
    variant (formal Vietnamese questions share the most words with a sibling paragraph), and the
    share of present-gold questions it answers."""
    best: dict[tuple, tuple] = {}  # (language, variant, id) -> (best probability, removed)
    for r in rows:
        bias, *weights = calibration[r["language"]]
        p = 1 / (1 + np.exp(-(bias + sum(w * x for w, x in zip(weights, r["features"])))))
        key = (r["language"], r["variant"], r["id"])
        best[key] = (max(p, best.get(key, (0.0,))[0]), r["removed"])

    def rates(language: str, variant: str | None, t: float) -> tuple[float, float]:
        chosen = [v for k, v in best.items() if k[0] == language and variant in (None, k[1])]
        present = [p >= t for p, removed in chosen if not removed] or [False]
        removed = [p >= t for p, removed in chosen if removed] or [False]
        return float(np.mean(present)), float(np.mean(removed))

    lines = []
    for language in calibration:
        # a variant counts on its own when it has enough removed-gold questions for a rate
        removed_count = lambda v: sum(1 for k, (_, removed) in best.items() if k[:2] == (language, v) and removed)
        variants = sorted(v for v in {k[1] for k in best if k[0] == language} if removed_count(v) >= 30)
        for t in np.arange(0.05, 0.96, 0.01):
            if rates(language, None, t)[1] <= pooled_budget and all(rates(language, v, t)[1] <= variant_budget for v in variants):
                key = "answer_probability_en" if language == "en" else "answer_probability"
                detail = ", ".join(f"{v} {rates(language, v, t)[0]:.3f} / {rates(language, v, t)[1]:.3f}" for v in variants)
                lines.append(f"{key} = {t:.2f}  # answered / confident with the gold removed: {detail}")
                break
        for t in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
            present, removed = rates(language, None, t)
            lines.append(f"  {language} related cut-off {t:.2f}: present {present:.3f}, removed {removed:.3f}")
    return "\n".join(lines)


def with_settings(config, assignments: list[str]):
    """The config with `section.key=value` overrides (values in TOML syntax)."""
    import dataclasses
    import tomllib

    for assignment in assignments:
        name, value = assignment.split("=", 1)
        section, key = name.strip().split(".")
        parsed = tomllib.loads(f"v = {value}")["v"]
        table = getattr(config, section)
        parsed = tuple(parsed) if isinstance(parsed, list) else parsed
        config = dataclasses.replace(config, **{section: dataclasses.replace(table, **{key: parsed})})
    return config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--limit", type=int, default=None, help="questions per split, spread over it")
    parser.add_argument("--fit", action="store_true", help="fit the answerability model on these questions")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override a setting for this run, e.g. answer.answer_probability=0.6 (TOML value)")
    args = parser.parse_args()
    indexed, items = load_items()
    items = spread([i for i in items if args.split == "all" or i.split == args.split], args.limit)
    variants = args.variants.split(",")
    with tempfile.TemporaryDirectory(prefix="cds-answer-eval-") as tmp:
        config = with_settings(write_corpus(indexed, Path(tmp)), args.set)
        embedder = Embedder.from_config(config)
        build_all_documents(config, embedder, len(indexed))
        answerer = Answerer.open(config, embedder=embedder)
        results, rows = run(items, variants, answerer, keep_features=args.fit)
    table = markdown_table(HEADERS, summary_rows(results)) if not args.fit else ""
    print(table)
    text = f"# Answers on XQuAD ({args.split} split, {len(items)} questions, {utc_now()})\n\n{table}\n"
    if args.fit:
        calibration = fit(rows)
        lines = "\n".join(f"calibration_{lang} = {coefs}" for lang, coefs in calibration.items())
        print(lines)
        print(cutoffs(rows, calibration))
        Path(tempfile.gettempdir(), "cds-evidence.json").write_text(json.dumps(rows), encoding="utf-8")
        text += f"\nFitted on this split:\n\n```toml\n{lines}\n```\n"
    write_result(f"answer_eval_{args.split}", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
