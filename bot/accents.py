"""Putting the diacritics back into a question typed without them, from the corpus's own words.

The multilingual model reads "muc tieu chinh phu so" far worse than "mục tiêu chính phủ số"
(XQuAD dev R@1 of dense search: 0.34 without diacritics, 0.90 with them). At build time each
folded syllable and syllable pair of the corpus is mapped to its most frequent written form; a
question without diacritics is rewritten pair by pair (a pair decides better than a syllable:
"chinh phu" -> "chính phủ", not "chính phụ") before it is embedded. Lexical search keeps the
question as typed. No maintained package restores Vietnamese diacritics offline without a large
model, and the corpus's own vocabulary is the right dictionary for it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Iterable, Mapping

from bot.text import fold, nfc

_SYLLABLE = re.compile(r"[^\W\d_]+")
# A word of a question: syllables, or an abbreviation joined by "&" ("TT&TT", one word to keep).
_TOKEN = re.compile(r"[^\W\d_]+(?:&[^\W\d_]+)*")


def accent_table(texts: Iterable[str], min_count: int = 1) -> dict[str, str]:
    """folded syllable or pair -> its most frequent written form (lowercase NFC) in the texts."""
    counts: dict[str, Counter] = {}
    for text in texts:
        syllables = _SYLLABLE.findall(nfc(text).lower())
        for i, syllable in enumerate(syllables):
            counts.setdefault(fold(syllable), Counter())[syllable] += 1
            if i + 1 < len(syllables):
                pair = f"{syllable} {syllables[i + 1]}"
                counts.setdefault(fold(pair), Counter())[pair] += 1
    return {key: forms.most_common(1)[0][0] for key, forms in counts.items()
            if forms.most_common(1)[0][0] != key and sum(forms.values()) >= min_count}


def restore(question: str, lookup: Mapping[str, str], keep: Callable[[str], bool] = lambda word: False,
            stands_for: Callable[[str], str] = lambda word: "") -> str:
    """The question with each unaccented syllable written as the corpus writes it; syllables the
    corpus does not know, or writes without diacritics, and those `keep` says to keep ("ko", "NA",
    which the question's normalisation writes out) stay as typed. A syllable is read in the pair
    it makes with the one before, else with the next one, else alone: every pair counts, so "la
    van de nhan thuc" is "là vấn đề nhận thức" (taken two by two from the left, "thuc" would be left
    alone and read as the commoner "thực"). The pair before first: on XQuAD dev that way reads
    better than the pair after (R@1 without diacritics 0.923 against 0.917). A kept word is read,
    beside a syllable, as the words `stands_for` says it stands for, when the corpus writes the pair
    with that word as written: "so tttt" is "sở" (of "sở Thông tin …"), not the commoner "số"; "co
    bn" stays "có", the corpus's "co bao" being no "bao nhiêu"."""
    tokens = list(_TOKEN.finditer(question))

    def reading(i: int, first: bool) -> str:
        """The syllable token i shows its neighbour on that side, lowercase: typed without
        diacritics, or as a kept word's expansion writes it; "" when it shows none."""
        word = tokens[i].group(0)
        if keep(word):
            said = nfc(stands_for(word)).lower().split()
            return (said[0] if first else said[-1]) if said else ""
        return word.lower() if word.isascii() and "&" not in word else ""

    def paired(i: int) -> tuple[str, str] | None:
        """The written forms of tokens i and i+1, when they read as a pair the corpus writes."""
        if i < 0 or i + 1 >= len(tokens) or question[tokens[i].end():tokens[i + 1].start()] != " ":
            return None
        before, after = reading(i, first=False), reading(i + 1, first=True)
        pair = lookup.get(f"{fold(before)} {fold(after)}") if before and after else None
        if not pair:
            return None
        written = tuple(pair.split(" ", 1))
        # a kept word's syllable is already written: the pair holds only if it writes it the same
        kept = (keep(tokens[i].group(0)), keep(tokens[i + 1].group(0)))
        if any(k and side != form for k, side, form in zip(kept, (before, after), written)):
            return None
        return written

    out, last = [], 0
    for i, m in enumerate(tokens):
        word = m.group(0)
        out.append(question[last:m.start()])
        if keep(word) or not word.isascii() or "&" in word:
            out.append(word)
        else:
            after, before = paired(i), paired(i - 1)
            written = before[1] if before else after[0] if after else lookup.get(word.lower(), word.lower())
            out.append(cased(written, word))
        last = m.end()
    out.append(question[last:])
    return "".join(out)


def cased(written: str, typed: str) -> str:
    """`written` in the case `typed` was typed in: "NA" -> "NGHỆ AN", "Chinh" -> "Chính"."""
    if typed.isupper() and len(typed) > 1:
        return written.upper()
    return written[:1].upper() + written[1:] if typed[:1].isupper() else written
