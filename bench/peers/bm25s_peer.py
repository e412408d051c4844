"""BM25 baseline with the bm25s package, run as a subprocess in bench/.venv-peers (see bench/setup_peers.sh).

It never imports the project: a baseline must not share the code it is compared against.

Protocol, one JSON object per line on stdin and stdout:
  in  {"documents": [{"id": str, "text": str}, ...], "tokenizer": "default" | "folded-bigrams"}
  out {"ready": true, "seconds": float}          (time to tokenize and index)
  in  {"query": str, "k": int}                     (any number of times, until stdin closes)
  out {"ids": [str, ...]}                          (best first; documents with score 0 are left out)
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata

import bm25s


def default_tokens(texts: list[str]) -> list[list[str]]:
    """bm25s's own tokenizer: lowercased words of two or more characters, English stop words removed."""
    return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)


def folded_bigram_tokens(texts: list[str]) -> list[list[str]]:
    """Lowercased words with diacritics removed, plus adjacent word pairs: Vietnamese words are often
    two syllables ("chuyển đổi"), and an English question shares more with a folded Vietnamese text."""
    tokens = []
    for text in texts:
        words = re.findall(r"\w+", fold(text))
        tokens.append(words + [f"{a}_{b}" for a, b in zip(words, words[1:])])
    return tokens


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


TOKENIZERS = {"default": default_tokens, "folded-bigrams": folded_bigram_tokens}


def serve(lines, out) -> None:
    setup = json.loads(next(lines))
    tokenizer = TOKENIZERS.get(setup["tokenizer"])
    if tokenizer is None:
        raise ValueError(f"unknown tokenizer {setup['tokenizer']!r}; allowed: {sorted(TOKENIZERS)}")
    ids = [d["id"] for d in setup["documents"]]
    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(tokenizer([d["text"] for d in setup["documents"]]), show_progress=False)
    _reply(out, {"ready": True, "seconds": time.perf_counter() - started})
    for line in lines:
        request = json.loads(line)
        k = min(int(request["k"]), len(ids))
        found, scores = retriever.retrieve(tokenizer([request["query"]]), k=k, show_progress=False)
        _reply(out, {"ids": [ids[i] for i, s in zip(found[0], scores[0]) if s > 0]})


def _reply(out, message: dict) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()


if __name__ == "__main__":
    serve(iter(sys.stdin), sys.stdout)
