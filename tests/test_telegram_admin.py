"""End to end, admins: /reindex and document uploads change what the bot answers, the old index keeps
answering while the new one is built, and bad uploads are refused with the reason."""

from __future__ import annotations

import contextlib
import threading

import pytest

from fake_bot_api import FakeBotApi
from telegram_fixtures import ADMIN_ID, SEED_QUESTION, api, start_bot  # noqa: F401

pytestmark = pytest.mark.slow

ADMIN = {"id": ADMIN_ID, "is_bot": False, "first_name": "Quản trị", "language_code": "vi"}
USER = {"id": 2001, "is_bot": False, "first_name": "Minh", "language_code": "vi"}

NEW_ARTICLE = """Tỉnh Lạc Hồng Sơn phê duyệt Đề án chuyển đổi số đến năm 2030

(Báo Lạc Hồng Sơn) - Ngày 12/3/2025, UBND tỉnh Lạc Hồng Sơn đã ban hành Quyết định phê duyệt Đề án chuyển đổi số tỉnh Lạc Hồng Sơn giai đoạn 2025 - 2030.

Theo đề án, tỉnh Lạc Hồng Sơn đặt mục tiêu lắp đặt 1.275 điểm phát sóng wifi công cộng miễn phí tại trung tâm các xã vùng cao trước năm 2027.

Đề án cũng yêu cầu 100% hồ sơ thủ tục hành chính của tỉnh được số hóa, và mỗi thôn, bản có ít nhất một tổ công nghệ số cộng đồng hướng dẫn người dân sử dụng dịch vụ công trực tuyến.
"""
NEW_QUESTION = "Lạc Hồng Sơn đặt mục tiêu bao nhiêu điểm phát sóng wifi công cộng?"
NEW_FACT = "1.275 điểm phát sóng wifi"


class GatedEmbedder:
    """The real embedder, but building (encode_passages) waits until the test opens the gate, so a
    test can ask questions while a rebuild is provably in progress. Queries pass straight through."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    @contextlib.contextmanager
    def for_build(self):
        """The bot builds with its model's build-time threads: keep the gate in that path too."""
        with self._inner.for_build():
            yield self

    def encode_passages(self, texts, progress=None):
        self.waiting.set()
        if not self.gate.wait(timeout=60):
            raise RuntimeError("test gate never opened")
        return self._inner.encode_passages(texts, progress)


@pytest.fixture
def gated_bot(built_seed_copy, bundled_embedder, start_bot):
    """A bot over a private copy of the seed project whose builds wait for the test's signal."""
    from bot.answer import Answerer

    config = built_seed_copy.config
    embedder = GatedEmbedder(bundled_embedder)
    answerer = Answerer.open(config, embedder=embedder)
    bot = start_bot(answerer, config=config)
    return bot, embedder


def _generation(config) -> str:
    return (config.index.dir / "current").resolve().name


