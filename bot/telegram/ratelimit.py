"""Limits: the per-user limit on questions, and Telegram's flood limits with retries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Callable

from aiolimiter import AsyncLimiter

from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import AIORateLimiter

from bot.telegram.redaction import redact

logger = logging.getLogger(__name__)

# API calls that change nothing when repeated; they are retried after any network error.
_IDEMPOTENT = {"sendChatAction", "answerCallbackQuery", "editMessageText", "editMessageReplyMarkup", "getFile",
               "setMyCommands", "deleteWebhook", "getMe", "setWebhook", "answerInlineQuery"}
NETWORK_RETRIES = 3
# Typing indicators are cosmetic: they are sent only while less than this share of the bot's flood
# budget (30 requests/s) is in use, so under load every request Telegram allows carries an answer.
TYPING_BUDGET_SHARE = 0.5


class UserRateLimiter:
    """At most `max_events` per user within a sliding window of `window` seconds."""

    def __init__(self, max_events: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_events = max_events
        self.window = window
        self._clock = clock
        self._events: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def hit(self, user_id: int) -> tuple[bool, bool, float]:
        """(allowed, warn this time, seconds until allowed again); a refused event is not counted."""
        now = self._clock()
        events = self._events.setdefault(user_id, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) < self.max_events:
            events.append(now)
            return True, False, 0.0
        wait = self.window - (now - events[0])
        warned = self._warned.get(user_id)
        warn = warned is None or now - warned >= self.window
        if warn:
            self._warned[user_id] = now
        return False, warn, wait

    def forget_idle(self) -> None:
        """Drop users with no event inside the window (keeps memory flat on a busy bot)."""
        now = self._clock()
        for user_id in [u for u, ev in self._events.items() if not ev or now - ev[-1] >= self.window]:
            del self._events[user_id]
            self._warned.pop(user_id, None)


class RetryingRateLimiter(AIORateLimiter):
    """PTB's rate limiter (Telegram's flood limits, RetryAfter) plus retries with backoff after network
    errors. A request that may have reached Telegram is repeated only when repeating it is harmless,
    so an answer is never sent twice."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        if endpoint == "sendChatAction" and not self._room_for_cosmetics():
            logger.debug("typing indicator skipped: near Telegram's flood limit")
            return True
        delay = 1.0
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, InvalidToken):
                raise
            except NetworkError as exc:
                if attempt == NETWORK_RETRIES or not _safe_to_retry(endpoint, exc):
                    raise
                logger.warning("Telegram %s failed (%s); retry %d in %.0fs", endpoint, redact(str(exc)), attempt + 1, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        raise AssertionError("unreachable")

    def _room_for_cosmetics(self) -> bool:
        # Without this, each question costs two requests (typing, answer) and a busy bot answers at
        # half the rate Telegram allows. `_base_limiter` is PTB's overall limiter (PTB is pinned < 23).
        limiter = getattr(self, "_base_limiter", None)
        if not isinstance(limiter, AsyncLimiter):
            return True
        return limiter.has_capacity(limiter.max_rate * TYPING_BUDGET_SHARE)


def _safe_to_retry(endpoint: str, exc: NetworkError) -> bool:
    not_sent = str(exc).startswith(("httpx.ConnectError", "Pool timeout"))
    return not_sent or endpoint in _IDEMPOTENT
