"""Question variants for XQuAD: the way real users type on a phone.

Deterministic (seeded) generator of question variants used to test the
bot's robustness to how people actually write:

* ``strip_diacritics``  - Vietnamese typed without tone marks (đ -> d);
* ``chat_variant``      - phone chat style: lowercase, no diacritics, no
  trailing "?", chat abbreviations ("gì" -> "j", "không" -> "ko", ...),
  sometimes a filler ("ad oi", "cho mik hoi", "vay");
* ``english_question``  - passthrough for the English side of XQuAD.

XQuAD files are SQuAD v1.1 JSON (data[].paragraphs[].context / qas[]).
``load_xquad`` flattens one file into ``Item`` records and
``paired_items`` aligns the Vietnamese and English files by question id.

CLI::

    python bench/variants.py --lang vi --variant chat --limit 20
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = Path("/work/shared/benchmarks/xquad")
VARIANTS = ("plain", "nodia", "chat", "en")

# ---------------------------------------------------------------- diacritics

# Letters that carry a "diacritic" without a Unicode decomposition.
_NO_DECOMP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks; đ -> d, Đ -> D.

    Accepts any normalization form; returns NFC.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_NO_DECOMP))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.translate(_NO_DECOMP))


def has_diacritics(text: str) -> bool:
    """True if ``text`` still contains a combining mark or đ/Đ."""
    return strip_diacritics(text) != unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------- chat style

# (phrase in lowercase Vietnamese, probability of rewriting one occurrence,
#  weighted replacements).  Replacements may keep diacritics: the result is
#  stripped afterwards anyway.  Longer phrases come first so that
#  "như thế nào" wins over "thế nào".
CHAT_RULES: list[tuple[str, float, list[tuple[str, int]]]] = [
    ("như thế nào", 0.9, [("ntn", 6), ("nhu the nao", 2), ("the nao", 2)]),
    ("thế nào", 0.8, [("tn", 2), ("the nao", 5), ("ntn", 3)]),
    ("bao nhiêu", 0.9, [("bn", 6), ("bao nhieu", 3), ("bao nhiu", 1)]),
    ("bao giờ", 0.8, [("bao h", 5), ("bao gio", 3), ("khi nao", 2)]),
    ("khi nào", 0.5, [("bao h", 3), ("khi nao", 5), ("lúc nào", 2)]),
    ("tại sao", 0.6, [("sao", 5), ("tai sao", 3), ("vi sao", 2)]),
    ("vì sao", 0.6, [("sao", 5), ("vi sao", 5)]),
    ("ở đâu", 0.5, [("o dau", 6), ("đâu", 4)]),
    ("gì", 0.95, [("j", 6), ("gi", 4)]),
    ("không", 0.95, [("ko", 5), ("k", 3), ("hok", 2)]),
    ("vậy", 0.95, [("z", 5), ("v", 5)]),
    ("được", 0.9, [("dc", 8), ("đc", 2)]),
    ("người", 0.5, [("ng", 10)]),
    ("những", 0.4, [("nhg", 5), ("nhung", 5)]),
    ("với", 0.5, [("vs", 10)]),
    ("trước", 0.4, [("trc", 10)]),
    ("rồi", 0.6, [("r", 10)]),
    ("biết", 0.5, [("bik", 5), ("bit", 5)]),
    ("mình", 0.7, [("mik", 6), ("mk", 4)]),
    ("nhiều", 0.4, [("nhiu", 10)]),
    ("thì", 0.3, [("thi", 10)]),
]

# Abbreviations of frequent multi-word terms (content words typed short).
# Applied only when ``chat_variant(..., abbreviate=True)`` (the default).
ABBREVIATIONS: list[tuple[str, float, list[tuple[str, int]]]] = [
    ("chuyển đổi số", 0.8, [("cds", 10)]),
    ("dịch vụ công trực tuyến", 0.8, [("dvctt", 6), ("dvc tt", 2), ("dvc truc tuyen", 2)]),
    ("dịch vụ công", 0.8, [("dvc", 10)]),
    ("thủ tục hành chính", 0.8, [("tthc", 10)]),
    ("ủy ban nhân dân", 0.8, [("ubnd", 10)]),
    ("uỷ ban nhân dân", 0.8, [("ubnd", 10)]),
    ("hội đồng nhân dân", 0.8, [("hdnd", 10)]),
    ("công nghệ thông tin", 0.7, [("cntt", 10)]),
    ("thành phố", 0.6, [("tp", 10)]),
    ("việt nam", 0.5, [("vn", 10)]),
    ("hà nội", 0.5, [("hn", 10)]),
    ("hồ chí minh", 0.5, [("hcm", 10)]),
    ("sản xuất", 0.5, [("sx", 10)]),
    ("thời gian", 0.5, [("tg", 10)]),
    ("học sinh", 0.5, [("hs", 10)]),
    ("sinh viên", 0.5, [("sv", 10)]),
]

# "không" inside these words is part of a noun, not the negation/particle.
_KHONG_KEEP_AFTER = ("gian", "khí", "quân", "phận", "lưu", "trung", "ảnh", "dây")
_KHONG_KEEP_BEFORE = ("hàng",)

PREFIX_FILLERS = ["ad oi", "cho mik hoi", "cho minh hoi", "ad cho e hoi",
                  "mn oi", "ai bit ko", "hoi xiu"]
SUFFIX_FILLERS = ["vay", "v", "z", "a", "ad", "nhi", "ak"]
P_PREFIX = 0.3
P_SUFFIX = 0.3

#: Stripped forms of every word the chat rules may rewrite.  Everything else
#: in a question is a content word and survives ``chat_variant``.
CHAT_SOURCE_WORDS: frozenset[str] = frozenset(
    w for phrase, _p, _r in CHAT_RULES for w in strip_diacritics(phrase).split()
)
#: Stripped forms of the words that ``ABBREVIATIONS`` may shorten.
ABBREVIATED_WORDS: frozenset[str] = frozenset(
    w for phrase, _p, _r in ABBREVIATIONS for w in strip_diacritics(phrase).split()
)

_QUESTION_END = re.compile(r"[\s?？.!…]+$")
_SPACES = re.compile(r"\s+")


def _pick(rng: random.Random, options: list[tuple[str, int]]) -> str:
    words = [w for w, _ in options]
    weights = [n for _, n in options]
    return rng.choices(words, weights=weights, k=1)[0]


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    body = re.escape(phrase).replace(r"\ ", r"\s+")
    if phrase == "không":
        after = "|".join(_KHONG_KEEP_AFTER)
        before = "|".join(_KHONG_KEEP_BEFORE)
        return re.compile(rf"(?<!\w)(?<!{before}\s){body}(?!\w)(?!\s+(?:{after})(?!\w))")
    if phrase == "thế nào":  # left over from "như thế nào": not "nhu tn"
        return re.compile(rf"(?<!\w)(?<!như\s){body}(?!\w)")
    return re.compile(rf"(?<!\w){body}(?!\w)")


_RULES = [(_phrase_pattern(p), prob, repl) for p, prob, repl in CHAT_RULES]
_ABBREV = [(_phrase_pattern(p), prob, repl) for p, prob, repl in ABBREVIATIONS]


def chat_variant(question: str, rng: random.Random, abbreviate: bool = True) -> str:
    """Rewrite a Vietnamese question the way it is typed in a phone chat.

    Lowercase, no diacritics, trailing "?" dropped, question words replaced
    by chat forms with the probabilities in ``CHAT_RULES``, and sometimes a
    filler in front ("ad oi") or at the end ("vay").  With ``abbreviate``,
    frequent terms are also shortened ("chuyển đổi số" -> "cds", "thành phố"
    -> "tp"); every other word of the question is kept, in order.  The same
    ``rng`` state gives the same output.
    """
    text = unicodedata.normalize("NFC", question).strip().lower()
    text = _QUESTION_END.sub("", text)
    for pattern, prob, options in (_ABBREV if abbreviate else []) + _RULES:
        text = pattern.sub(
            lambda m: _pick(rng, options) if rng.random() < prob else m.group(0),
            text,
        )
    text = strip_diacritics(text)
    if rng.random() < P_PREFIX:
        text = f"{rng.choice(PREFIX_FILLERS)} {text}"
    if rng.random() < P_SUFFIX and text.rsplit(" ", 1)[-1] not in SUFFIX_FILLERS:
        text = f"{text} {rng.choice(SUFFIX_FILLERS)}"
    return _SPACES.sub(" ", text).strip()


def english_question(question: str, rng: random.Random | None = None) -> str:
    """English questions are used as written (passthrough)."""
    return question


def nodia_variant(question: str, rng: random.Random | None = None) -> str:
    """Vietnamese typed without diacritics, otherwise unchanged."""
    return strip_diacritics(question)


def item_rng(seed: int, item_id: str) -> random.Random:
    """One generator per (seed, question id): order-independent output."""
    return random.Random(f"{seed}:{item_id}")


# ---------------------------------------------------------------- XQuAD

@dataclass(frozen=True)
class Item:
    id: str
    question: str
    context: str
    answer_text: str
    paragraph_index: int  # running index of the paragraph in file order


def load_xquad(path: str | Path) -> list[Item]:
    """Flatten a SQuAD-format file into one ``Item`` per question."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    items: list[Item] = []
    paragraph_index = 0
    for article in data:
        for paragraph in article["paragraphs"]:
            context = unicodedata.normalize("NFC", paragraph["context"])
            for qa in paragraph["qas"]:
                answers = qa.get("answers") or [{"text": ""}]
                items.append(Item(
                    id=qa["id"],
                    question=unicodedata.normalize("NFC", qa["question"]),
                    context=context,
                    answer_text=unicodedata.normalize("NFC", answers[0]["text"]),
                    paragraph_index=paragraph_index,
                ))
            paragraph_index += 1
    return items


