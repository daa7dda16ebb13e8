"""Write `docs/gallery.md`: real replies of the bot, in Japanese and English.

    .venv/bin/python -m tools.gallery              # writes docs/gallery.md, prints its path
    .venv/bin/python -m tools.gallery --out x.md   # somewhere else

The real Tayori runs in-process against the fake Discord (`fakediscord`), on a temporary
SQLite file and a fake clock that never moves, exactly as the end-to-end tests start it. Two
users of the fake's default world type the commands: haruto (Discord in Japanese) and alice
(English). Each reply is read back from the JSON the fake recorded (the message object Discord
would store) and written as Markdown: content, embeds, and buttons in brackets. Command mentions
become `/name`, user and channel mentions their names, timestamps a fixed date. Nothing
depends on the wall clock or on ids, so running it again gives the same file;
`tests/unit/test_gallery.py` fails when the committed file no longer matches the bot. The run
fails instead of writing when the fake recorded a request Discord would refuse, an interaction
was left unanswered, or the bot logged an ERROR.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import logging
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.core.clock import FakeClock, utc
from bot.core.content import Content, load_content
from bot.core.locales import DEFAULT_CONTENT_DIR

# The one exception to tools/ruff.toml's layer rule (tools/ never touch Discord): the gallery
# has to start the real bot, and only the runtime builds it. Nothing else here uses discord.py;
# the replies are read back as the JSON dicts the fake recorded.
from bot.runtime.app import tayori  # noqa: TID251

# fakediscord is not type-checked (pyproject's mypy `files`), so it is loaded as an untyped
# module instead of being followed into tools/' strict checking.
_fake: Any = importlib.import_module("fakediscord")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "docs" / "gallery.md"
START = utc(2026, 3, 10, 3, 0)  # Tuesday 12:00 in Tokyo, the tests' start
ERROR_LOGGERS = ("discord", "asyncio", "bot", "cogs")


@dataclass(frozen=True)
class Person:
    """A user of the fake's world, the drafts they check and how their dates are shown."""

    user: str
    locale: str
    heading: str
    zone: str
    zone_label: str
    good_draft: str
    bad_draft: str
    # a coherent situation for /diagnose: question id -> option ids ("don't know" elsewhere)
    situation: tuple[tuple[str, tuple[str, ...]], ...]


PEOPLE = (
    Person(
        user="haruto",
        locale="ja",
        heading="日本語 — haruto (Discord in Japanese)",
        zone="Asia/Tokyo",
        zone_label="JST",
        good_draft="お仕事おつかれさま！最近忙しそうだけど、無理してない？この前話してた映画、もう観た？",
        bad_draft="どうして連絡してくれないの？既読無視しないで！！ずっと待ってたのに。",
        situation=(
            ("last-message", ("me-unanswered",)),
            ("silence", ("weeks",)),
            ("read", ("unread",)),
            ("before", ("daily",)),
            ("who-wrote-first", ("both",)),
            ("their-news", ("exam",)),
            ("their-sns", ("quiet",)),
            ("us", ("met",)),
            ("others", ("none",)),
        ),
    ),
    Person(
        user="alice",
        locale="en",
        heading="English — alice (Discord in English)",
        zone="UTC",
        zone_label="UTC",
        good_draft=(
            "How have you been? If work is busy, don't push yourself. Seen any good films lately?"
        ),
        bad_draft="Why haven't you texted me back? Are you ignoring me??",
        situation=(
            ("last-message", ("them-unanswered",)),
            ("silence", ("weeks",)),
            ("who-wrote-first", ("them",)),
            ("hint", ("recent",)),
            ("their-news", ("nothing",)),
            ("us", ("met", "open-invite")),
            ("others", ("none",)),
        ),
    ),
)


@dataclass
class Shot:
    """One thing a user did and the messages they saw (the fake's JSON message objects)."""

    title: str
    typed: str
    messages: list[dict[str, Any]]
    private: bool
    note: str = ""


