"""Time zones: IANA names and cities, never a silent fixed-offset abbreviation."""

from __future__ import annotations

import pytest

from bot.core.zones import (
    COMMON_ZONES,
    WORLD_ZONES,
    ZoneError,
    choose_zone,
    city_of,
    common_zones,
    rank_zones,
    zones,
)


def test_a_city_typed_exactly_comes_first() -> None:
    assert rank_zones("tok", 5)[:2] == ["Asia/Tokyo", "Antarctica/Vostok"]
    assert rank_zones("Tokyo", 3)[0] == "Asia/Tokyo"
    assert rank_zones("new york", 3)[0] == "America/New_York"
    assert rank_zones("paris", 3)[0] == "Europe/Paris"
    assert rank_zones("", 2) == ["Asia/Tokyo", "UTC"]


@pytest.mark.parametrize(
    ("typed", "zone", "abbreviation"),
    [
        ("Asia/Tokyo", "Asia/Tokyo", None),
        ("asia/tokyo", "Asia/Tokyo", None),
        ("tokyo", "Asia/Tokyo", None),
        ("New York", "America/New_York", None),
        ("UTC", "UTC", None),
        ("EST", "America/New_York", "EST"),
        ("pst", "America/Los_Angeles", "PST"),
        ("JST", "Asia/Tokyo", "JST"),
    ],
)
def test_choose_zone(typed: str, zone: str, abbreviation: str | None) -> None:
    chosen = choose_zone(typed)
    assert (chosen.zone, chosen.abbreviation) == (zone, abbreviation)


@pytest.mark.parametrize(
    ("typed", "key"), [("IST", "ambiguous"), ("CST", "ambiguous"), ("Mars/Olympus", "unknown")]
)
def test_refused(typed: str, key: str) -> None:
    with pytest.raises(ZoneError) as err:
        choose_zone(typed)
    assert err.value.key == f"remind.timezone.{key}"


def test_no_fixed_offset_zone_is_offered() -> None:
    """EST, MST, Etc/GMT+5 … are fixed offsets: choosing one would lose daylight saving."""
    offered = set(zones())
    assert not offered & {"EST", "MST", "HST", "EST5EDT", "CET", "Etc/GMT+5", "US/Eastern"}
    assert {"Asia/Tokyo", "America/New_York", "Europe/London"} <= offered


def test_common_zones_are_real_city_zones_for_each_locale_and_fit_a_select():
    for offered in (*COMMON_ZONES.values(), WORLD_ZONES):
        assert len(offered) == len(set(offered)) <= 25
        for zone in offered:
            assert choose_zone(zone).zone == zone
    assert common_zones("en-US")[0] == "America/New_York"
    assert common_zones("en-GB")[0] == "Europe/London"
    assert common_zones("pt-BR") == WORLD_ZONES
    assert city_of("America/New_York") == "New York"
    assert city_of("America/Argentina/Buenos_Aires") == "Buenos Aires"
