"""Questions that set a scene before asking, and questions that give a person a post: what the
user sees over the real seed index and model. The answer to "At the meeting …, what did X say
…?" is the sentence holding what was asked, not the one repeating the meeting; a person given a
post the articles never give them is a premise no confident answer confirms."""

from __future__ import annotations

import pytest

from bot.people import posts_given
from bot.text import search_key
from seed_articles import CUA_LO_2023, QUANG_NINH, THANH_HOA

pytestmark = pytest.mark.slow


def answered_from(answerer, question: str, source: str):
    """The answer to `question`, checked to be confident and to cite `source` first."""
    answer = answerer.answer(question)
    assert answer.confidence == "answer", answer.text
    assert answer.citations[0].source_file == source
    return answer


@pytest.mark.parametrize("question, source, fact", [
    ("Tại cuộc họp đánh giá 2 năm thực hiện Nghị quyết 09, Chủ tịch UBND tỉnh Quảng Ninh cho rằng điều gì "
     "quan trọng nhất?", QUANG_NINH, "nâng cao vai trò, trách nhiệm"),
    ("At Quang Ninh's meeting on two years of Resolution 09, what did the chairman single out as the most "
     "important issue?", QUANG_NINH, "nâng cao vai trò, trách nhiệm"),
    # who is asking, before a colon, is no part of what is asked
    ("I'm an investor looking at Quang Ninh: what does its chairman think going digital will do for the economy?",
     QUANG_NINH, "sức cạnh tranh của nền kinh tế"),
])
def test_a_question_setting_the_scene_first_is_answered_by_the_sentence_saying_what_was_asked(answerer, question, source, fact):
    # the meeting's own sentence ("sơ kết 2 năm …") holds the scene's words, not the answer
    answer = answered_from(answerer, question, source)
    assert search_key(fact) in search_key(answer.citations[0].quote)


@pytest.mark.parametrize("question", [
    "What did Minister Nguyễn Phú Tiến present at Thanh Hoa's digital transformation conference?",
    "Bí thư Tỉnh ủy Nguyễn Đức Trung đã chỉ đạo gì tại hội nghị sơ kết 1 năm chuyển đổi số của Nghệ An?",
    "Quảng Ninh đã hoàn thành tất cả mục tiêu chuyển đổi số sau 2 năm, nhờ đâu?",  # 7 of 20
    # reviews after one year (Nghệ An) and two (Quảng Ninh), none after three or five
    "Hội nghị sơ kết 3 năm thực hiện Nghị quyết 09 về chuyển đổi số của Nghệ An đã kết luận gì?",
    "What did Quang Ninh's five-year review of its digital transformation resolution conclude?",
])
def test_a_post_or_an_outcome_the_articles_do_not_give_is_never_confirmed(answerer, question):
    # Nguyễn Phú Tiến is a Phó Cục trưởng, Nguyễn Đức Trung the Chủ tịch UBND tỉnh
    answer = answerer.answer(question)
    assert answer.confidence != "answer" and not answer.found, answer.text


@pytest.mark.parametrize("question, source, fact", [
    ("Phó Cục trưởng Nguyễn Phú Tiến đã giới thiệu những nội dung gì tại hội nghị chuyển đổi số của Thanh Hóa?",
     THANH_HOA, "những nội dung cơ bản nhất về chuyển đổi số"),
    ("What did chairman Nguyễn Đức Trung stress at Nghe An's one-year review of digital transformation?",
     CUA_LO_2023, "trọng tâm, xuyên suốt"),
])
def test_a_post_given_rightly_does_not_stop_the_answer(answerer, question, source, fact):
    answer = answered_from(answerer, question, source)
    assert search_key(fact) in search_key(" ".join(c.quote for c in answer.citations))


def test_the_number_of_a_document_asked_in_everyday_english_is_its_number(answerer):
    answer = answerer.answer("What's the number of Quang Ninh's party resolution on going digital?")
    assert answer.confidence == "answer" and "09-NQ/TU" in answer.short_answer, answer.text


def test_a_speaker_described_by_who_they_are_is_not_the_answer(answerer):
    # "the chairman who led …" says whose words are asked; the answer is what he stressed
    answer = answerer.answer("What did the chairman who led Quang Ninh's two-year review meeting call the most important issue?")
    assert answer.confidence == "answer", answer.text
    assert "nâng cao vai trò" in answer.short_answer


@pytest.mark.parametrize("question, fact", [
    # the day names the speaker's meeting; the sentence giving that day does not say what he said
    ("The Thanh Hoa vice chairman who spoke on 26 April 2022 said the biggest difficulty was what?", "thay đổi thói quen"),
    ("The official who chaired Quang Ninh's meeting on 19 March said what was the most important issue?", "nâng cao vai trò"),
])
def test_what_a_speaker_said_asked_after_naming_them_is_what_they_said(answerer, question, fact):
    answer = answerer.answer(question)
    assert answer.confidence == "answer" and fact in answer.short_answer, answer.text


@pytest.mark.parametrize("question, expected", [
    ("Why did Deputy Minister Nguyễn Phú Tiến chair it?", [("nguyen phu tien", ("thu truong", False))]),
    ("Chủ tịch UBND tỉnh Nghệ An Nguyễn Đức Trung nói gì?", [("nguyen duc trung", ("chu tich", False))]),
    ("Nguyễn Đức Trung, Bí thư Tỉnh ủy, đã kết luận gì?", [("nguyen duc trung", ("bi thu", False))]),
    ("Pho Chu tich HDND tinh Nghe An Nguyen Nhu Khoi cho rang gi?", [("nguyen nhu khoi", ("chu tich", True))]),
    ("What did vice-chairman Bui Dinh Long say?", [("bui dinh long", ("chu tich", True))]),
    ("Chủ Tịch Nguyễn Đức Trung nói gì?", [("nguyen duc trung", ("chu tich", False))]),  # a title capitalised is no name
    ("What did Nguyen Duc Trung say at the conference?", []),  # no post given
    ("Hồ Chí Minh city chairman?", []),  # a place, not a person
])
def test_the_post_a_question_gives_a_person_is_read_from_either_side_of_the_name(question, expected):
    assert posts_given(question) == expected
