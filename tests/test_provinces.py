"""Provinces after the 2025 merger (63 -> 34): old and new names, with or without diacritics, all
map to the current province; ordinary words that are also province names do not count."""

from __future__ import annotations

import time

import pytest

from bot.places import provinces_of_places
from bot.provinces import PROVINCES, PROVINCES_BEFORE_2025, all_names, current_name, provinces_in


def test_34_provinces_now_63_before():
    assert len(PROVINCES) == 34 and len(set(PROVINCES)) == 34
    assert len(PROVINCES_BEFORE_2025) == 63
    assert {"Tuyên Quang", "Nghệ An", "Hà Nội", "Hồ Chí Minh", "Đồng Tháp"} <= set(PROVINCES)
    assert "Hà Giang" not in PROVINCES and "Hà Giang" in PROVINCES_BEFORE_2025


@pytest.mark.parametrize("old, new", [
    ("Hà Giang", "Tuyên Quang"), ("Bình Dương", "Hồ Chí Minh"), ("Bà Rịa - Vũng Tàu", "Hồ Chí Minh"),
    ("Quảng Nam", "Đà Nẵng"), ("Hải Dương", "Hải Phòng"), ("Thái Bình", "Hưng Yên"), ("Kon Tum", "Quảng Ngãi"),
    ("Nghệ An", "Nghệ An"), ("Thừa Thiên Huế", "Huế"), ("Yên Bái", "Lào Cai"),
])
def test_old_names_map_to_the_province_they_became(old, new):
    assert current_name(old) == new
    assert provinces_in(f"Tỉnh {old} đẩy mạnh chuyển đổi số.") == (new,)


@pytest.mark.parametrize("text", [
    "chuyển đổi số ở hà giang", "chuyen doi so o ha giang", "CHUYỂN ĐỔI SỐ TỈNH HÀ GIANG", "Ha Giang",
])
def test_with_or_without_diacritics_and_any_case(text):
    assert provinces_in(text) == ("Tuyên Quang",)


def test_order_of_first_mention_and_each_once():
    text = "Nghệ An và Hà Tĩnh; sau đó Nghệ An, rồi Yên Bái và Lào Cai."
    assert provinces_in(text) == ("Nghệ An", "Hà Tĩnh", "Lào Cai")


@pytest.mark.parametrize("text", [
    "Vì hòa bình và phát triển bền vững.",  # peace
    "Một thời thái bình, muôn nhà no ấm.",  # peaceful
    "Hai tòa nhà cao bằng nhau.",  # as tall as
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",  # the person
    "Công ty bố trí hai phòng họp trực tuyến.",  # two rooms, not Hải Phòng
])
def test_common_words_are_not_provinces(text):
    assert provinces_in(text) == ()


@pytest.mark.parametrize("text, province", [
    ("Tỉnh Hòa Bình (cũ) số hóa hồ sơ.", "Phú Thọ"),
    ("UBND tỉnh hòa bình ban hành kế hoạch.", "Phú Thọ"),
    ("Thái Bình đứng đầu về dịch vụ công.", "Hưng Yên"),
    ("TP.HCM triển khai đô thị thông minh.", "Hồ Chí Minh"),
    ("thành phố hồ chí minh", "Hồ Chí Minh"),
    ("Ho Chi Minh City digital transformation", "Hồ Chí Minh"),
])
def test_those_words_count_when_written_as_a_place(text, province):
    assert provinces_in(text) == (province,)


def test_old_and_new_tone_placement():
    assert provinces_in("Hoà Bình") == provinces_in("Hòa Bình") == ("Phú Thọ",)
    assert provinces_in("Thanh Hoá") == ("Thanh Hóa",)


def test_all_names_lists_current_then_merged():
    assert all_names("Tuyên Quang") == ("Tuyên Quang", "Hà Giang")
    assert all_names("ha giang") == ("Tuyên Quang", "Hà Giang")
    assert set(all_names("Cần Thơ")) == {"Cần Thơ", "Hậu Giang", "Sóc Trăng"}
    assert all_names("Atlantis") == ()


def test_mentions_say_where_the_place_is_written():
    from bot.provinces import mentions

    text = "Kết quả của tỉnh ha giang và Nghệ An"
    assert [(text[a:b], p) for a, b, p in mentions(text)] == [("ha giang", "Tuyên Quang"), ("Nghệ An", "Nghệ An")]


def test_fast_enough_for_every_question():
    question = "Mục tiêu Chính phủ số của tỉnh Nghệ An đến năm 2025 là gì, so với Hà Tĩnh?"
    provinces_in(question)
    start = time.perf_counter()
    for _ in range(200):
        provinces_in(question)
    assert (time.perf_counter() - start) / 200 < 0.002


