"""Which draft patterns can match a draft at all, read from the literals every match contains.

Most of the draft checker's patterns cannot match a given draft; finding which can, from the key
literals the draft contains (one Aho-Corasick pass), lets `bot.core.draft_rules` run only those,
with the same findings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import ahocorasick


@dataclass(frozen=True, slots=True)
class Gate:
    """Which patterns can match a draft at all, found from literals every match must contain.

    Each pattern is read once, when the rules load (`key_literals`): for example every match of
    `(left|leaving) me on (read|seen)` contains " me on " and one of "read", "seen". A pattern
    runs on a draft only if the draft contains a literal of each of its key sets, so most
    patterns are skipped for the price of one pass over the draft, and the findings are the
    same as if every pattern ran. A pattern with no key literal (an emoji class) always runs.
    The literals the draft contains are found in one pass by an Aho-Corasick automaton
    (pyahocorasick, in C), however many literals the rules have.
    """

    # literal -> the (rule, pattern, other key sets) of the slots whose first key set holds it
    unlock: dict[str, tuple[tuple[int, int, tuple[frozenset[str], ...]], ...]]
    # every key literal, found in a draft in one pass (compared by the literals it was built from)
    finder: ahocorasick.Automaton = field(compare=False)
    always: tuple[frozenset[int], ...]

    @classmethod
    def of(cls, rules: Sequence[Sequence[str]]) -> Gate:
        """Read the key literals of each rule's patterns (its `patterns`, then its `unless`)."""
        unlock: dict[str, list[tuple[int, int, tuple[frozenset[str], ...]]]] = {}
        always: list[set[int]] = []
        finder = ahocorasick.Automaton()
        for r, patterns in enumerate(rules):
            always.append(set())
            for slot, pattern in enumerate(patterns):
                keys = key_literals(pattern)
                if not keys:
                    always[r].add(slot)
                    continue
                for literal in keys[0]:
                    unlock.setdefault(literal, []).append((r, slot, keys[1:]))
                for literal in frozenset().union(*keys):
                    finder.add_word(literal, literal)
        finder.make_automaton()
        return cls(
            unlock={k: tuple(v) for k, v in unlock.items()},
            finder=finder,
            always=tuple(map(frozenset, always)),
        )

    def present(self, text: str) -> set[str]:
        """Return the key literals `text` contains."""
        if not text or self.finder.kind != ahocorasick.AHOCORASICK:  # no literals: not built
            return set()
        return {literal for _end, literal in self.finder.iter(text)}

    def on(self, text: str) -> list[set[int]]:
        """Return, for each rule, the slots of the patterns that may match `text`."""
        present = self.present(text)
        on = [set(slots) for slots in self.always]
        unlock = self.unlock
        for literal in present:
            for r, slot, others in unlock.get(literal, ()):
                for keys in others:
                    if keys.isdisjoint(present):
                        break
                else:
                    on[r].add(slot)
        return on


@functools.cache
def key_literals(pattern: str) -> tuple[frozenset[str], ...]:
    """Return sets of literals such that every match of `pattern` contains one of each set,
    the most telling set first (its shortest literal the longest); empty if none is known.

    Read from the parsed regex: a run of literal characters (zero-width assertions such as
    `\\b` or a look-behind do not break a run), a group or alternation whose every branch has
    one, a repeat of at least once. Character classes, optional parts and look-arounds give
    nothing (they are allowed to, but need not, appear in a match).
    """
    from re import _parser  # type: ignore[attr-defined]

    found = _must(_parser.parse(pattern, re.MULTILINE))
    found.sort(key=lambda keys: (-min(map(len, keys)), len(keys)))
    return tuple(found[:3])


def _must(parsed: object) -> list[frozenset[str]]:
    """The key literal sets of one parsed regex sequence (see `key_literals`)."""
    from re import _constants as sre  # type: ignore[attr-defined]

    found: list[frozenset[str]] = []
    run = ""
    for op, arg in parsed:  # type: ignore[attr-defined]
        if op is sre.LITERAL:
            run += chr(arg)
            continue
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero width: the characters either side are still next to each other
        if run:
            found.append(frozenset([run]))
            run = ""
        inner: frozenset[str] | None = None
        if op is sre.SUBPATTERN and not arg[1] and not arg[2]:  # no inline flags
            inner = _best(_must(arg[3]))
        elif op is sre.BRANCH:
            branches = [_best(_must(branch)) for branch in arg[1]]
            if all(branches):
                inner = frozenset().union(*branches)  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            inner = _best(_must(arg[2]))
        if inner:
            found.append(inner)
    if run:
        found.append(frozenset([run]))
    return found


def _best(found: list[frozenset[str]]) -> frozenset[str] | None:
    """The most telling of several key sets (its shortest literal the longest), if any."""
    return max(found, key=lambda keys: (min(map(len, keys)), -len(keys)), default=None)
