"""Step 1 of answering: a question as typed becomes a `Query`.

Chat words and abbreviations are written out (bot/normalization.py), the language is decided, and
the content is split into *concepts*: for Vietnamese, the content syllables (widened with the
glossary's synonyms for multi-syllable phrases) plus adjacent syllable pairs that sharpen ranking;
for English, the glossary's Vietnamese translations and the leftover words. Question words ("là
gì", "bao lâu", "when") are never content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Mapping

from bot.accents import restore
from bot.asking import (FOLLOWUP_SEPARATOR, asks_in_context, asked_after_scene, asks_a_question,
                        speaker_and_words)
from bot.cleaning import outlet_named
from bot.comparison import compares, date_order, scene_words, words_asked_of
from bot.config import SearchConfig
from bot.glossary import Glossary
from bot.language import NUMBER_WORDS, WORD, detect_language, is_stopword, words
from bot.normalization import Normalizer
from bot.people import HONORIFICS, people_named
from bot.places import provinces_of_places
from bot.provinces import all_names, mentions, provinces_in
from bot.text import fold, has_diacritics, has_words, nfc, search_key

# Requests to drop the bot's rules are answered like any question without support in the corpus.
_INJECTION = re.compile(
    r"ignore (all |any |the |your )?(previous|prior|above|earlier|system)|disregard (all |the |your )?(previous|prior|above|instructions)"
    r"|system prompt|you are now|pretend (to be|you)|jailbreak|developer mode|forget (all |your )?(previous |prior )?instructions"
    r"|bo qua (moi |tat ca |cac |nhung )?(huong dan|chi dan|chi thi|lenh|quy tac)|quen (het |moi |tat ca )?(huong dan|chi dan|quy tac)"
    r"|^\s*system\s*:|che do (nha phat trien|developer)|(hay |cu )?tu bia|bia (ra )?(so lieu|thong tin|cau tra loi)|make (it|something|one) up",
    re.IGNORECASE,
)
# "Điều 5 Luật Cư trú quy định gì?": the article a question names, on the folded question.
_ARTICLE_REFERENCE = re.compile(r"\bdieu\s+(\d{1,3})\b")
# Folded syllables and pairs -> the corpus's written forms of those it has (IndexStore.accents_for).
Accents = Callable[[list[str]], Mapping[str, str]]
# A post whose deputy is written "Phó …" (folded), and an English question saying it asks the deputy
# ("vice chairman" has its own glossary entry; "vice-chairman" and "deputy director" do not).
_POST_TITLE = re.compile(r"(?:chu tich|giam doc|bi thu|bo truong|cuc truong|truong ban|thu tuong)\b")
_DEPUTY_BEFORE = re.compile(r"\b(?:vice|deputy)[\s-]*$", re.IGNORECASE)
# Syllables of the longest glossary synonym read as one concept ("Sở Thông tin và Truyền thông").
_LONGEST_SYNONYM = 6
# The words that carry a follow-up on ("còn …", "thế còn …", "cuối cùng …", "and …"), which say
# nothing of what it asks; on the text as typed, so "còn" is cut and content kept ("con" typed
# without diacritics is "còn").
_FOLLOWUP_LEAD = re.compile(r"^\W*(?:(?:thế|the|vậy|vay)\s+)?(?:còn|con|cuối cùng|cuoi cung|rốt cuộc|rot cuoc|and|so|then|finally)\b",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Phrase:
    """One way a concept may be written in the corpus; `key` is in the form its column stores."""

    key: str
    exact: bool  # True: matched with diacritics (search_key); False: folded
    # a word (folded) that must not come just before: "chairman" is "Chủ tịch", not "Phó Chủ tịch"
    not_after: str = ""

    @classmethod
    def of(cls, text: str) -> "Phrase":
        exact = has_diacritics(text)
        return cls(" ".join(words(search_key(text) if exact else fold(text))), exact)

    @classmethod
    def folded(cls, text: str) -> "Phrase":
        return cls(" ".join(words(fold(text))), False)


@dataclass(frozen=True)
class Concept:
    """A unit of meaning of the question; covered by a passage if any of its phrases occurs."""

    label: str
    phrases: tuple[Phrase, ...]
    province: str = ""  # set when the concept is a province: covered by the document's provinces too
    # An English word the glossary does not know: it may well be in the article in Vietnamese, so its
    # absence counts for less.
    untranslated: bool = False


@dataclass(frozen=True)
class Query:
    text: str  # as asked, NFC
    language: str
    concepts: tuple[Concept, ...]
    boosters: tuple[Phrase, ...]  # adjacent-syllable pairs: sharpen ranking, not coverage
    provinces: tuple[str, ...]
    dense_text: str
    injection: bool = False
    asks: str = ""  # "day", "month", "when", "how_many", "who", "author", "document_number", "body", "place" or "" (what the answer should contain)
    # Events the question takes for granted ("cancel" in "When did X cancel Y?"), each as the words
    # naming it: a passage naming none of them does not confirm the premise.
    premises: tuple[tuple[str, ...], ...] = ()
    article: str = ""  # "Điều 5" when the question names an article of a legal document
    # A follow-up asked in context ("<topic> – ai chủ trì?"): the concepts of its own words, which
    # the quote must hold first; the topic only says where to look. So for the part after "Theo X, …"
    # and after a scene ("Tại hội nghị sơ kết 2 năm, …").
    focus: tuple[Concept, ...] = ()
    focus_pairs: tuple[Phrase, ...] = ()  # the adjacent pairs of those words ("quan trọng", not "trọng điểm … quan")
    # A part for a province named only to set the scene ("Thanh Hóa aims for the top 10. What did
    # Nghệ An propose?"): its source is cited after the answer; it is not what was asked.
    scene: bool = False
    # Who the question says said what it asks ("Theo X, …", "pct … noi …"), as the analysis read
    # it: the quote is what was said, found by its own words (bot/quotes.py).
    speaker: str = ""
    outlet: str = ""  # the outlet the question names ("the DNHN piece"): its articles are cited first

    @property
    def written(self) -> str:
        """The question as the analysis read it (abbreviations written out, diacritics restored; a
        comparison's part: its own words): the first line of the dense text."""
        return self.dense_text.partition("\n")[0]

    @property
    def empty(self) -> bool:
        return not self.concepts

    def asked_part(self) -> "Query":
        """What the answer must say: a follow-up's own question ("<topic> – ai là giám đốc công an
        tỉnh?" -> "ai là giám đốc công an tỉnh?", its own concepts); the query itself otherwise."""
        if FOLLOWUP_SEPARATOR not in self.text:
            return self
        return replace(self, text=self.text.rpartition(FOLLOWUP_SEPARATOR)[2], concepts=self.focus or self.concepts)

    @property
    def asks_nothing(self) -> bool:
        """No content, or only province names ("And Quang Ninh?" out of context)."""
        return all(c.province for c in self.concepts)


def _named_article(folded: str) -> str:
    m = _ARTICLE_REFERENCE.search(folded)
    return f"Điều {int(m.group(1))}" if m else ""


class Analyzer:
    def __init__(self, glossary: Glossary, normalizer: Normalizer, dense_glossary: bool = True) -> None:
        self.glossary = glossary
        self.normalizer = normalizer
        self.dense_glossary = dense_glossary
        self._folded_synonyms = {fold(k): k for k in glossary.synonyms}
        # synonyms with a word that otherwise splits a run ("Thông tin và Truyền thông" ~ "TT&TT"),
        # folded, longest first, in one pattern: where one is written, its words stay together
        joined = sorted({fold(k) for k in glossary.synonyms if len(words(k)) > 1 and any(is_stopword(w, "vi") for w in words(k))},
                        key=len, reverse=True)
        self._joined = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, joined)) + r")(?!\w)") if joined else None

    @classmethod
    def from_config(cls, settings: SearchConfig) -> "Analyzer":
        """With the corpus's glossary and normalisation tables."""
        return cls(Glossary.load(settings.glossary), Normalizer.load(settings.normalization), settings.dense_glossary)

    def analyze(self, question: str, accents: Accents | None = None) -> Query:
        """`accents`: the corpus's written forms of folded syllables and pairs (bot/accents.py), to
        read a question typed without diacritics as the corpus writes it."""
        text = nfc(question).strip()
        expanded = self.normalizer.expand(text)
        language = detect_language(_without_places(expanded))
        if language == "en":
            expanded = self.normalizer.expand(text, chat=False)
        provinces = provinces_in_question(expanded)
        folded = fold(expanded)
        asks = asks_in_context(folded, expanded, text, language)
        plain = not has_diacritics(text)  # as typed, before abbreviations were written out
        written = self._written(text, accents) if plain and language == "vi" and accents else expanded
        concepts, boosters, extra = self._concepts(expanded, language, provinces, plain, written)
        dense_text = f"{written}\n{' '.join(extra)}" if extra and self.dense_glossary else written
        focus, focus_pairs = (), ()
        speaker, asked = speaker_and_words(expanded, plain)
        asked = asked or asked_after_scene(expanded)
        if FOLLOWUP_SEPARATOR in expanded or asked:
            own = _FOLLOWUP_LEAD.sub(" ", expanded.rpartition(FOLLOWUP_SEPARATOR)[2]) if not asked else asked
            own_concepts, own_pairs, _ = self._concepts(own, language, provinces_in_question(own), plain)
            focus, focus_pairs = tuple(c for c in own_concepts if not c.province), tuple(own_pairs)
        return Query(text, language, tuple(concepts), tuple(boosters), provinces, dense_text,
                     bool(_INJECTION.search(fold(text))), asks, self.normalizer.premises_in(expanded, plain),
                     _named_article(folded), focus, focus_pairs, speaker=speaker, outlet=outlet_named(text))

    def _written(self, typed: str, accents: Accents) -> str:
        """A question typed without diacritics as the corpus would write it, then expanded: "quan
        trong nhat" -> "quan trọng nhất", "ct ubnd" -> "chủ tịch Ủy ban nhân dân" (the words the
        normalisation writes out are its own, not guessed: "bn" is "bao nhiêu", not "báo nhiêu")."""
        keys = []
        for text in (typed, self.normalizer.expand(typed)):  # "so tttt": "so thong" is a pair too
            syllables = fold(text).lower().split()
            keys += [*words(fold(text)), *(f"{a} {b}" for a, b in zip(syllables, syllables[1:]))]
        restored = restore(typed, accents(keys), keep=self.normalizer.rewrites,
                           stands_for=self.normalizer.expand)
        return self.normalizer.with_question_phrases_written(self.normalizer.expand(restored))

    def _concepts(self, text: str, language: str, provinces: tuple[str, ...], plain: bool, written: str = ""
                  ) -> tuple[list[Concept], list[Phrase], list[str]]:
        """Concepts, boosters and (English) the glossary's Vietnamese words to embed with the question.
        `written`: the same text with the diacritics the corpus would write (for telling "trong"
        from "trọng" in a question typed without them)."""
        if language == "en":
            concepts, extra = self._english_concepts(text, provinces)
            return concepts, [], extra
        concepts, boosters = self._vietnamese_concepts(text, provinces, plain, written)
        return concepts, boosters, []

    def _english_concepts(self, text: str, provinces: tuple[str, ...]) -> tuple[list[Concept], list[str]]:
        concepts, translations = [], []
        rest = nfc(text).lower()
        for match in self.glossary.matches(text):
            deputy = bool(_DEPUTY_BEFORE.search(text[: match.start]))
            phrases = tuple(replace(Phrase.of(v), not_after="" if deputy or not _POST_TITLE.match(fold(v)) else "pho")
                            for v in match.vietnamese)
            named = provinces_in(" ".join(match.vietnamese))
            concepts.append(Concept(match.english, phrases, named[0] if named else ""))
            translations.extend(match.vietnamese)
            rest = rest[: match.start] + " " * (match.end - match.start) + rest[match.end:]
        province_words = {w for p in provinces for w in words(fold(p))}
        concepts += [_province_concept(p) for p in provinces if not any(c.province == p for c in concepts)]
        for token in words(rest):
            if not is_stopword(token, "en") and fold(token) not in province_words:
                token = NUMBER_WORDS.get(token, token)
                concepts.append(Concept(token, (Phrase.of(token),), untranslated=not token.isdigit()))
        return concepts, translations

    def _vietnamese_concepts(self, text: str, provinces: tuple[str, ...], plain: bool, written: str = ""
                             ) -> tuple[list[Concept], list[Phrase]]:
        """Content syllables, a glossary synonym phrase ("mục tiêu" ~ "phấn đấu") as one concept,
        and adjacent pairs as boosters. Syllable pairs, not guessed word boundaries: on Vietnamese
        legal text BM25 with syllable bigrams beat word grouping learnt from a small corpus."""
        concepts = [_province_concept(p) for p in provinces]
        boosters: list[Phrase] = []
        # a person named is one unit of meaning, not three syllables a passage must hold: the
        # paragraph after the one naming him says "Phó Bí thư Thường trực Tỉnh ủy cho rằng …"
        names = [n.split() for n in people_named(text)]
        for run in self._content_runs(text, provinces, plain, written):
            boosters += [Phrase.of(f"{a} {b}") for a, b in zip(run, run[1:])]
            i = 0
            while i < len(run):
                title = next((k for k in (1, 2) if " ".join(run[i: i + k]).lower() in HONORIFICS and _name_at(run, i + k, names)), 0)
                if title:  # "ông" in "ông Nguyễn Văn Thông" is part of naming him
                    i += title
                    continue
                size = _name_at(run, i, names) or self._longest_synonym(run, i, plain) or 1
                phrase = " ".join(run[i: i + size])
                alternatives = (phrase, *self._synonyms(phrase, plain))
                # typed without diacritics, a phrase partly written out ("bo Thông tin và Truyền
                # thông" from "bo tttt") is matched folded, as the rest of the question is
                own = Phrase.folded(phrase) if plain and _partly_written(phrase) else Phrase.of(phrase)
                concepts.append(Concept(phrase, tuple(dict.fromkeys((own, *(Phrase.of(a) for a in alternatives[1:]))))))
                i += size
        return _distinct(concepts), list(dict.fromkeys(boosters))

    def _content_runs(self, text: str, provinces: tuple[str, ...], plain: bool, written: str = "") -> list[list[str]]:
        """Runs of adjacent content words; question words, stopwords and province names split them.
        Typed without diacritics, a word is a stopword as the corpus would write it: "quan trong"
        keeps "trọng", "co" alone is "có"; and a question word of one syllable is one as written:
        "ban hanh" is "ban hành", "ban oi" is "bạn ơi"."""
        aligned = bool(written) and len(written) == len(text)
        blanked = self.normalizer.without_question_words(written if aligned else text, plain and not aligned)  # same length
        province_spans = _province_spans(text, provinces)
        joined = [m.span() for m in self._joined.finditer(fold(text))] if self._joined else []
        lowered = nfc(text).lower()
        matches = list(WORD.finditer(lowered))
        as_written = [m.group(0) for m in WORD.finditer(nfc(written).lower())] if written else []
        if len(as_written) != len(matches):
            as_written = [m.group(0) for m in matches]
        runs: list[list[str]] = [[]]
        for m, form in zip(matches, as_written):
            token = m.group(0)
            asked = not blanked[m.start(): m.end()].strip()
            stopword = is_stopword(form, "vi") and not any(a <= m.start() < b for a, b in joined)
            if asked or any(a <= m.start() < b for a, b in province_spans) or stopword:
                runs.append([])
            else:
                runs[-1].append(token)
        return [run for run in runs if run]

    def _longest_synonym(self, run: list[str], i: int, plain: bool) -> int:
        for size in range(min(_LONGEST_SYNONYM, len(run) - i), 1, -1):
            if self._synonyms(" ".join(run[i: i + size]), plain):
                return size
        return 0

    def _synonyms(self, phrase: str, plain: bool = False) -> tuple[str, ...]:
        """Other ways the articles say `phrase`. In a question typed without diacritics (`plain`), a
        phrase the normalisation partly wrote out ("so Thông tin và Truyền thông" from "so tttt") is
        read folded when it is not found as written."""
        if has_diacritics(phrase):
            written = self.glossary.synonyms_of(phrase)
            if written or not plain:
                return written
        folded = self._folded_synonyms.get(fold(phrase))
        return self.glossary.synonyms_of(folded) if folded else ()


