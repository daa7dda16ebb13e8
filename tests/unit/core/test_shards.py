"""SHARD_COUNT and SHARD_IDS as read, and the shard a server's events go to."""

import pytest

from bot.core.shards import check_ids, parse_count, parse_ids, shard_of


def test_ids_read_ranges_lists_and_both():
    assert parse_ids("0-3") == (0, 1, 2, 3)
    assert parse_ids("0,2,5") == (0, 2, 5)
    assert parse_ids(" 4, 0-1,1 ") == (0, 1, 4)
    assert parse_ids("7") == (7,)


@pytest.mark.parametrize("text", ["", "a", "1-", "-1", "0,,2", "1.5", "0-2-3"])
def test_ids_that_are_not_ids_are_refused(text):
    with pytest.raises(ValueError, match="like 0-3 or 0,2,5"):
        parse_ids(text)


def test_count_is_a_number_from_one_or_auto():
    assert parse_count("auto") == parse_count(" Auto ") == "auto"
    assert parse_count("12") == 12
    for bad in ("0", "-2", "2.5", ""):
        with pytest.raises(ValueError):
            parse_count(bad)


def test_ids_must_be_below_the_count():
    check_ids((0, 1, 2), 3)
    with pytest.raises(
        ValueError, match="names shard 3, but with SHARD_COUNT 3 the shards are 0-2"
    ):
        check_ids((1, 3), 3)


def test_servers_go_to_guild_id_shifted_modulo_count_and_dms_to_shard_0():
    assert shard_of(None, 4) == 0
    assert shard_of(5 << 22, 4) == 1
    assert shard_of((6 << 22) | 123, 4) == 2
    assert shard_of(12345 << 22, 1) == 0
