"""Sentence embeddings from the int8 ONNX export (bot.onnx_export) with ONNX Runtime, no PyTorch:
the folder's tokenizer.json, the transformer in ONNX Runtime, then mean pooling over the attention
mask and L2 normalization, as the folder's sentence-transformers modules do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.errors import ModelLoadError
from bot.onnx_export import onnx_path

SETUP_COMMAND = "python -m bot.model_setup"


class OnnxEncoder:
    """encode(texts) -> L2-normalized float32 vectors, one row per text."""

    def __init__(self, model_dir: Path, threads: int) -> None:
        path = onnx_path(model_dir)
        if not path.exists():
            raise ModelLoadError(f"ONNX encoder not found: {path}; build it with `{SETUP_COMMAND}` (or `make setup`)")
        _require_mean_pooling(model_dir)
        self._path = path
        self._tokenizer = _load_tokenizer(model_dir)
        self._session = _inference_session(path, threads)
        self.threads = threads  # 0: one per core
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def with_threads(self, threads: int) -> "OnnxEncoder":
        """The same model and tokenizer (shared, not reloaded) in another InferenceSession of
        `threads` intra-op threads: an index build's, while this one keeps answering."""
        other = object.__new__(OnnxEncoder)
        other.__dict__.update(self.__dict__)
        other._session = _inference_session(self._path, threads)
        other.threads = threads
        return other

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One text per run: on CPU a padded batch only adds work, and ONNX Runtime measured
        3x slower on length-sorted batches of 32 passages than on the same passages one by one
        (8 vs 27 passages/s, one thread), with twice the peak memory."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch(list(texts))):
            ids = np.array([encoding.ids], dtype=np.int64)
            mask = np.ones_like(ids)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            out[row] = mean_pooled_unit_vectors(hidden, mask)[0]
        return out


def mean_pooled_unit_vectors(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of each row's unmasked token vectors, scaled to length 1."""
    weights = mask[..., None].astype(np.float32)
    mean = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _require_mean_pooling(model_dir: Path) -> None:
    """This encoder pools by mean; a folder configured otherwise would get wrong vectors silently."""
    try:
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"ONNX backend: cannot read the pooling config of {model_dir}: {exc}") from exc
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ModelLoadError(f"ONNX backend supports mean-pooling models only; {model_dir} pools otherwise")


def _load_tokenizer(model_dir: Path):
    """tokenizer.json as sentence-transformers runs it: truncated to max_seq_length."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=_max_seq_length(model_dir))
    tokenizer.no_padding()
    return tokenizer


def _max_seq_length(model_dir: Path) -> int:
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 512


def _inference_session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: ONNX Runtime's default, one per core
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Shapes change with every text: a memory pattern planned for one shape is rarely reused, and
    # the arena would keep the longest text's activations for the life of the process (same speed
    # without it, measured one text at a time).
    options.enable_mem_pattern = False
    options.enable_cpu_mem_arena = False
    options.log_severity_level = 3  # warnings about unused initializers are not the user's business
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for corrupt files
        detail = " ".join(str(exc).split())[:200]
        raise ModelLoadError(f"cannot load ONNX encoder {path}: {detail}; rebuild it with `{SETUP_COMMAND}`") from exc
