"""Command line: `python -m bot ask ...` answers questions, `python -m bot serve` runs the Telegram bot."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import load_config
from bot.errors import BotError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer questions from the index, with citations")
    ask.add_argument("--json", action="store_true", help="one JSON object per input line")
    ask.add_argument("--conversation", action="store_true",
                     help="stdin lines are one conversation: each may follow up the previous one")
    ask.add_argument("--config", default="config.toml")
    ask.add_argument("question", nargs="*", help="the question; none: read one question per line from stdin")
    serve = sub.add_parser("serve", help="run the Telegram bot")
    serve.add_argument("--config", default="config.toml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
        if args.command == "ask":
            from bot.cli_ask import run_ask

            return run_ask(config, args.question, as_json=args.json, conversation=args.conversation)
        from bot.telegram import run_bot

        return run_bot(config)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
