"""Bad input through every command: nothing raises, pings, leaks a traceback or breaks limits.

A seeded fuzzer builds hostile strings from fragments (control characters, 6,000-character
runs, zero-width and right-to-left marks, @everyone/@here and role/user mentions, markdown
and code-block injection, emoji only, blanks) and drives them through the real bot and the
fake Discord, which validates every request against Discord's schema and limits.
"""

import asyncio
import random
from datetime import timedelta

import pytest

FRAGMENTS = [
    "",
    " ",
    "\t",
    "\n\n",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u202e",
    "\u200f",
    "\u2066",
    "@everyone",
    "@here",
    "<@1>",
    "<@!2>",
    "<@&3>",
    "<#4>",
    "**",
    "__",
    "`",
    "```",
    "```py\n@everyone\n```",
    "||spoiler||",
    "> quote",
    "# heading",
    "[link](http://x)",
    "😀",
    "🫠🫠🫠",
    "(´・ω・`)",
    "ｗｗｗ",
    "〜",
    "！！！",
    "……",
    "どうして連絡くれないの？",
    "元気にしてる？",
    "明日の20時",
    "1〜2週間後",
    "tomorrow 8pm",
    "in 2 weeks",
    "21:00",
    "Asia/Tokyo",
    "23:00",
    "8",
    "-1",
    "99999",
    "NaN",
    "%s%s%n",
    "{0}{name}",
    "'; DROP TABLE x;--",
    "ã",
    "e\u0301",
    "𠮷",
    "A" * 50,
]
N_CASES = 10_200
CONCURRENCY = 16


def hostile(rng: random.Random, limit: int) -> str:
    """Build a hostile string of at most `limit` characters."""
    if rng.random() < 0.02:
        return (rng.choice(["x", "あ", "😀", "@everyone "]) * limit)[:limit]
    parts = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 6))]
    text = "".join(parts)
    if rng.random() < 0.1:
        text += "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(1, 40)))
    return text[:limit]


def nonblank(text: str, fallback: str = "x") -> str:
    return text if text.strip() else fallback


def cases(rng: random.Random):
    """Yield (kind, name, options) for every command input."""
    kinds = [
        ("slash", "check-draft", lambda: {"text": nonblank(hostile(rng, 6000))}),
        ("modal", "check-draft", lambda: {"text": hostile(rng, 4000)}),
        (
            "slash",
            "remind at",
            lambda: {"when": nonblank(hostile(rng, 100)), "note": nonblank(hostile(rng, 400))},
        ),
        ("auto", "remind at", lambda: {"when": hostile(rng, 100)}),
        ("slash", "settings timezone", lambda: {"name": nonblank(hostile(rng, 64))}),
        ("auto", "settings timezone", lambda: {"name": hostile(rng, 64)}),
        (
            "slash",
            "settings quiet-hours",
            lambda: {"start": nonblank(hostile(rng, 10)), "end": nonblank(hostile(rng, 10))},
        ),
        (
            "slash",
            "remind reply-pace",
            lambda: {
                "hours": rng.uniform(1, 168),
                "quiet_start": nonblank(hostile(rng, 10)),
                "quiet_end": nonblank(hostile(rng, 10)),
            },
        ),
        ("slash", "remind after-send", lambda: {"days": rng.randint(1, 14)}),
        ("slash", "ng-list", lambda: {"public": rng.random() < 0.5}),
        ("slash", "diagnose start", dict),
    ]
    while True:
        kind, name, build = rng.choice(kinds)
        yield kind, name, build()


def check_bodies(fake, since: int) -> None:
    for request in fake.requests[since:]:
        body = request.json if isinstance(request.json, dict) else {}
        data = body.get("data", body) if isinstance(body.get("data"), dict) else body
        if data.get("content") is None and not data.get("embeds"):
            continue
        mentions = data.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [], (request.path, mentions)
        assert not mentions.get("roles")
        assert "Traceback" not in str(data)


async def run_case(fake, users, kind, name, options, rng) -> None:
    user = rng.choice(users)
    if kind == "auto":
        focused = next(iter(options))
        result = await fake.autocomplete(name, options, focused, user=user)
        assert all(
            1 <= len(c["name"]) <= 100 and len(str(c["value"])) <= 100 for c in result.choices
        )
        return
    if kind == "modal":
        opened = await fake.slash(name, {}, user=user, dm=rng.random() < 0.3)
        assert opened.modal is not None
        text = options["text"] or " "
        result = await fake.submit_modal(opened, {"tayori:cd:text": text})
    else:
        result = await fake.slash(name, options, user=user, dm=rng.random() < 0.3)
    assert result.acknowledged
    assert result.ephemeral or result.record.channel.is_dm or name == "ng-list"


@pytest.mark.slow
async def test_fuzz_every_command_input(fake_discord, bot, clock):
    rng = random.Random(20261127)
    users = ["haruto", "alice", "admin"]
    gen = cases(rng)
    done = 0
    while done < N_CASES:
        since = len(fake_discord.requests)
        batch = [next(gen) for _ in range(CONCURRENCY)]
        await asyncio.gather(*(run_case(fake_discord, users, *c, rng) for c in batch))
        check_bodies(fake_discord, since)
        clock.advance(timedelta(seconds=11))
        done += len(batch)
    assert done >= 10_000
