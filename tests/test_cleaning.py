"""From a scraped page to the article: chrome and teasers out, captions in, metadata from the text."""

from __future__ import annotations

import pytest

from bot.cleaning import clean_document
from bot.corpus import RawFile, load_metadata_overrides, read_corpus_file
from bot.text import fold
from conftest import SEED_ARTICLES, SEED_CORPUS

# Page furniture seen in the seed articles: none of it may reach an answer.
SEED_CHROME = (
    "A- A A+", "Tăng tương phản", "Giảm tương phản", "0:00", "Tổng số điểm của bài viết", "Click để đánh giá",
    "Lượt truy cập", "Hôm nay : 3.028", "0967.001.001", "info@goldlandvietnam.com", "Tìm kiếm", "Copy link",
    "Nguồn:", "Cẩm nang", "Bản tin cảnh báo COVID-19", "Quý khách hàng đánh giá",
    "thông qua dự thảo Nghị quyết về chuyển đổi số ảnh", "Tin mới", "Tin liên quan", "Bài viết liên quan",
)
# Teasers for unrelated news after "Tin mới" in 002.
SEED_TEASERS = (
    "Tiến độ 'rùa' trên cao tốc", "cao tốc Bắc - Nam", "pin ô tô điện", "đất rừng để trồng keo", "Tản văn hay",
    "Mùa thi", "Nhi đồng Con Cuông", "Đòn bẩy vốn", "20h Bác sĩ đây rồi", "Thông tin nổi bật tỉnh Nghệ An ngày 27/5",
)


def seed_raw(name: str) -> RawFile:
    return read_corpus_file(SEED_CORPUS / name, SEED_CORPUS, 20_000_000)


@pytest.fixture(scope="module")
def seed_docs():
    """The seed articles cleaned from their text alone, without the sidecar."""
    return {name[:3]: clean_document(seed_raw(name), "hash") for name in SEED_ARTICLES}


def clean(text: str, **hints: str):
    return clean_document(RawFile("page.txt", text, hints), "hash")


# ---------------------------------------------------------------- the seed articles

def test_000_dateline_is_the_publication_date_not_the_resolution_date(seed_docs):
    meta = seed_docs["000"].metadata
    assert meta.published == "2023-09-21"  # "Đăng ngày 21/09/2023", not 05/8/2022 from the headline and body
    assert meta.title.startswith("Cửa Lò tham dự hội nghị trực tuyến toàn tỉnh sơ kết 1 năm")
    assert meta.url == ""
    assert meta.provinces == ("Nghệ An",)


def test_001_title_url_and_outlet(seed_docs):
    meta = seed_docs["001"].metadata
    assert meta.title == "Đánh giá kết quả 2 năm thực hiện Nghị quyết số 09 về chuyển đổi số"
    assert meta.url == (
        "https://baoquangninh.vn/danh-gia-tinh-hinh-ket-qua-sau-2-nam-thuc-hien-nghi-quyet-so-09-ve-chuyen-doi-so-toan-dien-3289424.html"
    )
    assert meta.outlet == "Báo Quảng Ninh"
    assert meta.provinces == ("Quảng Ninh",)
    # "Sáng 19/3" has no year; "ngày 05/02/2022" is the resolution's date: the text states no publication date.
    assert meta.published == ""


def test_002_outlet_from_the_dateline(seed_docs):
    doc = seed_docs["002"]
    assert doc.metadata.outlet == "Báo Nghệ An"
    assert doc.metadata.title == "Ban Chấp hành Đảng bộ tỉnh Nghệ An thông qua dự thảo Nghị quyết về chuyển đổi số"
    assert doc.metadata.published == ""  # "Sáng 1/7" has no year; 27/5/2023 is in a teaser
    assert doc.metadata.provinces == ("Nghệ An",)
    assert "(Baonghean.vn)" not in doc.text
    assert doc.text.startswith("Chuyển đổi số trên địa bàn Nghệ An có trọng tâm")


def test_003_outlet_from_the_dnhn_marker(seed_docs):
    doc = seed_docs["003"]
    assert doc.metadata.outlet == "Doanh nghiệp và Hội nhập"
    assert doc.metadata.title == (
        "Nghệ An: Triển khai xây dựng Nghị quyết về chuyển đổi số đến năm 2025, định hướng đến năm 2030"
    )
    assert doc.metadata.published == ""  # 30/9/2021 and 15/11/2021 are deadlines in the body
    assert not doc.text.startswith("DNHN")


