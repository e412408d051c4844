"""Sentence-aware chunks with overlap; every chunk keeps its document, position and offsets."""

from __future__ import annotations

import re

from bot.config import ChunkingConfig
from bot.records import Chunk, Document
from bot.text import sentence_spans


def chunk_document(doc: Document, settings: ChunkingConfig) -> list[Chunk]:
    """Pack whole sentences into chunks of about `target_chars`, repeating up to `overlap_chars`
    of trailing sentences at the start of the next chunk so no fact is split from its context."""
    spans = [piece for span in sentence_spans(doc.text) for piece in _split_long(doc.text, span, settings.max_chars)]
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= settings.target_chars:
            j += 1
        start, end = spans[i][0], spans[j - 1][1]
        chunks.append(Chunk(doc.source_file, len(chunks), start, end, doc.text[start:end]))
        if j >= len(spans):
            break
        i = _next_start(spans, i, j, settings)
    return chunks


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
