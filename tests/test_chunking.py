"""Sentence-aware chunks: offsets into the document, target size, overlap, no lost text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chunking import chunk_document
from bot.cleaning import clean_document
from bot.config import ChunkingConfig
from bot.corpus import read_corpus_file
from bot.records import Chunk, Document, DocumentMetadata
from bot.text import sentence_spans
from conftest import SEED_ARTICLES, SEED_CORPUS

DEFAULT = ChunkingConfig(target_chars=600, overlap_chars=150, max_chars=1000)


def document(text: str) -> Document:
    return Document("doc.txt", text, DocumentMetadata(title="Tiêu đề"), "hash")


@pytest.fixture(scope="module")
def seed_documents() -> list[Document]:
    return [clean_document(read_corpus_file(SEED_CORPUS / n, SEED_CORPUS, 20_000_000), "hash") for n in SEED_ARTICLES]


def assert_chunk_invariants(doc: Document, chunks: list[Chunk], cfg: ChunkingConfig) -> None:
    assert chunks, "a document with text has at least one chunk"
    assert [c.position for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.source_file == doc.source_file
        assert chunk.text == doc.text[chunk.start: chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
        assert len(chunk.text) <= max(cfg.target_chars, cfg.max_chars)
    for before, after in zip(chunks, chunks[1:]):
        assert before.start < after.start and before.end < after.end
        overlap = before.end - after.start
        assert overlap <= cfg.overlap_chars, (before, after)
    # Every sentence is inside some chunk: nothing the article says is lost.
    for a, b in sentence_spans(doc.text):
        assert any(c.start <= a and b <= c.end for c in chunks) or len(doc.text[a:b]) > cfg.max_chars


def test_seed_articles_chunk_into_exact_slices(seed_documents):
    for doc in seed_documents:
        chunks = chunk_document(doc, DEFAULT)
        assert_chunk_invariants(doc, chunks, DEFAULT)
        assert len(chunks) > 1


def test_chunks_of_several_sentences_stay_within_the_target(seed_documents):
    for doc in seed_documents:
        starts = {a for a, _ in sentence_spans(doc.text)}
        for chunk in chunk_document(doc, DEFAULT):
            sentences_inside = sum(1 for s in starts if chunk.start <= s < chunk.end)
            if sentences_inside > 1:
                assert len(chunk.text) <= DEFAULT.target_chars
            assert chunk.start in starts  # chunks begin at a sentence, never mid-sentence


def _sentences(n: int, length: int = 100) -> list[str]:
    out = []
    for i in range(n):
        s = f"Câu số {i} nói về chuyển đổi số của tỉnh"
        out.append((s + " và dịch vụ công trực tuyến" * 10)[: length - 1].rstrip() + ".")
    return out


def test_next_chunk_repeats_the_trailing_sentence_that_fits_the_overlap():
    sentences = _sentences(20)
    doc = document(" ".join(sentences))
    chunks = chunk_document(doc, DEFAULT)
    assert_chunk_invariants(doc, chunks, DEFAULT)
    for before, after in zip(chunks, chunks[1:]):
        last_sentence = [s for s in sentences if s in before.text][-1]
        assert after.text.startswith(last_sentence)  # 100 chars fit in the 150-char overlap, 2 sentences do not
        assert before.text.endswith(last_sentence)
    assert chunks[-1].text.endswith(sentences[-1])


def test_no_chunk_is_only_text_repeated_from_the_previous_one():
    short, long_ = "Quang cảnh cuộc họp.", "Chuyển đổi số cần sự vào cuộc của cả hệ thống chính trị, " * 10 + "từ tỉnh tới cơ sở."
    assert len(long_) <= DEFAULT.target_chars < len(short + " " + long_)
    doc = document(" ".join([*_sentences(5), short, long_]))
    chunks = chunk_document(doc, DEFAULT)
    assert_chunk_invariants(doc, chunks, DEFAULT)
    # The short sentence fits the overlap, but not beside the long one: it is not repeated alone.
    assert [c.text for c in chunks if c.text == short] == []
    assert chunks[-1].text == long_


def test_no_overlap_when_configured_off():
    sentences = _sentences(20)
    cfg = ChunkingConfig(target_chars=600, overlap_chars=0, max_chars=1000)
    doc = document(" ".join(sentences))
    chunks = chunk_document(doc, cfg)
    assert_chunk_invariants(doc, chunks, cfg)
    assert all(before.end <= after.start for before, after in zip(chunks, chunks[1:]))
    assert sum(len(c.text) for c in chunks) + len(chunks) - 1 == len(doc.text)


def test_paragraph_boundaries_end_sentences():
    doc = document("Tiêu đề mục một\nĐoạn một nói về chính quyền số.\nĐoạn hai nói về kinh tế số.")
    chunks = chunk_document(doc, ChunkingConfig(target_chars=20, overlap_chars=0, max_chars=1000))
    assert [c.text for c in chunks] == ["Tiêu đề mục một", "Đoạn một nói về chính quyền số.", "Đoạn hai nói về kinh tế số."]


def test_sentence_longer_than_max_is_cut_at_clauses():
    clauses = [f"mục tiêu thứ {i} là hoàn thành dịch vụ công trực tuyến cấp độ {i}" for i in range(40)]
    doc = document("Nghị quyết đặt ra các mục tiêu: " + "; ".join(clauses) + ".")
    cfg = ChunkingConfig(target_chars=200, overlap_chars=0, max_chars=300)
    chunks = chunk_document(doc, cfg)
    assert len(chunks) > 1
    assert_chunk_invariants(doc, chunks, cfg)
    for chunk in chunks:
        assert len(chunk.text) <= 300
        assert chunk.text.endswith((";", "."))  # cut after a clause mark, not inside a word
    # Pieces of one sentence follow each other with nothing dropped but the spaces between them.
    joined = "".join(doc.text[c.start: c.end] for c in chunks)
    assert "".join(joined.split()) == "".join(doc.text.split())


def test_sentence_without_clauses_is_cut_at_spaces():
    doc = document(" ".join(f"từ{i}" for i in range(400)) + ".")
    chunks = chunk_document(doc, ChunkingConfig(target_chars=200, overlap_chars=0, max_chars=250))
    for chunk in chunks:
        assert len(chunk.text) <= 250
        assert chunk.text.split()[0].startswith("từ") and not chunk.text.startswith(" ")
    assert [w for c in chunks for w in c.text.split()] == doc.text.split()


def test_empty_document_has_no_chunks():
    assert chunk_document(document(""), DEFAULT) == []


SENTENCE_POOL = [
    "Sáng 1/7, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ 9.",
    "Sở TT&TT chủ trì tham mưu UBND tỉnh.",
    "Bệnh viện Đa khoa TP. Vinh triển khai bệnh án điện tử!",
    "Đến nay đã có 7/20 mục tiêu đạt yêu cầu (đạt 40%).",
    "Vì sao?",
    "Chuyển đổi số là nhiệm vụ trọng tâm, xuyên suốt, mang tính đột phá, yêu cầu sự vào cuộc đồng bộ, "
    "sự tham gia của cả hệ thống chính trị từ tỉnh tới cơ sở; gắn với cải cách hành chính, cải thiện "
    "môi trường đầu tư kinh doanh, góp phần thúc đẩy phát triển kinh tế – xã hội của tỉnh.",
    "Quang cảnh cuộc họp.",
]


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(st.tuples(st.sampled_from(SENTENCE_POOL), st.sampled_from([" ", "\n", "\n\n"])), min_size=1, max_size=40),
    target=st.integers(80, 800),
    overlap_share=st.floats(0, 0.5),
    max_extra=st.integers(0, 400),
)
def test_chunk_invariants_hold_for_any_settings(parts, target, overlap_share, max_extra):
    cfg = ChunkingConfig(target_chars=target, overlap_chars=int(target * overlap_share), max_chars=target + max_extra)
    doc = document("".join(s + sep for s, sep in parts).strip())
    assert_chunk_invariants(doc, chunk_document(doc, cfg), cfg)
