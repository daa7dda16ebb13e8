"""Train the draft model (`bot/core/draft_model.py`) on the tuning data, never on a fresh blind set.

    python -m tools.train_draft_model            # both languages; writes content/*/draft_model.json
    python -m tools.train_draft_model --lang en --dry-run   # print the cross-validated numbers

Training data, per language, from `tests/unit/core/data/`: the tuning corpora
(`corpus/tune-*`), the held-out sets retired into training (dev-1 and blind-2 to 46, see
`RETIRED_UP_TO`), the hand-written corpus (`drafts.toml`), the rules' own examples (a `fire`
example is positive for its rule, a `quiet` one negative for every rule) and the messages the
bot itself recommends (templates and quoted examples: harmless). Newer blind sets are never read.
Each corpus draft of two or more sentences also gives its sentences (`sentence_parts`): every
sentence of a harmless draft as harmless, and the sentence where a phrase rule finds a kind the
draft is labelled with as positive for it, so that a sting inside a kind draft is learnt apart
from the kindness around it (`--sentences off` leaves them out; round 10 chose them by the
cross-validated numbers below).

One logistic regression per rule, trained together by `fit` (mini-batches, Adam, a fifth of each
draft's features left out at random each time it is seen; numpy, fixed seed, so the same data
gives the same weights; ~40 s per language, ~8 min with the cross-validation). Each rule's
threshold comes from 5-fold cross-validation, cut two ways: the lowest probability at which at
most `--max-false` of the drafts whose verdict a false finding would make worse (for blame and
heavy-topic, every draft that may be sent or revised; for pressure and emotional, the harmless
ones) would be flagged; `tools.choose_second_look --thresholds` then chooses them again on the
newer blind sets (CONTRIBUTING.md).
It then prints what the cross-validated model alone would do by verdict: the share of drafts not
to send that it stops, of drafts to revise that it flags, of harmless drafts that it blocks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.content import DRAFT_MODEL_FILE, load_content
from bot.core.draft import DraftRules, SentExample, detect
from bot.core.draft_model import features
from bot.core.locales import DEFAULT_CONTENT_DIR
from bot.core.recommended import recommended as own_advice
from bot.core.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "unit" / "core" / "data" / "corpus"
KINDS = ["blame", "heavy-topic", "pressure", "emotional"]
EPOCHS, FOLDS, SEED = 12, 5, 20261202
GRID = [round(0.3 + 0.01 * i, 2) for i in range(70)]
LAYOUTS: tuple[Callable[[int], int], ...] = (lambda i: i % FOLDS, lambda i: (i // FOLDS) % FOLDS)


ERRORS = {"blame", "heavy-topic"}  # the rules whose firing means "don't send"
# Since session 21 the older held-out sets train the model too: 12,700 drafts by writers who
# never saw the rules teach it more wording than the tuning sets alone (corpus/SCORES.md).
# Their scores are no longer test scores; blind-47 and later stay held out.
RETIRED_UP_TO = 46


@dataclass(frozen=True)
class Example:
    """One training draft: its features, the kinds it does, and the verdict it should get.

    `parts` are its sentences as examples of their own, trained on whenever the draft is (never
    scored: cross-validation judges whole drafts only, so a draft's sentences never train the
    fold it is held out of).
    """

    features: frozenset[str]
    kinds: frozenset[str]
    verdict: str
    parts: tuple[Example, ...] = ()

    def spoiled_by(self, kind: str) -> bool:
        """Say whether a false `kind` finding would make this draft's verdict worse."""
        if kind in ERRORS:
            return self.verdict != "dont-send"
        return self.verdict == "send"


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def is_training_set(stem: str) -> bool:
    """Whether the corpus file `stem` trains the model: every tuning set, and the held-out sets
    retired into training (dev-1, blind-2 to blind-`RETIRED_UP_TO`). Newer blind sets never."""
    kind, number, *_ = stem.split("-")
    if kind == "tune":
        return True
    return (kind, number) == ("dev", "1") or (kind == "blind" and int(number) <= RETIRED_UP_TO)


