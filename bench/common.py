"""Shared by the benchmarks: a throwaway project folder with its own config.toml, timing, result files.

Benchmarks never touch the project's own corpus/ or index/: each run works in a temp folder whose
config.toml copies the project's settings and points [corpus] and [index] at folders inside it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

from bot.config import Config, load_config

PROJECT_DIR = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_DIR / "bench" / "results"

T = TypeVar("T")


def write_bench_config(workdir: Path, project_config: Path = PROJECT_DIR / "config.toml") -> Config:
    """Write workdir/config.toml (the project's settings, with every file the product writes or
    indexes moved into workdir) and return it loaded through bot.config, as the product would."""
    project = load_config(project_config)
    lines = ["# Written by a benchmark: the project's settings over a throwaway corpus and index."]
    for f in dataclasses.fields(project):
        if f.name != "path":
            lines += ["", f"[{f.name}]", *_toml_pairs(_section_values(project, f.name, workdir))]
    path = workdir / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


def _section_values(project: Config, name: str, workdir: Path) -> dict[str, Any]:
    """A section's values, pointing into workdir where _INTO_WORKDIR says so; other paths stay
    absolute, so files of the project (a glossary, a model folder) are still found."""
    values = dataclasses.asdict(getattr(project, name))
    values.update({key: workdir / rel for key, rel in _INTO_WORKDIR.get(name, {}).items() if key in values})
    if name == "embedding" and (project.base_dir / values["model"]).is_dir():
        values["model"] = (project.base_dir / values["model"]).resolve()
    return {key: str(value) if isinstance(value, Path) else value for key, value in values.items()}


# What a benchmark reads or writes instead of the project's own corpus/, index/ and question history.
_INTO_WORKDIR = {"corpus": {"dir": "corpus"}, "index": {"dir": "index"}, "history": {"path": "history.sqlite"}}


def _toml_pairs(table: dict[str, Any]) -> list[str]:
    # JSON strings, numbers, booleans and flat arrays are valid TOML values (\uXXXX escapes included).
    return [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in table.items()]


def with_index_dir(config: Config, index_dir: Path) -> Config:
    """The same settings building into another index folder."""
    return dataclasses.replace(config, index=dataclasses.replace(config.index, dir=index_dir))


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def machine_summary() -> str:
    """One line saying what the numbers were measured on."""
    import torch

    return (f"{os.cpu_count()} cores ({_cpu_model()}), torch {torch.__version__} with {torch.get_num_threads()} threads, "
            f"Python {platform.python_version()}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name: str, text: str) -> Path:
    """Write bench/results/<name> (gitignored) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path
