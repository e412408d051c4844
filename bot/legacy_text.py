"""Vietnamese text in pre-Unicode encodings (TCVN3/ABC, VNI, VISCII, Windows-1258) turned into Unicode.

Provincial offices still publish files typed in the .VnTime (TCVN3) and VNI-Times (VNI) fonts: a
.txt in those byte encodings, a .doc whose runs use those fonts, a PDF whose text layer comes out
as "Céng hoµ x· héi chñ nghÜa ViÖt Nam". The conversion tables and the content detector are
viparse's (PyPI, MIT), which validated them against real government documents; only two things are
written here because viparse does not do them: reading raw *bytes* (viparse works on extracted
text) and Windows-1258 (a real Python codec, so it needs no table, only a plausibility score).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from viparse.normalize.detector import detect_encoding_by_content
from viparse.normalize.encodings import AUTO_DETECT_CHARMAPS
from viparse.normalize.frequency import vietnamese_score
from viparse.normalize.tables import convert

# Latin-1 letters that Vietnamese itself uses; any other Latin-1 supplement character in running
# text is a hint that a legacy font's code points came through undecoded.
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_SUSPECT = re.compile(r"[\u0080-\u00ff\u2212\u2219]")
# Detection reads a sample: enough to be decisive, bounded so a 20 MB file costs no more than a page.
_SAMPLE_CHARS = 20_000
# Fewer suspicious characters than this and the text is taken as Unicode (a "©" or "°" in an article).
_MIN_SUSPECTS = 5
_MIN_SUSPECT_SHARE = 0.01
# Windows-1258 wins only when it reads clearly more like Vietnamese than the Latin-1 reading.
_CP1258_MARGIN = 0.15

LABELS = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI", "viscii": "VISCII", "cp1258": "Windows-1258"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-16" or a key of LABELS


class NotVietnameseText(ValueError):
    """Bytes that are neither UTF-8 nor any Vietnamese legacy encoding we can recognise."""


def decode_bytes(data: bytes) -> Decoded:
    """Text of a plain-text file in UTF-8/16 or a Vietnamese legacy encoding, as NFC Unicode."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16"), "utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _decode_legacy(data, exc.start)
    converted, encoding = to_unicode(text)
    return Decoded(converted, encoding or "utf-8")


def to_unicode(text: str) -> tuple[str, str | None]:
    """(text converted to Unicode, legacy encoding found) — or (text, None) when it already is."""
    if not _looks_legacy(text):
        return unicodedata.normalize("NFC", text), None
    encoding = _detected_charmap(text)
    if encoding is None:
        return unicodedata.normalize("NFC", text), None
    return convert(text, AUTO_DETECT_CHARMAPS[encoding]), encoding


def _decode_legacy(data: bytes, bad_offset: int) -> Decoded:
    # Latin-1 maps every byte to the code point viparse's tables key on (VISCII even keeps letters in C1).
    surface = data.decode("latin-1")
    encoding = _detected_charmap(surface)
    if encoding is not None:
        text = convert(surface, AUTO_DETECT_CHARMAPS[encoding])
        if encoding != "viscii":
            text = _cp1252_punctuation(text)  # Windows editors put curly quotes and dashes in 0x80-0x9F
        return Decoded(text, encoding)
    cp1258 = _cp1258(data)
    if cp1258 is not None and vietnamese_score(cp1258[:_SAMPLE_CHARS]) - vietnamese_score(surface[:_SAMPLE_CHARS]) > _CP1258_MARGIN:
        return Decoded(cp1258, "cp1258")
    raise NotVietnameseText(
        f"not UTF-8 text (invalid byte at offset {bad_offset}) and not a Vietnamese legacy encoding "
        "(TCVN3, VNI, VISCII, Windows-1258); save it as UTF-8"
    )


def _looks_legacy(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS]
    suspects = sum(1 for c in _SUSPECT.findall(sample) if c not in _VIETNAMESE_LATIN1)
    return suspects >= _MIN_SUSPECTS and suspects >= _MIN_SUSPECT_SHARE * max(1, sum(c.isalpha() for c in sample))


def _detected_charmap(text: str) -> str | None:
    return detect_encoding_by_content(text[:_SAMPLE_CHARS], AUTO_DETECT_CHARMAPS).encoding


def _cp1258(data: bytes) -> str | None:
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return None


def _cp1252_punctuation(text: str) -> str:
    return "".join(_C1_AS_CP1252.get(c, c) for c in text) if re.search(r"[\x80-\x9f]", text) else text


_C1_AS_CP1252 = {}
for _byte in range(0x80, 0xA0):
    try:
        _C1_AS_CP1252[chr(_byte)] = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        _C1_AS_CP1252[chr(_byte)] = ""  # undefined in cp1252: a stray control byte, dropped
