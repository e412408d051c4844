"""Sentence-aware chunks with overlap; every chunk keeps its document, position and offsets.

A legal document divided into articles (Điều) is chunked article by article — a chunk never
straddles two articles — and each chunk records where it sits ("Điều 5, khoản 2") for citations.
"""

from __future__ import annotations

import re

from bot import legal
from bot.config import ChunkingConfig
from bot.records import Chunk, Document
from bot.text import sentence_spans


def chunk_document(doc: Document, settings: ChunkingConfig) -> list[Chunk]:
    """Pack whole sentences into chunks of about `target_chars`, repeating up to `overlap_chars`
    of trailing sentences at the start of the next chunk so no fact is split from its context."""
    spans = [piece for span in _with_list_markers(doc.text, sentence_spans(doc.text))
             for piece in _split_long(doc.text, span, settings.max_chars)]
    regions = legal.sections(doc.text) or [legal.Section(0, len(doc.text), "")]
    chunks: list[Chunk] = []
    for region in regions:
        inside = [(a, b) for a, b in spans if region.start <= a < region.end]
        heading = doc.text[region.start: region.end].strip().split("\n", 1)[0] if region.locator else ""
        for start, end in _packed(inside, settings):
            chunks.append(Chunk(doc.source_file, len(chunks), start, end, doc.text[start:end],
                                legal.locator(region, start, end), heading))
    return chunks


_LIST_MARKER = re.compile(r"\s*(?:\d{1,3}|[a-zđ]|[IVXLC]{1,6})[.)]")


def _with_list_markers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A clause number ("2.", "a)") read as a sentence of its own joins the sentence it numbers, so
    a chunk never ends with the number of the clause that starts the next one."""
    out: list[tuple[int, int]] = []
    pending = None
    for start, end in spans:
        if pending is not None:
            start, pending = pending, None
        if _LIST_MARKER.fullmatch(text[start:end]):
            pending = start
            continue
        out.append((start, end))
    if pending is not None:
        out.append((pending, spans[-1][1]))
    return out


def _packed(spans: list[tuple[int, int]], settings: ChunkingConfig) -> list[tuple[int, int]]:
    """(start, end) of each chunk over these sentence spans."""
    out = []
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= settings.target_chars:
            j += 1
        out.append((spans[i][0], spans[j - 1][1]))
        if j >= len(spans):
            break
        i = _next_start(spans, i, j, settings)
    return out


def _next_start(spans: list[tuple[int, int]], first: int, stop: int, settings: ChunkingConfig) -> int:
    """Where the chunk after spans[first:stop] begins. Trailing sentences are repeated only while the
    next new sentence still fits beside them: a chunk of nothing but repeated text adds nothing."""
    k = max(_overlap_start(spans, first, stop, settings.overlap_chars), first + 1)
    while k < stop and spans[stop][1] - spans[k][0] > settings.target_chars:
        k += 1
    return k


def _overlap_start(spans: list[tuple[int, int]], first: int, stop: int, overlap: int) -> int:
    """Index of the earliest sentence in spans[first:stop] whose tail fits within `overlap` chars."""
    k = stop
    while k - 1 > first and spans[stop - 1][1] - spans[k - 1][0] <= overlap:
        k -= 1
    return k


def _split_long(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than max_chars at clause marks (; , :), else at spaces."""
    start, end = span
    pieces = []
    while end - start > max_chars:
        window = text[start: start + max_chars]
        cut = max((m.end() for m in re.finditer(r"[;,:]\s", window)), default=0)
        if cut < max_chars // 3:
            cut = window.rfind(" ") + 1 or max_chars
        pieces.append(_strip_end(text, start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return [(a, b) for a, b in pieces if b > a]


def _strip_end(text: str, start: int, end: int) -> tuple[int, int]:
    """A piece cut after ", " or at a space: its chunk must not end in whitespace."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
