"""`python -m bot.console ng-list`: the article's four things never to do, in a terminal.

Prints each NG behaviour with what it looks like, why it backfires and what to do instead,
using the same content and headings as /ng-list; `--json` prints a list of objects.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.core.article import NgItem
from bot.core.content import Content, LocaleContent


def add_parser(subparsers: Any) -> None:
    """Add the `ng-list` subcommand."""
    parser = subparsers.add_parser("ng-list", help="the four things never to do")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--locale", choices=("ja", "en"), default="ja")


def run(args: argparse.Namespace, content: Content) -> int:
    """Print the NG list as text, or as JSON with `--json`."""
    loc = content[args.locale]
    if args.json:
        print(json.dumps(ng_data(loc), ensure_ascii=False, indent=2))
    else:
        print(render_text(loc))
    return 0


def ng_data(loc: LocaleContent) -> list[dict[str, Any]]:
    """Return the NG items as plain data, in the article's order."""
    return [item.model_dump() for item in loc.article.ng]


def render_text(loc: LocaleContent) -> str:
    """Return the NG list as the plain text the console prints."""
    lines = [f"== {loc.text('ng_list.title')} ==", loc.text("ng_list.intro")]
    for number, item in enumerate(loc.article.ng, 1):
        lines += ["", *_item_lines(loc, number, item)]
    return "\n".join(lines)


def _item_lines(loc: LocaleContent, number: int, item: NgItem) -> list[str]:
    lines = [loc.text("ng_list.item_title", number=number, title=item.title)]
    lines += _block(loc.text("ng_list.what"), item.what)
    lines += _block(loc.text("ng_list.why"), item.why)
    lines += _block(loc.text("ng_list.instead"), item.instead)
    return lines


def _block(heading: str, body: str) -> list[str]:
    return [f"  [{heading}]", *(f"    {line}" for line in body.splitlines())]
