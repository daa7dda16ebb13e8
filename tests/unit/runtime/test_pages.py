"""Grouping texts into messages that fit Discord's limits."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.replies import pages


def test_parts_fill_a_page_before_the_next_one_starts() -> None:
    assert pages(["aaa", "bb", "c"], 6) == [range(0, 2), range(2, 3)]
    assert pages(["aaa", "bb", "c"], 8) == [range(0, 3)]
    assert pages([], 10) == []


def test_a_part_longer_than_the_limit_gets_a_page_of_its_own() -> None:
    assert pages(["a", "x" * 20, "b"], 5, "--") == [range(0, 1), range(1, 2), range(2, 3)]


@given(
    st.lists(st.text(max_size=30), max_size=40),
    st.integers(min_value=1, max_value=80),
    st.sampled_from(["\n", "\n\n", ""]),
)
def test_pages_cover_every_part_in_order_and_fit(parts, limit, sep) -> None:
    runs = pages(parts, limit, sep)
    assert [i for run in runs for i in run] == list(range(len(parts)))
    for run in runs:
        joined = sep.join(parts[run.start : run.stop])
        assert len(run) > 0 and (len(joined) <= limit or len(run) == 1)
    for before, after in pairwise(runs):
        grown = sep.join(parts[before.start : after.start + 1])
        assert len(grown) > limit, "a page ends only when the next part would not fit"