def training_data(
    language: str, content_dir: Path = DEFAULT_CONTENT_DIR, sentences: str = "located"
) -> list[Example]:
    """Every labelled draft of `language` that may be tuned on (with its sentences, if asked:
    see `sentence_parts`)."""
    rows: list[tuple[str, set[str], str]] = []
    for path in sorted(CORPUS.glob("*.toml")):
        if is_training_set(path.stem) and language in path.stem.split("-"):
            for d in _toml(path)["drafts"]:
                rows.append((d["text"], set(d.get("kinds", ())), d["verdict"]))
    for d in _toml(ROOT / "tests" / "unit" / "core" / "data" / "drafts.toml")["drafts"]:
        if d["locale"] == language and "verdict" in d:
            rows.append((d["text"], set(d.get("fires", ())), d["verdict"]))
    rows += [(text, set(), "send") for text in recommended(language, content_dir)]
    corpus_rows = len(rows)
    rules = DraftRules.model_validate(_toml(content_dir / language / "draft.toml"))
    for rule in rules.rules:
        if rule.id in KINDS:
            for example in rule.examples.fire:
                text = example.text if isinstance(example, SentExample) else example
                rows.append((text, {rule.id}, "dont-send" if rule.id in ERRORS else "revise"))
            for example in rule.examples.quiet:
                text = example.text if isinstance(example, SentExample) else example
                rows.append((text, set(), "send"))
    return [
        Example(
            frozenset(features(normalize(t).text, language)),
            frozenset(k),
            h,
            sentence_parts(t, k, h, rules, language, sentences) if i < corpus_rows else (),
        )
        for i, (t, k, h) in enumerate(rows)
    ]


def sentence_parts(
    text: str, kinds: set[str], verdict: str, rules: DraftRules, language: str, how: str
) -> tuple[Example, ...]:
    """The sentences of a labelled draft of two or more, as training examples of their own.

    A kind draft with one sting reads, as a whole, mostly like a kind one; its sentences let the
    model learn the sting apart from the kindness around it. A draft's labels say what the draft
    does, not which sentence does it, so a sentence is labelled only where that is known:

    - every sentence of a harmless draft is harmless;
    - a sentence of a draft to revise or not to send is positive for the kinds the draft is
      labelled with and the phrase rules find in that sentence;
    - with `how == "contrast"`, a sentence of such a draft in which no rule finds anything is
      harmless, when the rules placed every kind the draft is labelled with in its other
      sentences (the kind words around a sting);
    - any other sentence is left out (it may do what the draft does in words no rule knows).
    """
    if how == "off":
        return ()
    pieces = [p.strip() for p in rules._matchers.sentence.split(normalize(text).text)]
    pieces = [p for p in pieces if len(p) > 1]
    if len(pieces) < 2:
        return ()
    bad = set(KINDS) & kinds
    found = [
        {rule for rule, _ in detect(piece, rules, phrases_only=True).found} & set(KINDS)
        for piece in pieces
    ]
    located = set().union(*found) & bad
    parts = []
    for piece, fired in zip(pieces, found, strict=True):
        if verdict == "send":
            label: set[str] = set()
        elif fired & bad:
            label = fired & bad
        elif how == "contrast" and not fired and bad and located == bad:
            label = set()
        else:
            continue
        said = "dont-send" if label & ERRORS else "revise" if label else "send"
        parts.append(Example(frozenset(features(piece, language)), frozenset(label), said))
    return tuple(parts)


def with_parts(examples: list[Example]) -> list[Example]:
    """The examples followed by their sentences."""
    return examples + [part for example in examples for part in example.parts]


def recommended(language: str, content_dir: Path = DEFAULT_CONTENT_DIR) -> list[str]:
    """The messages the bot itself recommends sending (`bot.core.recommended`: templates,
    /diagnose's examples, quoted wording): harmless by definition."""
    loc = load_content(content_dir).locales[language]
    return [text for _, text in own_advice(loc, language)]


