"""The embedding model named in config.toml: a local folder with prefixes, recorded in the manifest,
used for passages and queries alike; a model that cannot be loaded is one clear error."""

from __future__ import annotations

import numpy as np
import pytest

from bot.config import EmbeddingConfig
from bot.embedding import Embedder
from bot.errors import ModelLoadError
from bot.store import current_generation, verify_index
from conftest import TINY_EMBEDDING, assert_one_line_error, build
from test_build import chunk_rows

pytestmark = pytest.mark.slow



@pytest.fixture(scope="session")
def tiny_st(tiny_model_dir):
    """The tiny model loaded directly with sentence-transformers, to compare against."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(tiny_model_dir), device="cpu")


def encode(model, texts: list[str]) -> np.ndarray:
    return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def test_model_from_config_builds_the_index(tiny_project, tiny_st, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the model path is relative to config.toml, not to the current folder

    report = build(tiny_project)  # no embedder given: the builder loads the one config.toml names

    manifest = verify_index(tiny_project.config)
    assert manifest["model"] == "models/tiny"
    assert manifest["model_source"] == str((tiny_project.root / "models" / "tiny").resolve())
    assert manifest["dimension"] == 32
    assert (manifest["query_prefix"], manifest["passage_prefix"]) == ("query: ", "passage: ")
    assert manifest["chunks"] == report.chunks == report.embedded

    rows = chunk_rows(tiny_project)
    stored = np.stack([np.frombuffer(r[6], dtype=np.float32) for r in rows])
    assert stored.shape == (report.chunks, 32)
    expected = encode(tiny_st, [f"passage: {title}\n{text}" for _, _, _, _, text, title, _ in rows])
    np.testing.assert_allclose(stored, expected, atol=1e-5)
    unprefixed = encode(tiny_st, [f"{rows[0][5]}\n{rows[0][4]}"])[0]
    assert not np.allclose(stored[0], unprefixed, atol=1e-3)  # the prefix really reached the model


def test_queries_use_the_query_prefix(tiny_project, tiny_st):
    embedder = Embedder.from_config(tiny_project.config)
    assert embedder.dimension == 32
    question = "Mục tiêu Chính phủ số của Nghệ An là gì?"
    vector = embedder.encode_query(question)
    np.testing.assert_allclose(vector, encode(tiny_st, ["query: " + question])[0], atol=1e-5)
    assert not np.allclose(vector, encode(tiny_st, [question])[0], atol=1e-3)
    assert not np.allclose(vector, encode(tiny_st, ["passage: " + question])[0], atol=1e-3)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_changing_a_prefix_re_embeds_everything(tiny_project):
    first = build(tiny_project)
    tiny_project.write_config(embedding={**TINY_EMBEDDING, "passage_prefix": "đoạn: "})
    second = build(tiny_project)
    assert second.embedded == second.chunks == first.chunks and second.reused == 0
    assert verify_index(tiny_project.config)["passage_prefix"] == "đoạn: "


def test_force_re_embeds_everything(tiny_project):
    first = build(tiny_project)
    forced = build(tiny_project, force=True)
    assert not forced.up_to_date
    assert forced.embedded == forced.chunks == first.chunks and forced.reused == 0
    assert current_generation(tiny_project.index).name == verify_index(tiny_project.config)["generation"]


def test_command_line_build_and_check(tiny_project, run_cli):
    built = run_cli("--config", str(tiny_project.config_path), "--quiet")
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    manifest = verify_index(tiny_project.config)
    assert f"Indexed 5 documents into {manifest['chunks']} chunks ({manifest['chunks']} embedded, 0 reused" in built.stdout
    assert "title:     Đánh giá kết quả 2 năm thực hiện Nghị quyết số 09 về chuyển đổi số" in built.stdout

    checked = run_cli("--check", "--config", str(tiny_project.config_path))
    assert checked.returncode == 0, checked.stderr
    assert "index OK: 5 documents" in checked.stdout and "model models/tiny (32-d, Flat)" in checked.stdout


def test_unloadable_hub_model_is_one_clear_error(built_seed_copy, run_cli):
    before = current_generation(built_seed_copy.index)
    (built_seed_copy.corpus / "moi.txt").write_text("Tỉnh Hà Giang\n\nHà Giang số hóa hồ sơ hộ tịch.", encoding="utf-8")
    built_seed_copy.write_config(embedding={"model": "no-such-org/no-such-model", "backend": "torch"})
    result = run_cli("--config", str(built_seed_copy.config_path), "--quiet")
    assert result.returncode == 2
    assert_one_line_error(result, "cannot load embedding model 'no-such-org/no-such-model'")
    assert current_generation(built_seed_copy.index) == before


def test_folder_that_is_not_a_model_is_a_model_load_error(tmp_path):
    (tmp_path / "models" / "empty").mkdir(parents=True)
    (tmp_path / "models" / "empty" / "notes.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelLoadError) as err:
        Embedder(EmbeddingConfig(model="models/empty"), tmp_path)
    message = str(err.value)
    assert "models/empty" in message and "\n" not in message
