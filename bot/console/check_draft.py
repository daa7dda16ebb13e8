"""`python -m bot.console check-draft`: check a message before sending it, in a terminal.

Prints the verdict, the score and each finding with the flagged part quoted, using the same
content and wording as /check-draft. `--json` prints the report as JSON; `--jsonl` reads one
`{"text": …, "locale": …}` object per line from stdin and prints one report per line.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, TextIO

from bot.core.article import fitting_templates
from bot.core.clock import SystemClock
from bot.core.content import Content, LocaleContent
from bot.core.draft import DraftContext, Report, is_blank
from bot.core.draft_language import check_message

QUOTE_LIMIT = 60  # characters of a flagged span shown before it is cut with "…"


class DraftInputError(ValueError):
    """The draft cannot be checked; `key` names the message that says why."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def add_parser(subparsers: Any) -> None:
    """Add the `check-draft` subcommand."""
    parser = subparsers.add_parser("check-draft", help="check a message before sending it")
    parser.add_argument("text", nargs="?", help="the draft, or - to read it from stdin")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"text": ..., "locale": ...} lines from stdin, print one JSON report per line',
    )
    parser.add_argument("--locale", choices=("ja", "en"), default="ja")
    parser.add_argument("--last-sent", type=iso_time, help="when your last message went out (ISO)")
    parser.add_argument("--now", type=iso_time, help="the time to check against (default: now)")


def run(args: argparse.Namespace, content: Content) -> int:
    """Check one draft (or a JSON-lines stream with `--jsonl`) and print the report."""
    if args.jsonl:
        return run_jsonl(content, sys.stdin, sys.stdout, args.locale)
    loc = content[args.locale]
    if args.text is None:
        print("check-draft: give the draft as TEXT, or - to read stdin", file=sys.stderr)
        return 2
    text = sys.stdin.read().removesuffix("\n") if args.text == "-" else args.text
    try:
        report = check(content, args.locale, text, _context(args.last_sent, args.now))
    except DraftInputError as exc:
        print(loc.text(f"check_draft.error.{exc.key}", **exc.values), file=sys.stderr)
        return 1
    print(_dumps(report) if args.json else render_text(loc, text, report))
    return 0


def check(content: Content, locale: str, text: str, context: DraftContext | None = None) -> Report:
    """Check `text` with the rules of its language, worded for `locale`; refuse blank and
    over-long drafts."""
    rules = content[locale].draft
    if is_blank(text):
        raise DraftInputError("empty")
    if len(text) > rules.input_limit:
        raise DraftInputError("too_long", limit=rules.input_limit)
    return check_message(text, content.drafts, locale, context)


def run_jsonl(content: Content, lines: TextIO, out: TextIO, default_locale: str) -> int:
    """Check each `{"text", "locale"}` line of `lines`; write one JSON object per line."""
    failed = False
    for line in lines:
        if not line.strip():
            continue
        try:
            result = _dumps(_check_line(content, line, default_locale))
        except DraftInputError as exc:
            failed = True
            result = json.dumps({"error": exc.key, "detail": exc.values}, ensure_ascii=False)
        print(result, file=out, flush=True)
    return 1 if failed else 0


def _check_line(content: Content, line: str, default_locale: str) -> Report:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DraftInputError("bad_json", reason=str(exc)) from None
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise DraftInputError("bad_json", reason='each line must be {"text": "...", ...}')
    locale = item.get("locale", default_locale)
    if locale not in content.locales:
        raise DraftInputError("bad_locale", locale=locale)
    try:
        context = _context(_maybe_time(item.get("last_sent_at")), _maybe_time(item.get("now")))
    except ValueError as exc:
        raise DraftInputError("bad_time", reason=str(exc)) from None
    return check(content, locale, item["text"], context)


def render_text(loc: LocaleContent, text: str, report: Report) -> str:
    """Return the report as the plain text the console prints."""
    lines = [
        f"== {loc.text(f'check_draft.verdict.{report.verdict}')} ==",
        loc.text(f"check_draft.verdict_note.{report.verdict}"),
        loc.text("check_draft.score", score=report.score),
    ]
    for finding in report.findings:
        label = loc.text(f"check_draft.severity.{finding.severity}")
        quote = loc.text("check_draft.quote", text=_excerpt(text[finding.start : finding.end]))
        lines += ["", f"[{label}] {loc.text('check_draft.flagged', quotes=quote)}"]
        lines += [f"  {loc.text('check_draft.why')}: {finding.message}"]
        lines += [f"  {loc.text('check_draft.try_instead')}: {finding.suggestion}"]
    if not report.findings:
        lines += ["", loc.text("check_draft.no_findings")]
    lines += _template_lines(loc, report)
    return "\n".join([*lines, "", loc.text("check_draft.privacy")])


def _template_lines(loc: LocaleContent, report: Report) -> list[str]:
    """The templates /check-draft shows (no diagnosis here, so no reason comes first)."""
    fits = fitting_templates(loc.article, report.template_kinds)
    if not fits:
        return []
    return ["", loc.text("check_draft.templates"), *(f"  - {t.text}" for t in fits)]


def _excerpt(span: str) -> str:
    flat = " ".join(span.split())
    return flat if len(flat) <= QUOTE_LIMIT else flat[: QUOTE_LIMIT - 1] + "…"


def _dumps(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False)


def _context(last_sent: datetime | None, now: datetime | None) -> DraftContext | None:
    if last_sent is None:
        return None
    return DraftContext(last_sent_at=last_sent, now=now or SystemClock().now())


def iso_time(value: str) -> datetime:
    """Parse an ISO 8601 time; it must carry a UTC offset."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset, e.g. +09:00")
    return parsed


def _maybe_time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an ISO 8601 string")
    return iso_time(value)