def fit(
    examples: list[Example],
    *,
    epochs: int = EPOCHS,
    rate: float = 3e-3,
    drop: float = 0.2,
    batch: int = 64,
    min_count: int = 2,
    seed: int = SEED,
) -> tuple[list[float], dict[str, list[float]]]:
    """Fit one logistic regression per kind, all at once: return the biases and each feature's
    weights (one per kind).

    Mini-batches with Adam, and each time a draft is seen a fifth of its features (chosen at
    random) left out, so that no weight learns to lean on one n-gram a writer happened to use:
    on drafts nobody here wrote this stops more of the ones not to send, and blocks fewer
    harmless ones, than one draft at a time without it (corpus/SCORES.md, session 21). Features
    seen in fewer than `min_count` drafts get no weight. numpy, fixed seed: the same data gives
    the same weights.
    """
    import numpy as np  # only the trainer needs it; the bot reads the weights in plain Python

    counts: dict[str, int] = {}
    for ex in examples:
        for f in ex.features:
            counts[f] = counts.get(f, 0) + 1
    names = sorted(f for f, c in counts.items() if c >= min_count)
    index = {f: i for i, f in enumerate(names)}
    rows = [
        np.array(sorted(index[f] for f in ex.features if f in index), np.int64) for ex in examples
    ]
    targets = np.array([[k in ex.kinds for k in KINDS] for ex in examples], np.float64)
    width, size = len(KINDS), len(names)
    weights, bias = np.zeros((size, width)), np.zeros(width)
    moments = [np.zeros((size, width)), np.zeros((size, width)), np.zeros(width), np.zeros(width)]
    rng = np.random.default_rng(seed)
    step, beta1, beta2 = 0, 0.9, 0.999
    for _ in range(epochs):
        order = rng.permutation(len(rows))
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            kept = [rows[i][rng.random(len(rows[i])) >= drop] for i in chosen]
            kept = [k if len(k) else rows[i] for k, i in zip(kept, chosen, strict=True)]
            flat = np.concatenate(kept)
            which = np.repeat(np.arange(len(chosen)), [len(k) for k in kept])
            sums = np.stack(
                [np.bincount(which, weights[flat, c], len(chosen)) for c in range(width)], 1
            )
            error = (1 / (1 + np.exp(-np.clip(bias + sums, -60, 60))) - targets[chosen]) / (
                len(chosen) * width
            )
            grad_w = np.stack([np.bincount(flat, error[which, c], size) for c in range(width)], 1)
            step += 1
            for value, grad, first, second in (
                (weights, grad_w, moments[0], moments[1]),
                (bias, error.sum(0), moments[2], moments[3]),
            ):
                first *= beta1
                first += (1 - beta1) * grad
                second *= beta2
                second += (1 - beta2) * grad * grad
                value -= (
                    (rate / (1 - beta1**step))
                    * first
                    / (np.sqrt(second / (1 - beta2**step)) + 1e-8)
                )
    table = {f: [float(w) for w in weights[i]] for f, i in index.items()}
    return [float(b) for b in bias], table


def probability(
    bias: list[float], weights: dict[str, list[float]], ex: Example, kind: str
) -> float:
    """The model's probability that one example does `kind`."""
    column = KINDS.index(kind)
    total = bias[column] + sum(weights[f][column] for f in ex.features if f in weights)
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, total))))


def cross_validated(examples: list[Example]) -> dict[str, list[float]]:
    """Each example's probability for each kind from the models trained without its fold, once
    per layout of the folds: entry `l * len(examples) + i` is example `i` under layout `l`."""
    n = len(examples)
    found = {kind: [0.0] * (len(LAYOUTS) * n) for kind in KINDS}
    for number, layout in enumerate(LAYOUTS):  # two ways of cutting the folds, so one lucky
        for fold in range(FOLDS):  # cut does not decide
            held = [layout(i) == fold for i in range(n)]
            kept = [e for e, h in zip(examples, held, strict=True) if not h]
            bias, weights = fit(with_parts(kept))
            for i, e in enumerate(examples):
                if held[i]:
                    for kind in KINDS:
                        found[kind][number * n + i] = probability(bias, weights, e, kind)
    return found


