"""The two store backends for tests: SQLite files, and a fresh PostgreSQL schema per test.

`TEST_DATABASE_URL` names the PostgreSQL to use; unset, `postgresql://postgres@127.0.0.1:5432/test`
is used when it answers within a second. Without one, the PostgreSQL cases are skipped and
one line at the end says so and how to run them; under `CI=true` they fail instead. Each test
gets its own schema (dropped afterwards), so parallel runs never meet.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
_skipped: list[str] = []
_why_not: list[str] = []  # why the probe found no PostgreSQL, for the CI=true failure


@functools.cache
def pg_base() -> str | None:
    """The PostgreSQL the tests may use, or None when none answers.

    A busy machine (two cores, the suite running) can make one connection slow, so the probe
    tries a few times with a growing timeout before it decides there is no server; the last
    reason is kept for the message.
    """
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG

    async def answers() -> bool:
        for timeout in (2, 4, 8):
            try:
                con = await asyncpg.connect(url, timeout=timeout)
            except (OSError, asyncpg.PostgresError, TimeoutError, ValueError) as exc:
                _why_not.append(f"{type(exc).__name__}: {exc}")
                if isinstance(exc, ValueError | asyncpg.InvalidAuthorizationSpecificationError):
                    return False
                await asyncio.sleep(0.5)
                continue
            await con.close()
            return True
        return False

    return url if asyncio.run(answers()) else None


def with_schema(url: str, schema: str) -> str:
    """The URL with `search_path` set to `schema` (asyncpg passes it as a server setting)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("search_path", schema)])))


def _admin(url: str, sql: str) -> None:
    async def run() -> None:
        con = await asyncpg.connect(url, timeout=5)
        try:
            await con.execute(sql)
        finally:
            await con.close()

    asyncio.run(run())


def need_pg() -> str:
    """The PostgreSQL URL, or skip (fail under CI=true) when there is none."""
    url = pg_base()
    if url is None:
        where = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
        if os.environ.get("CI") == "true":
            reason = _why_not[-1] if _why_not else "no answer"
            pytest.fail(
                f"CI=true and no PostgreSQL answers at {where} ({reason}; set TEST_DATABASE_URL)"
            )
        _skipped.append(where)
        pytest.skip(f"no PostgreSQL at {where}")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A DATABASE_URL to a fresh, empty schema of the test PostgreSQL, dropped afterwards."""
    base = need_pg()
    schema = f"test_{secrets.token_hex(6)}"
    _admin(base, f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(base, schema)
    finally:
        _admin(base, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Where a store opens: a SQLite file, or a fresh PostgreSQL schema (each test runs twice)."""
    if request.param == "sqlite":
        return str(tmp_path / "t.db")
    return str(request.getfixturevalue("pg_url"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once that the PostgreSQL cases were skipped, and how to run them."""
    if _skipped:
        terminalreporter.write_line(
            f"PostgreSQL suite skipped ({len(_skipped)} tests): no server at {_skipped[0]}; "
            "start one or set TEST_DATABASE_URL=postgresql://USER@HOST:PORT/DB to run it"
        )
