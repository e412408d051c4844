"""Legal and administrative documents: their header becomes metadata (type, number, issuer, date),
and chunks follow Điều / khoản so a citation can say "Điều 2, khoản 3"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chunking import chunk_document
from bot.cleaning import clean_document
from bot.config import ChunkingConfig
from bot.corpus import read_corpus_file
from bot.legal import legal_info

KE_HOACH_586 = """ỦY BAN NHÂN DÂN
TỈNH NGHỆ AN
-------
Số: 586/KH-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Nghệ An, ngày 15 tháng 3 năm 2024

KẾ HOẠCH
Triển khai chuyển đổi số tỉnh Nghệ An năm 2024

Căn cứ Nghị quyết số 09-NQ/TU ngày 05/02/2022 của Ban Thường vụ Tỉnh ủy về chuyển đổi số.

Điều 1. Mục tiêu chung
Đưa Nghệ An vào nhóm 20 tỉnh dẫn đầu cả nước về chuyển đổi số.

Điều 2. Chỉ tiêu cụ thể
1. Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn trình đạt 80%.
2. Tỷ lệ văn bản điện tử có ký số trao đổi giữa các cơ quan nhà nước đạt 95%.
3. Phủ sóng 5G tại trung tâm các huyện, thị xã trước năm 2025.

Điều 3. Tổ chức thực hiện
1. Sở Thông tin và Truyền thông chủ trì theo dõi, đôn đốc việc thực hiện kế hoạch.
2. Các sở, ban, ngành xây dựng kế hoạch chi tiết trước ngày 30/4/2024.
"""

NGHI_QUYET_09 = """TỈNH ỦY QUẢNG NINH
*
Số 09-NQ/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Quảng Ninh, ngày 5 tháng 2 năm 2022

NGHỊ QUYẾT
VỀ CHUYỂN ĐỔI SỐ TOÀN DIỆN TỈNH QUẢNG NINH
đến năm 2025, định hướng đến năm 2030

