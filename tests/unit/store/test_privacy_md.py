"""PRIVACY.md states exactly what the code stores: its table lists exactly the migrated tables."""

import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.clock import FakeClock
from bot.store import USER_TABLES, open_store

PRIVACY_MD = Path(__file__).resolve().parents[3] / "PRIVACY.md"
ROW = re.compile(r"^\|\s*`(?P<table>[a-z_]+)`\s*\|(?P<what>[^|]+)\|(?P<kept>[^|]+)\|\s*$")


def documented() -> dict[str, tuple[str, str]]:
    """Table name -> (what, kept), from the rows of the markdown table in PRIVACY.md."""
    rows = {}
    for line in PRIVACY_MD.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match["table"] not in rows, f"{match['table']} is listed twice"
            rows[match["table"]] = (match["what"].strip(), match["kept"].strip())
    return rows


@pytest.fixture
async def schema(db_url) -> dict[str, list[str]]:
    """Table name -> column names, in a database after every migration (on both backends)."""
    async with open_store(db_url, FakeClock()) as store:
        return await store.tables()


def test_the_markdown_table_is_found():
    rows = documented()
    assert len(rows) >= 3
    assert all(what and kept for what, kept in rows.values())


async def test_privacy_md_names_exactly_the_tables_that_exist(schema):
    assert set(documented()) == set(schema), (
        "PRIVACY.md must list every table the migrations create, and no other: "
        "document a new table there (what it holds and how long it is kept)"
    )


async def test_every_table_about_users_is_covered_by_export_and_delete(schema):
    about_users = {table for table, columns in schema.items() if "user_id" in columns}
    assert about_users == set(USER_TABLES), (
        "a table with a user_id column must be in USER_TABLES, so /privacy export and "
        "/privacy delete cover it"
    )


def test_retention_periods_match_the_settings():
    rows = documented()
    defaults = Settings.model_fields
    days = {
        "diagnoses": defaults["diagnosis_retention_days"].default,
        "reminders": defaults["reminder_retention_days"].default,
    }
    for table, number in days.items():
        assert re.search(rf"\b{number} days\b", rows[table][1]), (table, rows[table][1])
