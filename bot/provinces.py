"""Vietnam's provinces and centrally-run cities, as written in the press (the 63 in use until 2025)."""

from __future__ import annotations

import re

from bot.text import canonical_tones

PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên",
    "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "TP. Hồ Chí Minh", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)

# Other spellings seen in articles, mapped to the names above.
_ALIASES = {
    "Bà Rịa – Vũng Tàu": "Bà Rịa - Vũng Tàu", "Bà Rịa-Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Đắc Lắc": "Đắk Lắk", "Thành phố Hồ Chí Minh": "TP. Hồ Chí Minh", "TP.HCM": "TP. Hồ Chí Minh",
    "TP HCM": "TP. Hồ Chí Minh", "Huế": "Thừa Thiên Huế",
}


def _pattern() -> re.Pattern:
    names = {canonical_tones(n): n for n in PROVINCES}
    names.update({canonical_tones(a): n for a, n in _ALIASES.items()})
    alternatives = sorted(names, key=len, reverse=True)
    body = "|".join(re.escape(n) for n in alternatives)
    return re.compile(r"(?<![^\W\d_])(" + body + r")(?![^\W\d_])"), names


_PATTERN, _CANONICAL = _pattern()


def provinces_in(text: str) -> tuple[str, ...]:
    """Provinces named in the text (case and diacritics as written), in order of first mention."""
    found: dict[str, None] = {}
    for m in _PATTERN.finditer(canonical_tones(text)):
        found.setdefault(_CANONICAL[m.group(1)], None)
    return tuple(found)
