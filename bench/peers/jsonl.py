"""The JSON-lines loop shared by the embedding peers (txtai_peer.py, llamaindex_peer.py). Imports nothing
from the project: a peer must not share the code it is compared against.

Protocol, one JSON object per line on stdin and stdout:
  in  {"documents": [{"id": str, "text": str}, ...], "model": str, "save_to": str?,
       "query_prefix": str?, "passage_prefix": str?}   (the model's prefixes, e.g. e5's "query: " / "passage: ")
  out {"ready": true, "seconds": float, "model_seconds": float, "peak_rss_mb": float}
      (seconds = time to index the documents, model load excluded; the index is saved when save_to is given)
  in  {"load": str, "model": str, "query_prefix": str?, "passage_prefix": str?}   (instead of the above: open an index saved earlier)
  out {"ready": true, "seconds": float, "peak_rss_mb": float}  (model + index load)
  in  {"query": str, "k": int}      (any number of times, until stdin closes)
  out {"ids": [str, ...], "ms": float}   (document ids best first; ms = the peer's own query call)
  in  {"stats": true}
  out {"peak_rss_mb": float}
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Callable, Protocol

# The Hugging Face hub is unreachable here; models come from a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Peer(Protocol):
    def build(self, documents: list[dict], save_to: str | None) -> None: ...
    def load(self, folder: str) -> None: ...
    def query(self, text: str, k: int) -> list[str]: ...


def peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM from /proc (Linux), else getrusage's ru_maxrss. On Linux
    ru_maxrss survives fork + exec, so a peer started by a large parent would report the parent's peak."""
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def serve(make_peer: Callable[[str, str, str], Peer], lines=None, out=None) -> None:
    lines, out = lines or iter(sys.stdin), out or sys.stdout
    sys.stdout = sys.stderr  # libraries print to stdout (LlamaIndex: "Using MockLLM"); keep it for the protocol
    setup = json.loads(next(lines))
    started = time.perf_counter()
    peer = make_peer(setup["model"], setup.get("query_prefix", ""), setup.get("passage_prefix", ""))
    model_seconds = time.perf_counter() - started
    if "load" in setup:
        peer.load(setup["load"])
        _reply(out, {"ready": True, "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()})
    else:
        started = time.perf_counter()
        peer.build(setup["documents"], setup.get("save_to"))
        _reply(out, {"ready": True, "seconds": time.perf_counter() - started, "model_seconds": model_seconds,
                     "peak_rss_mb": peak_rss_mb()})
    for line in lines:
        request = json.loads(line)
        if "stats" in request:
            _reply(out, {"peak_rss_mb": peak_rss_mb()})
            continue
        started = time.perf_counter()
        ids = peer.query(request["query"], int(request["k"]))
        _reply(out, {"ids": ids, "ms": 1000 * (time.perf_counter() - started)})


def _reply(out, message: dict) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()
