"""Faults: what breaks in production, done to a bot that is serving.

For each fault: a clear message (one line on the command line, the reason in the chat), the previous
index keeps answering where one exists, the bot resumes by itself where it can (or after the admin's
/reindex where it cannot), and every question asked is recorded in the history exactly once.

kill -9 of a build by itself (the index side) is tested in test_build.py; here the same kill happens
while the bot serves, and the bot's /reindex recovers from it. A full disk is a real operating-system
write failure (RLIMIT_FSIZE makes writes past a size fail with EFBIG, which tests running as root
cannot get from chmod) or, inside the bot, SQLite's "database or disk is full" / EROFS injected on
the index write path with monkeypatch.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot import index_writer
from bot import store as store_module
from bot.errors import IndexInvalidError
from bot.store import current_generation, verify_index
from conftest import (
    REPO, TINY_EMBEDDING, Project, assert_one_line_error, build, cli_env, copy_project, copy_seed_corpus, new_project,
    run_build_cli,
)
from telegram_fixtures import ADMIN_ID, SEED_FILE, SEED_QUESTION, api, start_bot  # noqa: F401
from test_telegram_admin import NEW_ARTICLE, NEW_FACT, NEW_QUESTION
from test_telegram_cli import run_serve, telegram_sections

pytestmark = pytest.mark.slow

ADMIN = {"id": ADMIN_ID, "is_bot": False, "first_name": "Quản trị", "language_code": "vi"}
SEED_FACT = "25 - 30"
ERROR_REPLY = "Xin lỗi, đã có lỗi khi xử lý tin nhắn của bạn."


def user(n: int) -> dict:
    return {"id": 3_100_000 + n, "is_bot": False, "first_name": f"Dân {n}", "language_code": "vi"}


# ---------------------------------------------------------------- a small real index and a bot over it

@pytest.fixture(scope="module")
def one_article(tmp_path_factory, bundled_embedder) -> Project:
    """The Nghệ An seed article indexed with the real model: small, so a full rebuild takes seconds."""
    project = new_project(tmp_path_factory.mktemp("one-article") / "proj", seed=False)
    copy_seed_corpus(project.corpus, names=(SEED_FILE,))
    project.report = build(project, bundled_embedder)
    return project


@pytest.fixture
def project(one_article: Project, tmp_path: Path) -> Project:
    return copy_project(one_article, tmp_path / "proj")


@pytest.fixture
def serve(project, bundled_embedder, start_bot):
    """serve(wrap=None) -> a bot answering from `project` with the real model."""
    from bot.answer import Answerer

    def start(wrap=None, **telegram):
        answerer = Answerer.open(project.config, embedder=bundled_embedder)
        return start_bot(wrap(answerer) if wrap else answerer, config=project.config, **telegram)

    return start


def reindex(api, timeout: float = 90.0):
    """The admin sends /reindex; returns the status message once it says how the build ended."""
    before = len(api.messages_to(ADMIN_ID))
    api.send_text(ADMIN, "/reindex")
    status = api.wait_for_message(ADMIN_ID, count=before + 1)
    api.wait_for(lambda: status.visible.startswith(("✅", "❌")), timeout=timeout, what="the rebuild to end")
    return status


def recorded(bot) -> Counter:
    return Counter(q for (q,) in bot.rows("SELECT question FROM questions"))


def generation(project) -> Path:
    return current_generation(project.index)


def leftovers(project) -> list[str]:
    return sorted(p.name for p in project.index.glob("tmp-*"))


# ---------------------------------------------------------------- kill -9 of a build while the bot serves

HANGING_BUILD = """
import sys, time
from pathlib import Path
from bot import build
from bot.config import load_config

class HangingEmbedder:
    # Stands in for the model: the build writes the reused chunks, reaches the new article, and hangs.
    dimension = 384
    source = "test"
    def passage_input(self, text):
        return text
    def encode_passages(self, texts, progress=None):
        Path(sys.argv[2]).write_text("embedding", encoding="utf-8")
        time.sleep(600)

