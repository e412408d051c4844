"""Adding pages by URL: a local HTTP server on 127.0.0.1 serves a news page with site chrome and
hostile answers. A page that is added is searchable with its title, date, outlet and URL, without
its chrome; a refused one says why and changes nothing in corpus/ or index/."""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.errors import BotError
from bot.fetch import FetchError, add_url, refresh_urls
from conftest import assert_one_line_error, build

ARTICLE_BODY = (
    "Tỉnh Lào Cai vận hành trung tâm điều hành đô thị thông minh từ năm 2022, kết nối 400 camera giám sát giao thông.",
    "Sở Thông tin và Truyền thông cho biết 98% hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng.",
)
CHROME = ("Trang chủ", "Chia sẻ", "Copy link", "Đánh giá bài viết", "Lượt truy cập", "Bản quyền thuộc",
          "Yên Bái khai trương cổng thông tin", "Hà Giang đón 2 triệu khách", "Tin liên quan", "Liên hệ quảng cáo")


def news_page(body: tuple[str, ...] = ARTICLE_BODY) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Lào Cai phát triển đô thị thông minh - Báo Lào Cai</title>
<meta property="og:title" content="Lào Cai phát triển đô thị thông minh">
<meta property="og:site_name" content="Báo Lào Cai">
<meta property="article:published_time" content="2024-05-12T08:00:00+07:00">
</head><body>
<header><nav><a href="/">Trang chủ</a> | <a href="/ts">Thời sự</a> | <a href="/kt">Kinh tế</a></nav></header>
<main><article><h1>Lào Cai phát triển đô thị thông minh</h1>
<div class="share">Chia sẻ Facebook Zalo Copy link</div>
{paragraphs}
<div class="rating">Đánh giá bài viết: ★★★★★</div>
<section class="related"><h3>Tin liên quan</h3><ul>
<li><a href="/a">Yên Bái khai trương cổng thông tin du lịch thông minh mới</a></li>
<li><a href="/b">Hà Giang đón 2 triệu khách du lịch trong năm 2024</a></li></ul></section>
</article></main>
<aside>Lượt truy cập: 123456</aside>
<footer>Bản quyền thuộc Báo Lào Cai. Liên hệ quảng cáo 0214 123 456</footer></body></html>""".encode()


class Site:
    """What the local server answers; tests change `page` to simulate an edited article."""

    def __init__(self) -> None:
        self.page = news_page()
        self.requests: list[str] = []


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _send(self, status: int, content_type: str, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.requests.append(self.path)
            path = self.path
            if path in ("/tin/lao-cai.html", "/tin/lao-cai.html?ref=home") and site.page is not None:
                self._send(200, "text/html; charset=utf-8", site.page)
            elif path == "/moved":
                self._send(301, "text/html", headers={"Location": "/tin/lao-cai.html"})
            elif path == "/loop-a":
                self._send(302, "text/html", headers={"Location": "/loop-b"})
            elif path == "/loop-b":
                self._send(302, "text/html", headers={"Location": "/loop-a"})
            elif path.startswith("/chain"):
                n = int(path.removeprefix("/chain") or 0)
                self._send(302, "text/html", headers={"Location": f"/chain{n + 1}"})
            elif path == "/to-file":
                self._send(302, "text/html", headers={"Location": "file:///etc/passwd"})
            elif path == "/image.png":
                self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(200))
            elif path == "/huge-declared":
                self._send(200, "text/html", b"<html>", headers={"Content-Length": str(500_000_000)})
            elif path == "/huge-streamed":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(100):
                        self.wfile.write(b"<p>" + b"x" * 10_000 + b"</p>")
                except (BrokenPipeError, ConnectionResetError):
                    pass
            elif path == "/slow":
                time.sleep(3)
                self._send(200, "text/html", site.page)
            elif path == "/empty-article":
                self._send(200, "text/html", b"<html><body><script>var a = 1;</script><img src=x.png></body></html>")
            else:
                self._send(404, "text/html", b"not found")

    return Handler


@pytest.fixture
def site():
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder and a hash of its bytes (symlinks by target)."""
    if not folder.exists():
        return {}
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + str(path.readlink())
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


# ---------------------------------------------------------------- refused, nothing changes (no model)

HOSTILE = {
    "/loop-a": "redirect loop",
    "/chain0": "redirects",
    "/to-file": "not an http(s) url",
    "/image.png": "content type",
    "/huge-declared": "limit",
    "/huge-streamed": "limit",
    "/slow": "timed out",
    "/missing": "404",
    "/empty-article": "no text",
}


@pytest.mark.parametrize("path", sorted(HOSTILE))
def test_hostile_or_broken_page_is_refused_and_nothing_changes(make_project, site, path):
    project = make_project("hostile", fetch={"max_mb": 0.2, "timeout_seconds": 1.5, "max_redirects": 4,
                                             "allow_private_hosts": True})
    before = snapshot(project.root)
    with pytest.raises(FetchError) as err:
        add_url(project.config, site.base + path)
    message = str(err.value)
    assert HOSTILE[path] in message.lower()
    assert "\n" not in message
    assert snapshot(project.root) == before


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/kh.pdf", "javascript:alert(1)", "127.0.0.1/x"])
def test_non_http_url_is_refused_before_any_request(make_project, url):
    project = make_project("schemes")
    before = snapshot(project.root)
    with pytest.raises(FetchError, match="http"):
        add_url(project.config, url)
    assert snapshot(project.root) == before