# --- running the bot ------------------------------------------------------------------


class _Errors(logging.Handler):
    """ERROR records of discord.py, asyncio and the bot while the gallery runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


def _shot(title: str, typed: str, result: Any, note: str = "") -> Shot:
    shown = [m for m in [result.message, *result.followups] if m is not None]
    if not shown:
        raise RuntimeError(f"{typed}: the bot showed nothing")
    return Shot(title, typed, [m.payload() for m in shown], bool(result.ephemeral), note)


async def _session(fake: Any, content: Content, person: Person) -> list[Shot]:
    """Everything one person types, in order."""
    user, loc = person.user, content[person.locale]
    shots = [_shot("/ng-list", "/ng-list", await fake.slash("ng-list", user=user))]
    (unsure,) = loc.draft.rule("second-look").examples.fire
    for draft, kind in (
        (person.good_draft, "that is good to send"),
        (person.bad_draft, "not to send"),
        (str(unsure), "the model is unsure of (a second look)"),
    ):
        result = await fake.slash("check-draft", {"text": draft}, user=user)
        shots.append(_shot(f"/check-draft: a draft {kind}", f"/check-draft text:{draft}", result))
    started = await fake.slash("diagnose start", user=user)
    shots.append(_shot("/diagnose start: the first question", "/diagnose start", started))
    message, clicked = started, []
    answers: dict[str, tuple[str, ...]] = {}
    chosen = dict(person.situation)
    while (question := loc.diagnose.next_question(answers)) is not None:
        options = [question.option(o) for o in chosen.get(question.id, ("unknown",))]
        answers[question.id] = tuple(o.id for o in options)
        if question.multi:
            select = next(
                c for row in message.message.components for c in row["components"] if c["type"] == 3
            )
            values = [o.id for o in options]
            message = await fake.select(message, select["custom_id"], values, user=user)
        else:
            message = await fake.click(message, label=options[0].label, user=user)
        clicked.append("[" + " + ".join(o.label for o in options) + "]")
    note = f"answers the {len(clicked)} questions for one situation: " + " ".join(clicked)
    shots.append(_shot("/diagnose: the result", "/diagnose start", message, note))
    after = await fake.slash("remind after-send", user=user)
    shots.append(_shot("/remind after-send", "/remind after-send", after))
    shots.append(_shot("/about", "/about", await fake.slash("about", user=user)))
    return shots


def _problems(fake: Any, errors: _Errors) -> list[str]:
    found = [f"violation: {v}" for v in fake.violations]
    found += [f"route the fake does not serve: {m} {p}" for m, p in fake.unknown_routes]
    found += [f"never answered: {r.data}" for r in fake.interactions if not r.settled]
    found += [f"logged ERROR: {line}" for line in errors.lines]
    return found


async def collect(content: Content) -> tuple[list[tuple[Person, list[Shot]]], dict[str, str]]:
    """Run the bot on the fake; return each person's shots and the names of mentionable ids."""
    errors = _Errors()
    for name in ERROR_LOGGERS:
        logging.getLogger(name).addHandler(errors)
    try:
        with tempfile.TemporaryDirectory(prefix="tayori-gallery-") as tmp:
            async with _fake.FakeDiscord() as fake:
                with _fake.point_discord_py_at(fake):
                    settings = Settings(
                        _env_file=None,
                        discord_token=fake.token,
                        database_path=Path(tmp) / "gallery.db",
                        content_dir=DEFAULT_CONTENT_DIR,
                        default_locale="ja",
                        privacy_url=None,
                        dev_guild_id=None,
                    )
                    clock = FakeClock(START)
                    async with tayori(
                        settings, clock, content=content, guild_ready_timeout=0.05
                    ) as bot:
                        await fake.start_bot(bot)
                        await bot.synced.wait()
                        await fake.wait_quiet()
                        sessions = [(p, await _session(fake, content, p)) for p in PEOPLE]
                        await fake.stop_bots()
                problems = _problems(fake, errors)
                names = _mentionable(fake.world)
    finally:
        for name in ERROR_LOGGERS:
            logging.getLogger(name).removeHandler(errors)
    if problems:
        raise RuntimeError("the gallery run was not clean:\n" + "\n".join(problems))
    return sessions, names


