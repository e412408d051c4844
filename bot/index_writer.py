"""Writing an index generation (bot/store.py describes the layout): the SQLite schema and rows,
the FAISS index, the manifest, and publishing the folder as `index/current` in one atomic rename.
bot/build.py drives it; readers only ever see published generations (bot/store.py).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.config import IndexConfig
from bot.records import DocumentMetadata
from bot.store import CURRENT, GEN_PREFIX, MANIFEST_NAME, TMP_PREFIX, current_generation

_SCHEMA = """
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    source_file TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    outlet TEXT NOT NULL,
    published TEXT NOT NULL,
    url TEXT NOT NULL,
    provinces TEXT NOT NULL,      -- JSON list of current (2025) province names
    text TEXT NOT NULL,           -- cleaned article; chunk offsets point into it
    content_hash TEXT NOT NULL,
    doc_type TEXT NOT NULL DEFAULT '',    -- legal documents: "Kế hoạch", "Nghị quyết", ...
    doc_number TEXT NOT NULL DEFAULT '',  -- "586/KH-UBND"
    issuer TEXT NOT NULL DEFAULT '',
    issued TEXT NOT NULL DEFAULT ''       -- ISO date of signature
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,       -- also the FAISS id
    doc_id INTEGER NOT NULL REFERENCES documents(id),
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    embed_hash TEXT NOT NULL,     -- of model + exact embedded input: lets the next build reuse the vector
    embedding BLOB NOT NULL,      -- float32, L2-normalized
    locator TEXT NOT NULL DEFAULT ''  -- "Điều 5, khoản 2" in a legal document
);
CREATE INDEX chunks_doc ON chunks(doc_id, position);
CREATE INDEX chunks_embed_hash ON chunks(embed_hash);
-- Lexical search. Columns hold the with-diacritics form (search_key) and the folded form, so a
-- query typed without diacritics ("dich vu cong") matches; the tokenizer keeps diacritics itself.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    body, body_folded, title, title_folded,
    content='', tokenize='unicode61 remove_diacritics 0'
);
-- A question usually matches one sentence of a passage: each chunk's sentences (bot.text.sentence_spans,
-- offsets into the chunk's text) have their own vector, for ranking and for choosing quotes.
CREATE TABLE sentences (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id),
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    embed_hash TEXT NOT NULL,
    embedding BLOB NOT NULL,      -- float32, L2-normalized
    PRIMARY KEY (chunk_id, start)
) WITHOUT ROWID;
CREATE INDEX sentences_embed_hash ON sentences(embed_hash);
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Folded syllable or pair -> its most frequent written form in the corpus (bot/accents.py).
CREATE TABLE accents (folded TEXT PRIMARY KEY, written TEXT NOT NULL) WITHOUT ROWID;
"""


def create_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA)
    return conn


def insert_document(conn: sqlite3.Connection, source_file: str, text: str, meta: DocumentMetadata, content_hash: str) -> int:
    cur = conn.execute(
        "INSERT INTO documents (source_file, title, outlet, published, url, provinces, text, content_hash,"
        " doc_type, doc_number, issuer, issued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (source_file, meta.title, meta.outlet, meta.published, meta.url,
         json.dumps(list(meta.provinces), ensure_ascii=False), text, content_hash,
         meta.doc_type, meta.doc_number, meta.issuer, meta.issued),
    )
    return int(cur.lastrowid)


@dataclass(frozen=True)
class ChunkRow:
    doc_id: int
    position: int
    start: int
    end: int
    text: str
    embed_hash: str
    fts: tuple[str, str, str, str]  # body, body_folded, title, title_folded
    locator: str = ""
    sentences: tuple[tuple[int, int, str], ...] = ()  # (start, end, embed_hash) within text


def blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def insert_chunks(conn: sqlite3.Connection, rows: Sequence[ChunkRow], vectors: dict[str, np.ndarray]) -> list[int]:
    """Chunks and their sentences; `vectors` maps every embed hash they name to its vector."""
    ids = []
    for row in rows:
        cur = conn.execute(
            "INSERT INTO chunks (doc_id, position, start, end, text, embed_hash, embedding, locator)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.doc_id, row.position, row.start, row.end, row.text, row.embed_hash, blob(vectors[row.embed_hash]), row.locator),
        )
        chunk_id = int(cur.lastrowid)
        conn.execute("INSERT INTO chunks_fts (rowid, body, body_folded, title, title_folded) VALUES (?, ?, ?, ?, ?)",
                     (chunk_id, *row.fts))
        conn.executemany("INSERT INTO sentences (chunk_id, start, end, embed_hash, embedding) VALUES (?, ?, ?, ?, ?)",
                         [(chunk_id, a, b, h, blob(vectors[h])) for a, b, h in row.sentences])
        ids.append(chunk_id)
    return ids


def all_vectors(conn: sqlite3.Connection, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of every chunk, in id order, read back from SQLite."""
    count = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    ids = np.empty(count, dtype=np.int64)
    vectors = np.empty((count, dimension), dtype=np.float32)
    for i, (chunk_id, blob) in enumerate(conn.execute("SELECT id, embedding FROM chunks ORDER BY id")):
        ids[i] = chunk_id
        vectors[i] = np.frombuffer(blob, dtype=np.float32)
    return ids, vectors


