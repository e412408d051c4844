"""Admin operations on the corpus and the index, with no Telegram in them: accepting an uploaded
file into corpus/ (a safe name, an atomic write, a way back), and rebuilding the index in a worker
thread while the answerer keeps serving the old one until it switches.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import unicodedata
from pathlib import Path
from typing import Awaitable, Callable, Protocol

from bot.build import build_index
from bot.config import Config
from bot.corpus import SUPPORTED_SUFFIXES
from bot.records import BuildReport


class AnswererLike(Protocol):
    """What a rebuild needs from bot.answer.Answerer: switching to the new index."""

    def reload(self) -> None: ...


class UploadRefused(Exception):
    """An uploaded file is not accepted; str() is the reason shown to the admin."""


_NAME_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_corpus_name(file_name: str | None) -> str:
    """A plain file name for corpus/: no folders, no hidden files, no control or odd characters,
    one of the supported extensions. Raises UploadRefused otherwise."""
    name = unicodedata.normalize("NFC", file_name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Separators (no-break spaces...) become spaces; control and format characters (zero-width,
    # bidi overrides) are dropped.
    name = "".join(" " if unicodedata.category(ch)[0] == "Z" else "" if unicodedata.category(ch)[0] == "C" else ch
                   for ch in name)
    name = _NAME_UNSAFE.sub("_", name).strip(" ._")
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise UploadRefused(f"unsupported file type {shown}; send one of {', '.join(SUPPORTED_SUFFIXES)}")
    stem = re.sub(r"\s+", " ", stem).strip(" ._")[:100].rstrip(" ._") or "document"
    return stem + suffix


def install_upload(source: Path, corpus_dir: Path, name: str, backup_dir: Path) -> Path | None:
    """Atomically put `source` at corpus_dir/name; returns a backup of the file it replaced, if any."""
    corpus_dir = corpus_dir.resolve()
    target = corpus_dir / name
    if target.parent != corpus_dir or target.is_symlink():
        raise UploadRefused("invalid file name")
    backup = None
    if target.exists():
        backup = backup_dir / f"previous{target.suffix}"
        shutil.copy2(target, backup)
    _atomic_copy(source, target)
    return backup


def restore_upload(corpus_dir: Path, name: str, backup: Path | None) -> None:
    target = corpus_dir.resolve() / name
    if backup is None:
        target.unlink(missing_ok=True)
    else:
        _atomic_copy(backup, target)


def _atomic_copy(source: Path, target: Path) -> None:
    # A hidden staging name: the builder ignores hidden files, so a concurrent build never sees half a file.
    staging = target.with_name(f".upload-{secrets.token_hex(4)}{target.suffix}")
    try:
        shutil.copyfile(source, staging)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)


def build_with_all_cores(config: Config, embedder, *, force: bool, on_progress) -> BuildReport:
    """build_index in this (worker) thread with the answerer's model on every core
    (Embedder.for_build): the process's answering cap ([search] threads) stays on answering."""
    if embedder is None or not hasattr(embedder, "for_build"):
        return build_index(config, force=force, show_progress=False, on_progress=on_progress, embedder=embedder)
    with embedder.for_build() as build_embedder:
        return build_index(config, force=force, show_progress=False, on_progress=on_progress, embedder=build_embedder)


class Rebuilder:
    """Runs index builds one at a time in a worker thread and switches the answerer to the result;
    questions keep being answered from the old index until the switch."""

    def __init__(self, config: Config, answerer: AnswererLike) -> None:
        self.config = config
        self.answerer = answerer
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def exclusive(self) -> asyncio.Lock:
        return self._lock

    async def build(self, on_progress: Callable[[int, int], Awaitable[None]] | None = None, *,
                    force: bool = False, interval: float = 5.0) -> BuildReport:
        """Build and reload; call with `exclusive()` held. Raises BotError with a one-line reason."""
        progress = [0, 0]

        def record_progress(done: int, total: int) -> None:  # runs in the build thread
            progress[:] = [done, total]

        embedder = getattr(self.answerer, "embedder", None)
        task = asyncio.ensure_future(asyncio.to_thread(
            build_with_all_cores, self.config, embedder, force=force, on_progress=record_progress,
        ))
        shown = [0, 0]
        while not task.done():
            await asyncio.wait({task}, timeout=interval)
            if not task.done() and on_progress and progress[1] and progress != shown:
                shown = list(progress)
                await on_progress(*shown)
        report = task.result()
        if not report.up_to_date:
            await asyncio.to_thread(self.answerer.reload)
        return report
