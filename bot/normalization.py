"""How people type a question, rewritten the way the articles write (data in corpus/normalization.toml).

"NA co giam le phi DVC ko?" becomes "Nghệ An co giam le phi dịch vụ công không?": chat words and
abbreviations are expanded, so they neither block an answer nor count as content. No package does
this for Vietnamese chat and administrative shorthand, hence a small table-driven rewriter.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.accents import cased
from bot.errors import ConfigError
from bot.text import fold, has_diacritics, nfc

# A typed token: letters and digits, with the "&" and "-" of "TT&TT" and "KT-XH" inside it.
_TOKEN = re.compile(r"(?<![\w&])\w+(?:[&-]\w+)*(?![\w&])")

# An abbreviation typed against its number: "nq09", "KH586".
_NUMBERED = re.compile(r"([^\W\d_]+)(\d+)")


@dataclass(frozen=True)
class Normalizer:
    chat: dict[str, str] = field(default_factory=dict)  # lowercase token -> replacement
    abbreviations: dict[str, str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)  # token as typed (capitals) -> province
    question_phrases: tuple[str, ...] = ()  # lowercase as written, longest first
    final_phrases: tuple[str, ...] = ()  # folded; question words only at the end of a question
    premises: dict[str, tuple[str, ...]] = field(default_factory=dict)  # event -> its words (vi and en)

    @classmethod
    def load(cls, path: Path) -> "Normalizer":
        if not path.is_file():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"normalization file {path}: not valid TOML ({exc})") from exc
        question = raw.get("question", {})
        return cls(
            chat=_table(raw, "chat", path, lower=True),
            abbreviations=_table(raw, "abbreviations", path, lower=True),
            provinces=_table(raw, "provinces", path, lower=False),
            question_phrases=_longest_first(question.get("phrases", []), fold_them=False),
            final_phrases=_longest_first(question.get("final", [])),
            premises=_premises(raw.get("premises", {}), path),
        )

    def expand(self, text: str, chat: bool = True) -> str:
        """The question with abbreviations (and, unless chat=False, chat words) written out."""

        def replace(match: re.Match) -> str:
            token = match.group(0)
            if token in self.provinces:
                return self.provinces[token]
            lowered = token.lower()
            if lowered in self.abbreviations:
                return self.abbreviations[lowered]
            if chat and lowered in self.chat:
                return self.chat[lowered]
            kind, number = self._numbered(lowered)
            return f"{self.abbreviations[kind]} {number}" if kind else token

        text = nfc(text)
        for phrase, (pattern, replacement) in self._phrases.items():  # "bn ơi" is "bạn ơi" before "bn" is "bao nhiêu"
            if chat or phrase in self.abbreviations:
                text = pattern.sub(replacement, text)
        return _TOKEN.sub(replace, text)

    @cached_property
    def _phrases(self) -> dict[str, tuple[re.Pattern, str]]:
        """Entries of several words, longest first: a word reads differently beside another."""
        entries = sorted(((k, v) for table in (self.abbreviations, self.chat) for k, v in table.items() if " " in k),
                         key=lambda kv: -len(kv[0]))
        return {k: (re.compile(r"(?<![\w&])" + re.escape(k) + r"(?![\w&])", re.IGNORECASE), v) for k, v in entries}

    def rewrites(self, token: str) -> bool:
        """True when `expand` replaces this token (a chat word, an abbreviation, a province's)."""
        lowered = token.lower()
        return token in self.provinces or lowered in self.abbreviations or lowered in self.chat \
            or bool(self._numbered(lowered)[0])

    def _numbered(self, lowered: str) -> tuple[str, str]:
        """An abbreviation typed against its number ("nq09", "kh586"): the abbreviation and the
        number; ("", "") for any other token."""
        m = _NUMBERED.fullmatch(lowered)
        return (m.group(1), m.group(2)) if m and m.group(1) in self.abbreviations else ("", "")

    def with_question_phrases_written(self, text: str) -> str:
        """A question typed without diacritics, once given the corpus's (bot/accents.py), with its
        question phrases of two or more syllables written as they are meant ("báo nhiều" -> "bao
        nhiêu": the corpus writes "báo" far more often than "bao"); one syllable decides nothing
        ("ban" may be "bạn" or the "ban" of "ban hành")."""
        folded = fold(text)
        if len(folded) != len(text):
            return text
        for phrase in self.question_phrases:
            if " " in phrase:
                pattern = r"(?<!\w)" + re.escape(fold(phrase)) + r"(?!\w)"
                for m in reversed(list(re.finditer(pattern, folded.lower()))):
                    text = text[: m.start()] + cased(phrase, text[m.start():m.end()]) + text[m.end():]
        return text

    def premises_in(self, text: str, plain: bool | None = None) -> tuple[tuple[str, ...], ...]:
        """The events the question takes for granted, each as all the words that name it. Typed
        without diacritics (`plain`: as typed, before "cds" was written out "chuyển đổi số"), only
        words of two or more syllables count ("bo" could be "bộ")."""
        lowered, folded = nfc(text).lower(), fold(text)
        plain = not has_diacritics(text) if plain is None else plain
        return tuple(
            forms for forms in self.premises.values()
            if any(_has_word(lowered, f.lower()) or (plain and " " in f and _has_word(folded, fold(f))) for f in forms)
        )

    def without_question_words(self, text: str, plain: bool = True) -> str:
        """The folded question with its question phrases blanked out (same length, so offsets hold).
        In a question typed with diacritics (not `plain`), a phrase of one syllable counts only as
        written: folded, "bạn" and "mình" are also the "ban" of "ban hành" and the "minh" of "minh bạch"."""
        folded, lowered = fold(text), nfc(text).lower()
        for phrase in self.question_phrases:
            as_written = not plain and " " not in phrase
            pattern = r"(?<!\w)" + re.escape(phrase if as_written else fold(phrase)) + r"(?!\w)"
            for m in reversed(list(re.finditer(pattern, lowered if as_written else folded))):
                folded, lowered = (t[: m.start()] + " " * (m.end() - m.start()) + t[m.end():] for t in (folded, lowered))
        for phrase in self.final_phrases:
            folded = _blank(folded, r"(?<!\w)" + re.escape(phrase) + r"(?=[\s?.!]*$)")
        return folded


def _premises(table: dict, path: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict) or not all(isinstance(v, list) and all(isinstance(w, str) for w in v) for v in table.values()):
        raise ConfigError(f"normalization file {path}: [premises] must map names to lists of words")
    return {name: tuple(nfc(w) for w in words) for name, words in table.items()}


def _has_word(text: str, word: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None


def _blank(text: str, pattern: str) -> str:
    return re.sub(pattern, lambda m: " " * len(m.group(0)), text)


def _table(raw: dict, name: str, path: Path, lower: bool) -> dict[str, str]:
    table = raw.get(name, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise ConfigError(f"normalization file {path}: [{name}] must map words to non-empty text")
    return {(nfc(k).lower() if lower else nfc(k)): nfc(v) for k, v in table.items()}


def _longest_first(phrases: list, fold_them: bool = True) -> tuple[str, ...]:
    form = fold if fold_them else (lambda p: nfc(p).lower())
    return tuple(sorted({form(p).strip() for p in phrases if isinstance(p, str) and p.strip()}, key=len, reverse=True))