def test_004_title_date_and_province(seed_docs):
    meta = seed_docs["004"].metadata
    assert meta.title == "Hội nghị trực tuyến toàn tỉnh hướng dẫn, triển khai các nhiệm vụ chuyển đổi số năm 2022"
    assert meta.published == "2022-04-26"
    assert meta.provinces == ("Thanh Hóa",)
    assert "goldland" not in meta.outlet.lower()  # the contact header belongs to the web designer


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_no_chrome_or_teaser_left_in_seed_articles(seed_docs, key):
    text = seed_docs[key].text
    for junk in SEED_CHROME + SEED_TEASERS:
        assert junk not in text, junk


def test_seed_articles_keep_their_body_to_the_end(seed_docs):
    assert seed_docs["001"].text.endswith("báo cáo lại UBND tỉnh để tìm phương án tháo gỡ, giải quyết.")
    assert seed_docs["002"].text.endswith("có cán bộ chuyên trách công nghệ thông tin”.")
    assert seed_docs["003"].text.rstrip().endswith("Văn Cương – Hoàng Lan")
    assert seed_docs["004"].text.endswith("trong năm 2022 và thời gian tiếp theo./.")


def test_photo_captions_describing_the_event_stay(seed_docs):
    assert "Toàn cảnh Hội nghị lần thứ 9, Ban Chấp hành Đảng bộ tỉnh. Ảnh: Thành Duy" in seed_docs["002"].text
    assert "Quang cảnh cuộc họp." in seed_docs["001"].text.split("\n")
    assert "Quang cảnh Hội nghị." in seed_docs["004"].text.split("\n")


def test_headline_is_not_repeated_in_the_body(seed_docs):
    for doc in seed_docs.values():
        assert doc.title
        assert doc.title not in doc.text.split("\n")


def test_sidecar_overrides_win_and_keep_the_rest():
    name = "001_7c41b3213df7f756.txt"
    override = load_metadata_overrides(SEED_CORPUS / "metadata.toml")[name]
    doc = clean_document(seed_raw(name), "hash", {**override, "provinces": ("Quảng Ninh", "Hà Nội")})
    assert doc.metadata.published == "2024-03-19"
    assert doc.metadata.provinces == ("Quảng Ninh", "Hà Nội")
    assert doc.metadata.title == "Đánh giá kết quả 2 năm thực hiện Nghị quyết số 09 về chuyển đổi số"
    assert doc.metadata.outlet == "Báo Quảng Ninh"


# ---------------------------------------------------------------- chrome in other pages

HEADLINE = "Tỉnh Hà Giang đẩy mạnh chuyển đổi số"
BODY = (
    "Năm 2023, tỉnh Hà Giang đưa 95% thủ tục hành chính lên dịch vụ công trực tuyến, giúp người dân "
    "không phải đến trụ sở.",
    "Sở Thông tin và Truyền thông hướng dẫn cán bộ cấp xã sử dụng chữ ký số trong công việc hằng ngày.",
)


@pytest.mark.parametrize("header", [
    "A- A A+ | Tăng tương phản Giảm tương phản",
    "A-  A  A+",
    "0:00 / 0:00",
    "0:00",
    "12:45",
    "0967.001.001 info@goldlandvietnam.com",
    "Hotline: 0912 345 678",
    "Email: toasoan@baohagiang.vn",
    "Copy link",
    "Chia sẻ | Facebook | Zalo",
    "Tìm kiếm",
    "A- A A+ | Tăng tương phản\nTìm kiếm...\nLượt truy cập: 1.234",
    "Nghe bài viết",
])
def test_header_chrome_is_removed_and_the_article_kept(header):
    doc = clean("\n".join([header, "", HEADLINE, "", *BODY]))
    assert doc.title == HEADLINE
    assert doc.text == "\n".join(BODY)


@pytest.mark.parametrize("footer", [
    "Tổng số điểm của bài viết là: 0 trong 0 đánh giá",
    "Click để đánh giá bài viết",
    "Lượt truy cập",
    "Tìm kiếm",
    "Tin mới",
    "Tin liên quan",
    "Bài viết liên quan",
    "TIN LIÊN QUAN:",
    "Đọc thêm",
    "Bản quyền thuộc Báo Hà Giang",
])
def test_everything_from_a_footer_marker_on_is_dropped(footer):
    teaser = "Giá vàng hôm nay tăng mạnh, người dân đổ xô đi mua vàng miếng tại Hà Nội."
    doc = clean("\n".join([HEADLINE, *BODY, footer, teaser, "Lượt truy cập hiện tại : 8"]))
    assert doc.text == "\n".join(BODY)
    assert doc.metadata.provinces == ("Tuyên Quang",)  # Hà Giang, merged in 2025; not Hà Nội, named only in the teaser


def test_visitor_counter_lines_are_removed():
    doc = clean("\n".join([HEADLINE, BODY[0], "Lượt xem: 1.234", "Hôm nay : 3.028", BODY[1]]))
    assert doc.text == "\n".join(BODY)


