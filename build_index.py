#!/usr/bin/env python3
"""Build or check the index the bot answers from.

    python build_index.py                  # build (incremental) over corpus/ and print a summary
    python build_index.py --force          # re-embed everything
    python build_index.py --check          # verify the index being served; non-zero exit with the reason
    python build_index.py --add-url URL    # fetch a page into corpus/ and index it (repeatable)
    python build_index.py --refresh-urls   # fetch every saved URL again and re-index what changed
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
    parser.add_argument("--add-url", action="append", default=[], metavar="URL",
                        help="fetch this page (HTML, PDF, Word, text) into the corpus and index it; repeatable")
    parser.add_argument("--refresh-urls", action="store_true", help="fetch every saved URL again and re-index what changed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
        if args.check:
            print(format_check(verify_index(config)))
            return 0
        if args.add_url or args.refresh_urls:
            return _fetch_urls(config, args)
        report = build_index(config, force=args.force, show_progress=not args.quiet)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: the previous index is unchanged", file=sys.stderr)
        return 130
    print(format_build_report(report))
    return 0


def _fetch_urls(config, args) -> int:
    from bot.fetch import add_url, refresh_urls

    report, failed = None, 0
    for url in args.add_url:
        # One build per URL keeps "a failed fetch changes nothing" true for each URL on its own.
        added = add_url(config, url, show_progress=not args.quiet)
        report = added.report
        state = "added" if added.changed else "unchanged"
        print(f"{state}: {added.source_file} <- {added.url}\n  {added.title} ({added.outlet or 'outlet unknown'}, "
              f"{added.published or 'date not stated'})")
    if args.refresh_urls:
        result = refresh_urls(config, show_progress=not args.quiet)
        report = result.report
        print(f"refreshed saved URLs: {len(result.updated)} updated, {len(result.unchanged)} unchanged, {len(result.failed)} failed")
        for name in result.updated:
            print(f"  updated: {name}")
        for url, reason in result.failed:
            print(f"  failed: {reason}", file=sys.stderr)
        failed = len(result.failed)
    if report is not None:
        print(format_build_report(report))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
