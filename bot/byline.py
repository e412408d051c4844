"""Who wrote an article: the byline that closes it ("Hữu Lương – Duy Quý", "Văn Cương – Hoàng Lan").

"Ai viết bài …?", "Who wrote the piece on …?" is answered by that line and nothing else: the names
in the article's sentences are the people it reports on, not its authors. Vietnamese news pages
print the byline as the last line of the body, after the last sentence, as one or more names
joined by dashes or commas, sometimes after "Bài, ảnh:" or "Nhóm PV". No package reads bylines
(trafilatura keeps the line in the text but does not mark it), hence this small pattern.
"""

from __future__ import annotations

import re

# What may stand before the names: "Bài, ảnh:", "Nhóm PV", "Theo".
_LEAD = re.compile(r"^(?:bài(?:\s*(?:,|và)\s*ảnh)?|ảnh|tin(?:\s*,\s*ảnh)?|nhóm pv|pv|theo|thực hiện)\s*:?\s*", re.IGNORECASE)
_STAFF = re.compile(r"(?:nhóm\s+)?pv\.?", re.IGNORECASE)
# Between two authors' names.
_BETWEEN = re.compile(r"\s*[–—,&-]\s*|\s+và\s+")
_LONGEST = 60
_NAME_WORDS = 4


def byline_of(document_text: str) -> str:
    """The byline closing an article, verbatim, or "" when its last line is a sentence (no byline
    printed: several outlets leave it out)."""
    lines = [line.strip() for line in document_text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if is_byline(last) else ""


def is_byline(text: str) -> bool:
    """True for a line that holds only authors' names ("Văn Cương – Hoàng Lan"): each name of one to
    four capitalised words, no digits, no sentence."""
    line = text.strip()
    text = _LEAD.sub("", line).rstrip(".")
    if not text:
        return bool(_STAFF.fullmatch(line))  # "Nhóm PV": the outlet's reporters, unnamed
    if len(text) > _LONGEST or any(ch.isdigit() for ch in text):
        return False
    names = _BETWEEN.split(text)
    return all(0 < len(name.split()) <= _NAME_WORDS and all(w[0].isupper() and w.isalpha() for w in name.split())
               for name in names)