def test_image_placeholder_repeating_the_headline_is_removed_but_captions_stay():
    doc = clean("\n".join([
        HEADLINE, BODY[0], f"{HEADLINE} ảnh 1", "Toàn cảnh hội nghị. Ảnh: Minh Anh", f"{HEADLINE} ảnh 2", BODY[1],
    ]))
    assert doc.text == "\n".join([BODY[0], "Toàn cảnh hội nghị. Ảnh: Minh Anh", BODY[1]])


def test_source_line_gives_the_url_and_outlet():
    doc = clean("\n".join([HEADLINE, *BODY, "Nguồn: https://baonghean.vn/chuyen-doi-so-12345.html"]))
    assert doc.metadata.url == "https://baonghean.vn/chuyen-doi-so-12345.html"
    assert doc.metadata.outlet == "Báo Nghệ An"
    assert doc.text == "\n".join(BODY)


def test_source_line_without_url_is_text():
    doc = clean("\n".join([HEADLINE, *BODY, "Nguồn: Sở Thông tin và Truyền thông"]))
    assert doc.text.endswith("Nguồn: Sở Thông tin và Truyền thông")


@pytest.mark.parametrize("dateline, outlet", [
    ("(Baonghean.vn) - ", "Báo Nghệ An"),
    ("(baoquangninh.vn) – ", "Báo Quảng Ninh"),
    ("DNHN - ", "Doanh nghiệp và Hội nhập"),
])
def test_dateline_marker_names_the_outlet_and_leaves_the_body(dateline, outlet):
    doc = clean("\n".join([HEADLINE, dateline + BODY[0], BODY[1]]))
    assert doc.metadata.outlet == outlet
    assert doc.text == "\n".join(BODY)


def test_unknown_capitalised_word_before_a_dash_is_text():
    line = "UBND - cơ quan hành chính nhà nước ở địa phương - chủ trì thực hiện."
    doc = clean("\n".join([HEADLINE, line, BODY[1]]))
    assert doc.metadata.outlet == ""
    assert doc.text.split("\n")[0] == line


# ---------------------------------------------------------------- publication dates

@pytest.mark.parametrize("dateline, published", [
    ("Đăng ngày 21/09/2023", "2023-09-21"),
    ("Tin tức - 26/04/2022", "2022-04-26"),
    ("Thứ Năm, 21/09/2023 - 10:15", "2023-09-21"),
    ("Cập nhật lúc 10:15 ngày 21/09/2023 (GMT+7)", "2023-09-21"),
    ("Thứ hai, ngày 26 tháng 4 năm 2022 08:30", "2022-04-26"),
    ("21.09.2023", "2023-09-21"),
])
def test_dateline_under_the_headline_is_the_publication_date(dateline, published):
    doc = clean("\n".join([HEADLINE, dateline, *BODY]))
    assert doc.metadata.published == published
    assert doc.title == HEADLINE
    assert doc.text == "\n".join(BODY)  # the dateline is not article text


@pytest.mark.parametrize("sentence", [
    "Ngày 05/8/2022, Tỉnh ủy ban hành Nghị quyết số 09.",
    "Sáng 19/3/2024, UBND tỉnh họp.",
    "Hội nghị diễn ra ngày 26 tháng 4 năm 2022.",
])
def test_date_in_a_body_sentence_is_an_event_not_the_publication(sentence):
    doc = clean("\n".join([HEADLINE, sentence, *BODY]))
    assert doc.metadata.published == ""
    assert doc.text.split("\n")[0] == sentence


def test_date_in_the_headline_is_not_the_publication_date():
    headline = "Kỷ niệm ngày 10/10/2023, Ngày Chuyển đổi số quốc gia"
    doc = clean("\n".join([headline, *BODY]))
    assert doc.title == headline
    assert doc.metadata.published == ""


def test_impossible_date_is_ignored():
    doc = clean("\n".join([HEADLINE, "Đăng ngày 31/02/2023", *BODY]))
    assert doc.metadata.published == ""


def test_format_hints_win_over_text():
    doc = clean("\n".join([HEADLINE, "Đăng ngày 21/09/2023", *BODY]), published="2023-09-22T07:00:00Z",
                title="Tiêu đề từ thẻ meta", outlet="Báo Hà Giang", url="https://baohagiang.vn/a.html")
    assert doc.metadata.published == "2023-09-22"
    assert doc.metadata.title == "Tiêu đề từ thẻ meta"
    assert doc.metadata.outlet == "Báo Hà Giang"
    assert doc.metadata.url == "https://baohagiang.vn/a.html"


def test_page_with_only_chrome_has_no_text():
    doc = clean("A- A A+ | Tăng tương phản\n0:00 / 0:00\nCopy link\n")
    assert fold(doc.text).strip() == ""
