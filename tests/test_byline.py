"""The byline closing an article: what answers "who wrote it?"."""

from __future__ import annotations

import pytest

from bot.byline import byline_of


@pytest.mark.parametrize("closing", [
    "Hữu Lương – Duy Quý", "Văn Cương - Hoàng Lan", "Bài, ảnh: Minh Châu", "Nguyễn Văn An, Trần Thị Bình và Lê Cường", "Nhóm PV",
])
def test_the_authors_line_closing_an_article_is_its_byline(closing):
    text = f"Hội nghị đã thảo luận các giải pháp chuyển đổi số.\n\n   {closing}\n"
    assert byline_of(text) == closing


@pytest.mark.parametrize("closing", [
    "Tại hội nghị, các đại biểu đã trao đổi, thảo luận về chuyển đổi số của tỉnh./.",
    "Tin liên quan", "Lượt truy cập hiện tại : 8", "Ngày 21/9/2023", "",
])
def test_an_article_ending_in_a_sentence_or_page_chrome_has_no_byline(closing):
    assert byline_of(f"Hội nghị đã thảo luận các giải pháp.\n{closing}") == ""