def _mentionable(world: Any) -> dict[str, str]:
    names = {f"@{u.id}": f"@{u.name}" for u in world.users.values()}
    names.update({f"#{c.id}": f"#{c.name}" for c in world.channels.values() if c.name})
    return names


# --- Markdown -------------------------------------------------------------------------

MENTION = re.compile(
    r"<(/[^:<>]+):\d+>"  # a command: </remind at:123>
    r"|<(@!?|@&|#)(\d+)>"  # a user, role or channel
    r"|<a?(:\w+:)\d+>"  # a custom emoji
    r"|<t:(-?\d+)(?::([tTdDfFR]))?>"  # a timestamp
)
JA_DAYS = "月火水木金土日"
UNITS = (
    ("year", "年", 365 * 86400),
    ("month", "か月", 30 * 86400),
    ("day", "日", 86400),
    ("hour", "時間", 3600),
    ("minute", "分", 60),
    ("second", "秒", 1),
)


def when_text(stamp: datetime, style: str, person: Person, now: datetime) -> str:
    """A Discord timestamp `<t:…:style>` as the person's Discord would show it, at `now`."""
    if style == "R":
        return _relative(stamp - now, person.locale)
    t = stamp.astimezone(ZoneInfo(person.zone))
    if person.locale == "ja":
        date = f"{t.year}年{t.month}月{t.day}日"
        short = {
            "t": f"{t:%H:%M}",
            "T": f"{t:%H:%M:%S}",
            "d": f"{t:%Y/%m/%d}",
            "D": date,
            "f": f"{date} {t:%H:%M}",
            "F": f"{date}{JA_DAYS[t.weekday()]}曜日 {t:%H:%M}",
        }
    else:
        clock = f"{t.hour % 12 or 12}:{t:%M} {'AM' if t.hour < 12 else 'PM'}"
        date = f"{t:%B} {t.day}, {t.year}"  # C locale (nothing calls setlocale): English
        short = {
            "t": clock,
            "T": clock.replace(" ", f":{t:%S} "),
            "d": f"{t:%m/%d/%Y}",
            "D": date,
            "f": f"{date} {clock}",
            "F": f"{t:%A}, {date} {clock}",
        }
    return f"{short[style]} {person.zone_label}"


def _relative(delta: timedelta, locale: str) -> str:
    seconds = int(delta.total_seconds())
    size = abs(seconds)
    en, ja, unit = next((u for u in UNITS if size >= u[2]), UNITS[-1])
    n = round(size / unit)
    if locale == "ja":
        return f"{n}{ja}{'後' if seconds >= 0 else '前'}"
    words = f"{n} {en}{'' if n == 1 else 's'}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"


def readable(text: str, person: Person, now: datetime, names: dict[str, str]) -> str:
    """Discord markup a README reader cannot follow, made plain: mentions, emoji, timestamps."""

    def swap(match: re.Match[str]) -> str:
        command, kind, number, emoji, stamp, style = match.groups()
        if command:
            return f"`{command}`"
        if kind:
            key = f"{'#' if kind == '#' else '@'}{number}"
            return names.get(key, "@role" if kind == "@&" else key)
        if emoji:
            return str(emoji)
        when = datetime.fromtimestamp(int(stamp), UTC)
        return when_text(when, style or "f", person, now)

    return MENTION.sub(swap, text)


def _paragraphs(text: str) -> Iterator[list[str]]:
    """Discord's lines, grouped where Discord shows an empty line."""
    block: list[str] = []
    for line in text.strip().split("\n"):
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []
    if block:
        yield block


def _component_rows(components: list[dict[str, Any]]) -> Iterator[str]:
    for row in components:
        items = row.get("components") or [row]
        shown = [_component(item) for item in items]
        if any(shown):
            yield " ".join(s for s in shown if s)


