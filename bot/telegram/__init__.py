"""The Telegram bot: a thin adapter between python-telegram-bot and the answering core.

    python -m bot serve [--config config.toml]     # token from $TELEGRAM_BOT_TOKEN (see [telegram])

    app.py            the Application: handlers, jobs, errors, polling or webhook
    context.py        the core's narrow interface (Protocols), the services, the typed context
    user_handlers.py  /start (deep links), /help, /sources, /language, /settings, /ask, messages
    questions.py      small talk, follow-ups, answers, edited questions, inline queries
    buttons.py        passages in context, 👍/👎, suggestions, source pages, settings buttons
    admin_handlers.py /stats, /reindex, uploads (admins from config only)
    render.py         Telegram HTML of answers, passages, sources, admin summaries
    keyboards.py      inline keyboards and their callback data
    texts.py          fixed texts in Vietnamese and English
    messages.py       addressing, sending and editing HTML within Telegram's limits
    ratelimit.py      per-user question limit; flood limits and retries
    redaction.py      the token never reaches a log

The meaning of messages (follow-ups, small talk, passages) lives in the core (bot.conversation,
bot.smalltalk, bot.passages), which never imports Telegram.
"""

from bot.telegram.app import ADMIN_COMMANDS, ALLOWED_UPDATES, COMMANDS, build_application, run_bot

__all__ = ["ADMIN_COMMANDS", "ALLOWED_UPDATES", "COMMANDS", "build_application", "run_bot"]
