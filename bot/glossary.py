"""The bilingual domain glossary (data in corpus/glossary.toml) that bridges English questions to
Vietnamese articles: "digital government" -> "chính phủ số"."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError
from bot.text import nfc, search_key


@dataclass(frozen=True)
class GlossaryMatch:
    english: str
    vietnamese: tuple[str, ...]
    start: int
    end: int


class Glossary:
    def __init__(self, terms: dict[str, tuple[str, ...]], synonyms: dict[str, tuple[str, ...]] | None = None) -> None:
        self.terms = terms
        # Vietnamese phrase (search_key form) -> other ways the articles say it.
        self.synonyms = synonyms or {}
        # A plural finds its singular's entry ("districts", "chairmen", "agencies"), so entries need
        # not list both.
        self._entry_of = {**{plural: t for t in terms if (plural := _irregular_plural(t))}, **{t: t for t in terms}}
        # Longest phrases first, so "digital government index" wins over "index".
        alternatives = sorted(self._entry_of, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<![\w-])(" + "|".join(re.escape(t) for t in alternatives) + r")(?:e?s)?(?![\w-])"
        ) if alternatives else None

    @classmethod
    def load(cls, path: Path) -> "Glossary":
        if not path.is_file():
            return cls({})
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"glossary {path}: not valid TOML ({exc})") from exc
        terms = {nfc(k).lower().strip(): v for k, v in _phrase_lists(raw.get("terms", {}), path).items()}
        synonyms = {}
        for phrase, alternatives in _phrase_lists(raw.get("synonyms", {}), path).items():
            for name in (phrase, *alternatives):
                others = tuple(a for a in (phrase, *alternatives) if a != name)
                synonyms[search_key(name)] = tuple(dict.fromkeys(synonyms.get(search_key(name), ()) + others))
        return cls(terms, synonyms)

    def synonyms_of(self, phrase: str) -> tuple[str, ...]:
        return self.synonyms.get(search_key(phrase), ())

    def matches(self, text: str) -> list[GlossaryMatch]:
        """Non-overlapping glossary phrases in the (English) text, left to right."""
        if self._pattern is None:
            return []
        lowered = nfc(text).lower()
        return [
            GlossaryMatch(self._entry_of[m.group(1)], self.terms[self._entry_of[m.group(1)]], m.start(), m.end())
            for m in self._pattern.finditer(lowered)
        ]


def _irregular_plural(term: str) -> str:
    """The plural an added "s" does not make ("chairman" -> "chairmen", "agency" -> "agencies"), or ""."""
    if term.endswith("man"):
        return term[:-3] + "men"
    if re.search(r"[^aeiou]y$", term):
        return term[:-1] + "ies"
    return ""


def _phrase_lists(table: dict, path: Path) -> dict[str, tuple[str, ...]]:
    out = {}
    for key, value in table.items():
        values = [value] if isinstance(value, str) else value
        if not (isinstance(values, list) and all(isinstance(v, str) and v.strip() for v in values)):
            raise ConfigError(f"glossary {path}: '{key}' must map to a list of phrases")
        out[nfc(key).strip()] = tuple(nfc(v).strip() for v in values)
    return out