def test_admin_reindex_switches_without_restart_and_answers_meanwhile(gated_bot, api):
    bot, embedder = gated_bot
    before = bot.ask(USER, NEW_QUESTION)
    assert NEW_FACT not in before.visible
    (bot.config.corpus.dir / "lac_hong_son.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    old_generation = _generation(bot.config)

    embedder.gate.clear()
    api.send_text(ADMIN, "/reindex")
    status = api.wait_for_message(ADMIN_ID)
    assert status.visible.startswith("⏳ Đang dựng lại chỉ mục")
    assert embedder.waiting.wait(30), "the build never reached the embedding step"

    # Mid-build: questions are answered, from the old index.
    during = bot.ask(USER, SEED_QUESTION)
    assert "25 - 30" in during.visible
    assert NEW_FACT not in bot.ask(USER, NEW_QUESTION).visible
    assert _generation(bot.config) == old_generation

    embedder.gate.set()
    api.wait_for(lambda: status.visible.startswith("✅"), timeout=60, what="the rebuild to finish")
    assert status.visible == "✅ Đã dựng xong chỉ mục mới và chuyển sang dùng ngay."
    summary = api.wait_for_message(ADMIN_ID, contains="Chỉ mục: 6 tài liệu")
    assert "Tỉnh Lạc Hồng Sơn phê duyệt Đề án chuyển đổi số" in summary.visible
    assert len(summary.visible.splitlines()) <= 10 and "/reindex force" in summary.visible
    assert "--force" not in summary.visible
    assert _generation(bot.config) != old_generation

    after = bot.ask(USER, NEW_QUESTION)
    assert NEW_FACT in after.visible and "Lạc Hồng Sơn" in after.visible
    assert "lac_hong_son.txt" in bot.rows("SELECT cited_docs FROM questions ORDER BY id DESC LIMIT 1")[0][0]

    # Nothing changed since: the next /reindex says so.
    api.send_text(ADMIN, "/reindex")
    again = api.wait_for_message(ADMIN_ID, contains="Chỉ mục đã cập nhật")
    assert again.visible.startswith("✅ Chỉ mục đã cập nhật")


def test_admin_upload_is_indexed_and_answered(gated_bot, api):
    bot, embedder = gated_bot
    corpus = bot.config.corpus.dir
    outside = corpus.parent / "lac-hong-son.txt"
    assert NEW_FACT not in bot.ask(USER, NEW_QUESTION).visible

    embedder.gate.clear()
    # A path-traversal name: saved as a plain file inside corpus/, nowhere else.
    api.send_document(ADMIN, NEW_ARTICLE.encode(), "../../lac-hong-son.txt")
    status = api.wait_for_message(ADMIN_ID)
    assert embedder.waiting.wait(30)
    assert "25 - 30" in bot.ask(USER, SEED_QUESTION).visible  # answered during the build
    embedder.gate.set()

    api.wait_for(lambda: status.visible.startswith("✅"), timeout=60, what="the upload to be indexed")
    assert status.visible == "✅ lac-hong-son.txt đã vào chỉ mục; mình trả lời được từ bài này ngay bây giờ."
    details = api.wait_for_message(ADMIN_ID, contains="Chỉ mục: 6 tài liệu")
    assert "Tỉnh Lạc Hồng Sơn phê duyệt Đề án chuyển đổi số đến năm 2030" in details.visible
    assert (corpus / "lac-hong-son.txt").read_text(encoding="utf-8") == NEW_ARTICLE
    assert not outside.exists() and not (corpus.parent.parent / "lac-hong-son.txt").exists()
    assert not [p for p in corpus.iterdir() if p.name.startswith(".upload-")]

    answer = bot.ask(USER, NEW_QUESTION)
    assert NEW_FACT in answer.visible

    # The same name again replaces the previous version.
    updated = NEW_ARTICLE.replace("1.275", "1.390")
    before = len(api.messages_to(ADMIN_ID))
    api.send_document(ADMIN, updated.encode(), "lac-hong-son.txt")
    second = api.wait_for_message(ADMIN_ID, count=before + 1)
    api.wait_for(lambda: second.visible.startswith("✅"), timeout=60, what="the new version to be indexed")
    assert "1.390 điểm phát sóng wifi" in bot.ask(USER, NEW_QUESTION).visible


@pytest.mark.parametrize(
    ("file_name", "content", "reason"),
    [
        ("virus.exe", b"MZ\x90\x00", "không nhận loại tệp .exe"),
        ("metadata.toml", b'["x.txt"]\ntitle = "hijack"\n', "không nhận loại tệp .toml"),
        ("bao-cao.pdf", b"%PDF-1.4 this is not really a pdf", "không đọc được nội dung tệp (corrupt or unreadable PDF"),
        ("trong.txt", b"   \n\n  ", "không đọc được nội dung tệp (no text in file"),
        (None, b"some text", "không nhận loại tệp (không có phần mở rộng)"),
    ],
)
def test_bad_uploads_are_refused_and_leave_no_trace(built_seed_copy, bundled_embedder, start_bot, api,
                                                    file_name, content, reason):
    from bot.answer import Answerer

    config = built_seed_copy.config
    bot = start_bot(Answerer.open(config, embedder=bundled_embedder), config=config)
    corpus_before = sorted(p.name for p in config.corpus.dir.iterdir())
    generation = _generation(config)

    api.send_document(ADMIN, content, file_name)
    refusal = api.wait_for_message(ADMIN_ID, contains="❌")
    assert "Chỉ mục không thay đổi." in refusal.visible
    assert reason in refusal.visible
    api.wait_until_idle()
    assert sorted(p.name for p in config.corpus.dir.iterdir()) == corpus_before
    assert _generation(config) == generation
    assert "25 - 30" in bot.ask(USER, SEED_QUESTION).visible


def test_oversized_upload_is_refused_before_download(built_seed_copy, bundled_embedder, start_bot, api):
    from bot.answer import Answerer

    config = built_seed_copy.config
    start_bot(Answerer.open(config, embedder=bundled_embedder), config=config)
    api.send_document(ADMIN, b"x", "lon.pdf", declared_size=25_000_000)
    refusal = api.wait_for_message(ADMIN_ID)
    assert "tệp nặng 25.0 MB, vượt giới hạn 20 MB" in refusal.visible
    # An English-speaking admin is answered in English.
    api.send_document({**ADMIN, "language_code": "en"}, b"x", "lon.pdf", declared_size=25_000_000)
    refusal = api.wait_for_message(ADMIN_ID, count=2)
    assert refusal.visible.startswith("❌ File lon.pdf refused: the file is 25.0 MB, above the 20 MB limit")
    assert api.calls_to("getFile") == []


def test_fake_server_serves_uploaded_files():
    import httpx

    with FakeBotApi() as server:
        stored = server.add_file(b"hello", ".txt")
        url = f"{server.base_file_url}{server.token}/{stored.file_path}"
        assert httpx.get(url).content == b"hello"
        assert httpx.get(f"{server.base_file_url}wrong/{stored.file_path}").status_code == 404


NEW_PAGE = """<html><head><title>Lạc Hồng Sơn lắp wifi công cộng miễn phí | Báo Lạc Hồng Sơn</title>
<meta property="og:site_name" content="Báo Lạc Hồng Sơn"><meta property="article:published_time" content="2025-03-12">
</head><body><nav>Trang chủ | Thời sự | Đăng nhập</nav><article><h1>Lạc Hồng Sơn lắp wifi công cộng miễn phí</h1>
""" + "".join(f"<p>{p}</p>" for p in NEW_ARTICLE.split("\n\n")[1:]) + """</article>
<section><h3>Tin liên quan</h3><ul><li>Đội bóng xã Mường Lát vô địch giải mùa xuân</li></ul></section></body></html>"""


@pytest.fixture
def page_url():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = NEW_PAGE.encode() if self.path == "/tin/wifi.html" else b"not found"
            self.send_response(200 if self.path == "/tin/wifi.html" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def url_bot(built_seed_copy, bundled_embedder, start_bot):
    import dataclasses

    from bot.answer import Answerer
    from bot.config import FetchConfig

    # The page is served on this machine, which the fetcher refuses unless told otherwise.
    config = dataclasses.replace(built_seed_copy.config, fetch=FetchConfig(allow_private_hosts=True))
    return start_bot(Answerer.open(config, embedder=bundled_embedder), config=config)


def test_admin_adds_a_web_page_by_url_and_it_is_answered_with_its_link(url_bot, page_url, api):
    url = f"{page_url}/tin/wifi.html"
    assert NEW_FACT not in url_bot.ask(USER, NEW_QUESTION).visible
    api.send_text(USER, f"/add {url}")
    assert "quản trị" in api.wait_for_message(USER["id"], contains="quản trị").visible
    api.send_text(ADMIN, f"/add {url}")
    api.wait_for_message(ADMIN_ID, contains="Chỉ mục: 6 tài liệu", timeout=180)
    reply = url_bot.ask(USER, NEW_QUESTION)
    assert NEW_FACT in reply.visible
    assert url in reply.text  # the source can be opened
    assert "Mường Lát" not in url_bot.ask(USER, "Đội bóng nào vô địch giải mùa xuân?").visible


def test_a_page_that_cannot_be_fetched_changes_nothing(url_bot, page_url, api):
    files = sorted(p.name for p in url_bot.config.corpus.dir.rglob("*"))
    api.send_text(ADMIN, f"/add {page_url}/missing.html")
    status = api.wait_for_message(ADMIN_ID)
    api.wait_for(lambda: status.visible.startswith("❌"), timeout=60, what="the refusal")
    assert "404" in status.visible and "không thay đổi" in status.visible
    assert sorted(p.name for p in url_bot.config.corpus.dir.rglob("*")) == files
