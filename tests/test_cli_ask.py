"""`python -m bot ask`: the command-line contract other tools rely on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, cli_env

pytestmark = pytest.mark.slow


def run_ask(*args: str, stdin: str = "", cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", *args], input=stdin, cwd=cwd or REPO, env=cli_env(),
        capture_output=True, text=True, timeout=300,
    )


def test_json_lines_one_per_input_line_in_order(built_seed):
    lines = [
        "What is Nghệ An's Government-index target?",
        "",
        "!!!",
        "dich vu cong truc tuyen",
        "Giá vàng hôm nay bao nhiêu?",
    ]
    result = run_ask("--json", "--config", str(built_seed.config_path), stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["question"] for o in out] == lines
    for o in out:
        assert set(o) == {"question", "answer", "found", "confidence", "short_answer", "language", "latency_ms", "citations"}
        assert o["found"] == (o["confidence"] == "answer")
        assert isinstance(o["answer"], str) and o["answer"]
        assert o["latency_ms"] >= 0
        if o["confidence"] == "none":
            assert o["citations"] == []
    first = out[0]
    assert first["found"] and first["language"] == "en"
    citation = first["citations"][0]
    assert set(citation) == {"n", "doc_id", "title", "outlet", "published", "url", "source_file", "quote", "score", "locator"}
    assert citation["n"] == 1 and citation["source_file"] == "002_f4c38aa5626986ed.txt"
    assert "25 - 30" in citation["quote"]
    assert [o["found"] for o in out[1:]] == [False, False, True, False]


def test_readable_answer_lists_its_sources(built_seed):
    result = run_ask("--config", str(built_seed.config_path), "Thanh Hóa đặt mục tiêu gì về chuyển đổi số đến năm 2025?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Theo ")
    assert "Nguồn:" in result.stdout and "004_19ab1e55f0366f18.txt" in result.stdout
    assert "nhóm 10 tỉnh" in result.stdout


def test_missing_index_is_one_line_and_exit_code_2(make_project):
    project = make_project("empty")
    result = run_ask("--config", str(project.config_path), "xin chào")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "build_index.py" in lines[0]


def test_conversation_lines_follow_up_the_previous_one(built_seed):
    lines = ["What are Nghe An's digital government targets?", "And Quang Ninh?",
             "Nghệ An ban hành Kế hoạch xây dựng Nghị quyết về chuyển đổi số như thế nào?", "bao giờ?"]
    result = run_ask("--json", "--conversation", "--config", str(built_seed.config_path), stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["question"] for o in out] == [
        lines[0], "What are Quảng Ninh's digital government targets?", lines[2],
        "Nghệ An ban hành Kế hoạch xây dựng Nghị quyết về chuyển đổi số – bao giờ?"]
    assert [[c["source_file"] for c in o["citations"]][:1] for o in out] == [
        ["002_f4c38aa5626986ed.txt"], ["001_7c41b3213df7f756.txt"], ["003_500af1a167ffe578.txt"],
        ["003_500af1a167ffe578.txt"]]
    # Without --conversation each line stands alone.
    alone = run_ask("--json", "--config", str(built_seed.config_path), stdin="And Quang Ninh?\n")
    assert json.loads(alone.stdout)["found"] is False
