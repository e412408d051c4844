"""The index on disk: a SQLite database (documents, chunks, vectors, FTS5, manifest) and a FAISS file.

SQLite is the source of truth: it holds every chunk's text and vector, and FAISS ids are chunk ids.
Each build writes a new generation folder; `index/current` is a symlink to the one being served and
is replaced atomically, so readers always see a complete index.

    index/
      current -> gen-20261123T203000-4f2a
      gen-20261123T203000-4f2a/{index.sqlite, vectors.faiss, manifest.json}
      .build.lock

Writing a generation (the schema, rows, FAISS file, publishing) is bot/index_writer.py; this
module reads the one published.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from bot.config import Config, IndexConfig
from bot.errors import IndexInvalidError, IndexMissingError
from bot.legal import article_of
from bot.records import DocumentMetadata, Hit

logger = logging.getLogger(__name__)

# 2: legal metadata on documents (type, number, issuer, issued) and a locator per chunk.
# 3: the accents table (restoring diacritics of questions typed without them).
# 4: a vector per sentence of each chunk (the sentences table). The schema: bot/index_writer.py.
SCHEMA_VERSION = 4
DB_NAME = "index.sqlite"
FAISS_NAME = "vectors.faiss"
MANIFEST_NAME = "manifest.json"
CURRENT = "current"
GEN_PREFIX = "gen-"
TMP_PREFIX = "tmp-"
REBUILD_HINT = "run: python build_index.py"


def current_generation(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    return link.resolve()


# ---------------------------------------------------------------- reading

def read_manifest(conn: sqlite3.Connection) -> dict:
    return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM manifest")}


class IndexStore:
    """A read-only view of one index generation: FAISS in memory, SQLite for text and metadata."""

    def __init__(self, gen_dir: Path, index_settings: IndexConfig) -> None:
        import faiss

        self.gen_dir = gen_dir
        db_path, faiss_path = gen_dir / DB_NAME, gen_dir / FAISS_NAME
        if not db_path.is_file() or not faiss_path.is_file():
            raise IndexInvalidError(f"index generation {gen_dir.name} is incomplete (missing {DB_NAME} or {FAISS_NAME}); {REBUILD_HINT}")
        try:
            # Read-only and shared across the bot's worker threads; nothing here writes.
            self.conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
            self.manifest = read_manifest(self.conn)
            self.conn.execute("CREATE VIRTUAL TABLE temp.fts_vocab USING fts5vocab(main, chunks_fts, 'col')")
        except sqlite3.DatabaseError as exc:
            raise IndexInvalidError(f"index database unreadable ({exc}); {REBUILD_HINT}") from exc
        if self.manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexInvalidError(
                f"index schema version {self.manifest.get('schema_version')} does not match this program's {SCHEMA_VERSION}; {REBUILD_HINT}"
            )
        try:
            self.faiss = faiss.read_index(str(faiss_path))
        except RuntimeError as exc:
            raise IndexInvalidError(f"FAISS file unreadable ({str(exc).splitlines()[0][:120]}); {REBUILD_HINT}") from exc
        ivf = faiss.try_extract_index_ivf(self.faiss)
        if ivf is not None:
            ivf.nprobe = index_settings.nprobe
        # The bot answers from worker threads; one connection, used one query at a time.
        self._lock = threading.Lock()
        self._province_chunks: dict[tuple[str, ...], np.ndarray] = {}

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])

    def chunk_count(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def dense_search(self, query_vector: np.ndarray, k: int, provinces: Sequence[str] = ()) -> list[tuple[int, float]]:
        """(chunk_id, cosine) of the k nearest chunks; with provinces, only chunks of documents about them or about no province."""
        import faiss

        if self.faiss.ntotal == 0:
            return []
        params = None
        if provinces:
            ids = self.chunk_ids_about(tuple(provinces))
            if not len(ids):
                return []
            selector = faiss.IDSelectorBatch(ids)
            ivf = faiss.try_extract_index_ivf(self.faiss)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe) if ivf is not None else faiss.SearchParameters(sel=selector)
        vector = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self.faiss.search(vector, k, params=params) if params else self.faiss.search(vector, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical_search(self, match_expression: str, k: int, weights: Sequence[float] = (1.0, 1.0, 0.5, 0.5),
                       provinces: Sequence[str] = ()) -> list[tuple[int, float]]:
        """(chunk_id, score) by FTS5 BM25 for an FTS5 MATCH expression; higher score is better. With
        provinces, only chunks of documents about one of them or about no province."""
        where, args = "chunks_fts MATCH ?", [*weights, match_expression]
        if provinces:
            # "+rowid", not "rowid": a plain rowid constraint is handed to FTS5, which then runs the
            # whole MATCH once per allowed rowid (17 ms instead of 1 ms for a long question on
            # the seed corpus, bench/ask_latency.py); as an expression it filters the matches once.
            where += f" AND +rowid IN (SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {_about(provinces)})"
            args += list(provinces)
        with self._lock:
            rows = self.conn.execute(
                f"SELECT rowid, -bm25(chunks_fts, ?, ?, ?, ?) FROM chunks_fts WHERE {where} ORDER BY rank LIMIT ?",
                (*args, k),
            ).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    def accents_for(self, keys: Iterable[str]) -> dict[str, str]:
        """Written forms of these folded syllables and pairs, where the corpus has one."""
        keys = list(set(keys))
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._lock:
            return dict(self.conn.execute(f"SELECT folded, written FROM accents WHERE folded IN ({marks})", keys).fetchall())

    def chunk_ids_about(self, provinces: tuple[str, ...]) -> np.ndarray:
        """Ids of the chunks of documents about any of these provinces or about none (for FAISS's id selector)."""
        if provinces not in self._province_chunks:
            with self._lock:
                rows = self.conn.execute(
                    f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE {_about(provinces)}", provinces,
                ).fetchall()
            if len(self._province_chunks) > 256:  # bounded: questions name few distinct province sets
                self._province_chunks.clear()
            self._province_chunks[provinces] = np.array([r[0] for r in rows], dtype=np.int64)
        return self._province_chunks[provinces]

    def phrase_frequency(self, phrase: str, column: str) -> int:
        """How many chunks contain the phrase (adjacent words) in an FTS column."""
        with self._lock:
            return int(self.conn.execute(
                "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'{{{column}}} : "{phrase}"',)
            ).fetchone()[0])

    def document_frequencies(self, terms: Iterable[str], column: str) -> dict[str, int]:
        """How many chunks contain each term in an FTS column (for IDF weights)."""
        terms = list(set(terms))
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        with self._lock:
            rows = self.conn.execute(
                f"SELECT term, doc FROM temp.fts_vocab WHERE col = ? AND term IN ({marks})", (column, *terms)
            ).fetchall()
        found = dict(rows)
        return {t: int(found.get(t, 0)) for t in terms}

    def hits(self, scored: Iterable[tuple[int, float]]) -> list[Hit]:
        """Hits for (chunk_id, score) pairs, in the given order."""
        scored = list(scored)
        if not scored:
            return []
        marks = ",".join("?" * len(scored))
        with self._lock:
            rows = {
                r[0]: r for r in self.conn.execute(
                    "SELECT c.id, c.text, c.position, c.start, c.end, d.id, d.source_file, c.locator, "
                    + _METADATA_COLUMNS
                    + f" FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id IN ({marks})",
                    [cid for cid, _ in scored],
                )
            }
        return [
            Hit(chunk_id=cid, score=score, text=r[1], position=r[2], start=r[3], end=r[4], doc_id=r[5],
                source_file=r[6], locator=r[7], metadata=_metadata(r[8:]))
            for cid, score in scored if (r := rows.get(cid))
        ]

    def articles_of(self, chunk_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
        """chunk id -> (its document's id, its article: "Điều 5", "" outside legal articles)."""
        chunk_ids = list(dict.fromkeys(chunk_ids))
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        with self._lock:
            rows = self.conn.execute(f"SELECT id, doc_id, locator FROM chunks WHERE id IN ({marks})", chunk_ids).fetchall()
        return {cid: (doc_id, article_of(locator)) for cid, doc_id, locator in rows}

    def sentence_vectors(self, chunk_ids: Iterable[int]) -> dict[int, dict[int, np.ndarray]]:
        """chunk id -> {sentence start within the chunk's text: vector}."""
        chunk_ids = list(dict.fromkeys(chunk_ids))
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        with self._lock:
            rows = self.conn.execute(f"SELECT chunk_id, start, embedding FROM sentences WHERE chunk_id IN ({marks})",
                                     chunk_ids).fetchall()
        out: dict[int, dict[int, np.ndarray]] = {}
        for chunk_id, start, vector in rows:
            out.setdefault(chunk_id, {})[start] = np.frombuffer(vector, dtype=np.float32)
        return out

    def chunk_containing(self, source_file: str, text: str) -> str | None:
        """The first chunk of a document that contains `text` verbatim, or None."""
        with self._lock:
            row = self.conn.execute(
                "SELECT c.text FROM chunks c JOIN documents d ON d.id = c.doc_id"
                " WHERE d.source_file = ? AND instr(c.text, ?) > 0 ORDER BY c.position LIMIT 1",
                (source_file, text),
            ).fetchone()
        return row[0] if row else None

    def document_text(self, doc_id: int) -> str:
        """The cleaned text of one document, "" for an unknown id."""
        with self._lock:
            row = self.conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else ""

    def documents(self) -> list[tuple[int, str, DocumentMetadata, int]]:
        """(doc_id, source_file, metadata, chunk count) of every indexed document, by source file."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT d.id, d.source_file, COUNT(c.id), " + _METADATA_COLUMNS
                + " FROM documents d LEFT JOIN chunks c ON c.doc_id = d.id GROUP BY d.id ORDER BY d.source_file"
            ).fetchall()
        return [(r[0], r[1], _metadata(r[3:]), r[2]) for r in rows]

    def close(self) -> None:
        self.conn.close()


def _about(provinces: Sequence[str]) -> str:
    """SQL condition on documents d: about one of these provinces (one ? each), or about none. A
    document naming no province (a law, a national decree) applies in every province: a question
    naming one ("Công chứng ở Hà Nội …") must still find it."""
    marks = ",".join("?" * len(provinces))
    return f"(d.provinces = '[]' OR EXISTS (SELECT 1 FROM json_each(d.provinces) WHERE value IN ({marks})))"


_METADATA_COLUMNS = "d.title, d.outlet, d.published, d.url, d.provinces, d.doc_type, d.doc_number, d.issuer, d.issued"


def _metadata(row: Sequence) -> DocumentMetadata:
    title, outlet, published, url, provinces, doc_type, doc_number, issuer, issued = row
    return DocumentMetadata(title=title, outlet=outlet, published=published, url=url, provinces=tuple(json.loads(provinces)),
                            doc_type=doc_type, doc_number=doc_number, issuer=issuer, issued=issued)


def open_index(config: Config) -> IndexStore:
    """The generation being served, checked against config; raises a one-line error otherwise."""
    gen = current_generation(config.index.dir)
    if gen is None or not gen.is_dir():
        raise IndexMissingError(f"no index at {config.index.dir}; {REBUILD_HINT}")
    store = IndexStore(gen, config.index)
    mismatch = model_mismatch(store.manifest, config)
    if mismatch:
        store.close()
        raise IndexInvalidError(f"{mismatch}; {REBUILD_HINT}")
    return store


def model_fingerprint(config: Config) -> dict:
    e = config.embedding
    return {"model": e.model, "query_prefix": e.query_prefix, "passage_prefix": e.passage_prefix}


def model_mismatch(manifest: dict, config: Config) -> str:
    """Why the index was built with another model (or prefixes) than config names, or ""."""
    for key, wanted in model_fingerprint(config).items():
        if manifest.get(key) != wanted:
            return f"index was built with {key} {manifest.get(key)!r} but config.toml says {wanted!r}"
    return ""


def verify_index(config: Config) -> dict:
    """Full consistency check for `build_index.py --check`; returns the manifest or raises."""
    store = open_index(config)
    try:
        conn, manifest = store.conn, store.manifest
        problem = conn.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise IndexInvalidError(f"SQLite integrity check failed: {problem}")
        chunks = store.chunk_count()
        documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        if store.faiss.ntotal != chunks:
            raise IndexInvalidError(f"FAISS holds {store.faiss.ntotal} vectors but SQLite has {chunks} chunks; {REBUILD_HINT}")
        if store.faiss.d != store.dimension:
            raise IndexInvalidError(f"FAISS dimension {store.faiss.d} != manifest dimension {store.dimension}; {REBUILD_HINT}")
        if (chunks, documents) != (manifest.get("chunks"), manifest.get("documents")):
            raise IndexInvalidError(
                f"manifest says {manifest.get('documents')} documents / {manifest.get('chunks')} chunks, "
                f"database has {documents} / {chunks}; {REBUILD_HINT}"
            )
        fts_rows = conn.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0]
        if fts_rows != chunks:
            raise IndexInvalidError(f"full-text index has {fts_rows} rows for {chunks} chunks; {REBUILD_HINT}")
        bad = conn.execute("SELECT COUNT(*) FROM chunks WHERE length(embedding) != ?", (4 * store.dimension,)).fetchone()[0]
        bad += conn.execute("SELECT COUNT(*) FROM sentences WHERE length(embedding) != ?", (4 * store.dimension,)).fetchone()[0]
        if bad:
            raise IndexInvalidError(f"{bad} stored vectors have the wrong size; {REBUILD_HINT}")
        _check_ids_match(store)
        return manifest
    except sqlite3.DatabaseError as exc:
        raise IndexInvalidError(f"index database unreadable ({exc}); {REBUILD_HINT}") from exc
    finally:
        store.close()


def _check_ids_match(store: IndexStore) -> None:
    """Every FAISS id must be a chunk id; a sample of stored vectors must be the ones FAISS finds."""
    import faiss

    if store.faiss.ntotal == 0:
        return
    if isinstance(store.faiss, faiss.IndexIDMap2):
        faiss_ids = faiss.vector_to_array(store.faiss.id_map)
        db_ids = np.array([r[0] for r in store.conn.execute("SELECT id FROM chunks ORDER BY id")], dtype=np.int64)
        if not np.array_equal(np.sort(faiss_ids), db_ids):
            raise IndexInvalidError(f"FAISS ids do not match the chunk ids in SQLite; {REBUILD_HINT}")
    for chunk_id, blob in store.conn.execute("SELECT id, embedding FROM chunks ORDER BY random() LIMIT 5"):
        found = [cid for cid, _ in store.dense_search(np.frombuffer(blob, dtype=np.float32), 10)]
        if chunk_id not in found:
            raise IndexInvalidError(f"FAISS vectors do not match the stored vectors (chunk {chunk_id}); {REBUILD_HINT}")
