"""Towns and cities a question may name instead of its province ("the Cua Lo link-up", "thị xã
Cửa Lò", "TP Hạ Long"), mapped to the province (2025) they are in.

The names come from the PyPI package vietnamadminunits, like the provinces (bot/provinces.py): the
cities and towns (thành phố, thị xã) before the 2025 reform and the urban wards (phường) after it,
where Cửa Lò, merged into Vinh and then made a ward again, is listed. The package maps addresses,
not running text, so what it cannot say is decided here:
- a name found in more than one province (as any district before 2025 or any ward after) is
  ambiguous and left out ("Hoàng Mai": a town of Nghệ An and a district of Hà Nội);
- people are named like places ("Lê Hồng Vinh", "ông Thái Hòa"): a name counts only with every word
  capitalised, not next to another capitalised word or after an honorific, or after "thị xã",
  "thành phố", "TP", "phường" (then in any case: "tx cua lo"), or, for a name of two words or
  more, after "điểm cầu" or, typed without diacritics, after "o", "tai" ("o cua lo");
- written with diacritics it must be the right ones ("Vĩnh" is not Vinh).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from contextlib import closing

from bot.provinces import (PROVINCES, PROVINCES_BEFORE_2025, canonical_key, current_name, fold_same_length, names_pattern,
                           package_data_dir)

_PREFIX = r"(?P<prefix>(?:thi xa|tx|thanh pho|tp|phuong|town of|city of)\.?\s+)"
# Before a name of two words or more, a word placing something there: a link-up point is always at a
# place; typed without diacritics, where case says nothing either, "ở"/"tại" too ("o cua lo"; written
# "ở cửa lò" in lower case may be a furnace door).
_LINK_UP = re.compile(r"(?i)(?:^|\s)(?:điểm cầu|diem cau)\s+$")
_LOCATIVE = re.compile(r"(?i)(?:^|\s)(?:o|tai|in|at)\s+$")
_HONORIFIC = re.compile(r"(?i)(?:ông|bà|anh|chị|chú|cô|đồng chí|mr|mrs|ms|dr)\.?\s+$")


@functools.lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    """{name: current province} of every unambiguous town, city or urban ward."""
    with closing(sqlite3.connect(f"file:{package_data_dir() / 'dataset.db'}?mode=ro", uri=True)) as db:
        districts = db.execute("SELECT DISTINCT districtShort, districtType, provinceShort FROM admin_units_legacy").fetchall()
        wards = db.execute("SELECT wardShort, wardType, provinceShort FROM admin_units").fetchall()
    current = {p: current_name(unicodedata.normalize("NFC", p)) for p in {row[2] for row in [*districts, *wards]}}
    seen: dict[str, set[str]] = {}
    urban: dict[str, str] = {}
    for name, kind, province in [*districts, *wards]:
        name = unicodedata.normalize("NFC", re.sub(r"\s*\(.*\)$", "", name or "")).strip()
        if not name or re.search(r"\d", name):
            continue
        seen.setdefault(name, set()).add(current[province])
        if kind in ("Thành phố", "Thị xã", "Phường"):
            urban[name] = current[province]
    provinces = {fold_same_length(p) for p in (*PROVINCES, *PROVINCES_BEFORE_2025)}  # a province's own city is the province
    return {name: urban[name] for name in urban if len(seen[name]) == 1 and fold_same_length(name) not in provinces}


@functools.lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern, dict[str, str]]:
    by_key = {fold_same_length(name): name for name in _places()}
    return names_pattern(by_key, _PREFIX), by_key


def provinces_of_places(text: str) -> tuple[str, ...]:
    """The provinces of the towns and cities the NFC text names, in order of first mention."""
    pattern, by_key = _matcher()
    found = []
    for m in pattern.finditer(fold_same_length(text)):
        name = by_key.get(re.sub(r"\s+", " ", m.group("name")))
        if name and _accepted(text, m.start("name"), m.end("name"), name, bool(m.group("prefix"))):
            found.append(_places()[name])
    return tuple(dict.fromkeys(found))


def _accepted(text: str, start: int, end: int, name: str, prefixed: bool) -> bool:
    written = text[start:end]
    if not written.isascii() and canonical_key(written) != canonical_key(name):
        return False  # other diacritics: another word
    if prefixed:
        return True
    before, after = text[:start].split(), text[end:].split()
    if " " in name and (_LINK_UP.search(text[:start]) or (written.isascii() and _LOCATIVE.search(text[:start]))):
        return True  # "điểm cầu cửa lò", and typed without diacritics "hop so ket o cua lo"
    if " " not in name and (not before or before[-1][-1:] in ".!?" or (written.isascii() and not name.isascii())):
        return False  # one word opening a sentence is capitalised anyway; "Chu" may be "chủ" as well as Chũ
    return (all(w[:1].isupper() for w in written.split())
            and not (before and before[-1][:1].isupper()) and not _HONORIFIC.search(text[:start])
            and not (after and after[0][:1].isupper()))
