"""The index build: corpus/ in, a new index generation out, swapped in only when complete.

Incremental: a chunk or sentence whose embedded input is unchanged takes its vector from the previous index,
so only new or edited documents are embedded. Atomic: everything is written to a temporary
folder that becomes `index/current` in one rename; an exception, Ctrl-C or kill -9 before that
leaves the previous index serving. One build at a time, enforced with an OS file lock that dies
with its process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from tqdm import tqdm

from bot import index_writer, store
from bot.accents import accent_table
from bot.chunking import chunk_document
from bot.cleaning import clean_document
from bot.config import Config
from bot.corpus import (
    RawFile, UnreadableFile, corpus_files, file_sha256, load_metadata_overrides, read_corpus_file, relative_name,
)
from bot.embedding import Embedder
from bot.errors import BotError, BuildError, BuildLockedError
from bot.records import BuildReport, Chunk, Document, SkippedFile
from bot.text import fold, search_key, sentence_spans

logger = logging.getLogger(__name__)

# Bump when cleaning or chunking changes what a file turns into, so the next build redoes it.
PIPELINE_VERSION = 3
LOCK_NAME = ".build.lock"
_BATCH = 256

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed): chunks and their sentences


def build_index(
    config: Config,
    *,
    force: bool = False,
    show_progress: bool = True,
    on_progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> BuildReport:
    """Build (or bring up to date) the index over config.corpus.dir; returns what was done."""
    started = time.perf_counter()
    index_dir = config.index.dir
    with index_write_errors(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        with index_write_errors(index_dir):
            index_writer.prune_generations(index_dir, config.index.keep_generations)
        report = BuildReport(index_dir=str(index_dir))
        raw_files, hashes = _read_corpus(config, report)
        overrides = load_metadata_overrides(config.corpus.dir / config.corpus.metadata_file)
        # A skipped file exists: its report line says why, a "no such file" warning would mislead.
        present = set(hashes) | {s.source_file for s in report.skipped}
        report.warnings += [
            f"{config.corpus.metadata_file}: no corpus file named '{name}'" for name in sorted(set(overrides) - present)
        ]
        fingerprint = corpus_fingerprint(config, hashes, overrides)
        documents = _clean_all(raw_files, hashes, overrides, report)
        if not documents:
            raise BuildError(
                f"nothing to index in {config.corpus.dir}: {len(report.skipped)} file(s) skipped; the previous index is unchanged"
            )
        with _open_previous(index_dir) as (previous_conn, previous):
            unchanged = not force and previous.get("corpus_fingerprint") == fingerprint
            # --check tells the admin to run a build: an unchanged corpus must still repair a damaged index.
            damage = _damage(config) if unchanged else ""
            if unchanged and not damage:
                report.up_to_date = True
                report.documents = documents
                report.chunks = report.reused = previous.get("chunks", 0)
                report.index_type = previous.get("index_type", "")
                report.seconds = time.perf_counter() - started
                return report
            if damage:
                report.warnings.append(f"the index being served failed its check ({damage}); rebuilding it")
            embedder = embedder or Embedder.from_config(config)
            # --force re-embeds everything: the model's files may have changed under the same name;
            # a damaged index's vectors are not trusted either.
            reuse = not force and not damage and _vectors_reusable(previous, config, embedder)
            reusable = previous_conn if reuse else None
            with index_write_errors(index_dir):
                _write_generation(config, documents, fingerprint, embedder, reusable, report, show_progress, on_progress)
        report.documents = documents
        report.seconds = time.perf_counter() - started
        logger.info("index built: %d documents, %d chunks (%d embedded, %d reused) in %.1fs",
                    len(documents), report.chunks, report.embedded, report.reused, report.seconds)
        return report


@contextlib.contextmanager
def index_write_errors(index_dir: Path) -> Iterator[None]:
    """A full disk or an index folder that cannot be written becomes a BuildError with the system's
    reason (one line for the CLI, the reason for /reindex) instead of a traceback. Whatever was half
    written is already removed by then, so the previous index is still the one served."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise BuildError(f"cannot write the index in {index_dir}: {reason}; the previous index is unchanged") from exc


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock, or raise BuildLockedError naming the build that holds it."""
    path = index_dir / LOCK_NAME
    with index_write_errors(index_dir):
        handle = open(path, "a+", encoding="utf-8")
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            raise BuildLockedError(f"another build is already running ({holder}); wait for it to finish") from None
        with index_write_errors(index_dir):
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
            handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def corpus_fingerprint(config: Config, hashes: dict[str, str], overrides: dict) -> str:
    """Changes whenever a rebuild would produce a different index."""
    payload = {
        "files": sorted(hashes.items()),
        "overrides": overrides,
        "model": store.model_fingerprint(config),
        "chunking": vars(config.chunking),
        "pipeline": PIPELINE_VERSION,
        "schema": store.SCHEMA_VERSION,
        "index": [config.index.approximate_above],
        "data_files": data_file_hashes(config),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def data_file_hashes(config: Config) -> dict[str, str]:
    """Hashes of the TOML data the answering side reads beside the corpus (glossary.toml, a future
    normalization.toml): editing one must make the next build run, so the served index is
    stamped with the data it was built with."""
    corpus_dir = config.corpus.dir
    paths = {p for p in corpus_dir.glob("*.toml") if p.name != config.corpus.metadata_file} if corpus_dir.is_dir() else set()
    glossary = config.search.glossary
    if glossary.is_file():
        paths.add(glossary)
    # Keyed by name, not absolute path: a copied or moved project is the same index.
    return {p.name: file_sha256(p) for p in sorted(paths) if p.is_file()}


def _read_corpus(config: Config, report: BuildReport) -> tuple[list[RawFile], dict[str, str]]:
    corpus_dir = config.corpus.dir
    if not corpus_dir.is_dir():
        raise BuildError(f"corpus folder not found: {corpus_dir}")
    raw_files, hashes = [], {}
    max_bytes = int(config.corpus.max_file_mb * 1_000_000)
    for path in corpus_files(corpus_dir):
        name = relative_name(path, corpus_dir)
        if path.suffix.lower() == ".toml":
            continue  # the metadata sidecar and glossaries are data for the program, not documents
        try:
            raw = read_corpus_file(path, corpus_dir, max_bytes)
            hashes[name] = file_sha256(path)
        except UnreadableFile as exc:
            report.skipped.append(SkippedFile(name, str(exc)))
            continue
        except OSError as exc:
            report.skipped.append(SkippedFile(name, f"cannot read file ({exc.strerror or exc})"))
            continue
        raw_files.append(raw)
    return raw_files, hashes


def _clean_all(raw_files: list[RawFile], hashes: dict[str, str], overrides: dict, report: BuildReport) -> list[Document]:
    documents = []
    seen: dict[str, str] = {}  # text key -> the file indexed with that text
    for raw in raw_files:
        override = overrides.get(raw.source_file)
        content_hash = hashlib.sha256((hashes[raw.source_file] + json.dumps(override, sort_keys=True, default=str)).encode()).hexdigest()
        doc = clean_document(raw, content_hash, override)
        if not doc.text.strip():
            report.skipped.append(SkippedFile(raw.source_file, "no article text left after removing page chrome"))
            continue
        # The same article saved twice (another file name, another outlet's copy) would be cited twice.
        key = text_key(doc.text)
        if key in seen:
            report.duplicates.append((doc.source_file, seen[key]))
            continue
        seen[key] = doc.source_file
        documents.append(doc)
    return documents


def text_key(text: str) -> str:
    """Equal for texts a reader would call the same: case, diacritic style and spacing aside."""
    return hashlib.sha256(" ".join(search_key(text).split()).encode()).hexdigest()


@contextlib.contextmanager
def _open_previous(index_dir: Path) -> Iterator[tuple[sqlite3.Connection | None, dict]]:
    """The database and manifest of the index being served; (None, {}) when there is none or it is
    unreadable, which only means everything is embedded afresh."""
    gen = store.current_generation(index_dir)
    conn, manifest = None, {}
    if gen is not None:
        try:
            conn = sqlite3.connect(f"file:{gen / store.DB_NAME}?mode=ro", uri=True)
            manifest = store.read_manifest(conn)
        except sqlite3.Error:
            if conn is not None:
                conn.close()
            conn, manifest = None, {}
    try:
        yield conn, manifest
    finally:
        if conn is not None:
            conn.close()


def _damage(config: Config) -> str:
    """Why the index being served fails `verify_index`, or "" when it is intact."""
    try:
        store.verify_index(config)
    except BotError as exc:
        return str(exc)
    return ""


def _vectors_reusable(previous: dict, config: Config, embedder: Embedder) -> bool:
    return bool(previous) and not store.model_mismatch(previous, config) and previous.get("dimension") == embedder.dimension


def embedding_input(embedder: Embedder, doc: Document, chunk: Chunk) -> str:
    """What the model sees for a chunk: its headline gives the passage its place and topic."""
    return embedder.passage_input(f"{doc.title}\n{chunk.in_context(chunk.text)}")


def embed_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


def _write_generation(config: Config, documents: list[Document], fingerprint: str, embedder: Embedder,
                      previous: sqlite3.Connection | None, report: BuildReport, show_progress: bool,
                      on_progress: Progress | None) -> None:
    index_dir = config.index.dir
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    name = f"{store.GEN_PREFIX}{stamp}-{secrets.token_hex(3)}"
    tmp = index_dir / f"{store.TMP_PREFIX}{name}"
    tmp.mkdir()
    conn = None
    old = _PreviousVectors(previous) if previous is not None else None
    try:
        conn = index_writer.create_database(tmp / store.DB_NAME)
        rows, inputs, files = _chunk_rows(conn, documents, config, embedder)
        known = old.known_hashes() if old else set()
        to_embed = sum(1 for h in inputs if h not in known)
        bar = tqdm(total=to_embed, desc="Embedding passages", unit="passage", disable=not show_progress)
        embedded_files: set[str] = set()
        done, recent = 0, {}
        for start in range(0, len(rows), _BATCH):
            batch_rows = rows[start: start + _BATCH]
            # A sentence in the overlap of two chunks is embedded once.
            wanted = list(dict.fromkeys(h for r in batch_rows for h in (r.embed_hash, *(s[2] for s in r.sentences))))
            vectors = {h: recent[h] for h in wanted if h in recent}
            if old:
                vectors.update(old.vectors_for([h for h in wanted if h not in vectors]))
            missing = [h for h in wanted if h not in vectors]
            if missing:
                vectors.update(zip(missing, embedder.encode_passages([inputs[h] for h in missing])))
                fresh = set(missing)
                changed = [i for i, r in enumerate(batch_rows) if r.embed_hash in fresh or any(s[2] in fresh for s in r.sentences)]
                embedded_files.update(files[start + i] for i in changed)
                report.embedded += sum(1 for r in batch_rows if r.embed_hash in fresh)
                done += len(missing)
                bar.update(len(missing))
                if on_progress:
                    on_progress(done, to_embed)
            index_writer.insert_chunks(conn, batch_rows, vectors)
            recent = vectors
        bar.close()
        index_writer.insert_accents(conn, accent_table(doc.text for doc in documents))
        conn.commit()
        report.chunks = len(rows)
        report.reused = report.chunks - report.embedded
        report.embedded_files = tuple(sorted(embedded_files))
        ids, matrix = index_writer.all_vectors(conn, embedder.dimension)
        faiss_index = index_writer.build_faiss(ids, matrix, config.index)
        report.index_type = index_writer.index_type_name(faiss_index)
        index_writer.write_faiss(faiss_index, tmp / store.FAISS_NAME)
        manifest = {
            "schema_version": store.SCHEMA_VERSION,
            "pipeline_version": PIPELINE_VERSION,
            **store.model_fingerprint(config),
            "model_source": embedder.source,
            "dimension": embedder.dimension,
            "documents": len(documents),
            "chunks": len(rows),
            "index_type": report.index_type,
            "corpus_fingerprint": fingerprint,
            "chunking": vars(config.chunking),
            "skipped": [[s.source_file, s.reason] for s in report.skipped],
            "build_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "generation": name,
        }
        index_writer.write_manifest(conn, tmp, manifest)
        conn.close()
        conn = None
        index_writer.fsync_tree(tmp)
        gen = index_dir / name
        os.rename(tmp, gen)
        index_writer.publish_generation(index_dir, gen)
    except BaseException:
        if conn is not None:
            conn.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    index_writer.prune_generations(index_dir, config.index.keep_generations)


def _chunk_rows(conn: sqlite3.Connection, documents: list[Document], config: Config,
                embedder: Embedder) -> tuple[list[index_writer.ChunkRow], dict[str, str], list[str]]:
    """The chunk rows, what the model sees for every embed hash they name (chunks and their
    sentences), and each row's source file."""
    rows, inputs, files = [], {}, []
    model = config.embedding.model
    for doc in documents:
        doc_id = index_writer.insert_document(conn, doc.source_file, doc.text, doc.metadata, doc.content_hash)
        title = searchable_title(doc)
        for chunk in chunk_document(doc, config.chunking):
            # the article's heading is searched with each of its chunks, as the document's title is
            titled = f"{title}\n{chunk.heading}" if chunk.heading else title
            title_fts = (search_key(titled), fold(titled))
            text_in = embedding_input(embedder, doc, chunk)
            chunk_hash = embed_hash(model, text_in)
            inputs[chunk_hash] = text_in
            sentences = []
            for a, b in sentence_spans(chunk.text):
                sentence_in = embedder.passage_input(chunk.in_context(chunk.text[a:b]))
                sentence_hash = embed_hash(model, sentence_in)
                inputs[sentence_hash] = sentence_in
                sentences.append((a, b, sentence_hash))
            rows.append(index_writer.ChunkRow(
                doc_id=doc_id, position=chunk.position, start=chunk.start, end=chunk.end, text=chunk.text,
                embed_hash=chunk_hash, fts=(search_key(chunk.text), fold(chunk.text), *title_fts),
                locator=chunk.locator, sentences=tuple(sentences),
            ))
            files.append(doc.source_file)
    return rows, inputs, files


def searchable_title(doc: Document) -> str:
    """The title as full-text search sees it: a legal document's type and number are always in it,
    so "Kế hoạch 586" or "Nghị quyết 09" finds the document whatever its displayed title says."""
    m = doc.metadata
    label = " ".join(p for p in (m.doc_type, m.doc_number) if p)
    return f"{doc.title}\n{label} {m.doc_type} số {m.doc_number}" if label else doc.title


class _PreviousVectors:
    """Vectors of the index being served, looked up by embed hash."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # An index from before sentence vectors (schema 3) still lends its chunk vectors.
        self.tables = [t for t in ("chunks", "sentences")
                       if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()]

    def known_hashes(self) -> set[str]:
        return {h for t in self.tables for (h,) in self.conn.execute(f"SELECT embed_hash FROM {t}")}

    def vectors_for(self, hashes: list[str]) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        marks = ",".join("?" * len(hashes))
        out = {}
        for table in self.tables:
            rows = self.conn.execute(f"SELECT embed_hash, embedding FROM {table} WHERE embed_hash IN ({marks})", hashes)
            out.update((h, np.frombuffer(blob, dtype=np.float32)) for h, blob in rows)
        return out
