"""The index build end to end: real bundled model, real FAISS and SQLite files in tmp folders.

What an admin relies on: the seed articles are indexed with the right citation data and without
page chrome; broken files are skipped and named; an incremental build embeds only what changed;
a build that fails or is killed leaves the previous index answering; two builds never run at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from bot import build as build_module
from bot.build import build_lock
from bot.errors import BuildError, BuildLockedError, IndexInvalidError, MetadataFileError
from bot.report import format_build_report
from bot.store import current_generation, open_index, verify_index
from bot.text import fold
from conftest import (
    BUILD_SCRIPT, SEED_ARTICLES, assert_one_line_error, build, cli_env, write_docx, write_generated_articles, write_pdf,
)
from test_cleaning import SEED_CHROME, SEED_TEASERS

S000, S001, S002, S003, S004 = SEED_ARTICLES


# ---------------------------------------------------------------- reading an index back

@contextlib.contextmanager
def index_db(project) -> Iterator[sqlite3.Connection]:
    """The served generation's database, read-only."""
    gen = current_generation(project.index)
    with contextlib.closing(sqlite3.connect(f"file:{gen / 'index.sqlite'}?mode=ro", uri=True)) as conn:
        yield conn


def documents_by_file(project) -> dict:
    store = open_index(project.config)
    try:
        return {source: (meta, n_chunks) for _, source, meta, n_chunks in store.documents()}
    finally:
        store.close()


def chunk_rows(project) -> list[tuple]:
    """(source_file, position, start, end, text, title, embedding) of every chunk, in document order."""
    with index_db(project) as conn:
        return conn.execute(
            "SELECT d.source_file, c.position, c.start, c.end, c.text, d.title, c.embedding"
            " FROM chunks c JOIN documents d ON d.id = c.doc_id ORDER BY d.source_file, c.position"
        ).fetchall()


def lexical_files(project, expression: str, k: int = 50) -> list[str]:
    """The files whose chunks an FTS5 query finds, best first, each once."""
    store = open_index(project.config)
    try:
        return list(dict.fromkeys(hit.source_file for hit in store.hits(store.lexical_search(expression, k))))
    finally:
        store.close()


