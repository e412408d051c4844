"""Optional generative mode against a local fake OpenAI-compatible endpoint on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.answer import Answerer
from bot.config import LLMConfig
from telegram_fixtures import api, start_bot  # noqa: F401

pytestmark = pytest.mark.slow
QUESTION = "Mục tiêu Chính phủ số của Nghệ An là gì?"


class FakeChat:
    """Serves /v1/chat/completions with a canned reply; records the requests it got."""

    def __init__(self, reply: str, status: int = 200) -> None:
        self.reply, self.status, self.requests = reply, status, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, self.headers.get("Authorization"), body))
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": fake.reply}}]}).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat():
    servers = []

    def start(reply: str, status: int = 200) -> FakeChat:
        servers.append(FakeChat(reply, status))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def llm_answerer(built_seed, embedder, url: str) -> Answerer:
    config = dataclasses.replace(built_seed.config, llm=LLMConfig(enabled=True, endpoint=url, model="fake", timeout_seconds=5))
    return Answerer.open(config, embedder=embedder, llm_api_key="sk-test")


def test_reply_citing_real_passages_is_used(built_seed, bundled_embedder, chat):
    server = chat("Nghệ An phấn đấu vào tốp 25 - 30 tỉnh về Chính phủ số [1].")
    answer = llm_answerer(built_seed, bundled_embedder, server.url).answer(QUESTION)
    assert answer.text == "Nghệ An phấn đấu vào tốp 25 - 30 tỉnh về Chính phủ số [1]."
    assert [c.n for c in answer.citations] == [1]
    path, auth, body = server.requests[0]
    assert path == "/v1/chat/completions" and auth == "Bearer sk-test" and body["model"] == "fake"
    prompt = body["messages"][-1]["content"]
    assert "[1]" in prompt and "25 - 30" in prompt and QUESTION in prompt


@pytest.mark.parametrize("reply, status", [
    ("Nghệ An muốn dẫn đầu cả nước [7].", 200),  # cites a passage that does not exist
    ("Nghệ An muốn dẫn đầu cả nước.", 200),  # cites nothing
    ("", 500),  # endpoint error
])
def test_unsupported_or_failed_generation_falls_back_to_the_extractive_answer(built_seed, bundled_embedder, chat, reply, status):
    server = chat(reply, status)
    answer = llm_answerer(built_seed, bundled_embedder, server.url).answer(QUESTION)
    assert answer.found and answer.text.startswith("Theo Báo Nghệ An")
    assert "25 - 30" in answer.text


def test_unreachable_endpoint_falls_back(built_seed, bundled_embedder):
    answer = llm_answerer(built_seed, bundled_embedder, "http://127.0.0.1:9/v1").answer(QUESTION)
    assert answer.found and answer.text.startswith("Theo")


def test_no_answer_never_reaches_the_model(built_seed, bundled_embedder, chat):
    server = chat("Giá vàng là 100 triệu [1].")
    answer = llm_answerer(built_seed, bundled_embedder, server.url).answer("Giá vàng hôm nay bao nhiêu?")
    assert not answer.found and server.requests == []


def test_the_api_key_comes_from_the_environment_when_the_bot_opens_the_core(built_seed, bundled_embedder, chat,
                                                                               monkeypatch, start_bot, api):
    """`bot serve` opens the core with Answerer.open(config): the key must reach the endpoint, and a
    Telegram user gets the generated answer, not a silent fallback to the extractive one."""
    server = chat("Nghệ An phấn đấu vào tốp 25 - 30 tỉnh về Chính phủ số [1].")
    monkeypatch.setenv("CDS_TEST_LLM_KEY", "sk-from-env")
    config = dataclasses.replace(built_seed.config, llm=LLMConfig(enabled=True, endpoint=server.url, model="fake",
                                                                  api_key_env="CDS_TEST_LLM_KEY", timeout_seconds=5))
    bot = start_bot(Answerer.open(config, embedder=bundled_embedder))
    reply = bot.ask({"id": 3001, "is_bot": False, "first_name": "Lan", "language_code": "vi"}, QUESTION)
    assert server.requests and server.requests[0][1] == "Bearer sk-from-env"
    assert "Nghệ An phấn đấu vào tốp 25 - 30 tỉnh về Chính phủ số" in reply.visible
