"""txtai as a retrieval peer, configured as its documentation recommends for hybrid search: a FAISS
dense index (txtai's default backend), SQLite content storage (`content: True`) and `hybrid: True`
(BM25 keyword scores fused with the dense scores), with the same sentence-transformers model folder as
the project and its query/passage prefixes (txtai's `instructions`). Runs in bench/.venv-peers; speaks the JSON-lines protocol in bench/peers/jsonl.py.
Documents are indexed whole (txtai does not chunk), one per XQuAD paragraph.
"""

from __future__ import annotations

from jsonl import serve


class TxtaiPeer:
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from txtai import Embeddings

        self.config = {"path": model, "method": "sentence-transformers", "backend": "faiss",
                       "content": True, "hybrid": True}
        if query_prefix or passage_prefix:  # txtai's documented setting for e5-style prefixes
            self.config["instructions"] = {"query": query_prefix, "data": passage_prefix}
        self.embeddings = Embeddings(self.config)
        self.embeddings.model  # noqa: B018  (the model loads lazily in some versions; count it here)

    def build(self, documents: list[dict], save_to: str | None) -> None:
        self.embeddings.index([(d["id"], d["text"], None) for d in documents])
        if save_to:
            self.embeddings.save(save_to)

    def load(self, folder: str) -> None:
        self.embeddings.load(folder, config={**self.config})

    def query(self, text: str, k: int) -> list[str]:
        return [str(r["id"]) for r in self.embeddings.search(text, k)]


if __name__ == "__main__":
    serve(TxtaiPeer)