Ban Thường vụ Tỉnh ủy thống nhất đẩy mạnh chuyển đổi số toàn diện trên cả ba trụ cột.
"""


def document(tmp_path: Path, text: str, name: str = "van_ban.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return clean_document(read_corpus_file(path, tmp_path, 20_000_000), "hash")


def test_plan_header_becomes_metadata(tmp_path):
    m = document(tmp_path, KE_HOACH_586).metadata
    assert (m.doc_type, m.doc_number, m.issued) == ("Kế hoạch", "586/KH-UBND", "2024-03-15")
    assert m.issuer == "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"
    assert m.title == "Kế hoạch 586/KH-UBND: Triển khai chuyển đổi số tỉnh Nghệ An năm 2024"
    assert m.published == "2024-03-15"  # cited with the date it was signed


def test_resolution_header_becomes_metadata(tmp_path):
    m = document(tmp_path, NGHI_QUYET_09).metadata
    assert (m.doc_type, m.doc_number, m.issued) == ("Nghị quyết", "09-NQ/TU", "2022-02-05")
    assert m.issuer == "TỈNH ỦY QUẢNG NINH"
    assert m.title.lower().startswith("nghị quyết 09-nq/tu: về chuyển đổi số toàn diện")


@pytest.mark.parametrize("number, doc_type", [
    ("20/2023/QH15", "Luật"), ("13/2023/NĐ-CP", "Nghị định"), ("1234/QĐ-UBND", "Quyết định"),
    ("02/2024/TT-BTTTT", "Thông tư"), ("16/CT-TTg", "Chỉ thị"), ("123/UBND-KGVX", "Công văn"),
])
def test_type_is_read_from_the_number_when_no_heading_says_it(number, doc_type):
    info = legal_info(f"BỘ THÔNG TIN VÀ TRUYỀN THÔNG\nSố: {number}\nHà Nội, ngày 1 tháng 7 năm 2024\nNội dung văn bản.")
    assert (info.doc_type, info.number) == (doc_type, number)


def test_news_article_quoting_a_resolution_is_not_that_resolution(tmp_path):
    m = document(tmp_path, "Quảng Ninh đẩy mạnh chuyển đổi số\n\nThực hiện Nghị quyết 09-NQ/TU, tỉnh đã số hóa "
                           "hồ sơ tại 100% xã. Điều đáng chú ý là người dân đã quen dùng dịch vụ công.").metadata
    assert (m.doc_type, m.doc_number, m.issuer) == ("", "", "")
    assert m.title == "Quảng Ninh đẩy mạnh chuyển đổi số"


def test_chunks_follow_articles_and_carry_their_locator(tmp_path):
    doc = document(tmp_path, KE_HOACH_586)
    chunks = chunk_document(doc, ChunkingConfig(target_chars=120, overlap_chars=0, max_chars=400))
    located = {c.locator: c.text for c in chunks if c.locator}
    assert located["Điều 1"].startswith("Điều 1. Mục tiêu chung")
    assert "95%" in located["Điều 2, khoản 2"]
    assert "Phủ sóng 5G" in located["Điều 2, khoản 3"]
    assert "30/4/2024" in located["Điều 3, khoản 2"]
    for chunk in chunks:  # no chunk straddles two articles
        assert chunk.text.count("Điều ") <= 1
        assert chunk.text == doc.text[chunk.start: chunk.end]
    assert all(not c.locator for c in chunks if "Căn cứ" in c.text)


def test_large_chunks_name_the_clauses_they_span(tmp_path):
    doc = document(tmp_path, KE_HOACH_586)
    chunks = chunk_document(doc, ChunkingConfig(target_chars=600, overlap_chars=0, max_chars=1000))
    assert "Điều 2, khoản 1–3" in [c.locator for c in chunks]


def test_article_text_without_articles_is_chunked_as_before(tmp_path):
    doc = document(tmp_path, NGHI_QUYET_09)
    assert all(c.locator == "" for c in chunk_document(doc, ChunkingConfig()))


def test_a_statute_titled_on_one_line_is_cited_by_its_name():
    statute = "BỘ LUẬT LAO ĐỘNG\nSố: 45/2019/QH14\n\nĐiều 1. Phạm vi điều chỉnh\nBộ luật này quy định...\nĐiều 2. Đối tượng áp dụng\n..."
    info = legal_info(statute)
    assert (info.doc_type, info.number, info.issuer) == ("Bộ luật", "45/2019/QH14", "")
    assert "LAO ĐỘNG" in info.title()


def test_a_news_headline_in_capitals_is_not_a_document_heading():
    news = "KẾ HOẠCH CHUYỂN ĐỔI SỐ NĂM 2024 CỦA NGHỆ AN CÓ GÌ MỚI\n\nUBND tỉnh vừa ban hành kế hoạch..."
    assert legal_info(news).label == ""


# ---------------------------------------------------------------- answering over a statute (real model)

STATUTE = Path(__file__).parent / "data" / "luat_cu_tru_2020_dieu_1_12.txt"  # Luật Cư trú 2020, Điều 1–12


@pytest.fixture(scope="module")
def statute_answerer(tmp_path_factory, bundled_embedder):
    from bot.answer import Answerer
    from conftest import build, new_project

    project = new_project(tmp_path_factory.mktemp("statute") / "proj")  # the seed news articles, and the statute
    (project.corpus / STATUTE.name).write_text(STATUTE.read_text(encoding="utf-8"), encoding="utf-8")
    build(project, bundled_embedder)
    return Answerer.open(project.config, embedder=bundled_embedder)


def article_text(number: int) -> str:
    text = STATUTE.read_text(encoding="utf-8")
    start = text.index(f"\nĐiều {number}.")
    end = text.find("\nĐiều ", start + 1)
    return text[start: end if end > 0 else len(text)]


@pytest.mark.slow
@pytest.mark.parametrize("question, article", [
    ("Điều 7 Luật Cư trú quy định gì?", 7),
    ("dieu 12 luat cu tru noi ve gi", 12),
    ("Những hành vi nào bị nghiêm cấm về cư trú?", 7),
    ("Nơi cư trú của người chưa thành niên được xác định thế nào?", 12),
])
def test_a_question_on_a_statute_cites_the_article_that_answers_it(statute_answerer, question, article):
    answer = statute_answerer.answer(question)
    first = answer.citations[0]
    assert first.source_file == STATUTE.name and first.locator.split(",")[0] == f"Điều {article}"
    assert "CƯ TRÚ" in first.title
    for part in first.quote.split(" … "):  # the quote is the cited article's own text, not a neighbour's
        assert part in article_text(article)


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "Con tôi 10 tuổi, cả nhà đang sống ở Thanh Hóa thì nơi cư trú của cháu xác định thế nào?",
    "o nghe an thi cong dan co nhung nghia vu gi ve cu tru",
])
def test_a_question_naming_a_province_still_finds_the_national_law(statute_answerer, question):
    """A law names no province and applies in all of them: the province a question names narrows
    the search to that province's documents and those about none, not to its news articles only."""
    answer = statute_answerer.answer(question)
    assert answer.citations and answer.citations[0].source_file == STATUTE.name
    assert answer.citations[0].locator.startswith("Điều ")
