"""Observable behaviour of bench/variants.py (XQuAD question variants)."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bench.variants import (
    ABBREVIATED_WORDS,
    CHAT_SOURCE_WORDS,
    PREFIX_FILLERS,
    SUFFIX_FILLERS,
    Item,
    chat_variant,
    english_question,
    item_rng,
    load_xquad,
    make_variant,
    paired_items,
    strip_diacritics,
)

REPO = Path(__file__).resolve().parents[1]
XQUAD_DIR = Path("/work/shared/benchmarks/xquad")
XQUAD_VI = XQUAD_DIR / "xquad.vi.json"
XQUAD_EN = XQUAD_DIR / "xquad.en.json"
needs_xquad = pytest.mark.skipif(
    not (XQUAD_VI.exists() and XQUAD_EN.exists()), reason="XQuAD files not available"
)

# Every Vietnamese letter with a mark, lower and upper case.
VI_MARKED = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
)
VI_MARKED_ALL = VI_MARKED + VI_MARKED.upper()

SAMPLE_QUESTIONS = [
    "Đội thủ Panthers đã thua bao nhiêu điểm?",
    "Chuyển đổi số là gì?",
    "Người dân có được sử dụng dịch vụ công trực tuyến không?",
    "Quảng Ninh đã hoàn thành mục tiêu như thế nào?",
    "Vậy ai chủ trì hội nghị ở Ủy ban nhân dân tỉnh?",
    "Bao giờ Nghệ An ban hành Nghị quyết?",
    "Thành phố Hồ Chí Minh có bao nhiêu quận?",
    "Tại sao Đà Nẵng được chọn làm thí điểm?",
]


def _no_marks(text: str) -> bool:
    if "đ" in text or "Đ" in text:
        return False
    return not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _plain_form(question: str) -> str:
    """What a careless typist would produce without any chat habits."""
    return re.sub(r"[\s?？.!…]+$", "", strip_diacritics(question).lower().strip())


# ---------------------------------------------------------------- strip_diacritics

def test_strip_diacritics_removes_every_mark_including_d_bar():
    out = strip_diacritics(VI_MARKED_ALL)
    assert _no_marks(out)
    assert len(out) == len(VI_MARKED_ALL)
    assert set(out) <= set("aeiouydAEIOUYD")
    assert strip_diacritics("đĐ") == "dD"


def test_strip_diacritics_known_words():
    assert strip_diacritics("Chuyển đổi số") == "Chuyen doi so"
    assert strip_diacritics("Đà Nẵng, Quảng Ngãi, Thừa Thiên Huế") == "Da Nang, Quang Ngai, Thua Thien Hue"
    assert strip_diacritics("ƯỚC MƠ") == "UOC MO"


def test_strip_diacritics_accepts_nfd_and_returns_nfc():
    nfd = unicodedata.normalize("NFD", "Nghệ An được")
    out = strip_diacritics(nfd)
    assert out == "Nghe An duoc"
    assert unicodedata.normalize("NFC", out) == out


def test_strip_diacritics_leaves_ascii_and_digits_alone():
    text = "UBND tinh 09-NQ/TU, 05/8/2022: 100% ok?"
    assert strip_diacritics(text) == text


# ---------------------------------------------------------------- chat_variant

def test_chat_variant_is_deterministic_for_a_seed():
    for q in SAMPLE_QUESTIONS:
        a = [chat_variant(q, random.Random(7)) for _ in range(3)]
        assert a[0] == a[1] == a[2]
    outs = {tuple(chat_variant(q, random.Random(s)) for q in SAMPLE_QUESTIONS) for s in range(20)}
    assert len(outs) > 1, "different seeds should sometimes give different variants"


def test_chat_variant_shape():
    for q in SAMPLE_QUESTIONS:
        for seed in range(10):
            out = chat_variant(q, random.Random(seed))
            assert _no_marks(out), out
            assert out == out.lower(), out
            assert not out.endswith("?"), out
            assert out == out.strip() and "  " not in out, out


def test_chat_variant_uses_chat_forms():
    seen: set[str] = set()
    for seed in range(30):
        rng = random.Random(seed)
        seen.update(_tokens(chat_variant("Cái này là gì vậy?", rng)))
        seen.update(_tokens(chat_variant("Có được không?", rng)))
        seen.update(_tokens(chat_variant("Có bao nhiêu người?", rng)))
        seen.update(_tokens(chat_variant("Làm như thế nào?", rng)))
    assert seen & {"j"}, seen
    assert seen & {"ko", "k", "hok"}, seen
    assert seen & {"z", "v"}, seen
    assert "dc" in seen, seen
    assert "bn" in seen, seen
    assert "ntn" in seen, seen


def test_chat_variant_keeps_nouns_that_contain_khong():
    for seed in range(10):
        out = chat_variant("Không quân và hàng không có gì khác?", random.Random(seed))
        assert "khong quan" in out and "hang khong" in out, out


def test_chat_variant_sometimes_adds_fillers():
    starts = ends = 0
    for seed in range(200):
        out = chat_variant("Ai chủ trì hội nghị?", random.Random(seed))
        starts += any(out.startswith(f + " ") for f in PREFIX_FILLERS)
        ends += any(out.endswith(" " + f) for f in SUFFIX_FILLERS)
    assert 0 < starts < 200 and 0 < ends < 200


def _content_tokens(question: str, skip: frozenset[str]) -> list[str]:
    return [t for t in _tokens(strip_diacritics(question)) if t not in skip]


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(h == n for h in it) for n in needle)


def test_chat_variant_keeps_content_words_in_order():
    for q in SAMPLE_QUESTIONS:
        for seed in range(10):
            strict = chat_variant(q, random.Random(seed), abbreviate=False)
            assert _is_subsequence(_content_tokens(q, CHAT_SOURCE_WORDS), _tokens(strict)), (q, strict)
            loose = chat_variant(q, random.Random(seed))
            want = _content_tokens(q, CHAT_SOURCE_WORDS | ABBREVIATED_WORDS)
            assert _is_subsequence(want, _tokens(loose)), (q, loose)


def test_english_question_is_passthrough():
    q = "How many points did the Panthers defense surrender?"
    assert english_question(q, random.Random(0)) == q
    assert english_question(q) == q


# ---------------------------------------------------------------- loading and pairing

def _squad(questions: dict[str, str], contexts: list[str]) -> dict:
    ids = list(questions)
    per = len(ids) // len(contexts)
    paragraphs = []
    for i, ctx in enumerate(contexts):
        chunk = ids[i * per:(i + 1) * per] if i < len(contexts) - 1 else ids[i * per:]
        paragraphs.append({"context": ctx, "qas": [
            {"id": qid, "question": questions[qid],
             "answers": [{"text": ctx.split()[0], "answer_start": 0}]} for qid in chunk]})
    return {"version": "1.1", "data": [{"title": "T", "paragraphs": paragraphs}]}


def test_load_and_pair_small_files(tmp_path):
    vi = {"a": "Ai thắng?", "b": "Bao nhiêu điểm?", "c": "Ở đâu?", "x": "Chỉ có ở bản tiếng Việt?"}
    en = {"c": "Where?", "a": "Who won?", "b": "How many points?", "y": "English only?"}
    (tmp_path / "vi.json").write_text(json.dumps(_squad(vi, ["Denver thắng.", "Hai mươi bốn điểm."]),
                                                 ensure_ascii=False), encoding="utf-8")
    (tmp_path / "en.json").write_text(json.dumps(_squad(en, ["Denver won.", "Twenty-four points."])),
                                      encoding="utf-8")
    items = load_xquad(tmp_path / "vi.json")
    assert [it.id for it in items] == ["a", "b", "c", "x"]
    assert all(isinstance(it, Item) for it in items)
    assert items[0].answer_text == "Denver" and items[0].paragraph_index == 0
    assert items[-1].paragraph_index == 1 and items[-1].context == "Hai mươi bốn điểm."

    pairs = paired_items(tmp_path / "vi.json", tmp_path / "en.json")
    assert [(v.id, e.id) for v, e in pairs] == [("a", "a"), ("b", "b"), ("c", "c")]
    assert pairs[0][1].question == "Who won?"


@needs_xquad
def test_real_xquad_loads_and_pairs():
    vi = load_xquad(XQUAD_VI)
    assert len(vi) == 1190
    assert len({it.paragraph_index for it in vi}) == 240
    assert all(it.answer_text and it.answer_text in it.context for it in vi)
    pairs = paired_items(XQUAD_VI, XQUAD_EN)
    assert len(pairs) == 1190
    assert all(v.id == e.id for v, e in pairs)
    assert all(v.paragraph_index == e.paragraph_index for v, e in pairs)
    assert len({v.id for v, _ in pairs}) == 1190


@needs_xquad
def test_real_xquad_chat_variants():
    items = load_xquad(XQUAD_VI)
    chats = [make_variant(it, "chat", seed=0) for it in items]
    assert chats == [make_variant(it, "chat", seed=0) for it in items]
    assert all(_no_marks(c) for c in chats)
    differs = sum(c != _plain_form(it.question) for c, it in zip(chats, items))
    assert differs / len(items) > 0.6, differs
    # independent of the order in which items are processed
    assert make_variant(items[500], "chat", seed=0) == chat_variant(items[500].question, item_rng(0, items[500].id))


@needs_xquad
def test_cli_prints_chat_variants():
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "variants.py"), "--lang", "vi", "--variant", "chat",
         "--limit", "20"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.splitlines()
    assert len(out) == 20
    for line in out:
        qid, text = line.split("\t")
        assert qid and text and _no_marks(text)
