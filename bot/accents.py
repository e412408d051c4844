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


def restore(question: str, lookup: Mapping[str, str], keep: Callable[[str], bool] = lambda word: False) -> str:
    """The question with each unaccented syllable written as the corpus writes it; syllables the
    corpus does not know, or writes without diacritics, and those `keep` says to keep ("ko", "NA",
    which the question's normalisation writes out) stay as typed."""
    matches = [m for m in _SYLLABLE.finditer(question) if not keep(m.group(0))]
    out, last, i = [], 0, 0
    while i < len(matches):
        m = matches[i]
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        out.append(question[last:m.start()])
        if nxt is not None and question[m.end():nxt.start()] == " " and m.group(0).isascii() and nxt.group(0).isascii():
            pair = lookup.get(f"{m.group(0).lower()} {nxt.group(0).lower()}")
            if pair:
                first, second = pair.split(" ", 1)
                out.append(f"{cased(first, m.group(0))} {cased(second, nxt.group(0))}")
                last, i = nxt.end(), i + 2
                continue
        word = m.group(0)
        out.append(cased(lookup.get(word.lower(), word.lower()), word) if word.isascii() else word)
        last, i = m.end(), i + 1
    out.append(question[last:])
    return "".join(out)


def cased(written: str, typed: str) -> str:
    """`written` in the case `typed` was typed in: "NA" -> "NGHỆ AN", "Chinh" -> "Chính"."""
    if typed.isupper() and len(typed) > 1:
        return written.upper()
    return written[:1].upper() + written[1:] if typed[:1].isupper() else written