def tmp_leftovers(project) -> list[str]:
    return sorted(p.name for p in project.index.glob("tmp-*"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- the seed index

def test_seed_build_report(built_seed):
    report = built_seed.report
    assert [d.source_file for d in report.documents] == list(SEED_ARTICLES)
    assert report.skipped == [] and report.warnings == []
    assert report.chunks == report.embedded > 0 and report.reused == 0
    assert report.embedded_files == tuple(SEED_ARTICLES)
    assert report.index_type == "Flat"
    text = format_build_report(report)
    assert f"Indexed 5 documents into {report.chunks} chunks" in text
    assert "Đánh giá kết quả 2 năm thực hiện Nghị quyết số 09 về chuyển đổi số" in text


def test_seed_articles_are_cited_with_the_right_metadata(built_seed):
    docs = {name: meta for name, (meta, _) in documents_by_file(built_seed).items()}
    assert sorted(docs) == sorted(SEED_ARTICLES)
    assert docs[S000].published == "2023-09-21"
    assert docs[S000].title.startswith("Cửa Lò tham dự hội nghị trực tuyến toàn tỉnh")
    assert docs[S001].title == "Đánh giá kết quả 2 năm thực hiện Nghị quyết số 09 về chuyển đổi số"
    assert docs[S001].url == (
        "https://baoquangninh.vn/danh-gia-tinh-hinh-ket-qua-sau-2-nam-thuc-hien-nghi-quyet-so-09-ve-chuyen-doi-so-toan-dien-3289424.html"
    )
    assert docs[S001].outlet == "Báo Quảng Ninh"
    assert docs[S001].published == "2024-03-19"  # from the sidecar: the page has no year
    assert docs[S002].outlet == "Báo Nghệ An"
    assert docs[S002].published == "2022-07-01"  # from the sidecar
    assert docs[S003].outlet == "Doanh nghiệp và Hội nhập"
    assert docs[S004].title == "Hội nghị trực tuyến toàn tỉnh hướng dẫn, triển khai các nhiệm vụ chuyển đổi số năm 2022"
    assert docs[S004].published == "2022-04-26"
    assert docs[S004].provinces == ("Thanh Hóa",)
    for meta in docs.values():
        assert "A- A A+" not in meta.title and "goldland" not in meta.outlet


def test_manifest_records_the_model_and_counts(built_seed):
    manifest = verify_index(built_seed.config)
    saved = json.loads((current_generation(built_seed.index) / "manifest.json").read_text(encoding="utf-8"))
    assert saved == manifest
    assert manifest["model"].endswith("multilingual-e5-small")
    assert manifest["dimension"] == 384
    assert manifest["documents"] == 5
    assert manifest["chunks"] == len(chunk_rows(built_seed)) == built_seed.report.chunks


def test_no_chunk_contains_chrome_or_teasers(built_seed):
    rows = chunk_rows(built_seed)
    with index_db(built_seed) as conn:
        stored_texts = [t for (t,) in conn.execute("SELECT text FROM documents")]
    for text in [r[4] for r in rows] + stored_texts:
        for junk in SEED_CHROME + SEED_TEASERS:
            assert junk not in text, junk


def test_photo_captions_are_indexed(built_seed):
    texts = "\n".join(r[4] for r in chunk_rows(built_seed))
    assert "Toàn cảnh Hội nghị lần thứ 9" in texts
    assert "Quang cảnh cuộc họp." in texts


def test_chunk_rows_are_exact_slices_of_the_stored_article(built_seed):
    with index_db(built_seed) as conn:
        articles = dict(conn.execute("SELECT source_file, text FROM documents"))
    positions: dict[str, list[int]] = {}
    for source, position, start, end, text, _, blob in chunk_rows(built_seed):
        assert articles[source][start:end] == text
        assert unicodedata.is_normalized("NFC", text)
        assert len(blob) == 4 * 384
        positions.setdefault(source, []).append(position)
    assert all(p == list(range(len(p))) for p in positions.values())


def test_stored_vectors_are_the_models_encoding_of_title_and_chunk(built_seed, bundled_embedder):
    rows = chunk_rows(built_seed)[::7]
    fresh = bundled_embedder.encode_passages([bundled_embedder.passage_input(f"{title}\n{text}")
                                              for _, _, _, _, text, title, _ in rows])
    stored = np.stack([np.frombuffer(r[6], dtype=np.float32) for r in rows])
    np.testing.assert_allclose(stored, fresh, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("expression", [
    'body_folded : "dich vu cong truc tuyen"',
    '"dich vu cong truc tuyen"',
    'body : "dịch vụ công trực tuyến"',
    '"DỊCH VỤ CÔNG TRỰC TUYẾN"',
])
def test_full_text_search_with_and_without_diacritics(built_seed, expression):
    store = open_index(built_seed.config)
    try:
        hits = store.hits(store.lexical_search(expression, 20))
    finally:
        store.close()
    assert S002 in {h.source_file for h in hits}
    for hit in hits:
        assert "dich vu cong truc tuyen" in fold(hit.text) or "dich vu cong truc tuyen" in fold(hit.metadata.title)


def test_search_with_and_without_diacritics_finds_the_same_chunks(built_seed):
    store = open_index(built_seed.config)
    try:
        folded = [cid for cid, _ in store.lexical_search('body_folded : "chinh phu so"', 50)]
        accented = [cid for cid, _ in store.lexical_search('body : "chính phủ số"', 50)]
    finally:
        store.close()
    assert folded and sorted(folded) == sorted(accented)


def test_a_province_filter_ranks_that_provinces_chunks_as_the_full_ranking_does(built_seed):
    """A question naming a province searches that province's articles, inside the search: the
    filtered top 3 are the province's best chunks of the whole ranking, not what is left of a top 3."""
    store = open_index(built_seed.config)
    try:
        everything = [cid for cid, _ in store.lexical_search('"chuyển đổi số"', 1000)]
        about = set(store.chunk_ids_about(("Thanh Hóa",)).tolist())
        filtered = [cid for cid, _ in store.lexical_search('"chuyển đổi số"', 3, provinces=("Thanh Hóa",))]
    finally:
        store.close()
    assert any(cid not in about for cid in everything[:3])  # the unfiltered top is mostly other provinces
    assert filtered and filtered == [cid for cid in everything if cid in about][:3]


def test_old_style_tone_marks_match_new_style(built_seed):
    # 000 writes "Tỉnh uỷ" (old style); a user types "tỉnh ủy".
    assert S000 in lexical_files(built_seed, 'body : "tỉnh ủy"')


@pytest.mark.parametrize("teaser", ['"rùa"', 'body_folded : "cao toc"', '"pin ô tô điện"', 'body_folded : "pin o to dien"',
                                    '"goldlandvietnam"', '"tăng tương phản"', '"lượt truy cập"'])
def test_full_text_search_never_finds_chrome_or_teasers(built_seed, teaser):
    assert lexical_files(built_seed, teaser) == []


def test_every_sentence_of_every_chunk_has_the_models_vector(built_seed, bundled_embedder):
    """English questions and quotes match single sentences: the index holds each one's vector."""
    from bot.text import sentence_spans

    with contextlib.closing(sqlite3.connect(current_generation(built_seed.index) / "index.sqlite")) as conn:
        chunks = dict(conn.execute("SELECT id, text FROM chunks"))
        stored: dict[int, list] = {}
        for chunk_id, start, end, blob in conn.execute("SELECT chunk_id, start, end, embedding FROM sentences ORDER BY chunk_id, start"):
            stored.setdefault(chunk_id, []).append((start, end, np.frombuffer(blob, dtype=np.float32)))
    assert set(stored) == set(chunks)
    for chunk_id, text in chunks.items():
        assert [(a, b) for a, b, _ in stored[chunk_id]] == sentence_spans(text)
    sample = [(chunks[cid][a:b], v) for cid in sorted(chunks)[::7] for a, b, v in stored[cid][:2]]
    fresh = bundled_embedder.encode_passages([bundled_embedder.passage_input(t) for t, _ in sample])
    assert min(float(f @ v) for f, (_, v) in zip(fresh, sample)) > 0.999


# ---------------------------------------------------------------- incremental builds

def test_unchanged_corpus_is_up_to_date_and_embeds_nothing(built_seed_copy, embedder_spy):
    before = current_generation(built_seed_copy.index)
    spy = embedder_spy()
    report = build(built_seed_copy, spy)
    assert report.up_to_date
    assert report.embedded == 0 and spy.calls == []
    assert report.chunks == built_seed_copy.report.chunks
    assert current_generation(built_seed_copy.index) == before
    assert "up to date" in format_build_report(report)


def test_editing_one_article_re_embeds_only_that_article(built_seed_copy, embedder_spy):
    project = built_seed_copy
    old_rows = {(r[0], r[1]): r for r in chunk_rows(project)}
    edit(project.corpus / S004, "thời gian tiếp theo./.",
         "thời gian tiếp theo. Tỉnh sẽ thí điểm trợ lý ảo cho cán bộ cấp xã./.")
    spy = embedder_spy()
    report = build(project, spy)

    assert not report.up_to_date
    assert report.embedded_files == (S004,)
    assert report.embedded > 0 and report.reused > 0
    title_004 = old_rows[(S004, 0)][5]
    chunk_inputs = [t for t in spy.embedded_texts if t.startswith(spy.passage_input(title_004 + "\n"))]
    assert report.embedded == len(chunk_inputs) < sum(1 for k in old_rows if k[0] == S004)
    # Sentence vectors: only the edited sentence and the new one are embedded; the rest are reused.
    sentence_inputs = [t for t in spy.embedded_texts if t not in chunk_inputs]
    assert 1 <= len(sentence_inputs) <= 2
    assert all("tiếp theo" in t or "trợ lý ảo" in t for t in sentence_inputs), sentence_inputs
    assert verify_index(project.config)["chunks"] == report.chunks

    new_rows = chunk_rows(project)
    for source, position, _, _, text, title, blob in new_rows:
        old = old_rows.get((source, position))
        if source != S004:  # other articles: same chunks, their vectors carried over
            assert old is not None and old[4] == text and old[6] == blob
    # Every vector of the edited article, reused or new, is the model's encoding of its chunk.
    edited = [r for r in new_rows if r[0] == S004]
    fresh = spy.encode_passages([spy.passage_input(f"{r[5]}\n{r[4]}") for r in edited])
    np.testing.assert_allclose(np.stack([np.frombuffer(r[6], dtype=np.float32) for r in edited]), fresh, atol=1e-5)
    assert lexical_files(project, '"trợ lý ảo"') == [S004]


def test_sidecar_edit_re_embeds_only_that_article(built_seed_copy, embedder_spy):
    project = built_seed_copy
    with (project.corpus / "metadata.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n["{S003}"]\ntitle = "Nghệ An xây dựng Nghị quyết chuyển đổi số"\n')
    report = build(project, embedder_spy())
    assert report.embedded_files == (S003,)
    assert documents_by_file(project)[S003][0].title == "Nghệ An xây dựng Nghị quyết chuyển đổi số"
    assert lexical_files(project, 'title_folded : "nghe an xay dung"')[0] == S003


def test_removed_article_leaves_the_index(built_seed_copy, embedder_spy):
    project = built_seed_copy
    assert S003 in lexical_files(project, '"Văn Cương"')
    (project.corpus / S003).unlink()
    spy = embedder_spy()
    report = build(project, spy)
    assert report.embedded == 0 and spy.calls == [] and report.embedded_files == ()
    assert S003 not in documents_by_file(project)
    assert all(r[0] != S003 for r in chunk_rows(project))
    assert lexical_files(project, '"Văn Cương"') == []
    manifest = verify_index(project.config)
    assert manifest["documents"] == 4 and manifest["chunks"] == report.chunks


def test_added_article_is_embedded_alone(built_seed_copy, embedder_spy):
    project = built_seed_copy
    write_generated_articles(project.corpus, 1, prefix="moi")
    report = build(project, embedder_spy())
    assert report.embedded_files == ("moi_0000.txt",)
    assert report.reused == built_seed_copy.report.chunks
    assert len(documents_by_file(project)) == 6


def test_old_generations_are_pruned(built_seed_copy, embedder_spy):
    project = built_seed_copy
    for name in (S002, S003, S004):  # three more generations, none needing the model
        (project.corpus / name).unlink()
        build(project, embedder_spy())
    gens = sorted(p.name for p in project.index.glob("gen-*"))
    assert len(gens) == project.config.index.keep_generations
    assert current_generation(project.index).name in gens


@pytest.mark.parametrize("damage", ["vectors.faiss", "index.sqlite"])
def test_unchanged_corpus_still_repairs_a_damaged_index(tiny_project, damage):
    # `--check` says "run: python build_index.py"; doing so must fix the index, not answer "up to date".
    first = build(tiny_project)
    gen = current_generation(tiny_project.index)
    (gen / damage).write_bytes(os.urandom(4096))
    with pytest.raises(IndexInvalidError):
        verify_index(tiny_project.config)
    report = build(tiny_project)
    assert not report.up_to_date
    if damage == "vectors.faiss":  # an unreadable database simply has no fingerprint to match
        assert "FAISS file unreadable" in report.warnings[0]
    assert report.embedded == report.chunks == first.chunks  # a damaged index's vectors are not reused
    assert verify_index(tiny_project.config)["chunks"] == first.chunks
    assert current_generation(tiny_project.index) != gen


# ---------------------------------------------------------------- formats and broken files

def test_every_format_is_indexed_and_broken_files_are_skipped_and_named(make_project, bundled_embedder, pdf_text_is_unicode):
    project = make_project("mixed", seed=False)
    corpus = project.corpus
    (corpus / "a.txt").write_text(unicodedata.normalize("NFD", (
        "Tỉnh Hà Giang đẩy mạnh chuyển đổi số\n\nNăm 2023, Hà Giang đưa 95% thủ tục lên dịch vụ công trực tuyến."
    )), encoding="utf-8")
    (corpus / "b.md").write_text("# Cao Bằng số hóa hồ sơ\n\nCao Bằng đã **số hóa** 80% hồ sơ hộ tịch.\n", encoding="utf-8")
    (corpus / "c.html").write_text(
        "<html><head><title>Lào Cai</title></head><body><article><h1>Lào Cai phát triển đô thị thông minh</h1>"
        "<p>Lào Cai vận hành trung tâm điều hành đô thị thông minh từ năm 2022.</p></article></body></html>",
        encoding="utf-8")
    (corpus / "d.htm").write_text("<p>Yên Bái cấp chữ ký số miễn phí cho người dân.</p>", encoding="utf-8")
    pdf_lines = (["Điện Biên triển khai bệnh án điện tử", "Điện Biên triển khai bệnh án điện tử tại 12 bệnh viện."]
                 if pdf_text_is_unicode else
                 ["Dien Bien trien khai benh an dien tu", "Dien Bien trien khai benh an dien tu tai 12 benh vien."])
    write_pdf(corpus / "e.pdf", pdf_lines[1:], title=pdf_lines[0])
    (corpus / "sub").mkdir()
    write_docx(corpus / "sub" / "f.docx", ["Sơn La kết nối dữ liệu nông sản lên sàn thương mại điện tử."],
               title="Sơn La đưa nông sản lên sàn")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (corpus / "latin1.txt").write_bytes("Café au lait, crème brûlée et pâtisserie française à Paris.".encode("latin-1"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    (corpus / "corrupt.docx").write_bytes(b"PK\x03\x04 broken zip")
    pdf = write_pdf(corpus / "unknown-filter.pdf", pdf_lines).read_bytes()
    (corpus / "unknown-filter.pdf").write_bytes(pdf.replace(b"/FlateDecode", b"/FlateDecodX"))
    (corpus / "metadata.toml").write_text(
        '["sub/f.docx"]\noutlet = "Báo Sơn La"\n\n["missing.txt"]\ntitle = "Không có tệp này"\n'
        '\n["corrupt.pdf"]\ntitle = "Tệp hỏng"\n', encoding="utf-8")

    report = build(project, bundled_embedder)

    indexed = [d.source_file for d in report.documents]
    assert indexed == ["a.txt", "b.md", "c.html", "d.htm", "e.pdf", "sub/f.docx"]
    skipped = {s.source_file: s.reason for s in report.skipped}
    assert sorted(skipped) == ["binary.txt", "corrupt.docx", "corrupt.pdf", "empty.txt", "latin1.txt", "unknown-filter.pdf"]
    assert "binary" in skipped["binary.txt"]
    assert "UTF-8" in skipped["latin1.txt"]
    assert "empty" in skipped["empty.txt"]
    assert "PDF" in skipped["corrupt.pdf"] and "DOCX" in skipped["corrupt.docx"]
    assert "PDF" in skipped["unknown-filter.pdf"]
    # The sidecar names one file that does not exist (a warning) and one that was skipped (no warning).
    assert len(report.warnings) == 1 and "'missing.txt'" in report.warnings[0]
    summary = format_build_report(report)
    assert "Skipped 6 file(s):" in summary
    for name, reason in skipped.items():
        assert f"  {name}: {reason}" in summary
    assert "missing.txt" in summary

    docs = {name: meta for name, (meta, _) in documents_by_file(project).items()}
    assert docs["a.txt"].title == "Tỉnh Hà Giang đẩy mạnh chuyển đổi số"  # NFD on disk, NFC in the index
    assert docs["b.md"].title == "Cao Bằng số hóa hồ sơ"
    assert docs["c.html"].title == "Lào Cai phát triển đô thị thông minh"
    assert docs["e.pdf"].title == pdf_lines[0]
    assert docs["sub/f.docx"].title == "Sơn La đưa nông sản lên sàn"
    assert docs["sub/f.docx"].outlet == "Báo Sơn La"
    assert lexical_files(project, 'body : "dịch vụ công trực tuyến"') == ["a.txt"]
    assert lexical_files(project, '"benh an dien tu"') == ["e.pdf"]
    assert lexical_files(project, '"thương mại điện tử"') == ["sub/f.docx"]
    manifest = verify_index(project.config)
    assert manifest["documents"] == 6
    assert sorted(name for name, _ in manifest["skipped"]) == sorted(skipped)


def test_nothing_indexable_fails_and_keeps_the_previous_index(built_seed_copy):
    project = built_seed_copy
    before = current_generation(project.index)
    for name in SEED_ARTICLES:
        (project.corpus / name).unlink()
    (project.corpus / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    (project.corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(BuildError) as err:
        build(project)  # no embedder: failing must not need the model
    message = str(err.value)
    assert "nothing to index" in message and "2 file(s) skipped" in message and "previous index" in message
    assert current_generation(project.index) == before
    assert verify_index(project.config)["documents"] == 5
    assert tmp_leftovers(project) == []


def test_missing_corpus_folder_is_a_build_error(built_seed_copy):
    shutil.rmtree(built_seed_copy.corpus)
    with pytest.raises(BuildError, match="corpus folder not found"):
        build(built_seed_copy)
    assert verify_index(built_seed_copy.config)["documents"] == 5


def test_bad_sidecar_stops_the_build_and_keeps_the_index(built_seed_copy, run_cli):
    project = built_seed_copy
    before = current_generation(project.index)
    (project.corpus / "metadata.toml").write_text('["001_7c41b3213df7f756.txt"]\npublised = 2024-03-19\n', encoding="utf-8")
    with pytest.raises(MetadataFileError, match="publised"):
        build(project)
    result = run_cli("--config", str(project.config_path), "--quiet")
    assert result.returncode == 2
    assert_one_line_error(result, "metadata.toml", "publised")
    assert current_generation(project.index) == before


# ---------------------------------------------------------------- atomic builds

def test_exception_while_embedding_leaves_the_previous_index(built_seed_copy, embedder_spy, monkeypatch):
    project = built_seed_copy
    before = current_generation(project.index)
    old_title = documents_by_file(project)[S003][0].title
    # A new title changes what the model sees for every chunk of 003.
    with (project.corpus / "metadata.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n["{S003}"]\ntitle = "Nghệ An xây dựng Nghị quyết chuyển đổi số"\n')
    monkeypatch.setattr(build_module, "_BATCH", 2)  # the builder embeds per batch: make 003 span several
    failing = embedder_spy(fail_on_call=2)
    with pytest.raises(RuntimeError, match="simulated failure"):
        build(project, failing)
    assert len(failing.calls) == 2
    assert current_generation(project.index) == before
    assert verify_index(project.config)["documents"] == 5
    assert documents_by_file(project)[S003][0].title == old_title
    assert tmp_leftovers(project) == []

    report = build(project, embedder_spy())  # the lock was released; the next build completes
    assert report.embedded_files == (S003,)
    assert documents_by_file(project)[S003][0].title == "Nghệ An xây dựng Nghị quyết chuyển đổi số"
    assert current_generation(project.index) != before
    assert tmp_leftovers(project) == []
    verify_index(project.config)


def _search_results(project, embedder) -> tuple[list, list]:
    store = open_index(project.config)
    try:
        dense = store.dense_search(embedder.encode_query("Nghị quyết số 09 về chuyển đổi số Quảng Ninh"), 5)
        lexical = store.lexical_search('"chuyển đổi số"', 10)
        return [c for c, _ in dense], [c for c, _ in lexical]
    finally:
        store.close()


def test_kill_9_mid_build_leaves_the_previous_index_answering(built_seed_copy, bundled_embedder, embedder_spy):
    project = built_seed_copy
    before = current_generation(project.index)
    results_before = _search_results(project, bundled_embedder)
    generated = write_generated_articles(project.corpus, 200)

    proc = subprocess.Popen(
        [sys.executable, str(BUILD_SCRIPT), "--config", str(project.config_path)],
        cwd=project.root.parent, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while not list(project.index.glob("tmp-gen-*/index.sqlite")):
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the build never started writing a generation"
            time.sleep(0.05)
        time.sleep(1.0)  # let it embed and write for a moment
        assert proc.poll() is None, "the build finished before it could be killed: make the corpus larger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    assert current_generation(project.index) == before
    assert tmp_leftovers(project)  # the half-written generation is still there, never published
    assert verify_index(project.config)["documents"] == 5
    assert _search_results(project, bundled_embedder) == results_before

    for path in generated[1:]:  # keep the next build short: one new article
        path.unlink()
    report = build(project, embedder_spy())
    assert report.embedded_files == (generated[0].name,)
    assert current_generation(project.index) != before
    assert tmp_leftovers(project) == []
    assert verify_index(project.config)["documents"] == 6


def test_second_build_while_one_runs_is_refused(built_seed_copy, run_cli):
    project = built_seed_copy
    write_generated_articles(project.corpus, 1, prefix="moi")
    with build_lock(project.index):
        with pytest.raises(BuildLockedError) as err:
            build(project)
        assert f"pid {os.getpid()}" in str(err.value)
        result = run_cli("--config", str(project.config_path), "--quiet")
        assert result.returncode == 3
        assert_one_line_error(result, "another build is already running", f"pid {os.getpid()}")
    assert documents_by_file(project).keys() == set(SEED_ARTICLES)