def _component(item: dict[str, Any]) -> str:
    kind = item.get("type")
    if kind == 2:
        emoji = (item.get("emoji") or {}).get("name")
        label = " ".join(str(x) for x in (emoji, item.get("label")) if x)
        return f"[{label}]({item['url']})" if item.get("url") else f"[{label}]"
    if kind in (3, 5, 6, 7, 8):
        return f"[▾ {item.get('placeholder') or '…'}]"
    return ""


def message_blocks(message: dict[str, Any], fix: Callable[[str], str]) -> list[list[str]]:
    """A message as blocks of Markdown lines: content, each embed, the rows of components."""
    blocks = list(_paragraphs(fix(message.get("content") or "")))
    for embed in message.get("embeds") or []:
        head = [f"**{fix(embed['title'])}**"] if embed.get("title") else []
        described = list(_paragraphs(fix(embed.get("description") or "")))
        if described:
            head += described.pop(0)
        blocks += [head] if head else []
        blocks += described
        for field in embed.get("fields") or []:
            name = fix(field.get("name") or "").strip().strip("\u200b")
            value = list(_paragraphs(fix(field.get("value") or "")))
            first = value.pop(0) if value else []
            blocks.append(([f"**{name}**"] if name else []) + first)
            blocks += value
        footer = fix((embed.get("footer") or {}).get("text") or "")
        blocks += [[f"*{line}*" for line in block] for block in _paragraphs(footer)]
    rows = list(_component_rows(message.get("components") or []))
    if rows:
        blocks.append(rows)
    return [b for b in blocks if b]


def _quote(blocks: list[list[str]]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if out:
            out.append(">")
        # a backslash at the end of a line is a line break, as a newline is in Discord
        out += [f"> {line}\\" for line in block[:-1]] + [f"> {block[-1]}"]
    return out


def render(sessions: list[tuple[Person, list[Shot]]], names: dict[str, str]) -> str:
    """The whole gallery as Markdown."""
    lines = [
        "# Tayori — what the replies look like",
        "",
        "<!-- Generated by `python -m tools.gallery`; do not edit by hand. -->",
        "",
        "Real replies of the bot, captured from the project's fake Discord by",
        "`.venv/bin/python -m tools.gallery` (run it again after changing any text;",
        "`tests/unit/test_gallery.py` fails while this file is out of date). The clock is fixed at",
        f"{START:%Y-%m-%d %H:%M} UTC (Tuesday, noon in Tokyo). Discord shows a date in the",
        "reader's own time zone; here it is written in Tokyo time (JST) for the Japanese user",
        "and in UTC for the English one. Buttons and menus are in [brackets].",
        "",
    ]
    lines += [f"- [{p.heading}](#{_anchor(p.heading)})" for p, _ in sessions]
    for person, shots in sessions:
        lines += ["", f"## {person.heading}"]
        for shot in shots:
            said = f"{person.user} types `{shot.typed}`"
            said += f" and {shot.note}" if shot.note else ""
            seen = f"only {person.user} sees the reply" if shot.private else "the reply is public"
            lines += ["", f"### {shot.title}", "", f"{said} ({seen}):"]
            fix = functools.partial(readable, person=person, now=START, names=names)
            for message in shot.messages:
                lines += ["", *_quote(message_blocks(message, fix))]
    return "\n".join(lines) + "\n"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


async def build_gallery() -> str:
    """Run the bot on the fake and return its replies as the gallery's Markdown."""
    sessions, names = await collect(load_content())
    return render(sessions, names)


def write_gallery(out: Path = DEFAULT_OUT) -> Path:
    """Build the gallery, write it to `out` and return `out`."""
    text = asyncio.run(build_gallery())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the gallery and print where."""
    parser = argparse.ArgumentParser(prog="python -m tools.gallery", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write it")
    args = parser.parse_args(argv)
    out = write_gallery(args.out)
    print(out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
