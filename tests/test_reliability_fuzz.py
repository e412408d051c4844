"""Hostile and bad input, property-based (hypothesis): the answering core, the reply formatting, the
handlers of the real bot, and the files an admin uploads.

Inputs mix arbitrary Unicode with what breaks text handling in practice: NFD Vietnamese, zero-width
and bidirectional marks, control characters, lone surrogates, emoji sequences, HTML and Markdown
injection, FTS5 and SQL syntax, empty and whitespace-only messages, 10,000-character messages.

Telegram HTML is checked by `assert_telegram_html` (built on html.parser, independent of the fake
server's own check): only b, i, u, s, code, pre, blockquote and a href="http(s)://..." tags, properly
nested, every <, > and & escaped, each message at most 4096 UTF-16 code units.

The number of cases each property ran is printed at the end of the module (run with -s to see it).
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import string
import tempfile
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import formatting as fmt
from bot.corpus import SUPPORTED_SUFFIXES
from bot.corpus_admin import UploadRefused, install_upload, safe_corpus_name
from bot.passages import PassageContext
from bot.records import Answer, BuildReport, Citation, Document, DocumentMetadata, SkippedFile
from bot.telegram.messages import cut_question
from bot.telegram.render import render_answer, render_build_summary, render_passage, render_sources
from bot.telegram.texts import TEXTS, t
from conftest import write_docx
from fake_bot_api import utf16_len
from telegram_fixtures import ADMIN_ID, SEED_QUESTION, StubAnswerer, api, seed_answerer, start_bot, stub_config  # noqa: F401

CASES: Counter = Counter()  # property -> cases run


@pytest.fixture(scope="module", autouse=True)
def report_case_counts(tmp_path_factory):
    yield
    if CASES:
        total = sum(CASES.values())
        text = json.dumps({"fuzz_cases": dict(CASES), "total": total}, indent=2, ensure_ascii=False)
        print(f"\nfuzz cases run:\n{text}")
        (tmp_path_factory.getbasetemp() / "reliability-fuzz.json").write_text(text + "\n", encoding="utf-8")
        if os.environ.get("CDS_FUZZ_REPORT"):
            Path(os.environ["CDS_FUZZ_REPORT"]).write_text(text + "\n", encoding="utf-8")


# ---------------------------------------------------------------- Telegram HTML, checked independently

TELEGRAM_TAGS = {"b", "i", "u", "s", "code", "pre", "blockquote", "a"}
TELEGRAM_ENTITIES = {"lt", "gt", "amp", "quot"}


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        assert tag in TELEGRAM_TAGS, f"tag <{tag}> is not Telegram HTML"
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"], attrs
            assert urlsplit(attrs[0][1]).scheme in ("http", "https"), attrs
        elif tag == "blockquote":
            assert attrs in ([], [("expandable", None)]), f"<{tag}> with attributes {attrs}"
        else:
            assert attrs == [], f"<{tag}> with attributes {attrs}"
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        assert not set(data) & set("<>&"), f"unescaped markup character in {data!r}"

    def handle_entityref(self, name: str) -> None:
        assert name in TELEGRAM_ENTITIES, f"&{name}; is not a Telegram entity"

    def handle_charref(self, name: str) -> None:
        int(name[1:], 16) if name[:1] in "xX" else int(name)

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        raise AssertionError(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        raise AssertionError(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        raise AssertionError(f"declaration {data!r}")


def assert_telegram_html(markup: str) -> None:
    parser = _TelegramHtml()
    parser.feed(markup)
    parser.close()
    assert parser.open == [], f"unclosed {parser.open}"
    assert utf16_len(markup) <= fmt.MAX_MESSAGE


def assert_sendable(markup: str) -> list[str]:
    """What the bot sends for `markup`: every part valid Telegram HTML within the length limit."""
    parts = fmt.split_html(markup)
    for part in parts:
        assert_telegram_html(part)
        assert part.strip()
    return parts


def test_the_checker_refuses_what_telegram_refuses():
    for bad in ["<b>x", "x</b>", "<b><i>x</b></i>", "<script>x</script>", "1 < 2", "a & b", "&nbsp;", "<br/>",
                '<a href="javascript:alert(1)">x</a>', "<a>x</a>", '<b class="x">y</b>', "<!-- x -->", "x" * 4097]:
        with pytest.raises(AssertionError):
            assert_telegram_html(bad)
    assert_telegram_html('<b>a</b> &lt;&amp;&gt; &#39; &#x27; <a href="https://x.vn/?a=1&amp;b=2">l</a><pre>p</pre>')


# ---------------------------------------------------------------- hostile text

NFD_VI = "Mu\u0323c tie\u0302u Chi\u0301nh phu\u0309 so\u0302\u0301 cu\u0309a Nghe\u0323\u0302 An"
HOSTILE_PIECES = [
    "<b>", "</a>", "</b></i>", '<a href="javascript:alert(1)">x</a>', "<script>alert(1)</script>", "<!--", "<![CDATA[",
    "*_[", "](https://evil.example)", "**đậm**", "`code`", "~~", "||spoiler||", "&amp;", "&", "&#0;", "&nbsp;", "<", ">",
    '"', "'", "\\", "{}", "{n}", "%s", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
    "\u202a", "\u202e", "\u2066", "\u2069", "\x00", "\x07", "\x08", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029",
    "\r\n", "\r", "\t", "\n\n", "   ", "\u00a0", "\u3000", "\u3164", "😀", "👩\u200d👩\u200d👧", "🇻🇳", "👍🏽", "\U0001F9D1",
    "\ufe0f", "\u0301" * 5, NFD_VI, "ĐĐđđÐð", "Nghệ An", "chuyển đổi số", "/start", "/ask", "@cds_test_bot",
    'NEAR(a b)', '"', " OR ", " AND ", " NOT ", "-", "*", "^", "body:", "'; DROP TABLE questions;--", "\ufffd", "\uffff",
    "𝐁𝐨𝐥𝐝", "ﬁ", "Ⅻ", "١٢٣", "שלום", "مرحبا", "中文",
]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=24)), max_size=14).map("".join)
# Lone surrogates cannot come from Telegram (it sends UTF-8) but can from any JSON: the core must cope.
surrogates = st.sampled_from(["\ud800", "a\udfffb", "\udc00\ud83d"])
long_text = st.builds(lambda piece, filler: (piece + filler * 10_000)[:10_000], hostile_text,
                      st.sampled_from(["a", "😀", "chuyển đổi số ", "<b>", "&", "\u200b", NFD_VI + " "]))
core_input = st.one_of(hostile_text, hostile_text.map(str.strip), surrogates,
                       st.sampled_from(["", " ", "\n\t ", "\u200b\u200b", "\x00"]))


# ---------------------------------------------------------------- (a) the answering core

def _quote_is_verbatim(store, citation: Citation) -> bool:
    return all(store.chunk_containing(citation.source_file, part.strip())
               for part in citation.quote.split(" … ") if part.strip())


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=core_input)
@example(question=SEED_QUESTION)
@example(question=NFD_VI + "?")
def test_answer_never_raises_and_never_cites_without_an_answer(seed_answerer, question):
    CASES["Answerer.answer"] += 1
    check_answer(seed_answerer, question)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=long_text)
@example(question=("chuyển đổi số " * 800)[:10_000])
@example(question="😀" * 10_000)
def test_10000_character_questions_are_answered_like_any_other(seed_answerer, question):
    CASES["Answerer.answer (10,000 characters)"] += 1
    check_answer(seed_answerer, question)


def check_answer(seed_answerer, question: str) -> None:
    answer = seed_answerer.answer(question)
    assert answer.text.strip()
    assert answer.language in ("vi", "en")
    answer.question.encode("utf-8")  # storable: raises on a lone surrogate
    assert answer.found == (answer.confidence == "answer")
    if answer.confidence == "none":
        assert answer.citations == ()
        assert answer.text == seed_answerer.not_found_text(answer.language)
    else:
        assert answer.citations and all(_quote_is_verbatim(seed_answerer.store, c) for c in answer.citations)
    assert_sendable(render_answer(answer, truncated_to=500 if len(question) > 500 else 0))


# ---------------------------------------------------------------- (b) formatting

urls = st.one_of(st.just(""), hostile_text, st.sampled_from([
    "https://baonghean.vn/a?x=1&y=2", "http://x.vn/<b>", 'https://x.vn/"onmouseover="x', "javascript:alert(1)",
    "data:text/html,<script>", "https://x.vn/" + "a" * 600, "https://x.vn/\u202e", "HTTPS://X.VN", "//x.vn", "https:x",
]))
dates = st.one_of(st.just(""), st.sampled_from(["2022-07-01", "2022-13-45", "01/07/2022"]), hostile_text)
citations = st.builds(Citation, n=st.integers(1, 3), doc_id=st.integers(1, 10), title=hostile_text, outlet=hostile_text,
                      published=dates, url=urls, source_file=hostile_text, quote=st.one_of(hostile_text, long_text),
                      score=st.floats(0, 1))
# The core always says something (the property above): text with something visible in it.
answers = st.builds(Answer, question=hostile_text,
                    text=st.one_of(hostile_text, long_text).filter(lambda t: fmt.plain_text(fmt.h(t)).strip()),
                    found=st.booleans(), language=st.sampled_from(["vi", "en"]),
                    citations=st.lists(citations, max_size=3).map(tuple), latency_ms=st.just(1.0))


@settings(max_examples=300, deadline=None)
@given(answer=answers, truncated=st.sampled_from([0, 500]))
def test_answer_replies_are_always_valid_telegram_html(answer, truncated):
    CASES["render_answer"] += 1
    parts = assert_sendable(render_answer(answer, understood_as=answer.question, truncated_to=truncated))
    assert parts  # never an empty reply


@settings(max_examples=200, deadline=None)
@given(cites=st.lists(citations, min_size=1, max_size=3), passage=st.one_of(hostile_text, long_text),
       lang=st.sampled_from(["vi", "en"]))
def test_passages_are_always_valid_telegram_html(cites, passage, lang):
    CASES["render_passage"] += 1
    for i, c in enumerate(cites):
        contexts = [PassageContext(passage, c.quote, passage if i % 2 else "")] if i % 3 else []
        assert assert_sendable(render_passage(c, contexts, lang))


documents = st.lists(st.builds(
    lambda i, title, outlet, published, url: (i, f"f{i}.txt", DocumentMetadata(title, outlet, published, url), 1),
    st.integers(1, 10_000), hostile_text, hostile_text, dates, urls), max_size=60)


@settings(max_examples=150, deadline=None)
@given(docs=documents, lang=st.sampled_from(["vi", "en"]))
def test_source_lists_are_always_valid_telegram_html(docs, lang):
    CASES["render_sources"] += 1
    for page in (0, 1, 99):
        assert assert_sendable(render_sources(docs, lang, page).markup)


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(TEXTS)), lang=st.sampled_from(["vi", "en", "fr"]), value=hostile_text,
       summary=st.one_of(hostile_text, long_text))
def test_fixed_texts_and_summaries_are_always_valid_telegram_html(key, lang, value, summary):
    CASES["texts and build summaries"] += 1
    template = TEXTS[key].get(lang) or TEXTS[key]["vi"]
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if template:
        assert_sendable(t(key, lang, **dict.fromkeys(names, value)))
    report = BuildReport(documents=[Document("a.txt", "x", DocumentMetadata(title=summary, outlet=value), "h")],
                         skipped=[SkippedFile(value, summary)], warnings=[summary, value], embedded_files=("a.txt",))
    assert assert_sendable(render_build_summary(report, lang))


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(core_input, hostile_text), limit=st.integers(20, 600))
def test_question_cleaning_never_raises_and_respects_the_limit(raw, limit):
    CASES["normalize_question + cut_question"] += 1
    question = fmt.normalize_question(raw)
    assert question == question.strip() and "\n" not in question
    cut, was_cut = cut_question(question, limit)
    assert len(cut) <= limit and was_cut == (len(question) > limit)


# ---------------------------------------------------------------- (b) the handlers of the real bot

def _chat_for(api, kind: str, n: int):
    # A group each: PTB holds a group to 20 messages a minute (Telegram's limit), which would pace this test.
    return None if kind == "private" else api.group_chat(chat_id=-100_000_000 - n)


def _addressed(kind: str, text: str) -> str:
    return {"private": text, "ask": f"/ask {text}", "mention": f"@cds_test_bot {text}"}[kind]


def test_handlers_reply_once_with_valid_html_to_any_message(start_bot, api, tmp_path):
    """Any text, in a private chat, as /ask in a group or mentioning the bot: exactly one valid reply."""
    answerer = StubAnswerer(stub_config(tmp_path / "project"))
    bot = start_bot(answerer, max_question_chars=500)
    counter = iter(range(10**6))

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=st.one_of(hostile_text, long_text).filter(lambda t: t.strip("\x00") != ""),
           kind=st.sampled_from(["private", "ask", "mention"]), lang=st.sampled_from(["vi", "en"]))
    def one_message(text, kind, lang):
        CASES["bot handlers (messages)"] += 1
        n = next(counter)
        user = {"id": 5_000_000 + n, "is_bot": False, "first_name": "Fuzz", "language_code": lang}
        chat = _chat_for(api, kind, n)
        chat_id = (chat or api.private_chat(user))["id"]
        before = len(api.messages_to(chat_id))
        api.send_text(user, _addressed(kind, text), chat=chat)
        reply = api.wait_for_message(chat_id, count=before + 1, timeout=20)
        assert_telegram_html(reply.text)
        assert not reply.visible.startswith(("Xin lỗi, đã có lỗi", "Sorry, something went wrong"))

    one_message()
    api.wait_until_idle(quiet=0.5, timeout=30)
    assert [c for c in api.calls if c.status == 400] == []  # Telegram (the fake) refused nothing
    for message in api.sent:
        assert_telegram_html(message.text)
    # One reply per message: answers go to private chats one each; the group got one per message.
    answered = Counter(m.chat_id for m in api.sent)
    assert all(count == 1 for chat_id, count in answered.items() if chat_id > 0)
    assert len(api.sent) == CASES["bot handlers (messages)"]


def test_button_presses_with_any_data_never_raise(start_bot, api, tmp_path):
    bot = start_bot(StubAnswerer(stub_config(tmp_path / "project")))
    user = {"id": 5_900_001, "is_bot": False, "first_name": "Fuzz", "language_code": "vi"}
    reply = bot.ask(user, "Chính phủ số là gì?")
    errors: list = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage())

    collector = Collect()
    logging.getLogger("bot.telegram").addHandler(collector)
    data = st.one_of(st.text(max_size=64), st.sampled_from(["src:", "fb:", "fb:1:", "fb:1:x", "src:-1", "fb:2:1",
                                                            "src:99999999999999999999999", "fb:1:9223372036854775808",
                                                            "fb:-1:1", "src:1", "src:١", "fb:1_0:1", "src: 1"]))
    try:
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(callback_data=data)
        def press(callback_data):
            CASES["bot handlers (buttons)"] += 1
            answered = len(api.answered_callbacks)
            api.press_button(user, reply, callback_data)
            api.wait_for(lambda: len(api.answered_callbacks) > answered, timeout=20, what="the callback answer")

        press()
        api.wait_until_idle(quiet=0.5, timeout=30)
    finally:
        logging.getLogger("bot.telegram").removeHandler(collector)
    assert errors == []
    assert not any("lỗi" in (c.get("text") or "") for c in api.answered_callbacks)
    assert [c for c in api.calls if c.status == 400] == []


# ---------------------------------------------------------------- (c) uploaded file names and files

names = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES + ["..", ".", "/", "\\", "../", "..\\", "/etc/", "C:\\", "~",
                                                         "\u2215", "\u2044", "\uff0f", "\u29f8", "%2e%2e%2f", ".txt",
                                                         ".TXT", ".docx", ".pdf", ".toml", ".exe", "passwd", " "]),
                       st.text(max_size=10)), max_size=10).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_upload_names_are_refused_or_made_plain(tmp_path, name):
    CASES["upload file names"] += 1
    try:
        safe = safe_corpus_name(name)
    except UploadRefused as exc:
        assert str(exc).startswith("unsupported file type")
        return
    stem, suffix = os.path.splitext(safe)
    assert suffix in SUPPORTED_SUFFIXES and stem and len(stem) <= 100
    assert not set(safe) & set("/\\\x00") and not safe.startswith((".", " ")) and safe == safe.strip()
    assert all(ch.isprintable() or ch == " " for ch in safe)
    # Installed, it lands in corpus/ and nowhere else.
    root = tmp_path / secrets.token_hex(4)
    corpus, scratch = root / "corpus", root / "scratch"
    corpus.mkdir(parents=True)
    scratch.mkdir()
    (scratch / "in").write_bytes(b"x")
    install_upload(scratch / "in", corpus, safe, scratch)
    assert [p.relative_to(corpus).as_posix() for p in corpus.rglob("*")] == [safe]
    assert sorted(p.name for p in root.iterdir()) == ["corpus", "scratch"]


def _docx_with_filler(path: Path, inflated_mb: int) -> bytes:
    """A real DOCX whose document.xml is `inflated_mb` MB of repeated paragraphs (compresses ~1000x)."""
    write_docx(path, ["x"])
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for name, data in parts.items():
            if name != "word/document.xml":
                bomb.writestr(name, data)
                continue
            head, tail = data.split(b"<w:body>")
            paragraph = b"<w:p><w:r><w:t>" + b"chuyen doi so " * 70 + b"</w:t></w:r></w:p>"
            with bomb.open(name, "w", force_zip64=True) as f:
                f.write(head + b"<w:body>")
                block = paragraph * 1000
                for _ in range(inflated_mb * 1_000_000 // len(block) + 1):
                    f.write(block)
                f.write(tail)
    return out.getvalue()


def _lying_header(docx: bytes) -> bytes:
    """The same zip with document.xml's declared size set to 1 KB (a bomb that hides its size)."""
    import struct

    raw = bytearray(docx)
    info = zipfile.ZipFile(io.BytesIO(docx)).getinfo("word/document.xml")
    struct.pack_into("<I", raw, info.header_offset + 22, 1000)
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46: at + 46 + length] == b"word/document.xml":
            struct.pack_into("<I", raw, at + 24, 1000)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def _admin_message(api, after: int, starts_with: str, what: str):
    """The admin's first message, from number `after` on, that starts with `starts_with` (status
    messages are edited in place, so an earlier one may turn into it)."""
    return api.wait_for(lambda: next((m for m in api.messages_to(ADMIN_ID)[after:] if m.visible.startswith(starts_with)),
                                     None), timeout=90, what=what)


