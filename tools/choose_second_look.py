"""Choose the draft models' second-look levels (`caution`, `veto`) on the held-out sets' numbers.

    python -m tools.choose_second_look --fresh 52,53,54           # print
    python -m tools.choose_second_look --fresh 52,53,54 --write   # store them in draft_model.json
    python -m tools.choose_second_look --fresh 56 --thresholds --write   # after a retraining

With `--thresholds` the model's thresholds are chosen first, over the same sets without the second
look: the fewest must-not-send drafts told "send" plus harmless ones told "don't send", then the
most right (a coordinate search, two passes over the kinds).

The second look (`bot.core.draft_model`, rule `second-look`) answers "revise" where the rules
and the model disagree on blame or heavy-topic: the model leans towards the kind without
reaching its threshold and no rule found it (`caution`: "send" becomes "revise"), or a rule found
it and the model leans the other way (`veto`: "don't send" becomes "revise"). Its levels are
chosen on the held-out sets' numbers only (CONTRIBUTING.md): every blind set that does not train
the model (blind-47 and later, `tools.train_draft_model.RETIRED_UP_TO`) but the fresh ones, each
over a grid:

- `caution`: the fewest must-not-send drafts told "send", then the most drafts right, while the
  harmless drafts it sends back to "revise" stay within `--caution-budget` (1%) of the
  harmless ones (a search that starts from the stored levels and leaves them for better ones
  only, not for a tie);
- `veto` (one share of the thresholds, for every kind whose finding means "don't send"): the
  fewest harmless drafts told "don't send", then the most right, while the must-not-send drafts
  it lets off with "revise" stay within `--veto-budget` (0.5%: half the room, since that is the
  graver mistake) of the must-not-send ones;
- `firm` (per looked-at kind, a probability over its threshold): the model alone (no rule found
  the kind) makes the rule fire from this level; between the threshold and it, the draft gets a
  second look ("don't send" becomes "revise"). The fewest harmless drafts told "don't send",
  then the most right, while the must-not-send drafts it lets off with "revise" stay within
  `--firm-budget` (0.5%) of the must-not-send ones. Veto moves only drafts a rule found
  grave and firm only drafts no rule did, so together they let off at most 1%.

None may move one of the messages the bot itself recommends (`bot.core.recommended`) off
"send". Each moves only drafts of one verdict ("send" for caution, "don't send" for veto and
firm), so only those are checked again, and the three are chosen apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.core.content import DRAFT_MODEL_FILE, load_content
from bot.core.draft import DraftRules
from bot.core.draft_language import check_message
from bot.core.draft_model import DraftModel
from bot.core.locales import DEFAULT_CONTENT_DIR
from bot.core.recommended import recommended
from tools.train_draft_model import is_training_set

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "unit" / "core" / "data" / "corpus"
LOOKED_AT = ("blame", "heavy-topic")
CAUTION_GRID = [round(0.05 * i, 2) for i in range(1, 20)]
FIRM_GRID = [round(0.05 * i, 2) for i in range(2, 20)]
VETO_GRID = [0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9]
THRESHOLD_GRID = [round(0.05 * i, 2) for i in range(3, 19)]
Drafts = list[dict[str, Any]]


def held_out(language: str, fresh: set[int]) -> Drafts:
    """Every draft of the blind sets that neither train the model nor are fresh."""
    drafts: Drafts = []
    for path in sorted(CORPUS.glob(f"*-{language}.toml")):
        kind, _, number = path.stem.rpartition("-")[0].partition("-")
        if kind == "blind" and not is_training_set(path.stem) and int(number) not in fresh:
            with path.open("rb") as fh:
                drafts += tomllib.load(fh)["drafts"]
    return drafts


def search(
    model: DraftModel,
    score: Callable[[Any], tuple[int, int, int]],
    allowed: int,
    current: list[float] | None = None,
    *,
    above: bool = False,
) -> tuple[list[float], tuple[int, int, int]]:
    """Coordinate search of the caution level (or, `above` the thresholds, the firm level) of
    each looked-at kind: (errors, -right) as low as possible with the drafts it costs (the
    score's third number) within `allowed`. It starts from the `current` levels when they keep
    within `allowed`, so that a level is only changed for one that does better (not for an
    equal one met first)."""
    levels = [*model.thresholds]  # at the threshold: no second look
    best = score(levels)
    if current is not None:
        got = score(current)
        if got[2] <= allowed and (got[0], -got[1]) <= (best[0], -best[1]):
            levels, best = [*current], got
    for _ in range(2):
        for kind in LOOKED_AT:
            column = model.kinds.index(kind)
            threshold = model.thresholds[column]
            grid = (
                [g for g in FIRM_GRID if g > threshold]
                if above
                else [g for g in CAUTION_GRID if g < threshold]
            )
            for level in grid:
                trial = [*levels]
                trial[column] = level
                got = score(trial)
                if got[2] <= allowed and (got[0], -got[1]) < (best[0], -best[1]):
                    levels, best = trial, got
    return levels, best


def scan(
    score: Callable[[Any], tuple[int, int, int]], allowed: int
) -> tuple[float | None, tuple[int, int, int]]:
    """The veto level with (errors, -right) as low as possible within `allowed`."""
    level: float | None = None
    best = score(None)
    for trial in VETO_GRID:
        got = score(trial)
        if got[2] <= allowed and (got[0], -got[1]) < (best[0], -best[1]):
            level, best = trial, got
    return level, best


def current_levels(
    rules: Mapping[str, DraftRules], language: str, field: str
) -> list[float] | None:
    """The language's caution (or firm) levels as they are, if they all sit at or under (or
    over) the thresholds (after new thresholds were chosen, they may not: the search then starts
    afresh)."""
    model = rules[language].model
    levels = None if model is None else getattr(model, field)
    if model is None or levels is None:
        return None
    pairs = zip(levels, model.thresholds, strict=True)
    fits = all(c <= t if field == "caution" else c >= t for c, t in pairs)
    return [*levels] if fits else None


def plain_model(rules: Mapping[str, DraftRules], language: str) -> DraftModel:
    """The language's model without its second look (no `caution`, `veto` or `firm`)."""
    model = rules[language].model
    if model is None:
        raise SystemExit(f"{language} has no draft model")
    return model.model_copy(update={"caution": None, "veto": None, "firm": None})