build._BATCH = 4  # several batches are in the new database before the one that hangs
build.build_index(load_config(sys.argv[1]), show_progress=False, embedder=HangingEmbedder())
"""


def test_kill_9_of_a_build_while_serving_then_reindex_recovers(project, serve, api, tmp_path):
    bot = serve()
    before = generation(project)
    (project.corpus / "lac_hong_son.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    marker = tmp_path / "embedding-started"
    proc = subprocess.Popen([sys.executable, "-c", HANGING_BUILD, str(project.config_path), str(marker)], cwd=REPO,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        api.wait_for(lambda: marker.exists() or proc.poll() is not None, timeout=60, what="the build to reach embedding")
        assert proc.poll() is None, proc.stdout.read().decode()
        assert leftovers(project)  # a half-written generation, lock held
        assert SEED_FACT in bot.ask(user(1), SEED_QUESTION).visible  # answered mid-build
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert generation(project) == before
    assert SEED_FACT in bot.ask(user(1), SEED_QUESTION).visible

    # The dead build's lock died with it; its half-written generation is cleared by the next build.
    status = reindex(api)
    assert status.visible == "✅ Đã dựng xong chỉ mục mới và chuyển sang dùng ngay."
    assert generation(project) != before and leftovers(project) == []
    assert NEW_FACT in bot.ask(user(1), NEW_QUESTION).visible
    assert recorded(bot) == Counter({SEED_QUESTION: 2, NEW_QUESTION: 1})


# ---------------------------------------------------------------- a full disk, an unwritable index folder

FULL_DISK_BUILD = """
import resource, sys
import numpy as np
from bot import build

class RandomEmbedder:
    # No model needed to reach the writes: vectors for the new article's chunks.
    dimension = 384
    source = "test"
    def passage_input(self, text):
        return text
    def encode_passages(self, texts, progress=None):
        v = np.random.default_rng(0).normal(size=(len(texts), 384)).astype("float32")
        return v / np.linalg.norm(v, axis=1, keepdims=True)

build.Embedder = type("Embedder", (), {"from_config": staticmethod(lambda config: RandomEmbedder())})
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # writes past this many bytes fail (EFBIG)
import build_index
sys.exit(build_index.main(["--config", sys.argv[1], "--quiet"]))
"""


def test_full_disk_during_a_build_is_one_line_and_keeps_the_index(project, bundled_embedder):
    before = generation(project)
    (project.corpus / "lac_hong_son.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    database_size = (before / store_module.DB_NAME).stat().st_size
    result = subprocess.run([sys.executable, "-c", FULL_DISK_BUILD, str(project.config_path), str(database_size // 4)],
                            cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    message = assert_one_line_error(result, "cannot write the index in", "previous index is unchanged")
    assert str(project.index) in message
    assert generation(project) == before and leftovers(project) == []
    assert verify_index(project.config)["documents"] == 1
    # Space again: the next build goes through.
    report = build(project, bundled_embedder)
    assert report.embedded_files == ("lac_hong_son.txt",) and generation(project) != before


def test_unwritable_index_folder_is_one_line(seed_project, run_cli):
    (seed_project.root / "blocker").write_text("a file where the index folder should be", encoding="utf-8")
    seed_project.write_config(index={"dir": "blocker/index"})
    result = run_cli("--config", str(seed_project.config_path), "--quiet")
    assert result.returncode == 1
    assert_one_line_error(result, "cannot write the index in", "blocker/index", "Not a directory")


def _disk_full(monkeypatch) -> None:
    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")  # what SQLite says on ENOSPC

    monkeypatch.setattr(index_writer, "insert_chunks", full)


def _read_only(monkeypatch) -> None:
    def read_only(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr(index_writer, "create_database", read_only)


@pytest.mark.parametrize(("fault", "reason"), [(_disk_full, "database or disk is full"),
                                               (_read_only, "Read-only file system")])
def test_reindex_on_a_full_or_read_only_disk_keeps_serving(project, serve, api, monkeypatch, fault, reason):
    bot = serve()
    before = generation(project)
    (project.corpus / "lac_hong_son.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    with monkeypatch.context() as patch:
        fault(patch)
        status = reindex(api)
        assert status.visible.startswith("❌ Không dựng được chỉ mục: cannot write the index in")
        assert reason in status.visible and status.visible.endswith("Chỉ mục cũ vẫn đang được dùng.")
        assert SEED_FACT in bot.ask(user(2), SEED_QUESTION).visible
        assert generation(project) == before and leftovers(project) == []
    assert reindex(api).visible.startswith("✅")  # the disk has room again: the admin's next /reindex works
    assert NEW_FACT in bot.ask(user(2), NEW_QUESTION).visible
    assert recorded(bot) == Counter({SEED_QUESTION: 1, NEW_QUESTION: 1})


# ---------------------------------------------------------------- corrupted FAISS and SQLite files

def _garbage(path: Path) -> None:
    """Overwrite in place (same inode, as a failing disk would), keeping the size."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write(os.urandom(size))


