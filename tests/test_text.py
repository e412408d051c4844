"""Vietnamese text primitives: diacritic folding, tone placement, NFC, sentence boundaries."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import canonical_tones, fold, has_diacritics, nfc, search_key, sentence_spans, split_sentences

VIETNAMESE_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " ,.0123456789"), max_size=80
)


@pytest.mark.parametrize("text, folded", [
    ("Chính phủ số", "chinh phu so"),
    ("Đảng bộ tỉnh Nghệ An", "dang bo tinh nghe an"),
    ("ĐỒNG CHÍ Thái Thanh Quý", "dong chi thai thanh quy"),
    ("dịch vụ công trực tuyến", "dich vu cong truc tuyen"),
    ("Tỉnh uỷ, Tỉnh ủy", "tinh uy, tinh uy"),
])
def test_fold_removes_every_diacritic_and_maps_d_stroke(text, folded):
    assert fold(text) == folded


def test_fold_treats_decomposed_input_like_composed():
    composed = "Chuyển đổi số quốc gia"
    assert fold(unicodedata.normalize("NFD", composed)) == fold(composed) == "chuyen doi so quoc gia"


@settings(deadline=None)
@given(vietnamese_text)
def test_fold_output_is_plain_ascii_letters(text):
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert fold(folded) == folded


@pytest.mark.parametrize("old_style, new_style", [
    ("Tỉnh uỷ", "Tỉnh ủy"),
    ("hoà nhập", "hòa nhập"),
    ("Thanh Hoá", "Thanh Hóa"),
    ("Hoà Bình", "Hòa Bình"),
    ("thuỷ lợi", "thủy lợi"),
    ("sức khoẻ", "sức khỏe"),
    ("HOÀ", "HÒA"),
])
def test_old_and_new_tone_placement_compare_equal(old_style, new_style):
    assert canonical_tones(old_style) == canonical_tones(new_style) == new_style
    assert search_key(old_style) == search_key(new_style)


@pytest.mark.parametrize("word", ["quý", "Quỳ Hợp", "hoàn thành", "thuận lợi", "khoảng", "tuyến", "quà"])
def test_tone_placement_leaves_other_words_alone(word):
    # "qu" is a consonant, and o/u inside a longer syllable is not a glide before a final vowel.
    assert canonical_tones(word) == word


@settings(deadline=None)
@given(vietnamese_text)
def test_canonical_tones_only_moves_marks(text):
    text = nfc(text)
    moved = canonical_tones(text)
    assert fold(moved) == fold(text)
    assert canonical_tones(moved) == moved


def test_nfc_composes_keyboard_input_and_drops_invisible_characters():
    typed = unicodedata.normalize("NFD", "Chuyển đổi số") + "\u200b" + "\u00ad"
    assert nfc(typed) == "Chuyển đổi số"
    assert unicodedata.is_normalized("NFC", nfc(typed))


def test_has_diacritics():
    assert has_diacritics("chuyển đổi số")
    assert has_diacritics("đô thị")
    assert not has_diacritics("chuyen doi so")


# ---------------------------------------------------------------- sentences

@pytest.mark.parametrize("text, sentences", [
    # A date with a slash is not a sentence end, "thứ 9." is.
    ("Sáng 1/7, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ 9. Đồng chí Thái Thanh Quý chủ trì hội nghị.",
     ["Sáng 1/7, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ 9.", "Đồng chí Thái Thanh Quý chủ trì hội nghị."]),
    ("UBND tỉnh giao Sở TT&TT chủ trì tham mưu. Đồng thời, xin ý kiến của Bộ TT&TT. Sau đó báo cáo.",
     ["UBND tỉnh giao Sở TT&TT chủ trì tham mưu.", "Đồng thời, xin ý kiến của Bộ TT&TT.", "Sau đó báo cáo."]),
    ("Chương trình của Bệnh viện Đa khoa TP. Vinh đã trở thành cẩm nang tư vấn. Người bệnh hài lòng.",
     ["Chương trình của Bệnh viện Đa khoa TP. Vinh đã trở thành cẩm nang tư vấn.", "Người bệnh hài lòng."]),
    ("Nghị quyết số 09-NQ/TU, ngày 05/8/2022 có hiệu lực. Đến nay đạt 7/20 mục tiêu (đạt 40%). Còn lại đang làm.",
     ["Nghị quyết số 09-NQ/TU, ngày 05/8/2022 có hiệu lực.", "Đến nay đạt 7/20 mục tiêu (đạt 40%).", "Còn lại đang làm."]),
    ("TS. Lê Bá Hùng phát biểu! Vì sao? Vì “chuyển đổi số là tất yếu.” Hội nghị kết thúc.",
     ["TS. Lê Bá Hùng phát biểu!", "Vì sao?", "Vì “chuyển đổi số là tất yếu.”", "Hội nghị kết thúc."]),
    ("Các lĩnh vực như: y tế, giáo dục, du lịch… cần xây dựng kế hoạch. Tiếp theo là báo cáo.",
     ["Các lĩnh vực như: y tế, giáo dục, du lịch… cần xây dựng kế hoạch.", "Tiếp theo là báo cáo."]),
    ("Tiêu đề không có dấu chấm\nĐoạn văn thứ hai.", ["Tiêu đề không có dấu chấm", "Đoạn văn thứ hai."]),
])
def test_vietnamese_sentence_boundaries(text, sentences):
    assert split_sentences(text) == sentences


@settings(deadline=None)
@given(st.lists(st.sampled_from([
    "Sáng 1/7, hội nghị khai mạc.", "Sở TT&TT chủ trì.", "TP. Vinh đăng cai!", "Vì sao?", "đạt 40%.",
    "Ông A. phát biểu", "\n", "\n\n", "  ", "…",
]), max_size=12))
def test_sentence_spans_are_ordered_trimmed_pieces_of_the_text(parts):
    text = " ".join(parts)
    spans = sentence_spans(text)
    for (a, b), (c, _) in zip(spans, spans[1:]):
        assert b <= c
    for a, b in spans:
        piece = text[a:b]
        assert piece and piece == piece.strip() and "\n" not in piece
    # No visible character is lost between sentences.
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text.split())


def test_an_article_heading_is_one_sentence_with_its_title():
    assert split_sentences("Điều 20. Điều kiện đăng ký thường trú\nCông dân có chỗ ở hợp pháp. Việc này xong.") == [
        "Điều 20. Điều kiện đăng ký thường trú", "Công dân có chỗ ở hợp pháp.", "Việc này xong."]