def test_local_and_private_hosts_are_refused_unless_allowed(make_project, site):
    project = make_project("private")
    before = snapshot(project.root)
    for url in (site.base + "/tin/lao-cai.html", "http://localhost:9/x", "http://10.0.0.1/x", "http://169.254.169.254/latest/"):
        with pytest.raises(FetchError, match="private or local address"):
            add_url(project.config, url)
    assert snapshot(project.root) == before
    assert site.requests == []  # refused before any request was sent


def test_cli_refusal_is_one_line_and_non_zero(make_project, site, run_cli):
    project = make_project("cli", fetch={"allow_private_hosts": True})
    before = snapshot(project.root)
    result = run_cli("--add-url", site.base + "/image.png", "--config", str(project.config_path), "--quiet")
    assert_one_line_error(result, "content type")
    assert snapshot(project.root) == before


# ---------------------------------------------------------------- added and searchable (real model)

def _documents(project):
    from bot.store import open_index

    store = open_index(project.config)
    try:
        return {source: meta for _, source, meta, _ in store.documents()}, store.conn.execute(
            "SELECT d.source_file, c.text FROM chunks c JOIN documents d ON d.id = c.doc_id").fetchall()
    finally:
        store.close()


def _found(project, expression: str) -> list[str]:
    from bot.store import open_index

    store = open_index(project.config)
    try:
        return [hit.source_file for hit in store.hits(store.lexical_search(expression, 20))]
    finally:
        store.close()


@pytest.mark.slow
def test_added_page_is_indexed_with_its_metadata_and_without_chrome(make_project, site, bundled_embedder):
    project = make_project("add", fetch={"allow_private_hosts": True})
    url = site.base + "/moved"  # a redirect on the way, as news sites do
    added = add_url(project.config, url, embedder=bundled_embedder)

    assert added.changed and added.source_file.startswith("web/") and added.source_file.endswith(".html")
    assert (project.corpus / added.source_file).is_file()
    sidecar = (project.corpus / "metadata.toml").read_text(encoding="utf-8")
    assert url in sidecar and "Báo Lào Cai" in sidecar
    docs, chunks = _documents(project)
    meta = docs[added.source_file]
    assert meta.title == "Lào Cai phát triển đô thị thông minh"
    assert meta.outlet == "Báo Lào Cai"
    assert meta.published == "2024-05-12"
    assert meta.url == url
    assert len(docs) == 6  # the five seed articles and the page
    page_chunks = [text for source, text in chunks if source == added.source_file]
    for sentence in ARTICLE_BODY:
        assert sentence in " ".join(page_chunks)
    for chrome in CHROME:
        assert all(chrome not in chunk for chunk in page_chunks), chrome
    assert _found(project, '"trung tâm điều hành đô thị thông minh"') == [added.source_file]
    assert _found(project, '"Yên Bái khai trương"') == []

    # The same URL again: the same document, not a second one.
    again = add_url(project.config, url, embedder=bundled_embedder)
    assert again.source_file == added.source_file and not again.changed
    assert len(_documents(project)[0]) == 6

    # The article is edited on the site: --refresh-urls fetches it again and re-indexes it.
    site.page = news_page(ARTICLE_BODY[:1] + ("Đến năm 2025, Lào Cai phủ sóng 5G tại toàn bộ trung tâm các huyện.",))
    result = refresh_urls(project.config, embedder=bundled_embedder)
    assert result.updated == [added.source_file] and not result.failed
    assert _found(project, '"phủ sóng 5G"') == [added.source_file]
    assert _found(project, '"môi trường mạng"') != [added.source_file]
    assert len(_documents(project)[0]) == 6

    # Added again after another edit: the same document, updated.
    site.page = news_page(ARTICLE_BODY[:1] + ("Lào Cai cấp 20.000 chữ ký số cá nhân miễn phí cho người dân.",))
    updated = add_url(project.config, url, embedder=bundled_embedder)
    assert updated.changed and updated.source_file == added.source_file
    assert _found(project, '"chữ ký số cá nhân"') == [added.source_file]
    assert len(_documents(project)[0]) == 6

    # The page disappears: the refresh says so and the saved copy stays indexed.
    site.page = None
    result = refresh_urls(project.config, embedder=bundled_embedder)
    assert [u for u, _ in result.failed] == [url] and "404" in result.failed[0][1]
    assert _found(project, '"chữ ký số cá nhân"') == [added.source_file]


@pytest.mark.slow
def test_failed_fetch_keeps_a_built_index_and_corpus_unchanged(make_project, site, bundled_embedder):
    project = make_project("keep", fetch={"max_mb": 0.2, "allow_private_hosts": True})
    build(project, bundled_embedder)
    before = snapshot(project.root)
    with pytest.raises(BotError):
        add_url(project.config, site.base + "/huge-streamed", embedder=bundled_embedder)
    assert snapshot(project.root) == before