@pytest.mark.parametrize(("damaged", "fragment"), [(store_module.FAISS_NAME, "FAISS file unreadable"),
                                                   (store_module.DB_NAME, "index database unreadable")])
def test_bot_refuses_to_start_on_a_corrupted_index_with_one_line(project, damaged, fragment):
    project.write_config(**telegram_sections(project))
    _garbage(generation(project) / damaged)
    token = "5550009999:AAH-startup-canary-token"
    result = run_serve(project.config_path, token=token, timeout=120)
    assert result.returncode == 2
    assert_one_line_error(result, fragment, "build_index.py")
    assert token not in result.stdout + result.stderr


def test_corrupted_faiss_file_while_serving_is_repaired_by_reindex(project, serve, api):
    bot = serve()
    _garbage(generation(project) / store_module.FAISS_NAME)
    with pytest.raises(IndexInvalidError, match="FAISS file unreadable"):
        verify_index(project.config)  # what `build_index.py --check` reports (test_check.py runs the CLI)
    assert SEED_FACT in bot.ask(user(3), SEED_QUESTION).visible  # vectors are in memory: still answering
    status = reindex(api)
    assert status.visible.startswith("✅")
    summary = api.wait_for_message(ADMIN_ID, contains="Chỉ mục: 1 tài liệu")
    assert "failed its check" in summary.visible
    verify_index(project.config)
    assert SEED_FACT in bot.ask(user(3), SEED_QUESTION).visible
    assert recorded(bot) == Counter({SEED_QUESTION: 2})


def test_corrupted_database_while_serving_says_so_records_and_is_repaired_by_reindex(project, serve, api):
    bot = serve()
    _garbage(generation(project) / store_module.DB_NAME)
    reply = bot.ask(user(4), SEED_QUESTION)
    assert reply.visible.startswith(ERROR_REPLY)  # a clear reply, not silence
    status = reindex(api)
    assert status.visible.startswith("✅")
    verify_index(project.config)
    assert SEED_FACT in bot.ask(user(4), SEED_QUESTION).visible
    # Both questions are recorded, the first marked as failed.
    assert bot.rows("SELECT question, found, failed FROM questions ORDER BY id") == [
        (SEED_QUESTION, 0, 1), (SEED_QUESTION, 1, 0)]
    assert "Lỗi: 1" in bot.ask(ADMIN, "/stats").visible


# ---------------------------------------------------------------- locked SQLite databases

