"""LlamaIndex as a retrieval peer, the way its FAISS vector-store guide sets it up: a
faiss.IndexFlatL2 in FaissVectorStore, a StorageContext, VectorStoreIndex.from_documents (its default
node parser, SentenceSplitter, cuts the documents into nodes), HuggingFaceEmbedding over the same local
model folder as the project, and index.as_retriever(similarity_top_k=k). No LLM is configured: this
measures retrieval. Runs in bench/.venv-peers; speaks the JSON-lines protocol in bench/peers/jsonl.py.
"""

from __future__ import annotations

from jsonl import serve

DIMENSION = 384
# Nodes fetched per wanted document: a document cut into several nodes counts once.
NODES_PER_DOCUMENT = 3


class LlamaIndexPeer:
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from llama_index.core import Settings
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        Settings.llm = None
        # The model's prefixes (e5: "query: " / "passage: ") as HuggingFaceEmbedding's instructions.
        Settings.embed_model = HuggingFaceEmbedding(model_name=model, device="cpu", query_instruction=query_prefix or None,
                                                    text_instruction=passage_prefix or None)
        self.index = None

    def build(self, documents: list[dict], save_to: str | None) -> None:
        import faiss
        from llama_index.core import Document, StorageContext, VectorStoreIndex
        from llama_index.vector_stores.faiss import FaissVectorStore

        vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatL2(DIMENSION))
        storage_context = StorageContext.from_defaults(vector_store=vector_store)
        docs = [Document(text=d["text"], id_=d["id"], metadata={"source": d["id"]}) for d in documents]
        self.index = VectorStoreIndex.from_documents(docs, storage_context=storage_context)
        if save_to:
            self.index.storage_context.persist(persist_dir=save_to)

    def load(self, folder: str) -> None:
        from llama_index.core import StorageContext, load_index_from_storage
        from llama_index.vector_stores.faiss import FaissVectorStore

        vector_store = FaissVectorStore.from_persist_dir(folder)
        storage_context = StorageContext.from_defaults(vector_store=vector_store, persist_dir=folder)
        self.index = load_index_from_storage(storage_context)

    def query(self, text: str, k: int) -> list[str]:
        nodes = self.index.as_retriever(similarity_top_k=k * NODES_PER_DOCUMENT).retrieve(text)
        return list(dict.fromkeys(n.node.metadata["source"] for n in nodes))[:k]


if __name__ == "__main__":
    serve(LlamaIndexPeer)
