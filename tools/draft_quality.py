"""Score the draft checker on the labelled corpora in `tests/unit/core/data/corpus/`.

    python -m tools.draft_quality                  # every set, numbers only
    python -m tools.draft_quality --misses tune-ja-a   # list the misses of a TUNING set

For each set: cases right (the verdict the label asks for), must-not-send drafts told "send",
drafts to revise told "send", harmless drafts told "don't send", and the recall of each kind.
Every set is checked as its writer's own locale and again as the other locale: the findings
must not change (the draft's language decides the rules). `--misses` refuses dev and blind sets:
nobody tunes on them (tests/unit/core/data/corpus/GUIDE.md).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.content import Content, load_content
from bot.core.draft import Report
from bot.core.draft_language import check_message

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "unit" / "core" / "data" / "corpus"
BAD_KINDS = ("blame", "heavy-topic", "pressure", "emotional", "too-long", "too-terse")


@dataclass
class Score:
    """The counts behind a set's numbers."""

    name: str
    n: int = 0
    right: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    told_send: Counter[str] = field(default_factory=Counter)  # label -> told "send"
    harmless_blocked: int = 0
    cross_differs: int = 0
    kind_total: Counter[str] = field(default_factory=Counter)
    kind_found: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[dict[str, Any], Report]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """The share of drafts given the verdict their label asks for."""
        return self.right / self.n if self.n else 0.0

    def rate(self, label: str) -> float:
        """The share of drafts labelled `label` that were told "send"."""
        return self.told_send[label] / self.by_label[label] if self.by_label[label] else 0.0

    @property
    def blocked_rate(self) -> float:
        """The share of harmless drafts told "don't send"."""
        return self.harmless_blocked / self.by_label["send"] if self.by_label["send"] else 0.0


def language_of(path: Path) -> str:
    """The locale a set is written in, named in its file name (`blind-1-ja`, `tune-ja-a`)."""
    return next(part for part in path.stem.split("-") if part in ("ja", "en"))


def load_set(path: Path) -> list[dict[str, Any]]:
    """Return the drafts of one corpus file."""
    with path.open("rb") as fh:
        drafts: list[dict[str, Any]] = tomllib.load(fh)["drafts"]
    return drafts


def score_set(path: Path, content: Content) -> Score:
    """Check every draft of the set at `path` and count."""
    locale = language_of(path)
    other = next(name for name in content.locales if name != locale)
    score = Score(path.stem)
    for draft in load_set(path):
        report = check_message(draft["text"], content.drafts, locale)
        cross = check_message(draft["text"], content.drafts, other)
        label = draft["verdict"]
        score.n += 1
        score.by_label[label] += 1
        score.right += report.verdict == label
        if report.verdict != label:
            score.misses.append((draft, report))
        if report.verdict == "send" and label != "send":
            score.told_send[label] += 1
        score.harmless_blocked += label == "send" and report.verdict == "dont-send"
        spans = [(f.rule, f.start, f.end) for f in report.findings]
        score.cross_differs += spans != [(f.rule, f.start, f.end) for f in cross.findings]
        fired = {f.rule for f in report.findings}
        for kind in draft.get("kinds", ()):
            if kind in BAD_KINDS:
                score.kind_total[kind] += 1
                score.kind_found[kind] += kind in fired
    return score


def corpus_files(pattern: str = "*") -> list[Path]:
    """The corpus files whose name matches `pattern`."""
    return sorted(CORPUS.glob(f"{pattern}.toml"))


def summary(score: Score) -> str:
    """One line of numbers for a set."""
    kinds = " ".join(
        f"{k}={score.kind_found[k]}/{score.kind_total[k]}" for k in BAD_KINDS if score.kind_total[k]
    )
    return (
        f"{score.name:<14} n={score.n:<4} right={score.accuracy:.3f} "
        f"dont-send->send={score.told_send['dont-send']}/{score.by_label['dont-send']} "
        f"revise->send={score.told_send['revise']}/{score.by_label['revise']} "
        f"send->dont-send={score.harmless_blocked}/{score.by_label['send']} "
        f"cross-locale-differs={score.cross_differs}  recall: {kinds}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the numbers for every set (or the misses of one tuning set)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", metavar="SET", help="list the misses of one tuning set")
    parser.add_argument("--sets", default="*", help="which sets to score (a file-name glob)")
    parser.add_argument("--rules-only", action="store_true", help="leave the model out")
    args = parser.parse_args(argv)
    content = load_content()
    if args.rules_only:
        for name, rules in content.drafts.items():
            content.drafts[name] = rules.model_copy(update={"model": None})
    if args.misses:
        if not args.misses.startswith("tune"):
            print("only tuning sets show their misses (see GUIDE.md)", file=sys.stderr)
            return 2
        score = score_set(CORPUS / f"{args.misses}.toml", content)
        for draft, report in score.misses:
            fired = ",".join(sorted({f.rule for f in report.findings})) or "-"
            print(f"{draft['verdict']:>9} got {report.verdict:<9} [{fired}] {draft['text']!r}")
        print(summary(score))
        return 0
    for path in corpus_files(args.sets):
        print(summary(score_set(path, content)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
