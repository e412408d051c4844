"""Vietnamese text primitives: normalization, diacritic folding, sentence boundaries.

Display text is always the original (NFC); the folded and canonical forms exist only for matching.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters and soft hyphens vanish; some keyboards type the eth (Ð, ð) for Đ, đ.
_INVISIBLE_AND_LOOKALIKES = {
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")), ord("Ð"): "Đ", ord("ð"): "đ",
    # Lone surrogates (a JSON "\ud800" escape from outside) cannot be encoded: the tokenizer and
    # SQLite would raise on them.
    **dict.fromkeys(range(0xD800, 0xE000)),
}


def nfc(text: str) -> str:
    """NFC without invisible characters: keyboards send NFD, web pages carry soft hyphens."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE_AND_LOOKALIKES)


# Old-style tone placement (hoà, thuỷ) and new-style (hòa, thủy) are both in use, often in the
# same article ("Tỉnh uỷ" and "Tỉnh ủy"); matching treats them as one spelling.
_TONES = {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ", "o": "òóỏõọ", "u": "ùúủũụ"}
_GLIDE_PAIRS = {"o": "ae", "u": "y"}
# A word-final o/u followed by a toned a/e/y; "qu" is a consonant, so "quý" is left alone.
_OLD_STYLE = re.compile(
    r"(?<![qQ])([oOuU])([" + _TONES["a"] + _TONES["e"] + _TONES["y"] + r"])(?![^\W\d_])",
    re.IGNORECASE,
)


def _move_tone(match: re.Match) -> str:
    glide, last = match.group(1), match.group(2)
    base, tone = next((b, m.index(last.lower())) for b, m in _TONES.items() if last.lower() in m)
    if base not in _GLIDE_PAIRS[glide.lower()]:
        return match.group(0)
    toned = _TONES[glide.lower()][tone]
    return (toned.upper() if glide.isupper() else toned) + (base.upper() if last.isupper() else base)


def canonical_tones(text: str) -> str:
    """Move the tone mark of a word-final oa/oe/uy to the first vowel: hoà -> hòa, uỷ -> ủy."""
    return _OLD_STYLE.sub(_move_tone, text)


def search_key(text: str) -> str:
    """Lowercase NFC with one tone-placement convention: the with-diacritics form used for matching."""
    return canonical_tones(nfc(text)).lower()


def fold(text: str) -> str:
    """Lowercase with every diacritic removed and đ -> d: "Chính phủ số" -> "chinh phu so"."""
    return unicodedata.normalize("NFC", nfc(text).lower().translate(_FOLDED))


class _FoldTable(dict):
    """A str.translate table filled as characters are met: each character without its marks.
    Folding every passage a question is judged against, character by character in Python, was
    the largest cost of answering after the encoder."""

    def __missing__(self, code: int) -> str:
        bare = "".join(c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c))
        self[code] = bare
        return bare


_FOLDED = _FoldTable({ord("đ"): "d"})


def has_words(text: str, phrase: str) -> bool:
    """`phrase` occurs in `text` as whole words ("09" is not in "2009", "ha" not in "hanh")."""
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def has_diacritics(text: str) -> bool:
    return fold(text) != nfc(text).lower()


# Abbreviations that end with a dot but do not end a sentence ("TP. Vinh", "TS. Nguyễn").
_ABBREVIATIONS = {
    "tp", "tx", "tt", "q", "p", "ts", "ths", "pgs", "gs", "bs", "ks", "ls", "nxb", "tr", "st",
    "ông", "bà", "mr", "mrs", "ms", "dr", "no", "vs", "etc", "v.v", "e.g", "i.e", "tel", "đt",
}
_SENTENCE_END = re.compile(r"([.!?…]+|\./\.)([\"'”’»)\]]*)(\s+)")
_ARTICLE_NUMBER = re.compile(r"\s*Điều\s+\d+[a-zđ]?")
_NEXT_STARTS_SENTENCE = re.compile(r"[\"'“‘«(\[]*[^\W\d_]|[\"'“‘«(\[]*\d", re.UNICODE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`; paragraphs (newlines) always end a sentence.

    Dates (1/7, 05/8/2022) and abbreviations (TT&TT, TP. Vinh) never end one.
    """
    spans: list[tuple[int, int]] = []
    for para_start, para_end in _paragraph_spans(text):
        start = para_start
        for m in _SENTENCE_END.finditer(text, para_start, para_end):
            cut = m.end(2)
            nxt = text[m.end(): para_end]
            if not nxt or not _NEXT_STARTS_SENTENCE.match(nxt):
                continue
            if m.group(1) == "." and (_ends_with_abbreviation(text[start: m.start()])
                                      or _ARTICLE_NUMBER.fullmatch(text, start, m.start())):
                continue  # "Điều 5. Phạm vi điều chỉnh": an article's number and its title are one heading
            if nxt[0].islower():
                continue
            spans.append(_strip_span(text, start, cut))
            start = m.end()
        if start < para_end:
            spans.append(_strip_span(text, start, para_end))
    return [s for s in spans if s[1] > s[0]]


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in re.finditer(r"\n+", text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _ends_with_abbreviation(before: str) -> bool:
    word = re.search(r"([^\s(]+)$", before)
    if not word:
        return False
    token = word.group(1).lower()
    # Single letters are initials ("Nguyễn V. A.") and dotted words are abbreviations already;
    # a single digit is not an initial: "Hội nghị lần thứ 9." ends its sentence.
    initial = len(token) == 1 and token.isalpha()
    return token in _ABBREVIATIONS or initial or token.rstrip(".") in _ABBREVIATIONS


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