def build_faiss(ids: np.ndarray, vectors: np.ndarray, settings: IndexConfig):
    """Exact inner-product search for small corpora; IVF with 8-bit scalar quantization above
    `approximate_above` chunks so a million vectors fit in well under a gigabyte."""
    import faiss

    n, dimension = vectors.shape
    if n <= settings.approximate_above:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    else:
        nlist = int(min(65536, max(16, 4 * math.sqrt(n))))
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
        index.train(sample)
        index.nprobe = settings.nprobe
    if n:
        index.add_with_ids(vectors, ids)
    return index


def index_type_name(index) -> str:
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    return f"IVF{ivf.nlist},SQ8" if ivf is not None else "Flat"


def write_faiss(index, path: Path) -> None:
    import faiss

    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:  # FAISS reports a failed write (a full disk) as RuntimeError with a C++ trace
        raise OSError(f"cannot write {path.name}: {str(exc).splitlines()[0][:160]}") from exc


def insert_accents(conn: sqlite3.Connection, table: dict[str, str]) -> None:
    conn.executemany("INSERT INTO accents (folded, written) VALUES (?, ?)", table.items())


def write_manifest(conn: sqlite3.Connection, gen_dir: Path, manifest: dict) -> None:
    """The manifest lives in SQLite (read by the code) and as JSON beside it (read by people)."""
    conn.executemany("INSERT OR REPLACE INTO manifest (key, value) VALUES (?, ?)",
                     [(k, json.dumps(v, ensure_ascii=False)) for k, v in manifest.items()])
    conn.commit()
    (gen_dir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def fsync_tree(folder: Path) -> None:
    """Flush a generation's files and folder entry to disk before it is published."""
    for path in [*folder.iterdir(), folder]:
        _fsync(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_generation(index_dir: Path, gen_dir: Path) -> None:
    """Point index/current at gen_dir in one atomic rename."""
    link_tmp = index_dir / f"{TMP_PREFIX}{CURRENT}-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(gen_dir.name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)
    _fsync(index_dir)


def prune_generations(index_dir: Path, keep: int) -> None:
    """Delete old generations beyond `keep` (the current one always stays) and leftover temp folders."""
    current = current_generation(index_dir)
    gens = sorted((p for p in index_dir.glob(GEN_PREFIX + "*") if p.is_dir()), reverse=True)
    old = [g for g in gens if g != current][max(0, keep - 1):]
    for path in old + [p for p in index_dir.glob(TMP_PREFIX + "*")]:
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
