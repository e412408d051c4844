"""Load: 200 simulated users ask at once through the real bot (python-telegram-bot's own HTTP requests
against the local Bot API server) and every question gets exactly one answer, the right one.

Each user is a closed loop: they send a question, wait for the bot's reply, then send the next, so at
most one question per chat is in flight and a reply is matched to its question by chat id. The bot
runs with the production rate limit (6 questions a minute per user); three questions per user are
within it, so a refusal would be a failure, not an answer. Throughput and p95 reply latency (from
the update being available to the answer reaching the server) are printed and written to
`reliability-load.json` in the test's tmp folder (and to $CDS_LOAD_REPORT when set).
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bot import formatting as fmt
from bot.config import ConversationConfig
from bot.telegram.render import render_answer
from fake_bot_api import parse_telegram_html, utf16_len
from telegram_fixtures import api, seed_answerer, start_bot  # noqa: F401

pytestmark = pytest.mark.slow

USERS = 200
QUESTIONS_PER_USER = 3
POOL_SIZE = 12  # seed questions, a quarter of them without an answer in the corpus
HARD_TIMEOUT = 150.0  # seconds for the whole run; far above what it takes
QA_FILE = Path(__file__).resolve().parent / "data" / "seed_qa.toml"


def question_pool() -> list[str]:
    """Answerable questions of every kind (vi, vi-plain, en) and unanswerable ones, from the seed QA set."""
    qa = tomllib.loads(QA_FILE.read_text(encoding="utf-8"))["qa"]
    answerable = [q["question"] for q in qa if q["source"]]
    unanswerable = [q["question"] for q in qa if not q["source"]]
    n_out = POOL_SIZE // 4
    return answerable[:: max(1, len(answerable) // (POOL_SIZE - n_out))][: POOL_SIZE - n_out] + unanswerable[:n_out]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def test_200_users_each_get_exactly_one_answer_per_question(start_bot, seed_answerer, api, tmp_path):
    pool = question_pool()
    answers = {q: seed_answerer.answer(q) for q in pool}
    # What each question must get ("no information" replies offer questions to try).
    expected = {q: render_answer(a, suggesting=not a.citations) for q, a in answers.items()}
    assert sum(1 for q in pool if "<b>Nguồn</b>" in expected[q] or "<b>Sources</b>" in expected[q]) >= POOL_SIZE // 2
    # Each question stands alone here (no follow-ups): the figures are about throughput.
    config = dataclasses.replace(seed_answerer.config, conversation=ConversationConfig(followup_minutes=0))
    bot = start_bot(seed_answerer, config=config, rate_limit_messages=6, rate_limit_seconds=60)

    users = [api.user(600_000 + i, "en" if i % 4 == 0 else "vi") for i in range(USERS)]
    plan = {u["id"]: [pool[(i * 7 + k * 5) % len(pool)] for k in range(QUESTIONS_PER_USER)] for i, u in enumerate(users)}
    by_id = {u["id"]: u for u in users}
    asked_at: dict[int, float] = {}
    replies: dict[int, list] = defaultdict(list)
    latencies: list[float] = []

    def ask_next(user_id: int) -> None:
        question = plan[user_id][len(replies[user_id])]
        asked_at[user_id] = time.monotonic()
        api.send_text(by_id[user_id], question)

    started = time.monotonic()
    for user in users:  # everyone asks at once
        ask_next(user["id"])
    seen = 0
    total = USERS * QUESTIONS_PER_USER
    while seen < total:
        left = HARD_TIMEOUT - (time.monotonic() - started)
        assert left > 0, f"only {seen} of {total} answers after {HARD_TIMEOUT}s"
        new = api.wait_for(lambda: api.sent[seen:], timeout=left, what=f"answer #{seen + 1} of {total}")
        seen += len(new)
        for message in new:
            user_id = message.chat_id
            assert user_id in plan and len(replies[user_id]) < QUESTIONS_PER_USER, "an answer nobody asked for"
            latencies.append(message.sent_at - asked_at[user_id])
            replies[user_id].append(message)
            if len(replies[user_id]) < QUESTIONS_PER_USER:
                ask_next(user_id)
    elapsed = max(m.sent_at for m in api.sent) - started
    api.wait_until_idle(quiet=1.0, timeout=30)

    # Exactly one answer per question, none extra, and each is the answer to that user's question.
    assert len(api.sent) == total
    for user_id, questions in plan.items():
        got = replies[user_id]
        assert [m.text for m in got] == [expected[q] for q in questions], f"user {user_id}"
        for m in got:
            parse_telegram_html(m.text)
            assert utf16_len(parse_telegram_html(m.text)) <= fmt.MAX_MESSAGE
    assert not any(m.visible.startswith(("Bạn đang hỏi hơi nhanh", "You are asking a bit fast", "Xin lỗi, đã có lỗi"))
                   for m in api.sent)
    # Every question recorded once, by the right (hashed) user.
    rows = bot.rows("SELECT user_hash, question FROM questions")
    assert len(rows) == total
    assert Counter(rows) == Counter((bot.history.hash_user(uid), q) for uid, qs in plan.items() for q in qs)
    core_ms = [r[0] for r in bot.rows("SELECT latency_ms FROM questions")]

    figures = {
        "users": USERS,
        "messages": total,
        "seconds": round(elapsed, 2),
        "throughput_msgs_per_s": round(total / elapsed, 1),
        "reply_latency_p50_s": round(statistics.median(latencies), 3),
        "reply_latency_p95_s": round(percentile(latencies, 0.95), 3),
        "reply_latency_max_s": round(max(latencies), 3),
        "core_answer_p95_ms": round(percentile(core_ms, 0.95), 1),
        "lost": 0,
        "duplicated": 0,
        "refused_by_rate_limit": 0,
        "concurrent_updates": bot.config.telegram.concurrent_updates,
        "cpus": os.cpu_count(),
    }
    text = json.dumps(figures, indent=2)
    print(f"\nload figures:\n{text}")
    (tmp_path / "reliability-load.json").write_text(text + "\n", encoding="utf-8")
    if os.environ.get("CDS_LOAD_REPORT"):
        Path(os.environ["CDS_LOAD_REPORT"]).write_text(text + "\n", encoding="utf-8")
