"""The draft checker on labelled drafts nobody here wrote (data/corpus/, see GUIDE.md).

Each set is scored as `tools.draft_quality` prints it. The held-out sets (dev-*, blind-*) were
written by helpers who never saw the rules, the model or the tuning sets; nobody tunes on them.
Since session 21 dev-1 and blind-2 to 46 also train the model (GUIDE.md): their floors guard
against regressions but are no longer test scores.

Issue #13's goals are Japanese >= 0.95 and English >= 0.92 of cases right on a blind set, at most
2% of must-not-send drafts told "send" and at most 2% of harmless drafts told "don't send".
`test_the_test_sets_meet_the_goals_pooled` holds them over the test part (the blind sets from
`FIRST_TEST_SET` on, pooled per language). Each held-out set also has a floor: what it measures
now, so that no change makes it worse unnoticed. Raise them as it improves.
A round that lowers one (a retrained model trades one kind of error for another) says so in
SCORES.md, with the totals over every held-out set before and after.
"""

from __future__ import annotations

import pytest
from tools.draft_quality import Score, corpus_files, language_of, score_set

from bot.core.content import load_content

CONTENT = load_content()
GOALS = {"ja": 0.95, "en": 0.92}
UNSAFE_GOAL = BLOCKED_GOAL = 0.02  # must-not-send told "send"; harmless told "don't send"
# The test part: the blind sets from this one on were written after the second look's levels
# were last chosen (on blind-47 to 91, session 27) and no choice was made on them. A choice
# made on one of them (`tools.choose_second_look` without it in `--fresh`) moves this up.
FIRST_TEST_SET = 92
# set: (cases right at least, must-not-send told "send" at most, harmless told "don't send" at most)
FLOORS: dict[str, tuple[float, int, int]] = {
    "dev-1-ja": (1.0, 0, 0),
    "dev-1-en": (0.99, 0, 0),
    "blind-2-ja": (1.0, 0, 0),
    "blind-2-en": (1.0, 0, 0),
    "blind-3-ja": (0.992, 0, 0),
    "blind-3-en": (1.0, 0, 0),
    "blind-4-ja": (0.993, 0, 0),
    "blind-4-en": (0.983, 0, 0),
    "blind-5-ja": (0.986, 0, 0),
    "blind-5-en": (0.969, 0, 0),
    "blind-6-ja": (0.986, 0, 0),
    "blind-6-en": (0.984, 0, 0),
    "blind-7-ja": (0.986, 0, 0),
    "blind-7-en": (1.0, 0, 0),
    "blind-8-ja": (1.0, 0, 0),
    "blind-8-en": (0.992, 0, 0),
    "blind-9-ja": (0.993, 0, 0),
    "blind-9-en": (1.0, 0, 0),
    "blind-10-ja": (1.0, 0, 0),
    "blind-10-en": (0.992, 0, 0),
    "blind-11-ja": (0.993, 0, 0),
    "blind-11-en": (1.0, 0, 0),
    "blind-12-ja": (0.993, 0, 0),
    "blind-12-en": (0.992, 0, 0),
    "blind-13-ja": (0.966, 0, 0),
    "blind-13-en": (0.969, 0, 0),
    "blind-14-ja": (1.0, 0, 0),
    "blind-14-en": (0.984, 0, 0),
    "blind-15-ja": (0.98, 0, 0),
    "blind-15-en": (0.992, 0, 0),
    "blind-16-ja": (1.0, 0, 0),
    "blind-16-en": (1.0, 0, 0),
    "blind-17-ja": (0.98, 0, 0),
    "blind-17-en": (1.0, 0, 0),
    "blind-18-ja": (0.993, 0, 0),
    "blind-18-en": (0.992, 0, 0),
    "blind-19-ja": (1.0, 0, 0),
    "blind-19-en": (0.984, 0, 0),
    "blind-20-ja": (0.98, 1, 0),
    "blind-20-en": (0.984, 0, 0),
    "blind-21-ja": (0.993, 0, 0),
    "blind-21-en": (0.976, 0, 0),
    "blind-22-ja": (0.986, 0, 0),
    "blind-22-en": (0.992, 0, 0),
    "blind-23-ja": (0.993, 0, 0),
    "blind-23-en": (1.0, 0, 0),
    "blind-24-ja": (0.98, 0, 0),
    "blind-24-en": (1.0, 0, 0),
    "blind-25-ja": (0.98, 1, 0),
    "blind-25-en": (0.976, 0, 0),
    "blind-26-ja": (0.973, 0, 0),
    "blind-26-en": (0.976, 0, 0),
    "blind-27-ja": (0.98, 0, 0),
    "blind-27-en": (0.961, 0, 0),
    "blind-28-ja": (0.993, 0, 0),
    "blind-28-en": (0.992, 0, 0),
    "blind-29-ja": (1.0, 0, 0),
    "blind-29-en": (0.976, 0, 0),
    "blind-30-ja": (1.0, 0, 0),
    "blind-30-en": (1.0, 0, 0),
    "blind-31-ja": (0.973, 0, 0),
    "blind-31-en": (1.0, 0, 0),
    "blind-32-ja": (1.0, 0, 0),
    "blind-32-en": (1.0, 0, 0),
    "blind-33-ja": (0.986, 0, 0),
    "blind-33-en": (0.992, 0, 0),
    "blind-34-ja": (0.98, 0, 1),
    "blind-34-en": (0.984, 0, 0),
    "blind-35-ja": (0.986, 0, 0),
    "blind-35-en": (0.969, 0, 0),
    "blind-36-ja": (1.0, 0, 0),
    "blind-36-en": (0.992, 0, 0),
    "blind-37-ja": (1.0, 0, 0),
    "blind-37-en": (0.992, 0, 0),
    "blind-38-ja": (0.993, 0, 0),
    "blind-38-en": (0.992, 0, 0),
    "blind-39-ja": (0.98, 0, 0),
    "blind-39-en": (1.0, 0, 0),
    "blind-40-ja": (0.993, 0, 0),
    "blind-40-en": (0.992, 0, 0),
    "blind-41-ja": (1.0, 0, 0),
    "blind-41-en": (1.0, 0, 0),
    "blind-42-ja": (1.0, 0, 0),
    "blind-42-en": (1.0, 0, 0),
    "blind-43-ja": (0.993, 0, 0),
    "blind-43-en": (1.0, 0, 0),
    "blind-44-ja": (1.0, 0, 0),
    "blind-44-en": (1.0, 0, 0),
    "blind-45-ja": (1.0, 0, 0),
    "blind-45-en": (0.984, 0, 0),
    "blind-46-ja": (1.0, 0, 0),
    "blind-46-en": (1.0, 0, 0),
    "blind-47-ja": (0.96, 2, 0),
    "blind-47-en": (0.984, 0, 0),
    "blind-48-ja": (0.973, 0, 0),
    "blind-48-en": (0.976, 0, 0),
    "blind-49-ja": (0.973, 0, 0),
    "blind-49-en": (0.93, 1, 1),
    "blind-50-ja": (0.98, 0, 0),
    "blind-50-en": (0.976, 0, 0),
    "blind-51-ja": (0.966, 0, 0),
    "blind-51-en": (0.953, 0, 0),
    "blind-52-ja": (0.973, 1, 0),
    "blind-52-en": (0.992, 0, 1),
    "blind-53-ja": (0.98, 0, 0),
    "blind-53-en": (0.969, 1, 0),
    "blind-54-ja": (0.926, 1, 1),
    "blind-54-en": (0.946, 2, 1),
    "blind-55-ja": (0.98, 0, 0),
    "blind-55-en": (0.946, 1, 0),
    "blind-56-ja": (0.966, 1, 0),
    "blind-56-en": (0.969, 0, 0),
    "blind-57-ja": (0.98, 0, 1),
    "blind-57-en": (0.992, 0, 0),
    "blind-58-ja": (0.96, 0, 0),
    "blind-58-en": (0.938, 2, 1),
    "blind-59-ja": (0.973, 0, 1),
    "blind-59-en": (0.984, 0, 0),
    "blind-60-ja": (0.946, 0, 1),
    "blind-60-en": (0.984, 0, 1),
    "blind-61-ja": (0.96, 0, 2),
    "blind-61-en": (0.992, 0, 0),
    "blind-62-ja": (0.986, 0, 0),
    "blind-62-en": (0.992, 0, 0),
    "blind-63-ja": (0.993, 0, 0),
    "blind-63-en": (0.976, 0, 0),
    "blind-64-ja": (1.0, 0, 0),
    "blind-64-en": (1.0, 0, 0),
    "blind-65-ja": (0.96, 0, 0),
    "blind-65-en": (0.976, 0, 0),
    "blind-66-ja": (0.986, 0, 0),
    "blind-66-en": (0.961, 1, 0),
    "blind-67-ja": (0.986, 0, 0),
    "blind-67-en": (0.984, 0, 0),
    "blind-68-ja": (0.993, 0, 0),
    "blind-68-en": (0.961, 0, 0),
    "blind-69-ja": (0.98, 1, 0),
    "blind-69-en": (0.976, 0, 0),
    "blind-70-ja": (0.98, 0, 0),
    "blind-70-en": (0.984, 0, 0),
    "blind-71-ja": (0.953, 0, 0),
    "blind-71-en": (0.984, 0, 1),
    "blind-72-ja": (0.973, 0, 1),
    "blind-72-en": (0.984, 0, 0),
    "blind-73-ja": (0.986, 1, 0),
    "blind-73-en": (0.992, 0, 0),
    "blind-74-ja": (0.986, 0, 0),
    "blind-74-en": (0.938, 0, 2),
    "blind-75-ja": (0.94, 0, 0),
    "blind-75-en": (0.984, 0, 1),
    "blind-76-ja": (0.993, 0, 0),
    "blind-76-en": (0.992, 0, 0),
    "blind-77-ja": (0.966, 0, 1),
    "blind-77-en": (0.953, 1, 0),
    "blind-78-ja": (0.973, 0, 0),
    "blind-78-en": (0.946, 2, 0),
    "blind-79-ja": (0.98, 0, 0),
    "blind-79-en": (0.953, 0, 0),
    "blind-80-ja": (0.953, 0, 0),
    "blind-80-en": (0.938, 1, 0),
    "blind-81-ja": (0.973, 0, 1),
    "blind-81-en": (0.984, 0, 0),
    "blind-82-ja": (0.98, 0, 0),
    "blind-82-en": (0.93, 2, 0),
    "blind-83-ja": (0.98, 0, 0),
    "blind-83-en": (1.0, 0, 0),
    "blind-84-ja": (0.94, 0, 1),
    "blind-84-en": (0.976, 0, 0),
    "blind-85-ja": (0.993, 0, 0),
    "blind-85-en": (0.992, 0, 0),
    "blind-86-en": (0.969, 0, 0),
    "blind-87-ja": (0.96, 0, 0),
    "blind-87-en": (0.961, 1, 0),
    "blind-88-ja": (0.946, 0, 0),
    "blind-88-en": (0.961, 1, 0),
    "blind-89-ja": (0.966, 0, 1),
    "blind-89-en": (0.946, 1, 0),
    "blind-90-ja": (0.966, 0, 0),
    "blind-90-en": (0.961, 0, 1),
    "blind-91-ja": (0.98, 0, 0),
    "blind-91-en": (0.969, 0, 1),
    "blind-92-ja": (0.973, 0, 0),
    "blind-92-en": (0.992, 0, 0),
    "blind-93-ja": (0.986, 0, 0),
    "blind-93-en": (0.969, 1, 1),
    "blind-94-ja": (0.953, 0, 1),
    "blind-94-en": (0.969, 0, 1),
    "blind-95-ja": (0.96, 0, 0),
    "blind-95-en": (0.961, 0, 1),
    "blind-96-ja": (0.953, 0, 0),
    "blind-96-en": (0.946, 0, 1),
    "blind-97-ja": (0.986, 0, 1),
    "blind-97-en": (0.953, 0, 0),
    "blind-98-ja": (0.953, 1, 1),
    "blind-98-en": (0.961, 1, 1),
    "blind-99-ja": (0.98, 0, 0),
    "blind-99-en": (0.961, 1, 1),
    "blind-100-ja": (0.966, 1, 0),
    "blind-100-en": (0.961, 1, 0),
    "blind-101-ja": (0.993, 0, 0),
    "blind-101-en": (0.93, 1, 1),
    "blind-102-en": (0.984, 0, 0),
    "blind-103-en": (0.938, 0, 1),
    "blind-104-en": (0.969, 0, 0),
    "blind-102-ja": (0.953, 0, 2),
    "blind-103-ja": (0.973, 0, 0),
    "blind-105-en": (0.992, 0, 0),
    "blind-106-en": (0.976, 0, 1),
    "blind-107-en": (0.984, 0, 0),
    "blind-104-ja": (0.986, 0, 0),
    "blind-105-ja": (0.98, 1, 0),
    "blind-108-en": (0.969, 0, 2),
    "blind-109-en": (0.976, 0, 0),
    "blind-110-en": (0.953, 1, 0),
}
TUNE_FLOOR = 0.94
# Tuning sets held below TUNE_FLOOR, each at its score until a model learns it: tune-ja-zzl
# and tune-en-zzz to zzzb arrived after the models kept in session 27 were trained (the ones
# trained with them did worse on the choice sets: corpus/SCORES.md).
UNLEARNT_FLOORS: dict[str, float] = {
    "tune-ja-zzl": 0.92,
    "tune-en-zzz": 0.853,
    "tune-en-zzza": 0.838,
    "tune-en-zzzb": 0.907,
}


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return {path.stem: score_set(path, CONTENT) for path in corpus_files()}


