"""`python -m bot.console SUBCOMMAND …`: run a piece of the advice core in a terminal."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from types import ModuleType

from bot.console import SUBCOMMANDS
from bot.core.content import Content, ContentError, load_content


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """Return the parser and the subcommand modules that registered with it."""
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--content-dir", default=None, help="content folder (default: content/)")
    subs = parser.add_subparsers(dest="command", required=True)
    modules: dict[str, ModuleType] = {}
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"bot.console.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.console.{name}":
                raise
            continue
        module.add_parser(subs)
        modules[name.replace("_", "-")] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load content, run the subcommand."""
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    try:
        content = load_content(args.content_dir) if args.content_dir else load_content()
    except ContentError as exc:
        print(f"content error: {exc}", file=sys.stderr)
        return 2
    run: Callable[[argparse.Namespace, Content], int] = modules[args.command].run
    return run(args, content)


if __name__ == "__main__":
    sys.exit(main())
