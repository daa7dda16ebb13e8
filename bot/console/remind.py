"""`python -m bot.console remind …`: try the /remind time reading and pacing in a terminal.

`remind parse "明日の20時"` shows how a "when?" is read (or why it is refused, with the hint the
bot would show); `remind after-send --days 7` shows when the check-in after sending would come.
`--now` fixes the current time (ISO 8601, UTC when no offset is given) so results repeat.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import SystemClock
from bot.core.content import Content, LocaleContent
from bot.core.locales import LOCALES
from bot.core.pacing import DEFAULT_QUIET, PacingError, after_send_due, shift_out_of_quiet
from bot.core.when import Parsed, WhenResult, format_local, parse_when

REFUSED = 1
BAD_INPUT = 2


def add_parser(subparsers: Any) -> None:
    """Add the `remind` subcommand with `parse` and `after-send`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--now", type=_instant, default=None, help="current time, ISO 8601")
    common.add_argument("--tz", type=_zone, default=ZoneInfo("Asia/Tokyo"), help="time zone")
    common.add_argument("--json", action="store_true", help="print JSON")
    common.add_argument("--locale", choices=("ja", "en"), default="ja")
    parser = subparsers.add_parser("remind", help="read a reminder time; pacing after sending")
    actions = parser.add_subparsers(dest="action", required=True)
    parse = actions.add_parser("parse", parents=[common], help="show how a 'when?' is read")
    parse.add_argument("text", help='e.g. "明日の20時", "in 2 weeks", "12/24 19:00"')
    parse.add_argument(
        "--no-quiet", action="store_true", help="no quiet hours (default 23:00-08:00, as the bot)"
    )
    after = actions.add_parser("after-send", parents=[common], help="when the check-in comes")
    after.add_argument("--days", type=int, default=7, help="days to wait (1–14; default 7)")


def run(args: argparse.Namespace, content: Content) -> int:
    """Run `remind parse` or `remind after-send`."""
    now = args.now or SystemClock().now()
    if args.action == "parse":
        return _parse(args, content, now)
    return _after_send(args, content[args.locale], now)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone: {name!r}") from None


def _parse(args: argparse.Namespace, content: Content, now: datetime) -> int:
    loc = content[args.locale]
    words = [loc.when, *(content[name].when for name in LOCALES if name != args.locale)]
    result = parse_when(args.text, now, args.tz, words)
    quiet = None if args.no_quiet else DEFAULT_QUIET
    if args.json:
        data = parse_data(args.text, result, loc, now, quiet)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render_parse(args.text, result, loc, now, quiet))
    return 0 if isinstance(result, Parsed) else REFUSED


def _arrives(result: Parsed, quiet: tuple[time, time] | None) -> datetime:
    """When the bot would deliver it: after the quiet hours, as `/remind at` does."""
    zone = result.local.tzinfo
    if quiet is None or not isinstance(zone, ZoneInfo):
        return result.due
    return shift_out_of_quiet(result.due, zone, *quiet)


def parse_data(
    text: str,
    result: WhenResult,
    loc: LocaleContent,
    now: datetime,
    quiet: tuple[time, time] | None = None,
) -> dict[str, Any]:
    """Return a parse result as plain data for `--json`."""
    if isinstance(result, Parsed):
        return {
            "text": text,
            "ok": True,
            "due": result.due.isoformat(),
            "arrives": _arrives(result, quiet).isoformat(),
            "local": result.local.isoformat(),
            "how": result.how,
            "display": format_local(result.local, loc.when, now),
        }
    hint = loc.text(result.hint_key)
    return {
        "text": text,
        "ok": False,
        "reason": result.reason,
        "hint_key": result.hint_key,
        "hint": hint,
    }


def render_parse(
    text: str,
    result: WhenResult,
    loc: LocaleContent,
    now: datetime,
    quiet: tuple[time, time] | None = None,
) -> str:
    """Return a parse result as the plain text the console prints."""
    if isinstance(result, Parsed):
        when = format_local(result.local, loc.when, now)
        shown = loc.text("remind.preview.when", when=when, tz=str(result.local.tzinfo))
        lines = [f"{text} {shown}", f"  due: {result.due.isoformat()}", f"  read as: {result.how}"]
        arrives = _arrives(result, quiet)
        if quiet is not None and arrives != result.due:
            later = format_local(arrives.astimezone(result.local.tzinfo), loc.when, now)
            start, end = (t.isoformat("minutes") for t in quiet)
            note = loc.text(
                "remind.at.quiet", start=start, end=end, when=later, command="/settings quiet-hours"
            )
            lines.append(f"  {note}")
        return "\n".join(lines)
    hint = loc.text("remind.preview.refused", hint=loc.text(result.hint_key))
    return f"{text}\n  {hint}\n  refused: {result.reason}"


def _after_send(args: argparse.Namespace, loc: LocaleContent, now: datetime) -> int:
    try:
        due = after_send_due(now, args.days)
    except PacingError as exc:
        print(loc.text(exc.key, **exc.fields), file=sys.stderr)
        return BAD_INPUT
    delivered = shift_out_of_quiet(due, args.tz, *DEFAULT_QUIET)
    shown = format_local(delivered.astimezone(args.tz), loc.when, now)
    if args.json:
        data = {"days": args.days, "due": due.isoformat(), "delivered": delivered.isoformat()}
        print(json.dumps({**data, "display": shown}, ensure_ascii=False, indent=2))
    else:
        print(loc.text("remind.after_send.confirm", when=shown))
    return 0
