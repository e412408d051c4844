"""Retrieval: query analysis, fusion, FTS expressions, and hybrid search over the real seed index."""

from __future__ import annotations

import pytest

from bot.config import SearchConfig
from bot.analysis import Analyzer, Concept, Phrase, Query
from bot.search import Searcher, fuse_rankings, match_expression
from bot.store import open_index


def test_fusion_rewards_agreement_between_retrievers():
    lexical = [(1, 9.0), (2, 8.0), (3, 7.0)]
    dense = [(3, 0.9), (4, 0.8), (1, 0.7)]
    fused = [item for item, _ in fuse_rankings([(1.0, lexical), (1.0, dense)], rrf_k=60)]
    assert fused[:2] == [1, 3]  # in both lists
    assert set(fused) == {1, 2, 3, 4}


def test_fusion_weights_decide_which_retriever_leads():
    lexical = [(1, 9.0), (2, 8.0)]
    dense = [(2, 0.9), (1, 0.8)]
    assert fuse_rankings([(1.0, lexical), (0.2, dense)], 10)[0][0] == 1
    assert fuse_rankings([(0.2, lexical), (1.0, dense)], 10)[0][0] == 2


def test_fusion_breaks_ties_by_id_so_results_are_stable():
    assert [i for i, _ in fuse_rankings([(1.0, [(7, 1.0)]), (1.0, [(3, 1.0)])], 60)] == [3, 7]


def test_match_expression_uses_folded_columns_for_words_typed_without_diacritics():
    query = Query("x", "vi", (
        Concept("muc tieu", (Phrase.of("muc tieu"),)),
        Concept("chính phủ", (Phrase.of("chính phủ"),)),
    ), (), (), "x")
    expression = match_expression(query)
    assert '{body_folded title_folded} : "muc tieu"' in expression
    assert '{body title} : "chính phủ"' in expression


def test_phrase_of_canonicalises_tone_placement_and_case():
    assert Phrase.of("Tỉnh Uỷ") == Phrase.of("tỉnh ủy")
    assert Phrase.of("Chính Phủ Số") == Phrase("chính phủ số", True)
    assert Phrase.of("Dich vu") == Phrase("dich vu", False)


@pytest.fixture(scope="module")
def searcher(built_seed, bundled_embedder):
    config = built_seed.config
    store = open_index(config)
    yield Searcher(store, bundled_embedder, Analyzer.from_config(config.search), config.search)
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_with_and_without_diacritics_find_the_same_top_passage(searcher, mode):
    plain = searcher.search("muc tieu chinh phu so nghe an", 3, mode)
    marked = searcher.search("mục tiêu Chính phủ số Nghệ An", 3, mode)
    assert plain[0].chunk_id == marked[0].chunk_id
    assert "Chính phủ số" in plain[0].text and plain[0].source_file == "002_f4c38aa5626986ed.txt"


@pytest.mark.slow
def test_dense_mode_returns_ranked_hits_with_citation_data(searcher):
    hits = searcher.search("Thanh Hóa chuyển đổi số", 5, "dense")
    assert len(hits) == 5
    assert all(h.metadata.title for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.slow
def test_question_naming_a_province_prefers_that_provinces_articles(searcher):
    hits = searcher.search("mục tiêu chuyển đổi số của Quảng Ninh", 3)
    assert hits[0].source_file == "001_7c41b3213df7f756.txt"
    hits = searcher.search("mục tiêu chuyển đổi số của Thanh Hóa", 3)
    assert hits[0].source_file == "004_19ab1e55f0366f18.txt"


@pytest.mark.slow
def test_english_question_is_expanded_with_the_glossary(searcher):
    query = searcher.analyze("What are the online public services targets?")
    assert query.language == "en"
    labels = {c.label for c in query.concepts}
    assert {"online public services", "targets"} <= labels
    hits = searcher.retrieve(query, 3, "lexical")
    assert any("dịch vụ công trực tuyến" in h.text for h in hits)


@pytest.mark.slow
def test_unknown_mode_is_refused_with_the_allowed_values(searcher):
    with pytest.raises(ValueError, match="lexical"):
        searcher.search("x", 3, "semantic")


@pytest.mark.slow
def test_coverage_is_high_for_the_answer_and_low_for_unrelated_text(searcher):
    query = searcher.analyze("Mục tiêu Chính phủ số của Nghệ An là gì?")
    answer = "Nghệ An cần phấn đấu nằm trong tốp 25 - 30 tỉnh, thành phố có chỉ số cao về Chính phủ số"
    unrelated = "Đội Nhi đồng Con Cuông đang nỗ lực tập luyện thể lực, kỹ thuật và chiến thuật."
    assert searcher.coverage(query, answer, ("Nghệ An",)) == pytest.approx(1.0)
    assert searcher.coverage(query, unrelated) < 0.2


def test_search_config_defaults_are_valid():
    settings = SearchConfig()
    assert len(settings.column_weights) == 4 and settings.candidates > 0