def _snapshot(root: Path, skip: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and not p.relative_to(root).as_posix().startswith(skip)}


@pytest.mark.slow
def test_hostile_uploads_are_refused_or_sanitised_and_write_only_corpus_and_index(
        built_seed_copy, bundled_embedder, start_bot, api, tmp_path):
    from bot.answer import Answerer

    project = built_seed_copy
    project.write_config(corpus={"max_file_mb": 1})
    config = project.config
    bot = start_bot(Answerer.open(config, embedder=bundled_embedder), config=config)
    admin = {"id": ADMIN_ID, "is_bot": False, "first_name": "Quản trị", "language_code": "vi"}
    bomb = _docx_with_filler(tmp_path / "base.docx", 210)
    article = "Tỉnh Hà Tĩnh số hóa hồ sơ\n\nNăm 2024, Hà Tĩnh số hóa 90% hồ sơ thủ tục hành chính.\n".encode()
    refused = [
        ("anh.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000), "binary file"),
        ("chuong-trinh.md", b"\x7fELF\x02\x01\x01\x00" + os.urandom(3000), "binary file"),
        ("bao-cao.pdf", os.urandom(5000), "corrupt or unreadable PDF"),
        ("bao-cao.docx", os.urandom(5000), "corrupt or unreadable DOCX"),
        ("bom-lon.docx", bomb, "DOCX would inflate to"),  # 210 MB of XML in a few hundred KB
        ("bom-nho.docx", _docx_with_filler(tmp_path / "base2.docx", 30), "DOCX would inflate to"),  # 30 MB, ratio ~1000
        ("bom-an.docx", _lying_header(_docx_with_filler(tmp_path / "base3.docx", 30)), "corrupt or unreadable DOCX"),
        ("lon-that.txt", b"chuyen doi so " * 110_000, "above the 1 MB limit"),  # 1.5 MB, declared small below
        ("../../../../etc/cron.d/x.exe", b"* * * * * root id", "không nhận loại tệp .exe"),
        ("../config.toml", b'[telegram]\nadmin_ids = [1]\n', "không nhận loại tệp .toml"),
        ("..", b"x", "không nhận loại tệp"),
        ("\x00", b"x", "không nhận loại tệp"),
    ]
    accepted = [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/etc/cron.d/evil.txt", "evil.txt"),
        ("..\\..\\windows\\system32\\drivers.md", "drivers.md"),
        ("a\x00b/../../c.txt", "c.txt"),
        ("\u202etxt.exe\u202c.html", "txt.exe.html"),
        ("..\uff0f..\uff0f" + "x" * 300 + ".txt", "x" * 100 + ".txt"),
    ]
    outside = _snapshot(tmp_path, skip=("seed/corpus/", "seed/index/", "history-"))
    corpus_before = {p.name for p in config.corpus.dir.iterdir()}
    uploads_before = {p.name for p in Path(tempfile.gettempdir()).glob("cds-upload-*")}
    for name, content, reason in refused:
        before = len(api.messages_to(ADMIN_ID))
        api.send_document(admin, content, name, declared_size=100 if name == "lon-that.txt" else None)
        refusal = _admin_message(api, before, "❌", f"the refusal of {name!r}")
        CASES["hostile uploads (bot)"] += 1
        assert reason in refusal.visible and "Chỉ mục không thay đổi." in refusal.visible, (name, refusal.visible)
        api.wait_until_idle(quiet=0.3, timeout=60)
    generation = (config.index.dir / "current").resolve()
    assert {p.name for p in config.corpus.dir.iterdir()} == corpus_before
    for name, expected in accepted:
        before = len(api.messages_to(ADMIN_ID))
        api.send_document(admin, article, name)
        status = _admin_message(api, before, "✅", f"{name!r} to be indexed")
        CASES["hostile uploads (bot)"] += 1
        assert status.visible.startswith(f"✅ {expected} đã vào chỉ mục")
        api.wait_until_idle(quiet=0.3, timeout=60)
    assert {p.name for p in config.corpus.dir.iterdir()} == corpus_before | {e for _, e in accepted}
    assert (config.index.dir / "current").resolve() != generation
    # Nothing was written anywhere but corpus/ and index/ (and the bot's own history database).
    assert _snapshot(tmp_path, skip=("seed/corpus/", "seed/index/", "history-")) == outside
    assert {p.name for p in Path(tempfile.gettempdir()).glob("cds-upload-*")} == uploads_before
    for target in ("/etc/passwd.txt", "/etc/cron.d/evil.txt", "/etc/cron.d/x.exe"):
        assert not Path(target).exists()
    assert not (project.root.parent / "config.toml").exists() and not (project.root / "passwd.txt").exists()
    assert "90% hồ sơ" in bot.ask({"id": 5_999_999, "is_bot": False, "first_name": "A", "language_code": "vi"},
                                  "Hà Tĩnh số hóa bao nhiêu phần trăm hồ sơ thủ tục hành chính?").visible