def threshold(
    examples: list[Example], kind: str, max_false: float, found: list[float] | None = None
) -> tuple[float, str]:
    """Choose the rule's threshold by cross-validation; say what it gives."""
    found = cross_validated(examples)[kind] if found is None else found
    scored = list(zip(found, examples * len(LAYOUTS), strict=True))
    positives = [p for p, e in scored if kind in e.kinds]
    spoiled = [p for p, e in scored if kind not in e.kinds and e.spoiled_by(kind)]
    harmless = [p for p, e in scored if e.verdict == "send"]
    for t in GRID:
        false = sum(p >= t for p in spoiled) / max(1, len(spoiled))
        quiet = sum(p >= t for p in harmless) / max(1, len(harmless))
        if false <= max_false and quiet <= max_false:
            recall = sum(p >= t for p in positives) / max(1, len(positives))
            numbers = f"recall {recall:.2f}, false {false:.3f}, harmless {quiet:.3f}"
            return t, f"{kind}: threshold {t:.2f}, {numbers}"
    return 0.99, f"{kind}: no threshold keeps false fires low enough; 0.99"


def verdicts(
    examples: list[Example], found: dict[str, list[float]], thresholds: dict[str, float]
) -> str:
    """The cross-validated model alone, by verdict: the share of drafts not to send that it
    would stop, of drafts to revise that it would flag, of harmless drafts it would block."""
    stopped = blocked = flagged = bad = revise = harmless = 0
    for j, e in enumerate(examples * len(LAYOUTS)):
        fired = {k for k in found if found[k][j] >= thresholds[k]}
        if e.verdict == "dont-send":
            bad += 1
            stopped += bool(fired & ERRORS)
        elif e.verdict == "revise":
            revise += 1
            flagged += bool(fired)
        else:
            harmless += 1
            blocked += bool(fired & ERRORS)
    return (
        f"dont-send stopped {stopped / max(1, bad):.3f}, revise flagged "
        f"{flagged / max(1, revise):.3f}, send blocked {blocked / max(1, harmless):.3f}"
    )


def build(
    language: str,
    max_false: float,
    content_dir: Path = DEFAULT_CONTENT_DIR,
    sentences: str = "located",
) -> dict[str, Any]:
    """Train every rule's regression for `language` and return the model file's content."""
    examples = training_data(language, content_dir, sentences)
    thresholds = []
    found = cross_validated(examples)
    for kind in KINDS:
        t, line = threshold(examples, kind, max_false, found[kind])
        print(f"{language} {line}", file=sys.stderr)
        thresholds.append(t)
    cut = dict(zip(KINDS, thresholds, strict=True))
    print(f"{language} {verdicts(examples, found, cut)}", file=sys.stderr)
    bias, weights = fit(with_parts(examples))
    biases = [round(b, 4) for b in bias]
    table: dict[str, list[float]] = {}
    for feature in sorted(weights):
        row = [round(w, 4) for w in weights[feature]]
        if any(abs(w) >= 0.01 for w in row):
            table[feature] = row
    sources = [
        p.name
        for p in sorted(CORPUS.glob("*.toml"))
        if is_training_set(p.stem) and language in p.stem.split("-")
    ]
    return {
        "language": language,
        "kinds": KINDS,
        "bias": biases,
        "thresholds": thresholds,
        "trained_on": [*sources, "drafts.toml", "draft.toml examples"],
        "weights": table,
    }


def main(argv: list[str] | None = None) -> int:
    """Train and write the model files (or only print the numbers)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("ja", "en", "all"), default="all")
    parser.add_argument("--max-false", type=float, default=0.02)
    parser.add_argument("--dry-run", action="store_true", help="do not write the files")
    parser.add_argument(
        "--sentences",
        choices=("off", "located", "contrast"),
        default="located",
        help="also train on the sentences of each draft (see sentence_parts)",
    )
    args = parser.parse_args(argv)
    for language in ("ja", "en") if args.lang == "all" else (args.lang,):
        model = build(language, args.max_false, sentences=args.sentences)
        if not args.dry_run:
            path = DEFAULT_CONTENT_DIR / language / DRAFT_MODEL_FILE
            text = json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            path.write_text(text + "\n", encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}: {len(model['weights'])} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
