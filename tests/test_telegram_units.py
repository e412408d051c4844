"""The bot's parts without Telegram or the model: HTML rendering and splitting, upload names, the
question history, the per-user rate limit, token redaction in logs, and the [telegram] config."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import formatting as fmt
from bot.config import Config, HistoryConfig, load_config
from bot.errors import ConfigError
from bot.history import FEEDBACK_DOWN, FEEDBACK_UP, MIGRATIONS, History, HistoryError, load_salt
from bot.records import Answer, Citation, DocumentMetadata
from bot.corpus_admin import UploadRefused, safe_corpus_name
from bot.telegram.messages import cut_question
from bot.telegram.ratelimit import UserRateLimiter
from bot.passages import PassageContext
from bot.telegram.redaction import install_log_redaction, redact
from bot.telegram.render import render_answer, render_passage, render_sources, source_line
from bot.telegram.texts import TEXTS, t
from fake_bot_api import HtmlError, parse_telegram_html, utf16_len

CITATION = Citation(n=1, doc_id=3, title="Nghệ An <thông qua> Nghị quyết", outlet="Báo Nghệ An & Đời sống",
                    published="2022-07-01", url="https://baonghean.vn/a?x=1&y=2", source_file="002.txt",
                    quote="Nghệ An cần phấn đấu nằm trong tốp 25 - 30 tỉnh.", score=0.9)


def answer(text: str = "Theo Báo Nghệ An [1]: “<b>tốp 25 - 30</b>”", citations=(CITATION,), language: str = "vi") -> Answer:
    return Answer(question="q", text=text, found=bool(citations), language=language, citations=citations, latency_ms=5)


# ---------------------------------------------------------------- rendering

def test_answer_html_escapes_everything_from_the_corpus():
    hostile = dataclasses.replace(CITATION, quote="Nghệ An cần phấn đấu nằm trong <b>tốp 25 - 30</b> tỉnh.")
    markup = render_answer(answer(citations=(hostile,)))
    parse_telegram_html(markup)
    assert "&lt;b&gt;tốp 25 - 30&lt;/b&gt;" in markup
    assert '<a href="https://baonghean.vn/a?x=1&amp;y=2">Nghệ An &lt;thông qua&gt; Nghị quyết</a>' in markup
    assert "Báo Nghệ An &amp; Đời sống · 01/07/2022" in markup
    assert fmt.plain_text(markup).endswith("[1] Báo Nghệ An & Đời sống · 01/07/2022 · Nghệ An <thông qua> Nghị quyết")


def test_english_answer_labels_and_dates():
    markup = render_answer(answer(language="en"), truncated_to=500)
    assert fmt.plain_text(markup).startswith("✂️ Your question was too long; only its first 500 characters were used.")
    assert "<b>Sources</b>" in markup and "2022-07-01" in markup


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.y/z", "http://", "https://a b.c",
                                 "https://x.y/" + "a" * 600, "https://x.y/\x00"])
def test_only_plain_http_links_are_linked(url):
    c = Citation(1, 1, "Tiêu đề", "Báo", "", url, "f.txt", "q", 0.5)
    markup = source_line(c, "vi")
    assert "<a " not in markup
    parse_telegram_html(markup)


def test_passages_highlight_the_quote_in_its_context():
    context = PassageContext("Câu trước.", "Nghệ An cần phấn đấu nằm trong tốp 25 - 30 tỉnh.", "Câu sau <x>.")
    markup = render_passage(CITATION, [context], "vi")
    parse_telegram_html(markup)
    assert "<blockquote>Câu trước. <b>Nghệ An cần phấn đấu nằm trong tốp 25 - 30 tỉnh.</b> Câu sau &lt;x&gt;.</blockquote>" in markup
    # The article changed: the quote alone, with a note.
    changed = fmt.plain_text(render_passage(CITATION, [], "vi"))
    assert "Bài viết đã thay đổi" in changed and changed.endswith(CITATION.quote)


def test_sources_list_newest_first():
    docs = [(i, f"f{i}.txt", DocumentMetadata(title=f"Bài {i}", outlet="Báo", published=f"2022-01-{i + 1:02d}"), 3)
            for i in range(5)]
    text = fmt.plain_text(render_sources(docs, "vi", 0).markup)
    assert text.splitlines()[0] == "5 bài viết, theo tỉnh · trang 1/1"
    assert text.index("Bài 4") < text.index("Bài 3") < text.index("Bài 0")
    assert render_sources([], "en", 0).markup == "The index holds no articles yet."


def test_fixed_texts_are_valid_html_in_both_languages():
    for key, variants in TEXTS.items():
        for lang in ("vi", "en"):
            values = dict.fromkeys(re.findall(r"{(\w+)}", variants[lang]), "<x&y>")
            markup = t(key, lang, **values)
            if markup:
                parse_telegram_html(markup)


# ---------------------------------------------------------------- splitting

def _check_parts(parts: list[str], limit: int) -> None:
    for part in parts:
        assert utf16_len(part) <= limit
        visible = parse_telegram_html(part)  # balanced, allowed tags, valid entities
        assert visible.strip()


def test_short_message_is_one_part():
    assert fmt.split_html("<b>xin chào</b>") == ["<b>xin chào</b>"]
    assert fmt.split_html("  \n ") == []


def test_long_answer_splits_at_lines_and_reopens_tags():
    lines = [f"<b>Dòng {i}</b>: " + fmt.h("nội dung & chi tiết " * 10) for i in range(200)]
    markup = "<blockquote>" + "\n".join(lines) + "</blockquote>"
    parts = fmt.split_html(markup)
    assert len(parts) > 1
    _check_parts(parts, fmt.MAX_MESSAGE)
    assert all(p.startswith("<blockquote>") and p.endswith("</blockquote>") for p in parts)
    assert all("\n".join(fmt.plain_text(p).splitlines()) for p in parts)
    joined = "\n".join(fmt.plain_text(p) for p in parts)
    assert re.sub(r"\s+", " ", joined) == re.sub(r"\s+", " ", fmt.plain_text(markup))


def test_a_word_longer_than_a_message_is_cut_inside():
    markup = "<i>" + "😀" * 5000 + "</i>"
    parts = fmt.split_html(markup)
    _check_parts(parts, fmt.MAX_MESSAGE)
    assert "".join(fmt.plain_text(p) for p in parts) == "😀" * 5000


_atoms = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).map(fmt.h),
    st.sampled_from(["\n", " ", "\n\n", "😀", "&amp;", "a" * 120]),
)


@st.composite
def _markup(draw, depth: int = 0) -> str:
    pieces = draw(st.lists(_atoms, min_size=1, max_size=12))
    if depth < 3 and draw(st.booleans()):
        tag = draw(st.sampled_from(['b', 'i', 'blockquote', 'code', 'a href="https://x.vn/?a=1&amp;b=2"']))
        name = tag.split()[0]
        pieces.insert(draw(st.integers(0, len(pieces))), f"<{tag}>{draw(_markup(depth + 1))}</{name}>")
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(markup=st.lists(_markup(), min_size=1, max_size=8).map("".join), limit=st.sampled_from([40, 64, 100, 257]))
def test_split_html_always_yields_valid_messages_and_keeps_the_text(markup, limit):
    parts = fmt.split_html(markup, limit)
    _check_parts(parts, limit)
    whole = re.sub(r"\s+", "", parse_telegram_html(markup))
    assert re.sub(r"\s+", "", "".join(parse_telegram_html(p) for p in parts)) == whole


def test_fake_server_html_check_matches_telegram_rules():
    for bad in ("<b>x", "x</b>", "<script>", "<b><i>x</b></i>", "1 < 2", "&nbsp;", "<a>x</a>"):
        with pytest.raises(HtmlError):
            parse_telegram_html(bad)
    assert parse_telegram_html('<a href="https://x">a &lt; b &#39; &#x27;</a>') == "a < b ' '"


# ---------------------------------------------------------------- questions

@pytest.mark.parametrize(("question", "limit", "expected", "cut"), [
    ("ngắn", 10, "ngắn", False),
    ("một hai ba bốn năm sáu bảy", 12, "một hai ba", True),
    ("x" * 30, 10, "x" * 10, True),
])
def test_cut_question(question, limit, expected, cut):
    assert cut_question(question, limit) == (expected, cut)


def test_normalize_question():
    assert fmt.normalize_question("  Nghệ\u0000 An\n\n  là\tgì? ") == "Nghệ An là gì?"
    assert fmt.normalize_question("\u200b \n") == "\u200b"  # invisible but not whitespace: left for the core


# ---------------------------------------------------------------- upload names

@pytest.mark.parametrize(("name", "expected"), [
    ("bai-viet.txt", "bai-viet.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win\\evil.md", "evil.md"),
    (".hidden.html", "hidden.html"),
    ("Báo cáo  CĐS 2024.PDF", "Báo cáo CĐS 2024.pdf"),
    ("tên\u202eexe.docx", "tênexe.docx"),  # RTL override removed
    ("a\x00b.htm", "ab.htm"),
    ("Báo\u00a0cáo\u200b.md", "Báo cáo.md"),
    ("Ba\u0301o ca\u0301o.txt", "Báo cáo.txt"),  # NFD from macOS: composed
    ("<script>.txt", "script.txt"),
    ("x" * 300 + ".txt", "x" * 100 + ".txt"),
    ("....txt", None),
    (".txt", None),
    ("..", None),
    ("", None),
    (None, None),
    ("virus.exe", None),
    ("metadata.toml", None),
    ("glossary.toml", None),
])
def test_safe_corpus_name(name, expected):
    if expected is None:
        with pytest.raises(UploadRefused, match="unsupported file type"):
            safe_corpus_name(name)
    else:
        assert safe_corpus_name(name) == expected


# ---------------------------------------------------------------- history

@pytest.fixture
def history(tmp_path: Path) -> History:
    h = History(tmp_path / "h.sqlite", b"salt", retention_days=30)
    yield h
    h.close()


def test_history_records_questions_with_hashed_ids(history, tmp_path):
    record_id = history.record(123456789, "private", answer())
    record = history.get(record_id)
    assert record.user_hash == history.hash_user(123456789) != "123456789"
    assert (record.language, record.found, record.citations) == ("vi", True, (CITATION,))
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:
        dump = "\n".join(conn.iterdump())
    assert "123456789" not in dump
    assert '"002.txt"' in dump  # cited documents
    other = History(tmp_path / "other.sqlite", b"another salt", 30)
    assert other.hash_user(123456789) != history.hash_user(123456789)
    other.close()


def test_feedback_only_from_the_asker(history):
    record_id = history.record(1, "private", answer())
    assert history.set_feedback(record_id, 2, FEEDBACK_UP) is False
    assert history.set_feedback(record_id, 1, FEEDBACK_UP) is True
    assert history.set_feedback(record_id, 1, FEEDBACK_DOWN) is True
    assert history.set_feedback(999, 1, FEEDBACK_UP) is False
    assert history.get(record_id).feedback == FEEDBACK_DOWN
    with pytest.raises(ValueError):
        history.set_feedback(record_id, 1, 5)


def test_retention_and_stats(history):
    now = datetime.now(timezone.utc)
    history.record(1, "private", answer(), now=now - timedelta(days=31))
    kept = history.record(1, "group", answer(citations=()), now=now - timedelta(days=29))
    history.record(2, "private", answer())
    history.set_feedback(kept, 1, FEEDBACK_UP)
    stats = history.stats()
    assert (stats.questions, stats.not_found, stats.feedback_up, stats.feedback_down) == (3, 1, 1, 0)
    assert history.prune(now) == 1
    assert history.stats().questions == 2 and history.get(kept) is not None


def test_schema_migrations_and_newer_schema(tmp_path):
    path = tmp_path / "h.sqlite"
    History(path, b"s", 1).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(HistoryError, match="newer than this program"):
        History(path, b"s", 1)


def test_salt_from_env_or_private_file(tmp_path, monkeypatch):
    settings_ = HistoryConfig(path=tmp_path / "db" / "h.sqlite", salt_env="TEST_CDS_SALT")
    monkeypatch.delenv("TEST_CDS_SALT", raising=False)
    first = load_salt(settings_)
    salt_file = tmp_path / "db" / "h.sqlite.salt"
    assert oct(salt_file.stat().st_mode & 0o777) == "0o600"
    assert load_salt(settings_) == first and len(first) == 32
    monkeypatch.setenv("TEST_CDS_SALT", "from-the-environment")
    assert load_salt(settings_) == b"from-the-environment"


def test_unopenable_history_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="cannot open history database"):
        History(blocker / "h.sqlite", b"s", 1)


# ---------------------------------------------------------------- rate limit

def test_rate_limiter_window_and_single_warning():
    now = [0.0]
    limiter = UserRateLimiter(2, 60, clock=lambda: now[0])
    assert limiter.hit(1)[0] and limiter.hit(1)[0]
    allowed, warn, wait = limiter.hit(1)
    assert (allowed, warn, wait) == (False, True, 60.0)
    now[0] = 10
    assert limiter.hit(1)[:2] == (False, False)  # warned once per window
    assert limiter.hit(2)[0]  # other users unaffected
    now[0] = 60
    assert limiter.hit(1)[0]
    now[0] = 500
    limiter.forget_idle()
    assert limiter._events == {}


# ---------------------------------------------------------------- token redaction

def test_token_is_redacted_from_every_log_record(caplog):
    token = "987654321:AAH-unit-test-token_qwertyuiop"
    install_log_redaction(token)
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("httpx")
    log.info("HTTP Request: POST %s %s", f"https://api.telegram.org/bot{token}/getMe", '"HTTP/1.1 200 OK"')
    logging.getLogger("telegram").debug(f"Set Bot API URL: https://x/bot{token}")
    try:
        raise RuntimeError(f"failed for https://api.telegram.org/bot{token}/sendMessage")
    except RuntimeError:
        logging.getLogger("bot.x").exception("boom")
    assert token not in caplog.text
    assert caplog.text.count("<redacted>") >= 3
    assert redact(f"a{token}b") == "a<redacted>b"


# ---------------------------------------------------------------- config

def test_telegram_config_from_toml(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\nadmin_ids = [1, 2]\nrate_limit_seconds = 30\n[history]\npath = "var/h.sqlite"\n',
                    encoding="utf-8")
    config = load_config(path)
    assert config.telegram.admin_ids == (1, 2) and config.telegram.rate_limit_seconds == 30.0
    assert config.telegram.token_env == "TELEGRAM_BOT_TOKEN"
    assert config.history.path == tmp_path / "var" / "h.sqlite"
    assert Config().telegram.base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize("table", [
    '[telegram]\nadmin_ids = ["123"]', "[telegram]\nadmin_ids = 5", "[telegram]\nrate_limit_messages = 0",
    "[telegram]\nmax_question_chars = 5", '[telegram]\nlog_level = "LOUD"', "[history]\nretention_days = 0",
    "[telegram]\ntoken = \"123:abc\"",
])
def test_bad_telegram_config_is_refused(tmp_path, table):
    path = tmp_path / "config.toml"
    path.write_text(table + "\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)


def test_repo_config_loads():
    config = load_config(Path(__file__).resolve().parents[1] / "config.toml")
    assert config.telegram.admin_ids == () and config.history.retention_days >= 1
    assert os.path.basename(config.history.path) == "history.sqlite"


# ---------------------------------------------------------------- the rebuilder

class _CountingAnswerer:
    store = None

    def __init__(self) -> None:
        self.reloads = 0

    def answer(self, question):  # pragma: no cover - not used here
        raise AssertionError

    def reload(self) -> None:
        self.reloads += 1


def _run_rebuild(monkeypatch, fake_build, interval: float = 0.01):
    import asyncio

    from bot import corpus_admin
    from bot.records import BuildReport

    monkeypatch.setattr(corpus_admin, "build_index", fake_build)
    answerer = _CountingAnswerer()
    rebuilder = corpus_admin.Rebuilder(Config(), answerer)
    shown: list[tuple[int, int]] = []

    async def on_progress(done: int, total: int) -> None:
        shown.append((done, total))

    async def main() -> BuildReport:
        async with rebuilder.exclusive():
            assert rebuilder.busy
            return await rebuilder.build(on_progress, interval=interval)

    return asyncio.run(main()), answerer, shown


def test_rebuilder_reports_progress_then_switches(monkeypatch):
    import time as _time

    from bot.records import BuildReport

    def fake_build(config, *, force, show_progress, on_progress, embedder):
        assert show_progress is False and embedder is None
        for done in (100, 200, 300):
            on_progress(done, 300)
            _time.sleep(0.05)
        return BuildReport(chunks=300)

    report, answerer, shown = _run_rebuild(monkeypatch, fake_build)
    assert report.chunks == 300 and answerer.reloads == 1
    assert shown and shown == sorted(set(shown)) and shown[-1][1] == 300  # in order, each shown once


def test_rebuilder_up_to_date_or_failed_does_not_switch(monkeypatch):
    from bot.errors import BuildError
    from bot.records import BuildReport

    report, answerer, _ = _run_rebuild(monkeypatch, lambda config, **kw: BuildReport(up_to_date=True))
    assert report.up_to_date and answerer.reloads == 0

    def failing(config, **kw):
        raise BuildError("nothing to index; the previous index is unchanged")

    with pytest.raises(BuildError):
        _run_rebuild(monkeypatch, failing)


def test_install_and_restore_upload(tmp_path):
    from bot.corpus_admin import install_upload, restore_upload

    corpus, scratch = tmp_path / "corpus", tmp_path / "scratch"
    corpus.mkdir()
    scratch.mkdir()
    new = scratch / "in.txt"
    new.write_text("mới", encoding="utf-8")
    assert install_upload(new, corpus, "a.txt", scratch) is None
    assert (corpus / "a.txt").read_text(encoding="utf-8") == "mới"
    restore_upload(corpus, "a.txt", None)  # a refused new file is removed
    assert list(corpus.iterdir()) == []

    (corpus / "a.txt").write_text("cũ", encoding="utf-8")
    backup = install_upload(new, corpus, "a.txt", scratch)
    assert (corpus / "a.txt").read_text(encoding="utf-8") == "mới" and backup.read_text(encoding="utf-8") == "cũ"
    restore_upload(corpus, "a.txt", backup)  # a refused new version gives the old one back
    assert (corpus / "a.txt").read_text(encoding="utf-8") == "cũ"
    assert sorted(p.name for p in corpus.iterdir()) == ["a.txt"]  # no staging files left

    (tmp_path / "outside.txt").write_text("x")
    (corpus / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(UploadRefused):
        install_upload(new, corpus, "link.txt", scratch)  # never write through a symlink
    with pytest.raises(UploadRefused):
        install_upload(new, corpus, "../escape.txt", scratch)
    assert (tmp_path / "outside.txt").read_text() == "x" and not (tmp_path / "escape.txt").exists()
