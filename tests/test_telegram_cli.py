"""`python -m bot serve` as a process: one clear line and exit code 2 for a missing token, a missing
index or a rejected token; a real run against the local Bot API server answers and stops cleanly on
SIGTERM, and its log never shows the token."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, assert_one_line_error, cli_env
from fake_bot_api import FakeBotApi
from telegram_fixtures import SEED_QUESTION

USER = {"id": 3001, "is_bot": False, "first_name": "Hà", "language_code": "vi"}


def serve_env(token: str | None) -> dict[str, str]:
    env = cli_env()
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    return env


def run_serve(config: Path, token: str | None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "serve", "--config", str(config)], cwd=REPO,
                          env=serve_env(token), capture_output=True, text=True, timeout=timeout)


def telegram_sections(project, api: FakeBotApi | None = None, **telegram) -> dict:
    base = {"base_url": api.base_url, "base_file_url": api.base_file_url} if api else {}
    return {
        "telegram": {**base, "admin_ids": [4242], **telegram},
        "history": {"path": str(project.root / "data" / "history.sqlite"), "retention_days": 30},
    }


def test_missing_token_is_one_line_and_exit_2(seed_project):
    result = run_serve(seed_project.config_path, token=None, timeout=60)
    assert result.returncode == 2
    assert_one_line_error(result, "no Telegram bot token", "TELEGRAM_BOT_TOKEN", "BotFather")


def test_token_variable_name_comes_from_config(seed_project):
    seed_project.write_config(telegram={"token_env": "MY_BOT_TOKEN"})
    result = run_serve(seed_project.config_path, token="123:this-one-is-in-the-wrong-variable", timeout=60)
    assert result.returncode == 2
    assert_one_line_error(result, "MY_BOT_TOKEN")


def test_missing_index_is_one_line_and_exit_2(seed_project):
    token = "123456:missing-index-token-abcdef"
    result = run_serve(seed_project.config_path, token=token, timeout=120)
    assert result.returncode == 2
    message = assert_one_line_error(result, "no index", "build_index.py")
    assert token not in result.stderr + result.stdout and message


@pytest.mark.slow
def test_rejected_token_is_one_line_and_exit_2(built_seed_copy):
    with FakeBotApi() as api:
        built_seed_copy.write_config(**telegram_sections(built_seed_copy, api))
        wrong = "999999:not-the-servers-token-xyz"
        result = run_serve(built_seed_copy.config_path, token=wrong, timeout=180)
    assert result.returncode == 2
    assert_one_line_error(result, "Telegram rejected the bot token")
    assert wrong not in result.stderr + result.stdout


@pytest.mark.slow
def test_serve_answers_and_stops_on_sigterm(built_seed_copy, tmp_path):
    with FakeBotApi() as api:
        built_seed_copy.write_config(**telegram_sections(built_seed_copy, api))
        log = tmp_path / "serve.log"
        with log.open("w") as err:
            process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--config", str(built_seed_copy.config_path)],
                                       cwd=REPO, env=serve_env(api.token), stdout=err, stderr=subprocess.STDOUT, text=True)
            try:
                api.wait_for(lambda: api.calls_to("getUpdates") if process.poll() is None else "exited",
                             timeout=120, what="the bot to start polling")
                assert process.poll() is None, log.read_text()
                api.send_text(USER, SEED_QUESTION)
                reply = api.wait_for_message(USER["id"], timeout=60)
                assert "25 - 30" in reply.visible and reply.buttons()
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=60) == 0
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        output = log.read_text()
    assert api.token not in output and api.token.split(":")[1] not in output
    assert "Traceback" not in output
    assert "serving as @cds_test_bot" in output
    assert {c.method for c in api.calls} >= {"getMe", "setMyCommands", "deleteWebhook", "getUpdates", "sendChatAction",
                                            "sendMessage"}
    assert (built_seed_copy.root / "data" / "history.sqlite").is_file()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_by_webhook_when_configured(built_seed_copy, tmp_path):
    import httpx

    port, secret = _free_port(), "webhook-secret-for-tests-123"
    with FakeBotApi() as api:
        built_seed_copy.write_config(**telegram_sections(
            built_seed_copy, api, webhook_url="https://bot.example.vn/telegram-hook", webhook_listen="127.0.0.1",
            webhook_port=port, webhook_path="telegram-hook", webhook_secret_env="TEST_WEBHOOK_SECRET"))
        env = {**serve_env(api.token), "TEST_WEBHOOK_SECRET": secret}
        log = tmp_path / "serve.log"
        with log.open("w") as err:
            process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--config", str(built_seed_copy.config_path)],
                                       cwd=REPO, env=env, stdout=err, stderr=subprocess.STDOUT, text=True)
            try:
                api.wait_for(lambda: api.webhook if process.poll() is None else "exited", timeout=120,
                             what="setWebhook")
                assert process.poll() is None, log.read_text()
                assert api.webhook["url"] == "https://bot.example.vn/telegram-hook"
                assert api.webhook["secret_token"] == secret
                assert api.calls_to("getUpdates") == []
                update = {"update_id": 1, "message": api.incoming_message(USER, text=SEED_QUESTION)}
                url = f"http://127.0.0.1:{port}/telegram-hook"
                deadline = time.monotonic() + 30
                while True:  # the webhook server may take a moment after setWebhook
                    try:
                        forged = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
                        break
                    except httpx.ConnectError:
                        assert time.monotonic() < deadline
                        time.sleep(0.2)
                assert forged.status_code == 403
                accepted = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                assert accepted.status_code == 200
                reply = api.wait_for_message(USER["id"], timeout=60)
                assert "25 - 30" in reply.visible
                assert len(api.messages_to(USER["id"])) == 1  # the forged update was not answered
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=60) == 0
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        output = log.read_text()
    assert secret not in output and api.token not in output and "Traceback" not in output