def _partly_written(phrase: str) -> bool:
    """Some syllables with diacritics, some without."""
    syllables = phrase.split()
    return any(has_diacritics(s) for s in syllables) and not all(has_diacritics(s) for s in syllables)


def _name_at(run: list[str], i: int, names: list[list[str]]) -> int:
    """The number of syllables of a person's name (folded) starting at run[i]; 0 if none does."""
    return next((len(n) for n in names if [fold(w).lower() for w in run[i: i + len(n)]] == n), 0)


def per_province(query: Query) -> list[Query]:
    """A question naming several provinces ("So sánh mục tiêu của Nghệ An và Quảng Ninh") as one
    question per province, in the order named: each is searched among its own province's
    documents and judged without the other names counting as missing evidence. Provinces named
    only to set the scene come last, as parts marked `scene`."""
    if len(query.provinces) < 2:
        return [query]
    # "tỉnh nào … sớm hơn / whose … was adopted first?" asks each province's day (not who), which its
    # quote then holds and which orders them; the comparison's own words ("sớm hơn", "which
    # province") are in no single province's answer
    dated = query.asks in ("day", "month", "when")
    asks = "day" if date_order(query.text) and not dated else query.asks
    written = query.written
    asked = words_asked_of(written, query.provinces, asks_a_question)
    set_scenes = scene_words(written, query.provinces, asks_a_question)
    # one province asked, the others the scene: its words compare nothing ("làm gì trước …?"), and
    # the pairs of the scene ("tháng 11", "quyết 06") are not asked of it
    parts = [_part(query, name, own, asks if len(asked) > 1 else query.asks, comparing=len(asked) > 1,
                   scene=" ".join(set_scenes.values())) for name, own in asked.items()]
    scenes = [replace(_part(query, name, said, ""), scene=True) for name, said in set_scenes.items()]
    return parts + scenes


