"""Which MatMuls of the int8 ONNX export stay fp32: XQuAD R@1 of each choice against fp32 PyTorch.

    .venv/bin/python bench/onnx_variants.py --split dev                  # choose here
    .venv/bin/python bench/onnx_variants.py --split test --variants ffn-down,ffn-down+edge-layers

Each variant is exported from the converted model folder into a temp folder (the fp32 graph once,
then bot.onnx_export.quantize_int8 with the variant's rule) and measured by bench/xquad.py's
searcher retrievers with `[embedding] backend = "onnx"` pointed at it, index built by that encoder
too; "torch" is the fp32 PyTorch reference, measured in the same run. The shipped export is
"ffn-down" (bot/onnx_export.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import re
import tempfile
from typing import Callable

from bench.common import PROJECT_DIR, markdown_table, utc_now, write_result
from bench.xquad import XQUAD_DIR, run
from bot.onnx_export import ONNX_DIR, ONNX_FILE, export_fp32, is_ffn_down_projection, quantize_int8


def _layer(matmul: str) -> int:
    found = re.search(r"/layer\.(\d+)/", matmul)
    return int(found.group(1)) if found else -1


VARIANTS: dict[str, Callable[[str], bool]] = {
    "ffn-down": is_ffn_down_projection,
    "ffn-down+attention-out": lambda m: m.endswith("/output/dense/MatMul"),
    "ffn-down+edge-layers": lambda m: is_ffn_down_projection(m) or _layer(m) in (0, 11),
    "all-int8": lambda m: False,
}
RETRIEVERS = ["searcher-hybrid", "searcher-dense"]


def variant_folder(model_dir: Path, fp32: Path, name: str, workdir: Path) -> Path:
    """A model folder sharing `model_dir`'s files, with the variant's int8 export as its onnx/."""
    folder = workdir / name
    folder.mkdir()
    for item in model_dir.iterdir():
        if item.name != ONNX_DIR:
            (folder / item.name).symlink_to(item.resolve())
    (folder / ONNX_DIR).mkdir()
    quantize_int8(fp32, folder / ONNX_DIR / ONNX_FILE, VARIANTS[name])
    return folder


def r_at_1(summary: dict) -> dict[tuple[str, str], float]:
    return {(r["retriever"], r["direction"]): r["recall"]["R@1"] for r in summary["results"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"from: {', '.join(VARIANTS)}")
    parser.add_argument("--model", type=Path, default=PROJECT_DIR / "models" / "multilingual-e5-small")
    args = parser.parse_args()
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; allowed: {', '.join(VARIANTS)}")
    directions = ("vi", "en")
    rows: dict[str, dict] = {"torch": r_at_1(run(XQUAD_DIR, RETRIEVERS, None, args.split,
                                                 ('embedding.backend="torch"', f'embedding.model="{args.model}"'), directions))}
    with tempfile.TemporaryDirectory(prefix="cds-onnx-variants-") as tmp:
        fp32 = Path(tmp) / "fp32" / "model.onnx"
        fp32.parent.mkdir()
        export_fp32(args.model, fp32)
        for name in names:
            folder = variant_folder(args.model, fp32, name, Path(tmp))
            rows[name] = r_at_1(run(XQUAD_DIR, RETRIEVERS, None, args.split,
                                    ('embedding.backend="onnx"', f'embedding.model="{folder}"'), directions))
    keys = sorted(rows["torch"])
    headers = ["encoder", *(f"{retriever} {direction} R@1" for retriever, direction in keys)]
    table = [["fp32 PyTorch", *(f"{rows['torch'][k]:.3f}" for k in keys)]]
    table += [[f"int8 ONNX, fp32 kept: {name}", *(f"{rows[name][k]:.3f} ({rows[name][k] - rows['torch'][k]:+.3f})" for k in keys)]
              for name in names]
    text = (f"# int8 ONNX export variants on XQuAD ({args.split} split, {utc_now()})\n\n"
            f"Command: `.venv/bin/python bench/onnx_variants.py {' '.join(sys.argv[1:])}`\n\n{markdown_table(headers, table)}\n")
    print(text)
    write_result(f"onnx_variants_{args.split}.md", text)
    write_result(f"onnx_variants_{args.split}.json",
                 json.dumps({n: {f"{a} {b}": v for (a, b), v in r.items()} for n, r in rows.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
