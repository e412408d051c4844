"""Question records in SQLite: who asked (a salted hash, never the Telegram id), in which language,
whether the corpus had the answer, how long it took, which documents were cited, and the feedback.

Records older than the configured retention are deleted by `prune` (the bot calls it at start-up
and daily). One connection shared by the bot's worker threads, serialized by a lock; WAL mode so
a reader (an admin's `sqlite3` shell) never blocks the bot.

A write the database refuses (another program holding a write lock, a full disk) never loses the
record or stalls answering: the record waits in memory and is written with the next one, or by
`flush`, which the bot calls every few seconds and at shutdown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from bot.config import Config, HistoryConfig
from bot.errors import BotError
from bot.records import Answer, Citation

logger = logging.getLogger(__name__)

FEEDBACK_UP = 1
FEEDBACK_DOWN = -1
# How long a write waits for another program's lock before the record is kept in memory instead;
# short, because a worker thread waiting here is one that is not answering.
WRITE_TIMEOUT_SECONDS = 1.0
# After a refused write, records go straight to memory for this long: a locked database costs
# every question a wait otherwise.
RETRY_AFTER_SECONDS = 5.0
# Records kept in memory at most (about 1 KB each); beyond this the oldest are dropped, with an error logged.
MAX_PENDING = 10_000

_INSERT = ("INSERT INTO questions (asked_at, user_hash, chat_type, language, question, found, latency_ms,"
           " cited_docs, citations, failed, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class HistoryError(BotError):
    """The history database cannot be opened or written."""

    exit_code = 2


@dataclass(frozen=True)
class QuestionRecord:
    id: int
    asked_at: str  # ISO 8601, UTC
    user_hash: str
    chat_type: str
    language: str
    question: str
    found: bool
    latency_ms: float
    citations: tuple[Citation, ...]
    feedback: int | None  # FEEDBACK_UP, FEEDBACK_DOWN or None


@dataclass(frozen=True)
class HistoryStats:
    questions: int
    not_found: int  # "no information" replies
    feedback_up: int
    feedback_down: int
    failed: int = 0  # questions the bot could not answer because of an error
    answered: int = 0  # the passages answered the question
    related: int = 0  # only related passages were offered ("may not answer exactly")
    last_asked_at: str = ""  # ISO 8601 UTC of the newest record, "" when none


@dataclass(frozen=True)
class ChatSettings:
    """A chat's choices: reply language ("" = from the user's Telegram language) and default province."""

    language: str = ""
    province: str = ""

    @property
    def not_found_rate(self) -> float:
        return self.not_found / self.questions if self.questions else 0.0


# ---------------------------------------------------------------- schema migrations

def _m001_questions(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,          -- ISO 8601 UTC
            user_hash TEXT NOT NULL,         -- HMAC-SHA256 of the Telegram user id with a secret salt
            chat_type TEXT NOT NULL,         -- private, group, supergroup
            language TEXT NOT NULL,          -- vi or en
            question TEXT NOT NULL,
            found INTEGER NOT NULL,
            latency_ms REAL NOT NULL,
            cited_docs TEXT NOT NULL,        -- JSON list of the cited source files
            citations TEXT NOT NULL,         -- JSON list of the citations shown (for the sources button)
            feedback INTEGER,                -- 1 helpful, -1 not helpful, NULL none
            feedback_at TEXT
        );
        CREATE INDEX questions_asked_at ON questions(asked_at);
        """
    )


def _m002_failed(conn: sqlite3.Connection) -> None:
    # A question whose answering raised is still a question asked: it is kept, marked.
    conn.execute("ALTER TABLE questions ADD COLUMN failed INTEGER NOT NULL DEFAULT 0")


def _m003_confidence(conn: sqlite3.Connection) -> None:
    # "answer", "related" or "none" (see bot.records.Answer); older rows from `found`.
    conn.execute("ALTER TABLE questions ADD COLUMN confidence TEXT NOT NULL DEFAULT 'none'")
    conn.execute("UPDATE questions SET confidence = 'answer' WHERE found = 1")


