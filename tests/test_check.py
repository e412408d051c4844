"""`build_index.py --check`: exit 0 on a good index, otherwise one line saying what is wrong.

Each case tampers with a copy of the built seed index and runs the real command line, from a
folder other than the project's, with --config pointing at the project's config.toml.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from bot.store import current_generation
from conftest import assert_one_line_error

pytestmark = pytest.mark.slow


def gen_dir(project) -> Path:
    return current_generation(project.index)


def vectors(project) -> tuple[np.ndarray, np.ndarray]:
    with contextlib.closing(sqlite3.connect(gen_dir(project) / "index.sqlite")) as conn:
        rows = conn.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64), np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def write_faiss(project, ids: np.ndarray, matrix: np.ndarray) -> None:
    import faiss

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(matrix.shape[1]))
    index.add_with_ids(np.ascontiguousarray(matrix, dtype=np.float32), ids)
    faiss.write_index(index, str(gen_dir(project) / "vectors.faiss"))


def sql(project, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(gen_dir(project) / "index.sqlite")) as conn, conn:
        conn.execute(statement)


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_good_index_passes(built_seed_copy, run_cli):
    result = run_cli("--check", "--config", str(built_seed_copy.config_path))
    assert result.returncode == 0, result.stderr
    chunks = built_seed_copy.report.chunks
    assert result.stdout.strip().startswith(f"index OK: 5 documents, {chunks} chunks, model ")
    assert "multilingual-e5-small (384-d, Flat)" in result.stdout
    assert "Traceback" not in result.stderr


def test_no_index_at_all(seed_project, run_cli):
    result = run_cli("--check", "--config", str(seed_project.config_path))
    assert result.returncode == 2
    assert_one_line_error(result, "no index at", str(seed_project.index), "build_index.py")


def test_missing_config_file(tmp_path, run_cli):
    result = run_cli("--check", "--config", str(tmp_path / "nope.toml"))
    assert_one_line_error(result, "config file not found")


def test_index_built_with_another_model(built_seed_copy, run_cli):
    built_seed_copy.write_config(embedding={"model": "intfloat/multilingual-e5-base"})
    result = run_cli("--check", "--config", str(built_seed_copy.config_path))
    assert result.returncode == 2
    assert_one_line_error(result, "multilingual-e5-small", "intfloat/multilingual-e5-base", "build_index.py")


def test_index_built_with_other_prefixes(built_seed_copy, run_cli):
    built_seed_copy.write_config(embedding={"query_prefix": "question: ", "passage_prefix": "document: "})
    result = run_cli("--check", "--config", str(built_seed_copy.config_path))
    assert_one_line_error(result, "prefix")


def _delete_chunk_rows(project):
    sql(project, "DELETE FROM chunks WHERE id IN (SELECT id FROM chunks ORDER BY id LIMIT 3)")


def _fewer_vectors(project):
    ids, matrix = vectors(project)
    write_faiss(project, ids[:-5], matrix[:-5])


def _other_ids(project):
    ids, matrix = vectors(project)
    write_faiss(project, ids + 10_000, matrix)


def _other_vectors(project):
    ids, matrix = vectors(project)
    write_faiss(project, ids, -matrix)  # same ids and count, but no stored vector finds its own chunk


def _other_dimension(project):
    ids, matrix = vectors(project)
    write_faiss(project, ids, matrix[:, :32])


def _truncated_faiss(project):
    truncate(gen_dir(project) / "vectors.faiss")


def _garbage_faiss(project):
    (gen_dir(project) / "vectors.faiss").write_bytes(os.urandom(5000))


def _missing_faiss(project):
    (gen_dir(project) / "vectors.faiss").unlink()


def _garbage_sqlite(project):
    (gen_dir(project) / "index.sqlite").write_bytes(os.urandom(64 * 1024))


def _truncated_sqlite(project):
    truncate(gen_dir(project) / "index.sqlite")


def _manifest_counts(project):
    sql(project, "UPDATE manifest SET value = '99' WHERE key = 'chunks'")


def _wrong_vector_size(project):
    sql(project, "UPDATE chunks SET embedding = zeroblob(12) WHERE id = (SELECT MIN(id) FROM chunks)")


def _generation_deleted(project):
    shutil.rmtree(gen_dir(project))


TAMPERING = [
    (_delete_chunk_rows, ["FAISS holds", "SQLite has"]),
    (_fewer_vectors, ["FAISS holds", "SQLite has"]),
    (_other_ids, ["FAISS ids do not match"]),
    (_other_vectors, ["FAISS vectors do not match"]),
    (_other_dimension, ["dimension"]),
    (_truncated_faiss, ["FAISS file unreadable"]),
    (_garbage_faiss, ["FAISS file unreadable"]),
    (_missing_faiss, ["incomplete"]),
    (_garbage_sqlite, ["database unreadable"]),
    (_truncated_sqlite, ["database"]),
    (_manifest_counts, ["manifest says"]),
    (_wrong_vector_size, ["wrong size"]),
    (_generation_deleted, ["no index"]),
]


@pytest.mark.parametrize("tamper, fragments", [pytest.param(t, f, id=t.__name__.strip("_")) for t, f in TAMPERING])
def test_tampered_index_is_caught(built_seed_copy, run_cli, tamper, fragments):
    tamper(built_seed_copy)
    result = run_cli("--check", "--config", str(built_seed_copy.config_path))
    assert result.returncode == 2
    assert_one_line_error(result, *fragments, "build_index.py")