def verdicts_with(
    rules: Mapping[str, DraftRules], language: str, model: DraftModel, texts: Iterable[str]
) -> list[str]:
    """The verdict on each of `texts` when the language's rules use `model`."""
    local = {**rules, language: rules[language].model_copy(update={"model": model})}
    return [check_message(text, local, language).verdict for text in texts]


def choose_thresholds(
    rules: Mapping[str, DraftRules], language: str, fresh: set[int], own: list[str]
) -> tuple[list[float], str]:
    """The model's thresholds by a coordinate search over the held-out sets, with no second
    look: the fewest must-not-send drafts told "send" plus harmless ones told "don't send",
    then the most right; the bot's own recommended messages must stay "send"."""
    plain = plain_model(rules, language)
    drafts = held_out(language, fresh)

    def score(thresholds: list[float]) -> tuple[int, int, int, int]:
        model = plain.model_copy(update={"thresholds": thresholds})
        if any(v != "send" for v in verdicts_with(rules, language, model, own)):
            return len(drafts) + 1, 0, 0, 0
        said = verdicts_with(rules, language, model, (d["text"] for d in drafts))
        pairs = list(zip(said, (d["verdict"] for d in drafts), strict=True))
        unsafe = sum(v == "send" and label == "dont-send" for v, label in pairs)
        blocked = sum(v == "dont-send" and label == "send" for v, label in pairs)
        return unsafe + blocked, -sum(v == label for v, label in pairs), unsafe, blocked

    levels = [*plain.thresholds]
    start = best = score(levels)
    for _ in range(2):
        for column in range(len(levels)):
            for level in THRESHOLD_GRID:
                trial = [*levels]
                trial[column] = level
                got = score(trial)
                if got[:2] < best[:2]:
                    levels, best = trial, got
    line = (
        f"{language} thresholds {levels} over {len(drafts)} held-out drafts: unsafe + blocked "
        f"{start[2]} + {start[3]} -> {best[2]} + {best[3]}, right {-start[1]} -> {-best[1]}"
    )
    return levels, line