def _part(query: Query, province: str, words: str, asks: str, comparing: bool = True, scene: str = "") -> Query:
    """The question asked of one province: its own province's documents, the concepts in its words;
    `comparing`: without the comparison's own words; `scene`: what the question says of the other
    provinces, whose adjacent pairs are not asked of this one unless its words hold them too."""
    _, newline, extra = query.dense_text.partition("\n")
    dense_text = f"{words}{newline}{extra}" if words else query.dense_text
    return replace(query, provinces=(province,), asks=asks, dense_text=dense_text,
                   concepts=tuple(c for c in query.concepts if c.province in ("", province)
                                  and not (comparing and compares(c.label)) and _said_in(c, words)),
                   boosters=tuple(b for b in query.boosters if not scene or _asked_in(b.key, words)
                                  or not _asked_in(b.key, scene)))


def _said_in(concept: Concept, words_asked: str) -> bool:
    """The concept is among the words asked of a part ("" when the whole question is)."""
    return bool(concept.province) or _asked_in(concept.label, words_asked)


def _asked_in(phrase: str, words_asked: str) -> bool:
    """The phrase is among the words asked ("" when the whole question is), folded."""
    return not words_asked or has_words(fold(words_asked), fold(phrase))


def _distinct(concepts: list[Concept]) -> list[Concept]:
    """A word repeated in the question counts once."""
    seen: dict[tuple, Concept] = {}
    for concept in concepts:
        seen.setdefault((concept.phrases, concept.province), concept)
    return list(seen.values())


def _province_concept(name: str) -> Concept:
    """A province, written by any of its names (the one since 2025 and those merged into it)."""
    names = all_names(name) or (name,)
    return Concept(name, tuple(dict.fromkeys(Phrase.of(n) for n in names)), province=name)


def provinces_in_question(text: str) -> tuple[str, ...]:
    """Provinces (2025 names) a question names, by old or new name, with or without diacritics, or
    by a town or city in it ("the Cua Lo link-up": Nghệ An; "in Quang Ninh and in Cua Lo": both)."""
    return tuple(dict.fromkeys(provinces_in(text) + provinces_of_places(text)))


def _without_places(text: str) -> str:
    """The text without province names, which are spelled the same in both languages and so
    should not vote: "And Quang Ninh?" is English."""
    for start, end, _ in sorted(mentions(text), reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _province_spans(text: str, provinces: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(start, end) for start, end, name in mentions(text) if name in provinces]
