"""How often bot.language.detect_language gets the language of XQuAD questions right, per variant.

    .venv/bin/python bench/language_eval.py --split test    # report
    .venv/bin/python bench/language_eval.py --split dev     # what [the syllable vote] was set on

Variants as in bench/answer_eval.py: vi, vi-plain (no diacritics), vi-chat (typed on a phone) must
be Vietnamese, en must be English. Detection runs on the question as typed, before the chat words
are written out (the answering path detects after, which only helps).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from bench.answer_eval import VARIANTS, load_items
from bot.language import detect_language


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    args = parser.parse_args()
    items = [i for i in load_items()[1] if i.split == args.split]
    for variant in VARIANTS:
        expected = "en" if variant == "en" else "vi"
        right = sum(detect_language(i.questions[variant]) == expected for i in items)
        print(f"{variant:9} {right / len(items):.3f} ({right} of {len(items)} detected as {expected})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
