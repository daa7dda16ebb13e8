"""Reading SHARD_COUNT and SHARD_IDS: which shards of how many this process runs.

Discord sends a server's events to shard `(guild_id >> 22) % count` and DMs to shard 0.
"""

from __future__ import annotations

AUTO = "auto"


def shard_of(guild_id: int | None, count: int) -> int:
    """The shard Discord sends a server's events to (DMs, with no server: shard 0)."""
    return 0 if guild_id is None or count <= 1 else (guild_id >> 22) % count


def parse_count(text: str) -> int | str:
    """`auto`, or a whole number of shards from 1; raise ValueError with a kind reason."""
    value = text.strip().lower()
    if value == AUTO:
        return AUTO
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"must be a number of shards from 1, or auto (not {text!r})")
    return int(value)


def parse_ids(text: str) -> tuple[int, ...]:
    """Shard ids from `0-3`, `0,2,5` or both (`0-3,8`), sorted, each once."""
    ids: set[int] = set()
    for part in text.replace(" ", "").split(","):
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise ValueError(f"must be shard ids like 0-3 or 0,2,5 (not {text!r})")
        first, last = int(low), int(high) if sep else int(low)
        if last < first:
            raise ValueError(f"has the range {part} backwards: write {last}-{first}")
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


def check_ids(ids: tuple[int, ...], count: int) -> None:
    """Raise ValueError when an id is not below the count (ids run 0 to count - 1)."""
    beyond = [i for i in ids if i >= count]
    if beyond:
        span = "0" if count == 1 else f"0-{count - 1}"
        raise ValueError(
            f"names shard {beyond[-1]}, but with SHARD_COUNT {count} the shards are {span}"
        )
