"""Keeping secrets (the bot token, the webhook secret) out of every log line."""

from __future__ import annotations

import logging
import traceback

from telegram.error import InvalidToken

_SECRETS: set[str] = set()
_factory_installed = False


def redact(message: str) -> str:
    for secret in _SECRETS:
        message = message.replace(secret, "<redacted>")
    return message


def install_log_redaction(secret: str) -> None:
    """Replace `secret` in every log record created from now on, whatever handler prints it.

    A LogRecord factory (not a handler filter) so handlers added later, by tests or by a service
    wrapper, are covered too. httpx logs request URLs, which contain the bot token, at INFO.
    """
    global _factory_installed
    if len(secret) >= 8:
        _SECRETS.add(secret)
    if _factory_installed:
        return
    base_factory = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base_factory(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def _redact_record(record: logging.LogRecord) -> None:
    if not _SECRETS:
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to logging's own error reporting
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        if isinstance(record.exc_info[1], InvalidToken):
            record.exc_info = None  # reported in one line by run_bot; no traceback
        else:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def configure_logging(level: str, token: str) -> None:
    install_log_redaction(token)
    logging.getLogger("bot").setLevel(level.upper())
    # httpx logs every request URL (with the token) at INFO; the redaction above is the second line of defence.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