def _m004_chat_settings(conn: sqlite3.Connection) -> None:
    # Per chat, keyed like users by a salted hash of the chat id (never the id itself).
    conn.executescript(
        """
        CREATE TABLE chat_settings (
            chat_hash TEXT PRIMARY KEY,
            language TEXT NOT NULL DEFAULT '',   -- vi, en, or '' (from the user's Telegram language)
            province TEXT NOT NULL DEFAULT '',   -- default province for questions that name none
            updated_at TEXT NOT NULL
        );
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m001_questions, _m002_failed, _m003_confidence,
                                                           _m004_chat_settings]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations newer than the database's user_version, each in its own transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise HistoryError(f"history database schema {version} is newer than this program ({len(MIGRATIONS)})")
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with conn:
            step(conn)
            conn.execute(f"PRAGMA user_version = {number}")
        logger.info("history database migrated to schema %d", number)


# ---------------------------------------------------------------- salt

def load_salt(settings: HistoryConfig) -> bytes:
    """The salt from the environment variable named in config, else from <db>.salt (created once)."""
    from_env = os.environ.get(settings.salt_env, "") if settings.salt_env else ""
    if from_env:
        return from_env.encode()
    salt_path = settings.path.with_name(settings.path.name + ".salt")
    try:
        return bytes.fromhex(salt_path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except ValueError as exc:
        raise HistoryError(f"salt file {salt_path} is not hex; delete it to start a new one (old hashes will not match)") from exc
    salt = secrets.token_bytes(32)
    salt_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(salt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(salt.hex() + "\n")
    return salt


# ---------------------------------------------------------------- the store

class History:
    def __init__(self, path: Path, salt: bytes, retention_days: int) -> None:
        self.path = path
        self.retention_days = retention_days
        self._salt = salt
        self._lock = threading.Lock()
        self._pending: list[tuple] = []  # rows the database refused, oldest first
        self._retry_at = 0.0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=WRITE_TIMEOUT_SECONDS)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            migrate(self._conn)
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(f"cannot open history database {path}: {exc}") from exc

    @classmethod
    def open(cls, config: Config) -> "History":
        try:
            salt = load_salt(config.history)
        except OSError as exc:
            raise HistoryError(f"cannot read or create the history salt beside {config.history.path}: {exc}") from exc
        return cls(config.history.path, salt, config.history.retention_days)

    def hash_user(self, user_id: int) -> str:
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()

    def record(self, user_id: int, chat_type: str, answer: Answer, now: datetime | None = None,
               failed: bool = False) -> int | None:
        """Store one question and its answer (`failed`: answering raised); returns its record id
        (used in the reply's buttons), or None when the database refused it for now: the record
        is then kept in memory and written later, never lost or written twice."""
        asked_at = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        cited = sorted({c.source_file for c in answer.citations})
        citations = [_citation_dict(c) for c in answer.citations]
        row = (asked_at, self.hash_user(user_id), _storable(chat_type), _storable(answer.language),
               _storable(answer.question), int(answer.found), float(answer.latency_ms),
               _storable(json.dumps(cited, ensure_ascii=False)), _storable(json.dumps(citations, ensure_ascii=False)),
               int(failed), answer_confidence(answer))
        with self._lock:
            self._pending.append(row)
            if time.monotonic() < self._retry_at:
                self._drop_excess()
                return None
            return self._write_pending()

    def flush(self) -> int:
        """Write the records kept in memory; returns how many are still waiting."""
        with self._lock:
            if self._pending:
                self._write_pending()
            return len(self._pending)

    def _write_pending(self) -> int | None:
        """All waiting rows in one transaction (so each is written exactly once); call with the lock."""
        try:
            with self._conn:
                for row in self._pending:
                    cur = self._conn.execute(_INSERT, row)
        except sqlite3.Error as exc:
            self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("history: %d question record(s) kept in memory, the database refused them (%s); "
                           "retrying in %.0fs", len(self._pending), exc, RETRY_AFTER_SECONDS)
            self._drop_excess()
            return None
        self._pending.clear()
        self._retry_at = 0.0
        return int(cur.lastrowid)

    def _drop_excess(self) -> None:
        if len(self._pending) > MAX_PENDING:
            dropped = len(self._pending) - MAX_PENDING
            del self._pending[:dropped]
            logger.error("history: database unwritable for too long; %d oldest question record(s) dropped", dropped)

    def get(self, record_id: int) -> QuestionRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, asked_at, user_hash, chat_type, language, question, found, latency_ms, citations, feedback"
                " FROM questions WHERE id = ?", (record_id,),
            ).fetchone()
        if row is None:
            return None
        citations = tuple(Citation(**c) for c in json.loads(row[8]))
        return QuestionRecord(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7], citations, row[9])

    def set_feedback(self, record_id: int, user_id: int, value: int) -> bool:
        """Store the asker's 👍 (1) or 👎 (-1); False when the record is gone or someone else asked it."""
        if value not in (FEEDBACK_UP, FEEDBACK_DOWN):
            raise ValueError(f"feedback must be {FEEDBACK_UP} or {FEEDBACK_DOWN}, got {value!r}")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, self._conn:
            cur = self._conn.execute(
                "UPDATE questions SET feedback = ?, feedback_at = ? WHERE id = ? AND user_hash = ?",
                (value, now, record_id, self.hash_user(user_id)),
            )
            return cur.rowcount == 1

    def prune(self, now: datetime | None = None) -> int:
        """Delete records older than the retention period; returns how many."""
        cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=self.retention_days)
        with self._lock, self._conn:
            cur = self._conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff.isoformat(timespec="seconds"),))
        if cur.rowcount:
            logger.info("history: deleted %d question record(s) older than %d days", cur.rowcount, self.retention_days)
        return cur.rowcount

    def stats(self) -> HistoryStats:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(confidence = 'none' AND failed = 0), 0), COALESCE(SUM(feedback = 1), 0),"
                " COALESCE(SUM(feedback = -1), 0), COALESCE(SUM(failed), 0),"
                " COALESCE(SUM(confidence = 'answer' AND failed = 0), 0),"
                " COALESCE(SUM(confidence = 'related' AND failed = 0), 0), COALESCE(MAX(asked_at), '') FROM questions"
            ).fetchone()
        return HistoryStats(*(int(v) for v in row[:7]), last_asked_at=str(row[7]))

    def chat_settings(self, chat_id: int) -> ChatSettings:
        with self._lock:
            row = self._conn.execute("SELECT language, province FROM chat_settings WHERE chat_hash = ?",
                                     (self.hash_user(chat_id),)).fetchone()
        return ChatSettings(*row) if row else ChatSettings()

    def set_chat_settings(self, chat_id: int, *, language: str | None = None, province: str | None = None) -> ChatSettings:
        """Change a chat's language and/or province (None: keep); returns the settings now."""
        current = self.chat_settings(chat_id)
        new = ChatSettings(current.language if language is None else language,
                           current.province if province is None else province)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO chat_settings (chat_hash, language, province, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(chat_hash) DO UPDATE SET language = excluded.language, province = excluded.province,"
                " updated_at = excluded.updated_at",
                (self.hash_user(chat_id), _storable(new.language), _storable(new.province), now),
            )
        return new

    def close(self) -> None:
        """Write what is waiting (a last try) and close."""
        with self._lock:
            if self._pending:
                self._write_pending()
            if self._pending:
                logger.error("history: %d question record(s) could not be written before shutdown", len(self._pending))
            self._conn.close()


def answer_confidence(answer: Answer) -> str:
    """"answer", "related" or "none", also for answers made before `Answer.confidence` existed."""
    if answer.found:
        return "answer"
    return "related" if answer.citations else "none"


def _storable(text: str) -> str:
    """Text SQLite can store: a lone surrogate would make the insert, and every later retry of the
    waiting records, fail."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _citation_dict(c: Citation) -> dict:
    return {"n": c.n, "doc_id": c.doc_id, "title": c.title, "outlet": c.outlet, "published": c.published,
            "url": c.url, "source_file": c.source_file, "quote": c.quote, "score": float(c.score)}