def paired_items(vi_path: str | Path, en_path: str | Path) -> list[tuple[Item, Item]]:
    """(vi, en) pairs with the same question id, in the Vietnamese file order.

    Ids present in only one file are dropped.
    """
    en_by_id = {it.id: it for it in load_xquad(en_path)}
    return [(vi, en_by_id[vi.id]) for vi in load_xquad(vi_path) if vi.id in en_by_id]


def make_variant(item: Item, variant: str, seed: int = 0,
                 english: Item | None = None) -> str:
    """The ``variant`` form of ``item.question`` (see ``VARIANTS``)."""
    rng = item_rng(seed, item.id)
    if variant == "plain":
        return item.question
    if variant == "nodia":
        return nodia_variant(item.question, rng)
    if variant == "chat":
        return chat_variant(item.question, rng)
    if variant == "en":
        return english_question((english or item).question, rng)
    raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")


# ---------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lang", choices=("vi", "en"), default="vi")
    ap.add_argument("--variant", choices=VARIANTS, default="chat",
                    help="plain: as written; nodia: no diacritics; chat: phone "
                         "chat style (vi only); en: the English question with the same id")
    ap.add_argument("--limit", type=int, default=0, help="0 = all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args(argv)

    if args.lang == "en" and args.variant in ("nodia", "chat"):
        ap.error(f"--variant {args.variant} is for Vietnamese questions (--lang vi)")

    path = args.data_dir / f"xquad.{args.lang}.json"
    if args.variant == "en" and args.lang == "vi":
        rows = [(vi, en) for vi, en in paired_items(path, args.data_dir / "xquad.en.json")]
    else:
        rows = [(it, None) for it in load_xquad(path)]
    if args.limit > 0:
        rows = rows[: args.limit]

    for item, english in rows:
        text = make_variant(item, args.variant, args.seed, english)
        if args.json:
            print(json.dumps({"id": item.id, "paragraph_index": item.paragraph_index,
                              "question": item.question, "variant": text,
                              "answer_text": item.answer_text}, ensure_ascii=False))
        else:
            print(f"{item.id}\t{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
