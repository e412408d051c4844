"""Vietnam's provinces and centrally-run cities: the 34 in force since the 2025 merger, and the 63
they replaced, mapped to the province each became.

The lists and the mapping come from the PyPI package vietnamadminunits (its bundled JSON, read
directly: importing the package would pull in its geometry dependencies). Only spellings the
press uses that the data lacks (TP.HCM, Thừa Thiên Huế, "Đắc Lắc") are listed here.

Matching, for documents and for questions:
- old and new names both count, and always as the current province ("Hà Giang" -> Tuyên Quang);
- with or without diacritics ("nghe an"), any case; written with diacritics, they must be the
  right ones ("hai phòng", two rooms, is not Hải Phòng);
- names that are also ordinary words or a person's name ("hòa bình" peace, "thái bình",
  "cao bằng", "Hồ Chí Minh") count only capitalised or after "tỉnh" / "thành phố" / "TP".
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import unicodedata
from pathlib import Path

from bot.text import canonical_tones

# Spellings seen in articles that the package does not list, mapped to a name it does.
_ALIASES = {
    "Thừa Thiên Huế": "Huế", "Thừa Thiên - Huế": "Huế", "Đắc Lắc": "Đắk Lắk", "Đắk Lắc": "Đắk Lắk",
    "Bà Rịa Vũng Tàu": "Bà Rịa - Vũng Tàu", "TP.HCM": "Hồ Chí Minh", "TPHCM": "Hồ Chí Minh",
    "TP HCM": "Hồ Chí Minh", "Sài Gòn": "Hồ Chí Minh", "Bắc Cạn": "Bắc Kạn",
    "Ho Chi Minh City": "Hồ Chí Minh", "Saigon": "Hồ Chí Minh", "Hanoi": "Hà Nội",
}
# A person's name before it is a city's: counts only after "thành phố" / "TP" (or as TP.HCM).
_NEEDS_PREFIX = {"ho chi minh"}
# Ordinary words (or a person's name) that are also province names: these need a capital or a prefix.
_COMMON_WORDS = {"hoa binh", "thai binh", "cao bang", "ho chi minh", "binh dinh", "an giang", "phu tho",
                 "can tho", "hue", "long an", "quang binh", "tay ninh", "vinh long", "nam dinh", "ha nam"}
_PREFIX = r"(?P<prefix>tinh|thanh pho|tp\.?)\s*"


def package_data_dir() -> Path:
    """The data folder of the vietnamadminunits package (its JSON and SQLite files)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the vietnamadminunits package is missing: pip install vietnamadminunits")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _load() -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """(current names, names before 2025, {old or current name or alias: current name})."""
    data = package_data_dir()
    new = json.loads((data / "parser_from_2025.json").read_text(encoding="utf-8"))["DICT_PROVINCE"]
    old = json.loads((data / "parser_legacy.json").read_text(encoding="utf-8"))["DICT_PROVINCE"]
    merged = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))["DICT_PROVINCE"]
    current = tuple(_nfc(new[key]["provinceShort"]) for key in merged)
    to_current = {name: name for name in current}
    for key, old_keys in merged.items():
        for old_key in old_keys:
            to_current[_nfc(old[old_key]["provinceShort"])] = _nfc(new[key]["provinceShort"])
    for alias, name in _ALIASES.items():
        to_current[alias] = to_current[name]
    before = tuple(_nfc(v["provinceShort"]) for v in old.values())
    return current, before, to_current


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


PROVINCES, PROVINCES_BEFORE_2025, _TO_CURRENT = _load()


def _fold_table() -> dict[int, str]:
    """One character in, one character out: lowercase, diacritics off, đ -> d, dashes alike. Offsets
    in the folded text are offsets in the original, so a match can be checked against what was written."""
    table = {ord("đ"): "d", ord("Đ"): "d", ord("–"): "-", ord("—"): "-"}
    for code in range(0x41, 0x1F00):
        char = chr(code)
        low = char.lower()
        if code in table or len(low) != 1:
            continue
        base = unicodedata.normalize("NFD", low)[0]
        table[code] = base if base.isascii() and base.isalpha() else low
    return table


_FOLD = _fold_table()


def fold_same_length(text: str) -> str:
    return text.translate(_FOLD)


def _key(name: str) -> str:
    return re.sub(r"\s*-\s*", " - ", fold_same_length(name))


@functools.lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern, dict[str, str]]:
    by_key = {_key(name): name for name in _TO_CURRENT}
    return names_pattern(by_key, _PREFIX), by_key


def names_pattern(keys, prefix: str) -> re.Pattern:
    """A pattern finding any of the folded place names `keys` (longest first, spaces and hyphens
    as typed) as whole words in folded text, after an optional `prefix` (a "prefix" group) in a
    "name" group."""
    alternatives = "|".join(re.escape(k).replace(r"\ \-\ ", r"\s*-\s*").replace(r"\ ", r"\s+")
                            for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{prefix})?(?P<name>{alternatives})(?![\w])")


def canonical_key(text: str) -> str:
    """A name as compared with its diacritics: NFC, tones placed one way, lower case, one space."""
    return re.sub(r"\s+", " ", re.sub(r"\s*[-–—]\s*", " - ", canonical_tones(_nfc(text)).lower()))


_ACCENTED = {canonical_key(n) for n in _TO_CURRENT}


def _accepted(written: str, key: str, prefixed: bool) -> bool:
    if not written.isascii() and canonical_key(written) not in _ACCENTED:
        return False  # written with other diacritics: another word ("hai phòng" is two rooms)
    if key in _NEEDS_PREFIX and not prefixed:
        return False
    if key in _COMMON_WORDS and not prefixed:
        return all(word[:1].isupper() for word in written.split())
    return True


def provinces_in(text: str) -> tuple[str, ...]:
    """The current (2025) provinces a text names, old or new names alike, in order of first mention."""
    return tuple(dict.fromkeys(province for _, _, province in mentions(text)))


def mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, current province) of every province name in the NFC text, "tỉnh"/"TP" excluded:
    for callers that need to know which words of a question are the place."""
    text = _nfc(text)
    pattern, by_key = _matcher()
    found = []
    for m in pattern.finditer(fold_same_length(text)):
        key = re.sub(r"\s*-\s*", " - ", re.sub(r"\s+", " ", m.group("name")))
        name = by_key.get(key)
        if name and _accepted(text[m.start("name"): m.end("name")], key, bool(m.group("prefix"))):
            found.append((m.start("name"), m.end("name"), _TO_CURRENT[name]))
    return found


def current_name(name: str) -> str:
    """The province a name (old or new, any case or diacritics) is part of since 2025; "" if none."""
    key = re.sub(r"\s+", " ", _key(name.strip()))
    for known, current in _TO_CURRENT.items():
        if re.sub(r"\s+", " ", _key(known)) == key:
            return current
    return ""


def all_names(province: str) -> tuple[str, ...]:
    """Every name of a province: its current name first, then the provinces merged into it."""
    current = current_name(province)
    if not current:
        return ()
    former = sorted(n for n, c in _TO_CURRENT.items() if c == current and n != current and n not in _ALIASES)
    return (current, *former)
