#!/usr/bin/env python3
"""Build or check the index the bot answers from.

    python build_index.py            # build (incremental) over corpus/ and print a summary
    python build_index.py --force    # re-embed everything
    python build_index.py --check    # verify the index being served; non-zero exit with the reason
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot.build import build_index
from bot.config import load_config
from bot.errors import BotError
from bot.report import format_build_report, format_check
from bot.store import verify_index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.toml", help="path to config.toml (default: ./config.toml)")
    parser.add_argument("--check", action="store_true", help="verify the index instead of building it")
    parser.add_argument("--force", action="store_true", help="rebuild and re-embed even if nothing changed")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
        if args.check:
            print(format_check(verify_index(config)))
            return 0
        report = build_index(config, force=args.force, show_progress=not args.quiet)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: the previous index is unchanged", file=sys.stderr)
        return 130
    print(format_build_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
