"""Writing entries of the metadata sidecar (corpus/metadata.toml) without disturbing the rest.

Admins edit that file by hand: comments, order and formatting of every other entry are kept. An
entry is the block from its `["name"]` header to the next header; setting one replaces that
block, or appends it.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

_HEADER = re.compile(r"^\s*\[[^\[].*\]\s*(#.*)?$")


def entries_with_url(path: Path) -> dict[str, str]:
    """{source file: url} of every entry that records a URL."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: table["url"] for name, table in data.items() if isinstance(table, dict) and table.get("url")}


def set_entry(path: Path, name: str, fields: dict[str, str] | None) -> None:
    """Replace (or append) the entry for `name` with these string fields, atomically; None removes it."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    start, end = _block(lines, name)
    block = [f"[{json.dumps(name, ensure_ascii=False)}]"]
    block += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in (fields or {}).items() if value]
    if fields is None:
        if start is not None:
            del lines[start:end]
    elif start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines += block
    else:
        lines[start:end] = block
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # never leave a sidecar the builder cannot read
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _block(lines: list[str], name: str) -> tuple[int | None, int]:
    """(first line, line after the last) of the entry for `name`, or (None, 0)."""
    start = None
    for i, line in enumerate(lines):
        if not _HEADER.match(line):
            continue
        if start is not None:
            end = i
            while end > start and not lines[end - 1].strip():
                end -= 1
            return start, end
        if _header_name(line) == name:
            start = i
    return (start, len(lines)) if start is not None else (None, 0)


def _header_name(line: str) -> str | None:
    try:
        table = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    return next(iter(table), None)