def test_a_comparison_asks_each_province_the_words_of_its_own_clauses():
    from bot.asking import asks_a_question
    from bot.comparison import scene_words, words_asked_of

    asked = words_asked_of("Ai chủ trì điểm cầu Cửa Lò của Nghệ An, còn ở Quảng Ninh ai chủ trì cuộc họp đánh giá 2 năm?",
                           ("Nghệ An", "Quảng Ninh"), asks_a_question)
    assert "Cửa Lò" in asked["Nghệ An"] and "cuộc họp" not in asked["Nghệ An"]
    assert "cuộc họp" in asked["Quảng Ninh"] and "Cửa Lò" not in asked["Quảng Ninh"]
    # a clause with only a province's name asks it the whole question; one shared by both, both
    assert words_asked_of("Mục tiêu của Quảng Ninh là gì, còn Nghệ An thì sao?", ("Quảng Ninh", "Nghệ An"), asks_a_question)["Nghệ An"] == ""
    both = words_asked_of("Thanh Hóa và Quảng Ninh, tỉnh nào ban hành nghị quyết sớm hơn?", ("Thanh Hóa", "Quảng Ninh"), asks_a_question)
    assert all(words == "" or "ban hành nghị quyết" in words for words in both.values())
    # named only to set the scene: not a part of the answer
    assert list(words_asked_of("Thanh Hoa aims for the top 10. What range did Nghe An propose?", ("Thanh Hóa", "Nghệ An"), asks_a_question)) == ["Nghệ An"]
    # a statement before a semicolon sets the scene too; what it says is looked up for its province
    stated = "Thanh Hóa ban hành nghị quyết ngày 10/11/2021; Nghệ An hoàn thành dự thảo trước ngày nào?"
    assert list(words_asked_of(stated, ("Thanh Hóa", "Nghệ An"), asks_a_question)) == ["Nghệ An"]
    assert "10/11/2021" in scene_words(stated, ("Thanh Hóa", "Nghệ An"), asks_a_question)["Thanh Hóa"]


def test_which_review_looked_back_longer_cites_the_longer_review_first():
    from bot.comparison import ordered_by_span, span_order
    from bot.records import Citation

    def cited(n, quote):
        return Citation(n, n, "title", "outlet", "2024-03-19", "", f"{n}.txt", quote, 0.5)

    one_year = cited(1, "Chiều ngày 21/9, UBND tỉnh tổ chức hội nghị sơ kết 1 năm thực hiện Nghị quyết số 09")
    two_years = cited(2, "Về báo cáo sơ kết 2 năm thực hiện Nghị quyết số 09, các sở cần hoàn thiện lại các báo cáo")
    for question, first in (("Which review looked back over a longer stretch of time?", "2.txt"),
                            ("tỉnh nào sơ kết sau thời gian ngắn hơn", "1.txt")):
        ranked, _ = ordered_by_span(span_order(question), [one_year, two_years], {1: "", 2: ""})
        assert ranked[0].source_file == first and [c.n for c in ranked] == [1, 2]
    # a quote naming no span leaves the order as named: nothing is compared on a guess
    unknown = cited(2, "Các sở, ngành cần hoàn thiện lại các báo cáo")
    assert ordered_by_span("longest", [one_year, unknown], {})[0] == [one_year, unknown]


def test_a_day_without_its_year_is_dated_by_the_article():
    from bot.comparison import first_date

    assert first_date("Sáng 19/3, đồng chí Cao Tường Huy chủ trì", year=2024) == (2024, 3, 19)
    assert first_date("Sáng 19/3", year=0) is None  # no year known: not compared on a guess
    assert first_date("đã có 7/20 mục tiêu", year=2024) is None  # a count, not a day
    assert first_date("Nghị quyết số 09-NQ/TU, ngày 05/8/2022", year=2023) == (2022, 8, 5)


@pytest.mark.parametrize("text, province", [
    ("Which telecoms sent staff to the Cua Lo end of the meeting?", "Nghệ An"),
    ("Ai chủ trì điểm cầu Cửa Lò?", "Nghệ An"),
    ("tx cua lo co bao nhieu phuong", "Nghệ An"),  # typed in lower case after "tx"
    ("hop so ket o cua lo co ct ubnd may phuong", "Nghệ An"),  # after "ở", typed without diacritics
    ("ai chủ trì điểm cầu cửa lò", "Nghệ An"),
    ("Hội nghị ở TP Vinh diễn ra khi nào?", "Nghệ An"),
    ("Ha Long city's smart tourism plan?", "Quảng Ninh"),
    ("Thời tiết ở Đà Lạt thế nào?", "Lâm Đồng"),
])
def test_a_town_or_city_named_means_its_province(text, province):
    assert provinces_of_places(text) == (province,)


@pytest.mark.parametrize("text", [
    "ông Lê Hồng Vinh phát biểu gì?",  # a person's name, not the city of Vinh
    "ông Vinh nói gì?",
    "Vĩnh Phúc",  # other diacritics: not Vinh
    "lò sưởi ở cửa lò nhà tôi bị hỏng",  # a furnace door, in lower case
    "Chu de Ngay chuyen doi so quoc gia la gi",  # "chủ đề", not the town of Chũ
    "Hoàng Mai có bao nhiêu phường?",  # a town of Nghệ An and a district of Hà Nội: ambiguous
])
def test_people_common_words_and_ambiguous_names_are_not_places(text):
    assert provinces_of_places(text) == ()
