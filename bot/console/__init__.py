"""The offline console: the advice core without Discord, for trying Tayori and for content authors.

Each subcommand module exposes `add_parser(subparsers)` and `run(args, content) -> int`.
"""

SUBCOMMANDS = ("ng_list", "diagnose", "check_draft", "remind")
