import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import JsonFormatter, SettingsError, TextFormatter, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "DATABASE_", "DEV_GUILD", "LOG_LEVEL", "DEFAULT_LOCALE")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run_bot(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path):
    result = run_bot(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tayori: DISCORD_TOKEN is required: copy .env.example to .env and put the bot token "
        "from the Developer Portal in it"
    ]
    assert "Traceback" not in result.stderr


def test_bad_setting_names_the_variable(tmp_path):
    result = run_bot(tmp_path, DISCORD_TOKEN="x", DEV_GUILD_ID="not-a-number")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tayori: DEV_GUILD_ID ")


def test_token_from_dotenv_file(clean_env, tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.token() == "abc"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "starts"),
    [
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of"),
        ("DEFAULT_LOCALE", "fr", "DEFAULT_LOCALE must be one of"),
        ("DISCORD_API_BASE", "ftp://x", "DISCORD_API_BASE must be an http"),
        ("DIAGNOSIS_RETENTION_DAYS", "0", "DIAGNOSIS_RETENTION_DAYS "),
        ("HEARTBEAT_SECONDS", "inf", "HEARTBEAT_SECONDS "),
        ("HEARTBEAT_SECONDS", "1e300", "HEARTBEAT_SECONDS "),
        ("PRIVACY_URL", "PRIVACY.md", "PRIVACY_URL must be the http(s):// address"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT "),
        ("METRICS_PORT", "70000", "METRICS_PORT "),
        ("DISCORD_REQUESTS_PER_SECOND", "0", "DISCORD_REQUESTS_PER_SECOND "),
        ("REMINDER_LEASE_SECONDS", "1", "REMINDER_LEASE_SECONDS "),
    ],
)
def test_each_bad_setting_is_named(clean_env, monkeypatch, name, value, starts):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(starts)


def test_a_setting_left_empty_in_env_is_unset(clean_env, tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\nDEV_GUILD_ID=\nPRIVACY_URL=\n")
    settings = load_settings()
    assert (settings.dev_guild_id, settings.privacy_url) == (None, None)


def test_blank_token_is_refused(clean_env):
    with pytest.raises(SettingsError, match="DISCORD_TOKEN is required"):
        load_settings(discord_token="  ").token()


def test_unusable_database_path_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "a-folder").mkdir()
    result = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(tmp_path / "a-folder"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tayori: database: DATABASE_PATH ")
    blocked = tmp_path / "file"
    blocked.write_text("")
    result = run_bot(tmp_path, DISCORD_TOKEN="x", DATABASE_PATH=str(blocked / "sub" / "t.db"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def record(**fields) -> logging.LogRecord:
    made = logging.LogRecord(
        "bot.interactions", logging.INFO, __file__, 1, "interaction handled", (), None
    )
    made.created = 1773111600.25  # 2026-03-10 03:00:00.250 UTC
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def test_json_logs_are_one_object_per_event_with_the_structured_fields():
    line = JsonFormatter().format(
        record(command="/about", outcome="ok", latency_ms=3.5, guild=7, shard=0)
    )
    assert json.loads(line) == {
        "ts": "2026-03-10T03:00:00.250+00:00",
        "level": "INFO",
        "logger": "bot.interactions",
        "message": "interaction handled",
        "command": "/about",
        "outcome": "ok",
        "latency_ms": 3.5,
        "guild": 7,
        "shard": 0,
    }
    assert "\n" not in line


def test_only_the_known_fields_reach_a_line():
    made = record(command="/about", note="ZQXW")  # a field nobody declared never leaks
    assert "ZQXW" not in JsonFormatter().format(made)
    assert "ZQXW" not in TextFormatter().format(made)
    assert TextFormatter().format(made).endswith("interaction handled command=/about")


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be a number of shards from 1, or auto (not '0')"),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT must be a number of shards from 1, or auto"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "SHARD_IDS has the range 3-1 backwards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0-x"}, "SHARD_IDS must be shard ids like 0-3 or 0,2,5"),
        (
            {"SHARD_COUNT": "4", "SHARD_IDS": "2,4"},
            "SHARD_IDS names shard 4, but with SHARD_COUNT 4 the shards are 0-3",
        ),
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS needs SHARD_COUNT too"),
    ],
)
def test_bad_shard_settings_are_one_kind_line(clean_env, monkeypatch, env, line):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(line)


def test_shard_settings_read_a_count_auto_and_ranges(clean_env, monkeypatch):
    assert not load_settings().sharded, "neither set: one unsharded connection, as before"
    monkeypatch.setenv("SHARD_COUNT", "AUTO")
    assert (load_settings().shard_count, load_settings().sharded) == ("auto", True)
    monkeypatch.setenv("SHARD_COUNT", "6")
    monkeypatch.setenv("SHARD_IDS", "0-2, 5")
    settings = load_settings()
    assert (settings.shard_count, settings.shard_ids) == (6, "0-2, 5")


def test_a_bad_shard_range_stops_the_bot_with_one_line(tmp_path):
    result = run_bot(tmp_path, DISCORD_TOKEN="t", SHARD_COUNT="2", SHARD_IDS="0-2")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tayori: SHARD_IDS names shard 2, but with SHARD_COUNT 2 the shards are 0-1"
    ]
