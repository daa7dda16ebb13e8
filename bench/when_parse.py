"""Time `parse_when` per call: the cold first call, then p50/p99 after `warm_up()`.

Autocomplete calls the parser on every keystroke, so a parse must stay far below Discord's
3-second window. Run: `.venv/bin/python bench/when_parse.py [rounds]`.
"""

from __future__ import annotations

import statistics
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.when import WhenWords, parse_when, warm_up  # noqa: E402

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Tokyo")
GRAMMAR = [
    "3時間後",
    "明日の20時",
    "明後日の朝9時",
    "来週の金曜",
    "12/24 19:00",
    "2026-12-24 19:00",
    "in 2 weeks",
    "tomorrow 8pm",
    "next friday",
    "friday 7pm",
    "21:00",
    "9pm",
]
FALLBACK = ["dec 24", "december 24 7pm", "march 9 9am", "24 dec 2026 8pm"]
REFUSED = ["1〜2週間後", "1-2 weeks", "hello there", "3/9", "2027-06-01", "🍣" * 20]


def load(locale: str) -> WhenWords:
    with (ROOT / "content" / locale / "when.toml").open("rb") as fh:
        return WhenWords.model_validate(tomllib.load(fh))


def timed(text: str, words: list[WhenWords]) -> float:
    start = time.perf_counter()
    parse_when(text, NOW, TZ, words)
    return time.perf_counter() - start


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name:<10} n={len(ordered):>5}  p50={p50:7.3f} ms  p99={p99:7.3f} ms")


def main(rounds: int = 200) -> None:
    words = [load("ja"), load("en")]
    print(f"cold first call (dateparser loads its data): {timed('dec 24', words) * 1000:.1f} ms")
    warm_up(words)
    groups = {"grammar": GRAMMAR, "fallback": FALLBACK, "refused": REFUSED}
    every: list[float] = []
    for name, texts in groups.items():
        samples = [timed(text, words) for _ in range(rounds) for text in texts]
        report(name, samples)
        every += samples
    report("all", every)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
