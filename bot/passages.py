"""A quoted passage in its context: the sentences around a citation's quote in the stored document.

No Telegram here. Reads the index through the narrow `PassageSource` protocol (what
`bot.store.IndexStore` offers), so the bot and its tests never reach into the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.text import sentence_spans


class PassageSource(Protocol):
    def chunk_containing(self, source_file: str, text: str) -> str | None: ...


@dataclass(frozen=True)
class PassageContext:
    before: str  # the sentences before the quote, verbatim ("" at the start of the chunk)
    quote: str  # the quoted sentences as they stand in the document
    after: str


def quote_parts(quote: str) -> list[str]:
    """The sentences of a quote (joined by " … " when not adjacent)."""
    return [part.strip() for part in quote.split(" … ") if part.strip()]


def passage_in_context(source: PassageSource, source_file: str, quote: str, around: int = 2) -> PassageContext | None:
    """Up to `around` sentences before and after the quote, from the indexed chunk that holds its
    first sentence; None when the document no longer holds it (changed since the answer). The
    quote's later sentences are included when the same chunk holds them."""
    found = passages_in_context(source, source_file, quote, around)
    return found[0] if found else None


def passages_in_context(source: PassageSource, source_file: str, quote: str, around: int = 2) -> list[PassageContext]:
    """Every part of a quote (sentences joined by " … " may lie far apart) in its context, in order;
    empty when the document no longer holds the first one."""
    parts = quote_parts(quote)
    out: list[PassageContext] = []
    i = 0
    while i < len(parts):
        chunk = source.chunk_containing(source_file, parts[i])
        if not chunk:
            if not out:
                return []
            out.append(PassageContext("", parts[i], ""))
            i += 1
            continue
        start = chunk.find(parts[i])
        end = start + len(parts[i])
        i += 1
        while i < len(parts) and chunk.find(parts[i], end) >= 0:  # later parts in the same chunk
            at = chunk.find(parts[i], end)
            end = at + len(parts[i])
            i += 1
        spans = sentence_spans(chunk)
        before_spans = [s for s in spans if s[1] <= start][-around:]
        after_spans = [s for s in spans if s[0] >= end][:around]
        before = chunk[before_spans[0][0]:start].strip() if before_spans else ""
        after = chunk[end:after_spans[-1][1]].strip() if after_spans else ""
        out.append(PassageContext(before=before, quote=chunk[start:end], after=after))
    return out