def test_locked_index_database_is_reported_at_start_up_and_by_check(project):
    from bot.answer import Answerer

    locker = sqlite3.connect(generation(project) / store_module.DB_NAME)
    locker.execute("BEGIN EXCLUSIVE")  # another program holds the index database
    try:
        check = subprocess.Popen([sys.executable, str(REPO / "build_index.py"), "--check", "--config",
                                  str(project.config_path)], cwd=project.root.parent, env=cli_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with pytest.raises(IndexInvalidError, match="database is locked"):
            Answerer.open(project.config, embedder=object())  # the bot's start-up: fails before the model
        out, err = check.communicate(timeout=60)
    finally:
        locker.rollback()
        locker.close()
    result = subprocess.CompletedProcess(check.args, check.returncode, out, err)
    assert result.returncode == 2
    assert_one_line_error(result, "database is locked")
    assert run_build_cli("--check", "--config", str(project.config_path), cwd=project.root.parent).returncode == 0


def test_locked_index_database_while_serving_is_replaced_by_reindex(project, serve, api):
    bot = serve()
    locker = sqlite3.connect(generation(project) / store_module.DB_NAME)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        assert bot.ask(user(5), SEED_QUESTION, timeout=30).visible.startswith(ERROR_REPLY)  # after SQLite's 5 s wait
        # The build cannot read the locked generation either: it builds a complete new one and switches to it.
        assert reindex(api).visible.startswith("✅")
        assert SEED_FACT in bot.ask(user(5), SEED_QUESTION).visible
    finally:
        locker.rollback()
        locker.close()
    assert bot.rows("SELECT question, found, failed FROM questions ORDER BY id") == [
        (SEED_QUESTION, 0, 1), (SEED_QUESTION, 1, 0)]


def test_locked_history_database_neither_stalls_answers_nor_loses_records(project, serve, api, tmp_path):
    from bot.history import History

    history_path = tmp_path / "history-0.sqlite"  # the path start_bot gives the first bot
    History(history_path, b"salt", 30).close()
    locker = sqlite3.connect(history_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # e.g. an admin's sqlite3 shell in the middle of a write
    locker.execute("DELETE FROM questions")
    try:
        bot = serve()  # start-up with the database locked: retention is simply enforced later
        asked = [user(10 + n) for n in range(6)]
        started = time.monotonic()
        for u in asked:
            api.send_text(u, SEED_QUESTION)
        replies = [api.wait_for_message(u["id"], timeout=30) for u in asked]
        took = time.monotonic() - started
        assert all(SEED_FACT in r.visible for r in replies)
        assert all(r.buttons() == [] for r in replies)  # not stored yet, so no feedback buttons
        assert took < 10, f"answers stalled behind the lock: {took:.1f}s for {len(asked)} questions"
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    # The waiting records are written by the bot's periodic flush, each exactly once.
    api.wait_for(lambda: sum(recorded(bot).values()) >= len(asked), timeout=20, what="the records to be written")
    assert recorded(bot) == Counter({SEED_QUESTION: len(asked)})
    assert bot.history.flush() == 0
    reply = bot.ask(user(20), SEED_QUESTION)
    assert reply.buttons()  # stored at once again
    assert sum(recorded(bot).values()) == len(asked) + 1


def test_history_keeps_refused_records_in_memory_and_writes_each_once(tmp_path):
    from bot.history import History
    from bot.records import Answer

    history = History(tmp_path / "h.sqlite", b"salt", 30)
    answer = Answer(question="q", text="t", found=False, language="vi")
    locker = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    assert history.record(1, "private", answer) is None  # waited for the lock a moment, then kept it
    assert history.record(2, "private", answer) is None  # straight to memory: no second wait
    assert time.monotonic() - started < 3
    assert history.flush() == 2  # still locked: both still waiting
    locker.execute("ROLLBACK")
    assert history.flush() == 0
    third = history.record(3, "private", Answer(question="a\ud800b", text="t", found=False, language="vi"))
    assert third == 3
    rows = locker.execute("SELECT id, user_hash, question FROM questions ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(i, history.hash_user(i)) for i in (1, 2, 3)]
    assert rows[2][2] == "a?b"  # a lone surrogate cannot be stored: replaced, not a poisoned queue
    locker.close()
    history.close()


# ---------------------------------------------------------------- a missing model

def test_missing_model_is_one_line_and_a_running_bot_keeps_serving(tiny_project, start_bot, api):
    from bot.answer import Answerer

    build(tiny_project)  # with models/tiny, as the config says
    answerer = Answerer.open(tiny_project.config)  # a bot that started while the model was there
    bot = start_bot(answerer, config=tiny_project.config)
    before = generation(tiny_project)
    shutil.rmtree(tiny_project.root / "models" / "tiny")  # the folder the config names is gone
    (tiny_project.corpus / "lac_hong_son.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    tiny_project.write_config(embedding=TINY_EMBEDDING, **telegram_sections(tiny_project))
    with ThreadPoolExecutor(2) as pool:  # each loads sentence-transformers (slow to import): run both at once
        serving = pool.submit(run_serve, tiny_project.config_path, "5550008888:AAH-model-canary", 180)
        building = pool.submit(run_build_cli, "--config", str(tiny_project.config_path), "--quiet",
                               cwd=tiny_project.root.parent, timeout=180)
        assert SEED_FACT in bot.ask(user(30), SEED_QUESTION).visible  # meanwhile the running bot answers
        for result in (serving.result(), building.result()):
            assert result.returncode == 2
            assert_one_line_error(result, "cannot load embedding model 'models/tiny'", "not a local folder")
    assert generation(tiny_project) == before
    verify_index(tiny_project.config)
    # The running bot has the model in memory: the admin's /reindex still works.
    assert reindex(api).visible.startswith("✅")
    assert NEW_FACT in bot.ask(user(30), NEW_QUESTION).visible
    assert recorded(bot) == Counter({SEED_QUESTION: 1, NEW_QUESTION: 1})


# ---------------------------------------------------------------- Telegram unreachable, Telegram flooded

class GatedAnswerer:
    """The real answerer; answering waits for the test's signal, so a test can cut the network while
    an answer is being prepared."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.config = inner.config
        self.embedder = inner.embedder
        self.expand_abbreviations = inner.expand_abbreviations
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()

    @property
    def store(self):
        return self._inner.store

    def answer(self, question: str, context: str = ""):
        self.waiting.set()
        assert self.gate.wait(60), "test gate never opened"
        return self._inner.answer(question, context)

    def reload(self) -> None:
        self._inner.reload()


def test_bot_api_going_away_and_coming_back(serve, api):
    wrapped: dict[str, GatedAnswerer] = {}

    def wrap(inner) -> GatedAnswerer:
        wrapped["answerer"] = GatedAnswerer(inner)
        return wrapped["answerer"]

    bot = serve(wrap=wrap)
    answerer = wrapped["answerer"]
    first, during, queued = user(40), user(41), user(42)
    assert SEED_FACT in bot.ask(first, SEED_QUESTION).visible

    answerer.gate.clear()
    answerer.waiting.clear()
    api.send_text(during, SEED_QUESTION)
    assert answerer.waiting.wait(20)  # its answer is being prepared...
    api.go_down()  # ...when Telegram becomes unreachable
    answerer.gate.set()
    api.send_text(queued, "Chính phủ số Nghệ An mục tiêu là gì?")  # sent by a user during the outage
    time.sleep(2.0)
    assert api.messages_to(during["id"]) == [] and api.messages_to(queued["id"]) == []
    api.come_back()

    # The answer prepared during the outage is delivered, the question sent during it is answered.
    assert SEED_FACT in api.wait_for_message(during["id"], timeout=30).visible
    assert SEED_FACT in api.wait_for_message(queued["id"], timeout=60).visible
    api.wait_until_idle(quiet=1.0, timeout=30)
    assert len(api.messages_to(during["id"])) == 1 and len(api.messages_to(queued["id"])) == 1
    assert recorded(bot) == Counter({SEED_QUESTION: 2, "Chính phủ số Nghệ An mục tiêu là gì?": 1})


@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
def test_flood_limit_replies_delay_answers_but_lose_none(serve, api):
    bot = serve()
    asked = [user(50 + n) for n in range(8)]
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=3)
    for u in asked:
        api.send_text(u, SEED_QUESTION)
    for u in asked:
        assert SEED_FACT in api.wait_for_message(u["id"], timeout=60).visible
    api.wait_until_idle(quiet=1.0, timeout=30)
    assert all(len(api.messages_to(u["id"])) == 1 for u in asked)  # delivered once each
    assert [c.status for c in api.calls_to("sendMessage")].count(429) == 3
    assert recorded(bot) == Counter({SEED_QUESTION: len(asked)})
