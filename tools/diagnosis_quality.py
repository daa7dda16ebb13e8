"""Score /diagnose on the labelled situations in `tests/unit/core/data/diagnosis/`.

    python -m tools.diagnosis_quality            # every set: top reason right, near ties
    python -m tools.diagnosis_quality --misses tune-1   # a TUNING set's misses (refuses blind)

Each `<set>.toml` holds situations (a story, the reason(s) the article would put first);
`answers-<set>.toml` holds how someone acting as the person answered the questionnaire,
seeing only the questions. A situation is right when the first reason is one its labels name.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.content import Content, load_content
from bot.core.diagnosis import Diagnosis, diagnose

DATA = Path(__file__).resolve().parents[1] / "tests" / "unit" / "core" / "data" / "diagnosis"


@dataclass(frozen=True)
class Case:
    """One labelled situation with the answers given for it."""

    id: str
    locale: str
    difficulty: str
    top: tuple[str, ...]
    answers: dict[str, tuple[str, ...]]
    raw: dict[str, Any]


def cases(name: str) -> list[Case]:
    """The situations of set `name` that have answers."""
    with (DATA / f"{name}.toml").open("rb") as fh:
        situations = tomllib.load(fh)["situations"]
    with (DATA / f"answers-{name}.toml").open("rb") as fh:
        answers = tomllib.load(fh)
    return [
        Case(
            s["id"],
            s["locale"],
            s["difficulty"],
            tuple(s["top"]),
            {q: tuple(v) for q, v in answers[s["id"]].items()},
            s,
        )
        for s in situations
        if s["id"] in answers
    ]


def right(case: Case, result: Diagnosis) -> bool:
    """The first reason is one the labels name."""
    return result.top.cause in case.top


def score(content: Content, name: str) -> dict[str, Any]:
    """Right / total per locale and difficulty, and how many were called near ties."""
    out: dict[str, Any] = {}
    for case in cases(name):
        result = diagnose(content[case.locale].diagnose, case.answers)
        for key in (case.locale, f"{case.locale}-{case.difficulty}", "all"):
            row = out.setdefault(key, {"right": 0, "n": 0, "tie": 0})
            row["n"] += 1
            row["right"] += right(case, result)
            row["tie"] += result.near_tie
    return out


def main(argv: list[str] | None = None) -> int:
    """Print every set's scores, or a tuning set's misses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", metavar="SET", help="list a tuning set's misses")
    args = parser.parse_args(argv)
    content = load_content()
    if args.misses:
        if args.misses.startswith("blind"):
            print("blind sets are scored, never read: no misses shown", file=sys.stderr)
            return 2
        for case in cases(args.misses):
            result = diagnose(content[case.locale].diagnose, case.answers)
            if not right(case, result):
                ranked = ", ".join(f"{r.cause} {r.score:.2f}" for r in result.ranking[:3])
                print(f"{case.id} want {'/'.join(case.top)}: {ranked}")
                print(f"   {case.answers}")
        return 0
    for path in sorted(DATA.glob("answers-*.toml")):
        name = path.stem.removeprefix("answers-")
        rows = score(content, name)
        line = "  ".join(
            f"{k}={v['right']}/{v['n']}" + (f" (ties {v['tie']})" if k == "all" else "")
            for k, v in sorted(rows.items())
        )
        print(f"{name:8} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
