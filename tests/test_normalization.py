"""How people type questions: chat words, abbreviations and question words (corpus/normalization.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.accents import accent_table, restore
from bot.analysis import Analyzer
from bot.config import SearchConfig
from bot.errors import ConfigError
from bot.language import detect_language
from bot.normalization import Normalizer
from bot.text import fold

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer.load(REPO / "corpus" / "normalization.toml")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_config(SearchConfig(glossary=REPO / "corpus" / "glossary.toml",
                                             normalization=REPO / "corpus" / "normalization.toml"))


def test_chat_words_and_domain_abbreviations_are_written_out(normalizer):
    assert normalizer.expand("NA co giam le phi DVC ko?") == "Nghệ An co giam le phi dịch vụ công không?"
    assert normalizer.expand("muc tieu cds cua ubnd la j") == "muc tieu chuyển đổi số cua Ủy ban nhân dân la gì"
    assert "Thông tin và Truyền thông" in normalizer.expand("Sở TT&TT")
    assert normalizer.expand("lm cccd cx can bhyt khum") == "làm căn cước công dân cũng can bảo hiểm y tế không"


def test_an_abbreviation_typed_against_its_number_is_the_document_and_its_number(normalizer):
    # "nq09": Nghị quyết 09, the number the articles write after the resolution
    assert normalizer.expand("nq09 cua NA") == "Nghị quyết 09 cua Nghệ An"
    assert normalizer.expand("KH586 ban hanh ngay nao") == "Kế hoạch 586 ban hanh ngay nao"
    assert normalizer.expand("ma so abc123, covid19") == "ma so abc123, covid19"  # no abbreviation: as typed


def test_a_chat_word_reads_as_meant_beside_another(analyzer):
    # "bn" alone is "bao nhiêu"; calling out "bn ơi" is "bạn ơi", which asks no number
    assert analyzer.analyze("ai chu tri hoi nghi so ket v bn oi").asks == "who"
    assert analyzer.analyze("QN co bn dvc truc tuyen v bn ơi").asks == "how_many"


def test_an_abbreviation_written_out_with_little_words_is_one_concept(analyzer):
    # "Sở Thông tin và Truyền thông" is "Sở TT&TT" in the articles: one unit, not "thông", "tin", "truyền"
    for question in ("so tttt nghe an phai lam gi", "Sở TT&TT Nghệ An phải làm gì?"):
        concepts = [c for c in analyzer.analyze(question).concepts if not c.province]
        assert any("sở tt tt" in {p.key for p in c.phrases} for c in concepts), concepts


def test_province_abbreviations_only_count_in_capitals(normalizer):
    # "na" in lower case is a word (the custard apple), "NA" is Nghệ An.
    assert normalizer.expand("qua na") == "qua na"
    assert normalizer.expand("QN") == "Quảng Ninh"
    assert normalizer.expand("ubnd qn") == "Ủy ban nhân dân Quảng Ninh"  # "qn" is no word: any case
    # "HN" is Hà Nội; "hn" typed in a chat is a meeting ("hn cds TH": the digital conference in Thanh Hóa)
    assert normalizer.expand("HN") == "Hà Nội" and normalizer.expand("hn cds TH") == "hội nghị chuyển đổi số Thanh Hóa"


def test_english_questions_keep_their_words(normalizer):
    assert normalizer.expand("Who is the director v2", chat=False) == "Who is the director v2"


def test_question_words_are_never_content(analyzer):
    labels = {c.label for c in analyzer.analyze("Hội nghị diễn ra bao lâu và được hiểu là gì?").concepts}
    assert "hội" in labels or "hội nghị" in labels
    assert not labels & {"bao", "lâu", "được", "hiểu", "gì", "là"}


def test_a_chat_filler_does_not_change_the_content(analyzer):
    plain = {c.label for c in analyzer.analyze("giam doc so y te nghe an ten gi").concepts}
    chatty = {c.label for c in analyzer.analyze("giam doc so y te nghe an ten j vay ad").concepts}
    assert chatty == plain


def test_a_formal_request_does_not_change_the_content(analyzer):
    plain = {c.label for c in analyzer.analyze("Mục tiêu chuyển đổi số của Nghệ An là gì?").concepts}
    for formal in ("Đề nghị cho biết mục tiêu chuyển đổi số của Nghệ An.", "Xin cho biết mục tiêu chuyển đổi số của Nghệ An?",
                   "de nghi cho biet muc tieu chuyen doi so cua Nghe An"):
        assert {fold(label) for label in (c.label for c in analyzer.analyze(formal).concepts)} == {fold(label) for label in plain}, formal


def test_casual_vietnamese_without_diacritics_is_vietnamese(normalizer):
    for question in ("NA co giam le phi DVC truc tuyen ko?", "nghe an muc tieu cds 2025?", "giam doc so y te ten j"):
        assert detect_language(normalizer.expand(question)) == "vi", question


def test_the_question_asks_for_a_date_a_number_or_a_person(analyzer):
    assert analyzer.analyze("Khi nào hội nghị diễn ra?").asks == "when"
    assert analyzer.analyze("co bao nhieu dich vu cong").asks == "how_many"
    assert analyzer.analyze("Who chaired the meeting?").asks == "who"
    assert analyzer.analyze("Kế hoạch chuyển đổi số của tỉnh có số hiệu là gì?").asks == "document_number"
    assert analyzer.analyze("nghi quyet cds so bao nhieu").asks == "document_number"
    assert analyzer.analyze("What's the number of the Thanh Hoa party document on going digital?").asks == "document_number"
    assert analyzer.analyze("What is the number of tasks in the plan?").asks != "document_number"  # a count
    assert analyzer.analyze("Hội nghị tổ chức ở đâu?").asks == analyzer.analyze("Where was the meeting held?").asks == "place"


@pytest.mark.parametrize("question", [
    "ai viet bai so ket cds o Cua Lo z", "Tác giả bài viết về hội nghị của Thanh Hóa là ai?",
    "Who wrote the piece on Quang Ninh's review?", "who is the author of this article", "bài này của phóng viên nào vậy",
    "Who wrote the DNHN story about Nghe An's digital plan?",  # the outlet's name before "story"
])
def test_who_wrote_an_article_asks_for_its_authors(analyzer, question):
    assert analyzer.analyze(question).asks == "author"


@pytest.mark.parametrize("question", [
    "Ai viết dự thảo nghị quyết chuyển đổi số của Nghệ An?", "Who wrote the draft resolution?",
    "What does the writer say about the target?", "Ai là tác giả của cuốn sách Truyện Kiều?", "Ai đã viết bài thơ Nhớ rừng?", "Who wrote the national anthem?",
])
def test_who_wrote_a_document_or_what_an_author_says_asks_for_no_byline(analyzer, question):
    assert analyzer.analyze(question).asks != "author"


@pytest.mark.parametrize("question", [
    "Chủ tịch tỉnh nói chuyển đổi số phải lấy ai làm trung tâm?",
    "According to the chairman, who should digital transformation put at its centre?",
])
def test_whom_something_serves_asks_for_no_persons_name(analyzer, question):
    # answered by a group ("người dân và doanh nghiệp"), which names no one
    assert analyzer.analyze(question).asks != "who"


@pytest.mark.parametrize("question, asks", [
    ("Did anyone suggest lower fees when people use public services online?", ""),  # "when" starts a clause
    ("Who chaired the meeting when Nghe An reviewed its first year?", "who"),
    ("Can you tell me when Nghe An issued its plan?", "day"),  # still asked
    ("Bí thư kết luận thế nào về mục tiêu Chính phủ số?", ""),  # "thế nào" asks how, not which secretary
    ("Bí thư tỉnh nào chủ trì hội nghị?", "who"),
])
def test_a_word_that_only_joins_a_clause_asks_nothing(analyzer, question, asks):
    assert analyzer.analyze(question).asks == asks


@pytest.mark.parametrize("question", [
    "Nghệ An xin ý kiến Bộ nào về dự thảo?", "bao cao trinh len co quan nao v", "Which ministry was consulted on the draft?",
])
def test_which_ministry_or_body_asks_for_a_named_body(analyzer, question):
    assert analyzer.analyze(question).asks == "body"


def test_who_opening_a_relative_clause_asks_for_no_one(analyzer):
    # "the vice chairman who spoke …" names the speaker; what he said is asked
    assert analyzer.analyze("The vice chairman who spoke on April 26 said the hardest part was what?").asks == ""
    assert analyzer.analyze("What did the official who chaired the meeting stress?").asks == ""
    assert analyzer.analyze("What was decided and who signed it?").asks == "who"
    assert analyzer.analyze("Who chaired the meeting and what did he say?").asks == "who"


def test_a_question_word_written_with_diacritics_is_only_that_word():
    from bot.asking import asks_a_question

    assert not asks_a_question("Cả hai tỉnh đều coi trọng người đứng đầu")  # "đầu" (head), no "đâu" (where)
    assert not asks_a_question("Nghệ An trang bị máy tính cho các xã")  # "máy" (machine), no "mấy"
    assert asks_a_question("Hội nghị tổ chức ở đâu") and asks_a_question("hoi nghi to chuc o dau")
    assert asks_a_question("Có mấy trục chính") and asks_a_question("co may truc chinh")


def test_a_followup_asks_what_its_own_words_ask_or_else_what_the_topic_asked(analyzer):
    from bot.asking import FOLLOWUP_SEPARATOR as SEP

    assert analyzer.analyze(f"Hội nghị diễn ra khi nào{SEP}ai chủ trì?").asks == "who"
    # "còn X thì sao?": the same question about another part of the topic
    assert analyzer.analyze(f"Quảng Ninh hoàn thành bao nhiêu mục tiêu{SEP}còn kinh tế số thì sao?").asks == "how_many"
    assert analyzer.analyze(f"Dự thảo xin ý kiến Thường trực Tỉnh ủy khi nào{SEP}còn Ban Chấp hành?").asks == "when"
    assert analyzer.analyze(f"How many targets did Quang Ninh meet{SEP}what about the digital economy?").asks == "how_many"
    # a question of its own that asks for no date or number does not inherit one
    assert analyzer.analyze(f"Nghệ An thông qua dự thảo khi nào{SEP}trong tam la j").asks == ""
    assert analyzer.analyze(f"Nghệ An thông qua dự thảo khi nào{SEP}nghị quyết đó có trọng tâm gì?").asks == ""


def test_a_quote_holds_what_was_asked_only_with_its_kind_of_fact(analyzer):
    from bot.facts import holds_asked_kind

    years_only = "UBND tỉnh đã ban hành Kế hoạch triển khai chuyển đổi số đến năm 2025, định hướng đến năm 2030."
    numbered = "Kế hoạch số 586/KH-UBND, ngày 22/8/2022 của UBND tỉnh về chuyển đổi số."
    for question in ("Kế hoạch ban hành ngày nào?", "Kế hoạch có số hiệu là gì?"):
        query = analyzer.analyze(question)
        assert not holds_asked_kind(query, years_only) and holds_asked_kind(query, numbered), question
    in_2021 = "Năm 2021, UBND tỉnh ban hành Kế hoạch triển khai chuyển đổi số."
    assert holds_asked_kind(analyzer.analyze("Kế hoạch ban hành năm nào?"), in_2021)  # a year answers "năm nào"
    # but not the years of the plan's title, which look ahead: "đến năm 2025, định hướng đến năm 2030"
    assert not holds_asked_kind(analyzer.analyze("Kế hoạch ban hành năm nào?"), years_only)
    assert holds_asked_kind(analyzer.analyze("Khi nào phải hoàn thành?"), "Hoàn thành đến năm 2025.")
    # news dates what it reports "just" happened by the article's date, which the citation shows
    just = "Sở TT&TT vừa tổ chức hội thảo về chuyển đổi số đến năm 2025."
    assert holds_asked_kind(analyzer.analyze("Hội thảo tổ chức khi nào?"), just)
    assert not holds_asked_kind(analyzer.analyze("Hội thảo tổ chức ngày nào?"), just)
    month = analyzer.analyze("xin ý kiến Ban Chấp hành tháng mấy?")
    assert holds_asked_kind(month, "Xin ý kiến vào tháng 5/2022.") and not holds_asked_kind(month, in_2021)
    covid = "Sở TT&TT tổ chức hội thảo, bảo đảm các quy định phòng chống dịch Covid-19."
    assert not holds_asked_kind(analyzer.analyze("Bao giờ tổ chức hội thảo?"), covid)  # "19" of Covid-19 is no date


def test_a_question_of_money_needs_an_amount_of_money(analyzer):
    from bot.facts import holds_asked_kind

    plan = "UBND tỉnh đã ban hành Kế hoạch số 634 ngày 29/8/2023 về ngày Chuyển đổi số quốc gia."
    amount = "Tổng kinh phí thực hiện kế hoạch là 120 tỷ đồng từ ngân sách tỉnh."
    dollars = "The project cost $ 4 million."
    for question in ("Tổng kinh phí Nghệ An chi cho chuyển đổi số là bao nhiêu?", "tinh chi bao nhieu tien cho cds",
                     "How much money did Nghe An spend on digital transformation?"):
        query = analyzer.analyze(question)
        assert not holds_asked_kind(query, plan) and holds_asked_kind(query, amount), question
    assert holds_asked_kind(analyzer.analyze("How much did the project cost?"), dollars)
    # counting something other than money is not held to a currency, but a date or a document's number counts nothing
    counted = "UBND tỉnh đã ban hành 43 kế hoạch về chuyển đổi số."
    how_many_plans = analyzer.analyze("Nghệ An có bao nhiêu kế hoạch về chuyển đổi số?")
    assert holds_asked_kind(how_many_plans, counted) and not holds_asked_kind(how_many_plans, plan)
    assert not holds_asked_kind(analyzer.analyze("How many people attended the meeting?"), plan)


def test_broken_table_is_refused_with_the_file_named(tmp_path):
    path = tmp_path / "normalization.toml"
    path.write_text('[chat]\n"j" = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="normalization"):
        Normalizer.load(path)


def test_diacritics_come_back_as_the_corpus_writes_them():
    table = accent_table(["Mục tiêu Chính phủ số của tỉnh", "chính phủ số và chính phủ điện tử", "phụ nữ"])
    assert restore("muc tieu chinh phu so", table) == "mục tiêu chính phủ số"
    assert restore("Chinh phu", table) == "Chính phủ"  # the pair decides: not "phụ"
    assert restore("xyz abc", table) == "xyz abc"  # unknown words stay as typed
    # every pair counts, not two by two from the left: "la van | de nhan | thuc" left "thuc" alone
    table = accent_table(["Chuyển đổi số là vấn đề nhận thức, không phải vấn đề công nghệ.", "thực hiện thực tế thực chất"])
    assert restore("cds la van de nhan thuc hay van de cong nghe", table) == "cds là vấn đề nhận thức hay vấn đề công nghệ"


def test_a_one_syllable_chat_word_blanks_only_itself_when_typed_with_diacritics():
    normalizer = Normalizer(question_phrases=("bạn", "mình", "cho biết"))
    formal = "Bạn cho biết Ủy ban nào ban hành kế hoạch minh bạch?"
    kept = normalizer.without_question_words(formal, plain=False).split()
    assert kept == ["uy", "ban", "nao", "ban", "hanh", "ke", "hoach", "minh", "bach?"]
    # typed without diacritics "ban" may be "bạn": the folded form counts there
    assert "ban" not in normalizer.without_question_words("ban oi cho biet", plain=True).split()


def test_a_question_typed_without_diacritics_is_read_as_the_corpus_writes_it(analyzer):
    # the corpus's written forms: "trong" is "trọng" beside "quan", "cua lo" is "Cửa Lò", "bao" is
    # usually "báo" (a newspaper), "co" alone is "có"
    table = accent_table(["vấn đề quan trọng nhất trong chuyển đổi số", "điểm cầu Cửa Lò", "Báo Nghệ An", "báo cáo",
                          "có", "bao nhiêu"])
    lookup = lambda keys: {k: table[k] for k in keys if k in table}  # noqa: E731 (IndexStore.accents_for)
    query = analyzer.analyze("van de quan trong nhat o cua lo la j", lookup)
    labels = {fold(c.label) for c in query.concepts}
    assert {"trong", "cua"} <= labels  # "quan trọng", "Cửa Lò": content, not "trong" (in), "của" (of)
    assert "quan trọng nhất" in query.dense_text and "cửa lò" in query.dense_text and "là gì" in query.dense_text
    counted = analyzer.analyze("QN co bn muc tieu", lookup)
    assert "bao nhiêu" in counted.dense_text and "báo" not in counted.dense_text  # "bn" written out, not re-guessed
    assert "co" not in {c.label for c in counted.concepts}  # "có": no content


def test_a_one_syllable_question_word_typed_without_diacritics_is_one_as_the_corpus_writes_it(analyzer):
    # "ban hanh" is "ban hành" (to issue), "uy ban" is "Ủy ban"; "ban oi" is still "bạn ơi"
    table = accent_table(["ban hành nghị quyết", "Ủy ban nhân dân tỉnh", "mục tiêu"])
    lookup = lambda keys: {k: table[k] for k in keys if k in table}  # noqa: E731 (IndexStore.accents_for)
    issued = analyzer.analyze("nghi quyet 09 ban hanh ngay nao", lookup)
    assert "ban" in {c.label for c in issued.concepts}
    hello = analyzer.analyze("ban oi cho minh hoi muc tieu cds", lookup)
    assert not {"ban", "minh"} & {c.label for c in hello.concepts}


def test_english_may_is_no_vietnamese_may(analyzer):
    # typed without diacritics, Vietnamese "may" is "mấy" (how many); in English it is "may"
    assert analyzer.analyze("What may Nghe An do to help residents use online services?").asks == ""
    assert analyzer.analyze("cds QN co may truc chinh").asks == "how_many"