def choose(
    rules: Mapping[str, DraftRules],
    language: str,
    fresh: set[int],
    budgets: dict[str, float],
    own: list[str],
) -> tuple[dict[str, Any], list[str]]:
    """Return the chosen levels and a line for each saying what it gives. No level may move
    one of the bot's `own` recommended messages off "send"."""
    plain = plain_model(rules, language)

    def verdicts(drafts: Drafts, **levels: Any) -> list[str]:
        model = plain.model_copy(update=levels)
        return verdicts_with(rules, language, model, (d["text"] for d in drafts))

    drafts = held_out(language, fresh)
    said = verdicts(drafts)
    right = sum(v == d["verdict"] for v, d in zip(said, drafts, strict=True))
    count = {label: sum(d["verdict"] == label for d in drafts) for label in ("send", "dont-send")}
    chosen: dict[str, Any] = {}
    lines = []
    for step in (
        ("caution", "send", "dont-send", "send"),
        ("veto", "dont-send", "send", "dont-send"),
        ("firm", "dont-send", "send", "dont-send"),
    ):
        field, verdict, wrong, cost = step
        moved = [d for v, d in zip(said, drafts, strict=True) if v == verdict]
        errors = sum(d["verdict"] == wrong for d in moved)

        def score(
            level: Any,
            step: tuple[str, str, str, str] = step,
            moved: Drafts = moved,
            errors: int = errors,
        ) -> tuple[int, int, int]:
            field, verdict, wrong, cost = step
            fixed = lost = gained = 0
            for new, d in zip(verdicts(moved, **{field: level}), moved, strict=True):
                gained += (new == d["verdict"]) - (verdict == d["verdict"])
                if new == "revise":
                    fixed += d["verdict"] == wrong
                    lost += d["verdict"] == cost
            if any(v != "send" for v in verdicts([{"text": t} for t in own], **{field: level})):
                lost = len(drafts) + 1  # the bot's own advice must stay "send": never allowed
            return errors - fixed, right + gained, lost

        allowed = int(budgets[field] * count[cost])
        level: list[float] | float | None
        if field in ("caution", "firm"):
            current = current_levels(rules, language, field)
            level, best = search(plain, score, allowed, current, above=field == "firm")
        else:
            level, best = scan(score, allowed)
        chosen[field] = level
        label = "unsafe" if field == "caution" else "blocked"
        lines.append(
            f"{language} {field} {level} over {len(drafts)} held-out drafts: {label} "
            f"{errors} -> {best[0]}, right {right} -> {best[1]}, {cost} drafts sent to "
            f"revise {best[2]}/{count[cost]}"
        )
    return chosen, lines


def main(argv: list[str] | None = None) -> int:
    """Print the chosen levels (and store them with --write)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("ja", "en", "all"), default="all")
    parser.add_argument("--fresh", default="", help="blind set numbers not to choose on: 52,53")
    parser.add_argument("--caution-budget", type=float, default=0.01)
    parser.add_argument("--veto-budget", type=float, default=0.005)
    parser.add_argument("--firm-budget", type=float, default=0.005)
    parser.add_argument(
        "--thresholds", action="store_true", help="choose the thresholds first (after training)"
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    fresh = {int(n) for n in args.fresh.split(",") if n}
    content = load_content()
    rules = content.drafts
    for language in ("ja", "en") if args.lang == "all" else (args.lang,):
        budgets = {
            "caution": args.caution_budget,
            "veto": args.veto_budget,
            "firm": args.firm_budget,
        }
        own = [text for _, text in recommended(content.locales[language], language)]
        first: dict[str, Any] = {}
        if args.thresholds:
            first["thresholds"], line = choose_thresholds(rules, language, fresh, own)
            print(line)
            model = rules[language].model
            assert model is not None
            update = {"model": model.model_copy(update=first)}
            rules = {**rules, language: rules[language].model_copy(update=update)}
        chosen, lines = choose(rules, language, fresh, budgets, own)
        chosen = first | chosen
        print("\n".join(lines))
        if args.write:
            path = DEFAULT_CONTENT_DIR / language / DRAFT_MODEL_FILE
            data = json.loads(path.read_text(encoding="utf-8")) | chosen
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            path.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
