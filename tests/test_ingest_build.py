"""Provinces' real documents indexed end to end (real model, real index): a scanned PDF, TCVN3 and
VNI text, Word 97 files, legal documents and a duplicate — each findable the way a user asks."""

from __future__ import annotations

import shutil

import pytest

from bot.ocr import missing_tesseract
from bot.report import format_build_report
from bot.store import open_index
from conftest import SEED_ARTICLES, SEED_CORPUS, build, copy_project
from ingest_fixtures import BODY, TCVN3_HEADER, VNI_HEADER, copy_doc, legacy, write_scanned_pdf
from test_legal import KE_HOACH_586, NGHI_QUYET_09

pytestmark = pytest.mark.slow

SCAN = ["Quyết định số hóa hồ sơ tỉnh Lai Châu", "Tỉnh Lai Châu số hóa 100% hồ sơ đất đai trong năm 2024.",
        "Người dân tra cứu giấy chứng nhận qua ứng dụng trên điện thoại."]
SEED = SEED_ARTICLES[0]


@pytest.fixture(scope="module")
def project(tmp_path_factory, bundled_embedder):
    from conftest import new_project

    project = new_project(tmp_path_factory.mktemp("ingest") / "proj", seed=False,
                          chunking={"target_chars": 100, "overlap_chars": 0, "max_chars": 400})
    corpus = project.corpus
    shutil.copy2(SEED_CORPUS / "glossary.toml", corpus / "glossary.toml")
    if not missing_tesseract():
        write_scanned_pdf(corpus / "scan.pdf", SCAN)
    (corpus / "tcvn3.txt").write_bytes((TCVN3_HEADER + "\r\n" + legacy(BODY, "tcvn3")).encode("cp1252"))
    vni_body = "Sở Y tế tỉnh Sơn La triển khai hồ sơ sức khỏe điện tử cho người dân trên toàn tỉnh."
    (corpus / "vni.txt").write_bytes((VNI_HEADER + "\r\n" + legacy(vni_body, "vni")).encode("cp1252"))
    copy_doc("cao_bang_tcvn3.doc", corpus / "cao_bang.doc")
    copy_doc("lang_son_unicode.doc", corpus / "lang_son.doc")
    (corpus / "ke_hoach_586.txt").write_text(KE_HOACH_586, encoding="utf-8")
    (corpus / "nghi_quyet_09.txt").write_text(NGHI_QUYET_09, encoding="utf-8")
    shutil.copy2(SEED_CORPUS / SEED, corpus / SEED)
    (corpus / "copies").mkdir()
    shutil.copy2(SEED_CORPUS / SEED, corpus / "copies" / "ban_sao.txt")  # the same article saved twice
    project.report = build(project, bundled_embedder)
    return project


def found(project, expression: str) -> list[str]:
    store = open_index(project.config)
    try:
        return list(dict.fromkeys(h.source_file for h in store.hits(store.lexical_search(expression, 20))))
    finally:
        store.close()


def hits(project, expression: str):
    store = open_index(project.config)
    try:
        return store.hits(store.lexical_search(expression, 20))
    finally:
        store.close()


def documents(project) -> dict:
    store = open_index(project.config)
    try:
        return {source: meta for _, source, meta, _ in store.documents()}
    finally:
        store.close()


def test_scanned_pdf_is_searchable_and_marked_as_ocr(project):
    if missing_tesseract():
        pytest.skip(missing_tesseract())
    assert found(project, '"số hóa 100% hồ sơ đất đai"') == ["scan.pdf"]
    assert found(project, '"so hoa 100% ho so dat dai"') == ["scan.pdf"]
    assert documents(project)["scan.pdf"].title == SCAN[0]
    assert "scan.pdf" in format_build_report(project.report) and "OCR: page 1" in format_build_report(project.report)


def test_legacy_encoded_files_are_searchable_in_unicode(project):
    assert found(project, '"dịch vụ công trực tuyến toàn trình"') == ["tcvn3.txt"]
    assert found(project, '"hồ sơ sức khỏe điện tử"') == ["vni.txt"]
    assert found(project, '"môi trường mạng"') == ["cao_bang.doc"]  # the "ư" Word keeps as a hyphen
    assert found(project, '"định danh điện tử"') == ["lang_son.doc"]
    report = format_build_report(project.report)
    assert "converted from TCVN3" in report and "converted from VNI" in report


def test_legal_documents_are_found_by_type_and_number(project):
    assert found(project, "{title title_folded} : (kế AND hoạch AND 586)")[0] == "ke_hoach_586.txt"
    assert found(project, "{title title_folded} : (nghi AND quyet AND 09)")[0] == "nghi_quyet_09.txt"
    meta = documents(project)["ke_hoach_586.txt"]
    assert (meta.doc_type, meta.doc_number, meta.issued) == ("Kế hoạch", "586/KH-UBND", "2024-03-15")
    assert meta.issuer == "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"
    assert meta.title.startswith("Kế hoạch 586/KH-UBND")


def test_chunks_of_a_legal_document_carry_their_locator(project):
    assert {h.locator for h in hits(project, '"văn bản điện tử có ký số trao đổi"')} == {"Điều 2, khoản 2"}
    assert {h.locator for h in hits(project, '"kế hoạch chi tiết"')} == {"Điều 3, khoản 2"}


def test_the_same_text_saved_twice_is_indexed_once(project):
    assert project.report.duplicates == [("copies/ban_sao.txt", SEED)]
    assert "copies/ban_sao.txt" not in documents(project)
    assert "copies/ban_sao.txt: same text as " + SEED in format_build_report(project.report)


def test_editing_the_glossary_triggers_a_rebuild(project, tmp_path, embedder_spy):
    copy = copy_project(project, tmp_path / "copy")
    spy = embedder_spy()
    assert build(copy, spy).up_to_date
    glossary = copy.corpus / "glossary.toml"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n# a new term will go here\n", encoding="utf-8")
    report = build(copy, spy)
    assert not report.up_to_date
    assert report.embedded == 0  # nothing in the documents changed: every vector is reused


@pytest.mark.parametrize("question, expected", [
    ("Kế hoạch 586 đặt chỉ tiêu gì?", "ke_hoach_586.txt"),
    ("Nghị quyết 09 của Quảng Ninh nói gì?", "nghi_quyet_09.txt"),
    ("Lai Châu số hóa hồ sơ đất đai thế nào?", "scan.pdf"),
])
def test_a_question_naming_the_document_finds_it(project, bundled_embedder, question, expected):
    from bot.analysis import Analyzer
    from bot.search import Searcher

    if expected == "scan.pdf" and missing_tesseract():
        pytest.skip(missing_tesseract())
    config = project.config
    store = open_index(config)
    try:
        searcher = Searcher(store, bundled_embedder, Analyzer.from_config(config.search), config.search)
        assert searcher.search(question, k=3)[0].source_file == expected
    finally:
        store.close()
