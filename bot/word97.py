"""Text of Word 97-2003 (.doc) files.

Read from the document's piece table with olefile (PyPI), not only with antiword/catdoc, for one
reason: in a .doc typed in the TCVN3 .VnTime font the letter "ư" is byte 0xAD, which Word stores
as its optional-hyphen character (0x1F) — and antiword and catdoc drop optional hyphens, so
"được" comes out as "đợc". Reading the pieces ourselves keeps 0x1F; `bot.legacy_text` turns it into
"ư" when the text is TCVN3 and drops it otherwise. antiword, then catdoc, are the fallback for
files this reader does not understand (Word 6/95, encrypted or damaged files).
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile

OPTIONAL_HYPHEN = "\x1f"
_TIMEOUT_SECONDS = 60
# Word's control characters: paragraph, cell, line and page breaks become newlines; field marks and
# object anchors are dropped (the field code between 0x13 and 0x14 is dropped with them).
_NEWLINES = {"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n"}
_DROP = set("\x01\x02\x03\x04\x05\x08\x15")


class WordReadError(Exception):
    """The .doc cannot be read; str() is the reason."""


def read_doc(data: bytes) -> str:
    """The text of a .doc file, optional hyphens kept as U+001F; raises WordReadError."""
    try:
        return _piece_table_text(data)
    except WordReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any damage in the OLE container or tables: try the tools
        return _text_from_tools(data, f"{exc.__class__.__name__}: {exc}")


def _piece_table_text(data: bytes) -> str:
    import olefile

    if not olefile.isOleFile(io.BytesIO(data)):
        raise WordReadError("not a Word 97-2003 document (no OLE2 container)")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists("WordDocument"):
            raise WordReadError("not a Word document (no WordDocument stream)")
        word = ole.openstream("WordDocument").read()
        ident, flags = struct.unpack_from("<HxxxxH", word, 0)[0], struct.unpack_from("<H", word, 0x0A)[0]
        if ident != 0xA5EC:
            raise ValueError("Word 6/95 or older file")
        if flags & 0x0100:
            raise WordReadError("the .doc is encrypted (password protected)")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        table = ole.openstream(table_name).read()
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x01A2)
    pieces = _pieces(table[fc_clx: fc_clx + lcb_clx])
    return _clean("".join(_piece_text(word, fc, length) for fc, length in pieces))


def _pieces(clx: bytes) -> list[tuple[int, int]]:
    """(file offset field, character count) of each text piece, from the CLX structure."""
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers, skipped
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise ValueError("no piece table")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5: pos + 5 + size]
    count = (size - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces = []
    for i in range(count):
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * i + 2)[0]
        pieces.append((fc, cps[i + 1] - cps[i]))
    return pieces


def _piece_text(word: bytes, fc: int, length: int) -> str:
    if fc & 0x40000000:  # 8-bit piece (Windows-1252), stored at half the offset
        start = (fc & ~0x40000000) // 2
        # Latin-1, not cp1252: a legacy font's bytes must reach the TCVN3/VNI tables unchanged.
        return word[start: start + length].decode("latin-1")
    return word[fc: fc + 2 * length].decode("utf-16-le", errors="replace")


def _clean(text: str) -> str:
    out, in_field_code = [], 0
    for char in text:
        if char == "\x13":
            in_field_code += 1
        elif char == "\x14":
            in_field_code = max(0, in_field_code - 1)
        elif in_field_code:
            continue
        elif char in _NEWLINES:
            out.append(_NEWLINES[char])
        elif char not in _DROP:
            out.append(char)
    return "".join(out)


def _text_from_tools(data: bytes, why: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".doc") as tmp:
        tmp.write(data)
        tmp.flush()
        for command in (["antiword", "-w", "0", "-m", "UTF-8.txt"], ["catdoc", "-w", "-d", "utf-8"]):
            if shutil.which(command[0]) is None:
                continue
            try:
                done = subprocess.run([*command, tmp.name], capture_output=True, timeout=_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                continue
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.decode("utf-8", errors="replace")
    if shutil.which("antiword") is None and shutil.which("catdoc") is None:
        raise WordReadError(f"unreadable .doc ({why}); installing antiword (apt-get install antiword) may read it")
    raise WordReadError(f"corrupt or unreadable .doc ({why})")
