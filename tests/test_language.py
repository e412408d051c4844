"""Language detection, stopwords and the bilingual glossary."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.glossary import Glossary
from bot.language import detect_language

REPO_GLOSSARY = __import__("pathlib").Path(__file__).resolve().parents[1] / "corpus" / "glossary.toml"


@pytest.mark.parametrize("text, language", [
    ("What is Nghệ An's Government-index target?", "en"),  # Vietnamese names inside English
    ("How many targets does Quang Ninh have?", "en"),
    ("hello", "en"),
    ("Mục tiêu Chính phủ số của Nghệ An là gì?", "vi"),
    ("muc tieu chinh phu so nghe an", "vi"),  # typed without diacritics
    ("dich vu cong truc tuyen", "vi"),
    ("Thanh Hoa dat muc tieu gi", "vi"),
    ("Nghe An", "vi"),
    # casual Vietnamese naming foreign things: the English names must not outvote it
    ("super bowl 50 dien ra o dau", "vi"),
    ("apple ra mat iphone moi o dau", "vi"),
    ("When did Google open its office in Hanoi?", "en"),
    ("Which team won the game in ten minutes?", "en"),
    ("", "vi"),
    ("2025", "vi"),
])
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_glossary_prefers_the_longest_phrase():
    glossary = Glossary.load(REPO_GLOSSARY)
    matches = glossary.matches("Which provinces lead on the digital government index?")
    assert [m.english for m in matches][-1] == "digital government index"
    assert "chính phủ số" in matches[-1].vietnamese


def test_a_plural_finds_its_singulars_entry(tmp_path):
    path = tmp_path / "glossary.toml"
    path.write_text('[terms]\n"district" = ["huyện"]\n"business" = ["doanh nghiệp"]\n', encoding="utf-8")
    matches = Glossary.load(path).matches("Which districts helped businesses? The districtual plan")
    assert [(m.english, m.vietnamese) for m in matches] == [("district", ("huyện",)), ("business", ("doanh nghiệp",))]


def test_a_plural_not_made_with_s_finds_its_singulars_entry(tmp_path):
    path = tmp_path / "glossary.toml"
    path.write_text('[terms]\n"chairman" = ["Chủ tịch"]\n"agency" = ["cơ quan"]\n"day" = ["ngày"]\n', encoding="utf-8")
    matches = Glossary.load(path).matches("How many ward chairmen and agencies came? Two days")
    assert [(m.english, m.vietnamese) for m in matches] == [("chairman", ("Chủ tịch",)), ("agency", ("cơ quan",)),
                                                            ("day", ("ngày",))]


def test_glossary_synonyms_work_in_both_directions(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[terms]\n"target" = ["mục tiêu"]\n[synonyms]\n"mục tiêu" = ["phấn đấu", "chỉ tiêu"]\n', encoding="utf-8")
    glossary = Glossary.load(path)
    assert set(glossary.synonyms_of("mục tiêu")) == {"phấn đấu", "chỉ tiêu"}
    assert "mục tiêu" in glossary.synonyms_of("Phấn đấu")
    assert glossary.matches("The TARGET is") [0].vietnamese == ("mục tiêu",)


def test_admin_can_extend_the_glossary(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[terms]\n"broadband" = ["băng rộng"]\n', encoding="utf-8")
    assert Glossary.load(path).matches("broadband coverage")[0].vietnamese == ("băng rộng",)


@pytest.mark.parametrize("content", ['[terms]\n"x" = 3\n', "[terms\n", '[terms]\n"x" = [""]\n'])
def test_a_broken_glossary_is_a_clear_config_error(tmp_path, content):
    path = tmp_path / "g.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="glossary"):
        Glossary.load(path)


def test_missing_glossary_means_no_expansion(tmp_path):
    assert Glossary.load(tmp_path / "none.toml").matches("digital government") == []
