"""A small linear model that backs the draft rules up on wording no rule was written for.

The phrase rules (`bot.core.draft`) say exactly what they found and why, but they only know the
wording someone wrote a pattern for. The model reads the same normalized draft as a bag of
character n-grams (and, for English, words and word pairs) and gives, for each of the rules it
speaks for (blame, heavy-topic, pressure, emotional), the probability that the draft does that:
one logistic regression per rule, weights in `content/<locale>/draft_model.json`, trained by
`tools/train_draft_model.py` on the tuning corpora only. Inference is plain Python: a dict
look-up per n-gram, no numeric library.

When the model is sure (its probability is over the rule's threshold, chosen in training to keep
harmless drafts quiet; for blame and heavy-topic, over its `firm` level, below) and the rule
itself did not fire, the rule fires on the sentence the model finds most telling, with the
rule's own message, suggestion and NG link: the model never speaks in its own words.

Below the threshold, a kind may have a lower `caution` level: a draft the model leans towards
reading as that kind without being sure of it gets the `second-look` rule (a warning, so
"revise" rather than "send"), on the same most telling sentence. And where phrase rules find that
the draft blames or interrogates while the model leans the other way (its probability for every
such kind under `veto` times that kind's threshold, in the draft and in the flagged sentences),
the two disagree: those findings become a second look too, on the rules' own spans, so "revise"
rather than "don't send" (often a look-alike no guard knows yet). Alone, the model makes a rule
whose finding means "don't send" fire only from a `firm` level over the threshold; between the
two, no rule agreeing, the draft gets a second look (a jokey line the model half reads as
blame is told to revise, not never to send). Saying "send" to a message
that reproaches is the checker's worst mistake, and on unseen drafts the model leans that way
on some of the ones the rules miss (corpus/SCORES.md, session 20).
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from bot.core.model import Strict

Language = Literal["ja", "en"]
# The n-gram sizes read for each language (characters), and whether words count too.
CHAR_SIZES: dict[str, tuple[int, ...]] = {"ja": (1, 2, 3), "en": (3, 4)}
_WORD = re.compile(r"[a-z0-9']+|[?!]")
_SPACES = re.compile(r"\s+")


def features(text: str, language: str) -> set[str]:
    """Return the features of one normalized text: character n-grams, and words for English."""
    body = _SPACES.sub(" ", text.strip())
    padded = f"^{body}$"
    found: set[str] = set()
    for size in CHAR_SIZES[language]:
        found |= {padded[i : i + size] for i in range(len(padded) - size + 1)}
    if language == "en":
        words = ["^", *_WORD.findall(body), "$"]
        found |= {f"w:{w}" for w in words[1:-1]}
        found |= {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    return found


class DraftModel(Strict):
    """One logistic regression per rule: bias, weights per feature, and a firing threshold."""

    # Features are n-grams in which spaces count (" me ", "did "): never strip them, or the
    # weights of "me", " me" and " me " would land on one key, not as they were trained.
    model_config = ConfigDict(str_strip_whitespace=False)

    language: Language
    kinds: Annotated[list[str], Field(min_length=1)]
    bias: list[float]
    thresholds: list[Annotated[float, Field(gt=0, le=1)]]
    weights: dict[str, list[float]]
    # per kind, the probability from which a draft gets a second look (at most its threshold;
    # equal to it: none). Not set by training: chosen on the held-out sets (CONTRIBUTING.md).
    caution: list[Annotated[float, Field(gt=0, le=1)]] | None = None
    # the share of each kind's threshold under which the model, sure that a draft does none of
    # the kinds whose finding means "don't send", overrules the rules that found one. Chosen
    # like `caution`.
    veto: Annotated[float, Field(gt=0, lt=1)] | None = None
    # per kind, the probability from which the model alone (no rule found the kind) makes the
    # rule fire (at least its threshold; equal to it, or None: from the threshold). Between
    # the threshold and it, the draft gets a second look instead; only for the kinds whose
    # finding means "don't send", and only where the rules define the second look (else the
    # rule fires as from the threshold). Chosen like `veto`.
    firm: list[Annotated[float, Field(gt=0, le=1)]] | None = None
    trained_on: list[str] = Field(default_factory=list)
    # feature -> its weight for each kind, as doubles in one bytes object (`model_post_init`)
    _table: dict[str, bytes] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _shapes(self) -> DraftModel:
        width = len(self.kinds)
        if len(self.bias) != width or len(self.thresholds) != width:
            raise ValueError(f"bias and thresholds need one value per kind ({width})")
        for feature, row in self.weights.items():
            if len(row) != width:
                raise ValueError(f"weights[{feature!r}] needs {width} values, has {len(row)}")
        if self.caution is not None:
            if len(self.caution) != width:
                raise ValueError(f"caution needs one value per kind ({width})")
            for kind, low, high in zip(self.kinds, self.caution, self.thresholds, strict=True):
                if low > high:
                    raise ValueError(f"caution for {kind!r} ({low}) is above its threshold")
        if self.firm is not None:
            if len(self.firm) != width:
                raise ValueError(f"firm needs one value per kind ({width})")
            for kind, high, low in zip(self.kinds, self.firm, self.thresholds, strict=True):
                if high < low:
                    raise ValueError(f"firm for {kind!r} ({high}) is under its threshold")
        return self

    def model_post_init(self, context: object, /) -> None:
        """Build the look-up table once, as the content loads."""
        # One table, feature -> its weights for every kind: a draft's ~100 features are looked
        # up once each, not once per kind. Between interactions the table is out of the cache,
        # so each look-up is a few trips to memory; packing a row's doubles into one object
        # (not a tuple of four floats) saves one or two of them.
        self._table = {f: array("d", row).tobytes() for f, row in self.weights.items() if any(row)}

    def _sums(self, found: Iterable[str]) -> list[float]:
        """For each kind, the sum of the weights of the `found` features (0 when none has one).

        Added in the order of `found`, as per-kind sums over it would: the same floats.
        """
        width = len(self.kinds)
        rows = array("d", b"".join(filter(None, map(self._table.get, found))))
        return [sum(rows[kind::width]) for kind in range(width)]

    def probabilities(self, text: str) -> list[float]:
        """Return, for each kind, the probability that the normalized `text` does it."""
        sums = self._sums(features(text, self.language))
        return [_sigmoid(bias + total) for bias, total in zip(self.bias, sums, strict=True)]

    def judge(self, text: str) -> tuple[list[str], list[str], list[float], list[float]]:
        """Return, for the normalized `text`: the kinds whose probability reaches their
        threshold; those that reach only their caution level, the nearest their threshold
        first; for each kind its probability as a share of its threshold; and the
        probabilities themselves."""
        scores = self.probabilities(text)
        shares = [p / t for p, t in zip(scores, self.thresholds, strict=True)]
        sure = [k for k, p, t in zip(self.kinds, scores, self.thresholds, strict=True) if p >= t]
        near: list[tuple[float, str]] = []
        if self.caution is not None:
            levels = zip(self.kinds, scores, self.thresholds, self.caution, shares, strict=True)
            near = [(share, k) for k, p, t, c, share in levels if c <= p < t]
        return sure, [k for _, k in sorted(near, reverse=True)], shares, scores

    def firm_alone(self, kind: str, probability: float) -> bool:
        """Whether the model, at `probability` of `kind`, is sure enough of the kind to find it
        where no rule did (else the draft gets a second look)."""
        return self.firm is None or probability >= self.firm[self.kinds.index(kind)]

    def shares(self, text: str) -> list[float]:
        """For each kind, its probability on the normalized `text` as a share of its threshold."""
        return [p / t for p, t in zip(self.probabilities(text), self.thresholds, strict=True)]

    def fires(self, kind: str, text: str, *, caution: bool = False) -> bool:
        """Whether `kind` reaches its threshold (or, if asked, its caution level) on the
        normalized `text`."""
        column = self.kinds.index(kind)
        sums = self._sums(features(text, self.language))
        levels = self.caution if caution and self.caution is not None else self.thresholds
        return _sigmoid(self.bias[column] + sums[column]) >= levels[column]

    def most_telling(self, kind: str, sentences: list[str]) -> int:
        """Return the index of the sentence the model scores highest for `kind`."""
        column = self.kinds.index(kind)
        bias = self.bias[column]
        scores = [
            _sigmoid(bias + self._sums(features(s, self.language))[column]) if s.strip() else -1.0
            for s in sentences
        ]
        return max(range(len(sentences)), key=scores.__getitem__)


def _sigmoid(total: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, total))))
