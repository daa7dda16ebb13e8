"""Time zones a user can choose: IANA names only, found by city, never a bare abbreviation.

`EST`, `PST`, `CET` and the like are fixed offsets in the tz database: a user who types one
would silently lose daylight saving. They are mapped to the city zone people mean, with a note
(`EST` → America/New_York), or refused with a hint where they mean several places (`IST`).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache

# What people mean by the abbreviations they type (the zone follows daylight saving).
ABBREVIATIONS = {
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "akst": "America/Anchorage",
    "hst": "Pacific/Honolulu",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "hkt": "Asia/Hong_Kong",
    "sgt": "Asia/Singapore",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "awst": "Australia/Perth",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "gmt": "Europe/London",
    "bst": "Europe/London",
    "wet": "Europe/Lisbon",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "eet": "Europe/Athens",
    "msk": "Europe/Moscow",
}
# Abbreviations that name several places: refused with a hint to type a city.
AMBIGUOUS = frozenset({"ist", "cst", "ast", "bst1", "sst", "gst"})
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")


@dataclass(frozen=True)
class ZoneChoice:
    """A zone to store, and `abbreviation` when it was read from one (to say so)."""

    zone: str
    abbreviation: str | None = None


class ZoneError(ValueError):
    """The name is no time zone; `key` names the message that says why."""

    def __init__(self, key: str, name: str) -> None:
        super().__init__(key)
        self.key, self.name = key, name


@cache
def zones() -> tuple[str, ...]:
    """Every IANA zone a user can pick: area/city names, no legacy aliases or abbreviations."""
    return tuple(
        sorted(
            z
            for z in zoneinfo.available_timezones()
            if "/" in z and not z.startswith(_LEGACY_PREFIXES)
        )
    )


def choose_zone(name: str) -> ZoneChoice:
    """Read a typed zone: an IANA name (any case), a city, or an abbreviation people use."""
    typed = name.strip()
    key = typed.casefold()
    if key in ("utc", "etc/utc", "gmt+0", "z"):
        return ZoneChoice("UTC")
    if key in AMBIGUOUS:
        raise ZoneError("remind.timezone.ambiguous", typed)
    if key in ABBREVIATIONS:
        return ZoneChoice(ABBREVIATIONS[key], abbreviation=typed.upper())
    by_name = {z.casefold(): z for z in zones()}
    if key in by_name:
        return ZoneChoice(by_name[key])
    city = key.replace(" ", "_")
    by_city = [z for z in zones() if z.rsplit("/", 1)[-1].casefold() == city]
    if len(by_city) == 1:
        return ZoneChoice(by_city[0])
    raise ZoneError("remind.timezone.unknown", typed)


def rank_zones(typed: str, limit: int) -> list[str]:
    """Zones for what was typed, best first: the city named exactly, then cities starting with
    it, then any zone containing it (so "tok" gives Asia/Tokyo before Antarctica/Vostok)."""
    needle = typed.strip().casefold().replace(" ", "_")
    if not needle:
        return ["Asia/Tokyo", "UTC"][:limit]
    if needle in ABBREVIATIONS:
        return [ABBREVIATIONS[needle]][:limit]

    def rank(zone: str) -> tuple[int, str]:
        city = zone.rsplit("/", 1)[-1].casefold()
        if city == needle:
            return 0, zone
        if city.startswith(needle):
            return 1, zone
        if zone.casefold().startswith(needle):
            return 2, zone
        return 3, zone

    hits = [z for z in zones() if needle in z.casefold()]
    return sorted(hits, key=rank)[:limit]


# Offered when a user who has not chosen a time zone sets their first time-based reminder,
# by their Discord locale (a select holds at most 25; a city not listed is typed in
# /settings timezone). Japanese users are on Tokyo time unless they choose otherwise.
COMMON_ZONES: dict[str, tuple[str, ...]] = {
    "en-US": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Toronto",
        "America/Vancouver",
        "America/Mexico_City",
        "America/Sao_Paulo",
        "Europe/London",
        "Europe/Berlin",
        "Asia/Kolkata",
        "Asia/Manila",
        "Asia/Tokyo",
        "Australia/Sydney",
    ),
    "en-GB": (
        "Europe/London",
        "Europe/Dublin",
        "Europe/Lisbon",
        "Europe/Paris",
        "Europe/Berlin",
        "Europe/Athens",
        "Africa/Johannesburg",
        "Asia/Dubai",
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Hong_Kong",
        "Asia/Tokyo",
        "Australia/Perth",
        "Australia/Sydney",
        "Pacific/Auckland",
        "America/New_York",
        "America/Los_Angeles",
    ),
}
WORLD_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Africa/Lagos",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
)


def common_zones(discord_locale: str) -> tuple[str, ...]:
    """The zones to offer a user whose Discord is in `discord_locale` (e.g. `en-US`)."""
    return COMMON_ZONES.get(discord_locale, WORLD_ZONES)


def city_of(zone: str) -> str:
    """The place a zone is named after, as people write it (`America/New_York` → New York)."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")
