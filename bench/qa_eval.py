"""The project's own QA sets over the seed corpus: dev (tests/data/seed_qa.toml, tuned on) and test
(tests/data/qa_test.toml, written without looking at code or glossary; reported, never tuned on).

    .venv/bin/python bench/qa_eval.py --set test            # the figures to report
    .venv/bin/python bench/qa_eval.py --set dev --failures  # for tuning
    .venv/bin/python bench/qa_eval.py --set dev-followups   # follow-ups asked after a first question (dev)
    .venv/bin/python bench/qa_eval.py --set blind2-test     # a second blind set (tests/data/qa_test2.toml)

The second blind set (70 questions incl. comparisons, written 2026-12-03 by someone who read only
corpus/) is split in two by position: even items are a dev half (looked at, tuned on), odd items
the test half (reported only). The second follow-up set (tests/data/followup_set2.toml: 48 follow-ups,
refusals mid-conversation and comparisons, written 2026-12-04 the same way) is split the same way
(`--set followups2-dev`, `--set followups2-test`). A fourth (tests/data/qa_test3.toml: 84 items,
formal, unaccented, phone and everyday-English questions, follow-ups, comparisons and 20 refusals
of six kinds, written 2026-12-04 the same way) too (`--set blind3-dev`, `--set blind3-test`), and a
fifth (tests/data/qa_test4.toml: 96 items of the same kinds, 12 comparisons and 24 refusals, written
2026-12-04 the same way; `--set blind4-dev`, `--set blind4-test`), and a sixth
(tests/data/qa_test5.toml: 96 items, 12 comparisons of numbers, rankings, people and dates, 22
refusals; written 2026-12-04 the same way; `--set blind5-dev`, `--set blind5-test`), and a seventh
(tests/data/qa_test6.toml: 96 items, 18 everyday-English questions, 12 comparisons, 20 refusals of
six kinds incl. five false premises; written 2026-12-04 the same way; `--set blind6-dev`,
`--set blind6-test`), and an eighth (tests/data/qa_test7.toml: 96 items of the same kinds, written
2026-12-04 the same way, with very short and mixed-language questions; `--set blind7-dev`,
`--set blind7-test`), and a ninth (tests/data/qa_test8.toml: 96 items, half its English questions
naming no province, four in-province details never given; `--set blind8-dev`, `--set blind8-test`),
and a tenth (tests/data/qa_test9.toml: 96 items, 20 everyday-English questions, 7 naming no
province, 6 English follow-ups, written 2026-12-04 the same way; `--set blind9-dev`, `--set blind9-test`).
Three more were written 2026-12-05 the same way, 96 items each (tests/data/qa_test10.toml,
qa_test11.toml, qa_test12.toml: `--set blind10-dev` … `--set blind12-test`); the last leans on
everyday English, follow-ups and comparisons.

Right source first and fact in the answer for answerable questions (a confident answer is
required), and correct refusals (no confident answer) for the rest, overall and per kind.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile

from bench.answer_bench import seed_project
from bench.common import PROJECT_DIR, markdown_table, utc_now, write_result
from bot.answer import Answerer
from bot.build import build_index
from bot.embedding import Embedder
from bot.evaluation import evaluate, load_qa

_DATA = PROJECT_DIR / "tests" / "data"
# Files asked whole.
_WHOLE = {"dev": "seed_qa.toml", "test": "qa_test.toml", "dev-followups": "followup_dev.toml"}
# Files split in two: the even items are "<name>-dev" (tuned on), the odd ones "<name>-test" (reported).
_SPLIT = {"blind2": "qa_test2.toml", "followups2": "followup_set2.toml", **{f"blind{n}": f"qa_test{n}.toml" for n in range(3, 17)}}
SETS = {**{name: _DATA / file for name, file in _WHOLE.items()},
        **{f"{name}-{half}": _DATA / file for name, file in _SPLIT.items() for half in ("dev", "test")}}
# Sets that are one half of a file: (start, step) over its items.
HALVES = {f"{name}-{half}": (start, 2) for name in _SPLIT for half, start in (("dev", 0), ("test", 1))}


def questions(name: str) -> list:
    start, step = HALVES.get(name, (0, 1))
    return load_qa(SETS[name])[start::step]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="test")
    parser.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cds-qa-") as tmp:
        config = seed_project(Path(tmp))
        embedder = Embedder.from_config(config)
        build_index(config, embedder=embedder, show_progress=False)
        report = evaluate(Answerer.open(config, embedder=embedder), questions(args.set))
    rows = [[kind, n, f"{s:.3f}", f"{f:.3f}"] for kind, (n, s, f) in report.by_kind().items()]
    rows.append(["all", len(report.results), f"{report.source_at_1:.3f} / refusals {report.refusals:.3f}",
                 f"{report.fact_contained:.3f}"])
    table = markdown_table(["kind", "questions", "right source first (refusal rate for refuse/out)", "fact in answer"], rows)
    print(table)
    if args.failures:
        print("\n".join(report.failures()))
    write_result(f"qa_eval_{args.set}", f"# QA set {args.set} ({utc_now()})\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
