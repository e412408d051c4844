"""Set-up step: an int8 ONNX copy of a converted sentence-transformers folder's transformer.

`ensure_onnx(folder)` exports the fp32 BertModel with torch.onnx.export (inputs input_ids and
attention_mask, output last_hidden_state; pooling happens in bot.onnx_encoder), quantizes its
weight MatMuls to int8 per output channel with ONNX Runtime's dynamic quantization, and writes
onnx/model_int8.onnx with its weights in model_int8.onnx.data: ONNX Runtime memory-maps external
weights, so the 250k-row word-embedding table costs resident memory only for the rows a text uses.

Idempotent like bot.model_setup: onnx/export.json records what the file was made from.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

ONNX_DIR = "onnx"
ONNX_FILE = "model_int8.onnx"
STAMP_NAME = "export.json"
# Bump when the exported file changes for the same model folder.
EXPORT_VERSION = 2
OPSET = 17
# The FFN down-projections (input: GELU output, 1536 wide, with large outliers) stay fp32: with
# them in int8 the per-tensor dynamic activation quantization costs cosine 0.996 -> 0.999 to fp32
# on XQuAD texts, for no measurable speed gain (docs/benchmarks.md).
KEEP_FP32_SUFFIX = "/output/dense/MatMul"


def onnx_path(model_dir: Path) -> Path:
    """Where the int8 ONNX encoder of `model_dir` lives."""
    return model_dir / ONNX_DIR / ONNX_FILE


def export_stamp(model_dir: Path) -> dict:
    """What the export depends on: the model folder's weights (by their conversion stamp when
    bot.model_setup made the folder, else by size and mtime) and this exporter's version."""
    from bot.model_setup import STAMP_NAME as CONVERSION_STAMP

    conversion = model_dir / CONVERSION_STAMP
    if conversion.exists():
        source = json.loads(conversion.read_text(encoding="utf-8"))
    else:
        weights = model_dir / "model.safetensors"
        source = {"size": weights.stat().st_size, "mtime_ns": weights.stat().st_mtime_ns}
    return {"source": source, "export_version": EXPORT_VERSION, "opset": OPSET}


def is_exported(model_dir: Path, stamp: dict) -> bool:
    try:
        current = json.loads((model_dir / ONNX_DIR / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return current == stamp and onnx_path(model_dir).exists()


def ensure_onnx(model_dir: Path) -> bool:
    """Write `model_dir`/onnx/ unless up to date. True when it wrote it."""
    stamp = export_stamp(model_dir)
    if is_exported(model_dir, stamp):
        return False
    staging = Path(tempfile.mkdtemp(prefix=".onnx.", dir=model_dir))
    try:
        fp32 = staging / "fp32" / "model.onnx"
        fp32.parent.mkdir()
        export_fp32(model_dir, fp32)
        quantize_int8(fp32, staging / ONNX_FILE)
        shutil.rmtree(fp32.parent)  # 470 MB nobody reads after quantization
        (staging / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        for path in [staging, *staging.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        target = model_dir / ONNX_DIR
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def export_fp32(model_dir: Path, out: Path) -> None:
    """The transformer of `model_dir` as ONNX: (input_ids, attention_mask) -> last_hidden_state,
    batch and sequence length dynamic, the word embeddings stored as int8 rows (Int8RowLookup)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" would interleave with set-up output
    Int8RowLookup, LastHiddenState = _torch_modules()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    wrapped = LastHiddenState(model, Int8RowLookup(model.get_input_embeddings().weight.detach()))
    # two rows of different lengths, so that padding and the mask are part of the traced graph
    ids = torch.tensor([[0, 6, 7, 8, 2], [0, 6, 2, 1, 1]])
    mask = (ids != 1).long()
    dynamic = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings(), torch.no_grad():
        # the TorchScript exporter: the dynamo one needs onnxscript, not installed here
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped, (ids, mask), str(out), dynamo=False, opset_version=OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "last_hidden_state": dynamic},
            do_constant_folding=True,
        )


def _torch_modules():
    import torch

    class Int8RowLookup(torch.nn.Module):
        """Word-embedding lookup from int8 rows with one fp32 scale per row. The fp32 table is
        250,037 x 384 = 384 MB, a quarter of it in int8; memory-mapped, its pages come in by
        readahead for rows never asked for, so 100 questions made the fp32 table ~300 MB resident.
        The rounding step (max|row| / 127) is far below the 4-bit grid these weights come from."""

        def __init__(self, weight) -> None:
            super().__init__()
            scale = weight.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127
            self.register_buffer("rows", torch.round(weight / scale).to(torch.int8))
            self.register_buffer("scale", scale)

        def forward(self, input_ids):
            return self.rows[input_ids].float() * self.scale[input_ids]

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model, lookup) -> None:
            super().__init__()
            self.model, self.lookup = model, lookup

        def forward(self, input_ids, attention_mask):
            embeds = self.lookup(input_ids)
            return self.model(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state

    return Int8RowLookup, LastHiddenState


def is_ffn_down_projection(matmul: str) -> bool:
    """The MatMuls that stay fp32 in the shipped export (see KEEP_FP32_SUFFIX)."""
    return matmul.endswith(KEEP_FP32_SUFFIX) and "/attention/" not in matmul


def quantize_int8(fp32: Path, out: Path, stays_fp32: Callable[[str], bool] = is_ffn_down_projection) -> None:
    """Per-channel int8 weights for the MatMuls with a constant weight (activations are quantized
    per tensor at run time) except those whose node name `stays_fp32` (bench/onnx_variants.py tries
    other choices), weights stored beside the graph in <out>.data."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    keep_fp32 = [n.name for n in graph.node if n.op_type == "MatMul" and stays_fp32(n.name)]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a "consider pre-processing" note on root
    try:
        quantize_dynamic(
            str(fp32), str(out), per_channel=True, weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"], nodes_to_exclude=keep_fp32, use_external_data_format=True,
        )
    finally:
        root.setLevel(level)
    _single_external_file(out)


def _single_external_file(path: Path) -> None:
    """Re-save with every weight in one <name>.data file (quantize_dynamic's external-data layout
    is not fixed across versions)."""
    import onnx

    model = onnx.load(str(path))
    for stale in path.parent.iterdir():
        if stale != path and stale.is_file():
            stale.unlink()
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=path.name + ".data", size_threshold=1024)