def test_every_set_is_scored(scores: dict[str, Score]) -> None:
    held_out = {name for name in scores if not name.startswith("tune-")}
    assert held_out == set(FLOORS)
    languages = [language_of(path) for path in corpus_files("tune-*")]
    assert sum(scores[p.stem].n for p in corpus_files("tune-*") if language_of(p) == "ja") >= 400
    assert sum(scores[p.stem].n for p in corpus_files("tune-*") if language_of(p) == "en") >= 250
    assert set(languages) == {"ja", "en"}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_held_out_set_holds_its_floor(scores: dict[str, Score], name: str) -> None:
    score = scores[name]
    right, told_send, blocked = FLOORS[name]
    assert score.accuracy >= right, f"{name}: {score.accuracy:.3f} right, floor {right}"
    assert score.told_send["dont-send"] <= told_send
    assert score.harmless_blocked <= blocked


def test_tuning_sets_are_learnt(scores: dict[str, Score]) -> None:
    low = {n: round(s.accuracy, 3) for n, s in scores.items() if n.startswith("tune-")}
    assert all(value >= UNLEARNT_FLOORS.get(n, TUNE_FLOOR) for n, value in low.items()), low
    assert set(UNLEARNT_FLOORS) <= set(low)


def test_no_draft_changes_with_the_users_language(scores: dict[str, Score]) -> None:
    assert {n: s.cross_differs for n, s in scores.items() if s.cross_differs} == {}


def test_the_test_sets_meet_the_goals_pooled(scores: dict[str, Score]) -> None:
    """Issue #13's goals, over every blind set of the test part of each language (at least
    five): one draft in a set of 46 is already 2.2%, so a single set says little; the pooled
    rate is the one to hold (README, "How well /check-draft holds")."""
    for language, goal in GOALS.items():
        part = [
            s
            for n, s in scores.items()
            if n.startswith("blind-")
            and n.endswith(f"-{language}")
            and int(n.split("-")[1]) >= FIRST_TEST_SET
        ]
        assert len(part) >= 5, language
        right, n = sum(s.right for s in part), sum(s.n for s in part)
        unsafe = sum(s.told_send["dont-send"] for s in part)
        bad = sum(s.by_label["dont-send"] for s in part)
        blocked = sum(s.harmless_blocked for s in part)
        harmless = sum(s.by_label["send"] for s in part)
        assert right / n >= goal, f"{language}: {right}/{n} right"
        assert unsafe / bad <= UNSAFE_GOAL, f"{language}: {unsafe}/{bad} must-not-send told send"
        assert blocked / harmless <= BLOCKED_GOAL, f"{language}: {blocked}/{harmless} blocked"
