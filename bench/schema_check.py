"""How long the fake Discord takes to check one request body against the OpenAPI spec.

Two bodies: a short ephemeral reply (what ``bench/latency.py``'s floor sends) and a full
/check-draft report (an embed with every rule's field and two buttons). For each, the fast
check (jsonschema-rs over the spec as written, what every valid body costs) and the Python
validator (what a rejected body costs, to explain itself).

Run: ``python bench/schema_check.py [--n 2000]``.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import discord

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.check_draft_roundtrip import DRAFT, Mentions
from bot.core.content import load_content
from bot.core.draft import check_draft
from cogs.check_draft._cog import render
from fakediscord.schema import coerce_int_snowflakes, spec_index

CALLBACK = "/interactions/1/token/callback"


def bodies() -> dict[str, dict]:
    """The floor's reply and a full report, as discord.py sends them."""
    texts = load_content()["ja"]
    embed = render(texts, DRAFT, check_draft(DRAFT, texts.draft), None, Mentions())  # type: ignore[arg-type]
    view = discord.ui.View(timeout=None)
    for custom_id in ("tayori:cd:edit:0123456789ab", "tayori:rm:as:1:7"):
        view.add_item(discord.ui.Button(label=custom_id, custom_id=custom_id))
    common = {"flags": 64, "tts": False, "allowed_mentions": {"parse": []}}
    return {
        "short reply": {"type": 4, "data": {"content": "ok", **common}},
        "report": {
            "type": 4,
            "data": {"embeds": [embed.to_dict()], "components": view.to_components(), **common},
        },
    }


def timed(check: Callable[[], object], n: int) -> list[float]:
    """Seconds per call, ``n`` calls after a warm-up."""
    for _ in range(20):
        check()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        check()
        out.append(time.perf_counter() - start)
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    index = spec_index()
    op = index.match("POST", CALLBACK)
    assert op is not None
    for name, body in bodies().items():
        assert index.validate("POST", CALLBACK, body) == [], name
        coerced = coerce_int_snowflakes(body)
        fast = index.fast_validator_for(op)
        checks: dict[str, Callable[[], object]] = {
            "fast check": functools.partial(fast.is_valid, coerced),
            "Python validator": functools.partial(index.slow_errors, op, coerced),
        }
        for label, check in checks.items():
            runs = timed(check, args.n)
            p99 = runs[min(len(runs) - 1, round(0.99 * (len(runs) - 1)))]
            print(
                f"{name:<12} {label:<17} median {statistics.median(runs) * 1e6:7.1f} µs"
                f"  p99 {p99 * 1e6:7.1f} µs"
            )


if __name__ == "__main__":
    main()
