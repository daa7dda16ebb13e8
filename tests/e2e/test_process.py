"""`python -m bot` as a real process: start-up, /about, heartbeat, clean shutdown, refusals."""

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.locales import DEFAULT_CONTENT_DIR
from bot.store import Store, migrations, open_store, read_heartbeat

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_process_connects_syncs_answers_and_stops_cleanly_on_sigterm(
    fake_discord, tmp_path, db_url
):
    """`python -m bot` with DATABASE_URL on each backend: sqlite:///… and postgresql://…."""
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    env = {"PYTHONPATH": str(ROOT), "DATABASE_URL": url}
    proc = await fake_discord.start_process(expect_sync=True, cwd=tmp_path, env=env)
    about = await fake_discord.slash("about", user="haruto")
    assert about.ephemeral and about.embeds
    await fake_discord.slash("remind at", {"when": "明日の20時", "note": "電話"}, user="haruto")
    async with open_store(url, FakeClock()) as store:
        [pending] = await store.pending_for(fake_discord.user("haruto").id)
        assert pending.note == "電話", "written to the database DATABASE_URL names"
    healthy = run_cli(tmp_path, "healthcheck", DATABASE_URL=url)
    assert healthy.returncode == 0, healthy.stderr + proc.output()
    assert await proc.stop() == 0
    assert "Tayori stopped" in proc.output()
    assert "Traceback" not in proc.output()
    assert "voice will NOT be supported" not in proc.output(), "no voice warnings: no voice"


def test_healthcheck_fails_without_a_heartbeat(tmp_path):
    result = run_cli(tmp_path, "healthcheck", DATABASE_PATH=str(tmp_path / "none.db"))
    assert result.returncode == 1, "unhealthy (Docker reserves 2)"
    (line,) = result.stderr.strip().splitlines()
    assert "the bot has not run" in line and "cannot be read" not in line


def test_check_content_prints_a_summary(tmp_path):
    result = run_cli(tmp_path, "check-content")
    assert result.returncode == 0, result.stderr
    assert "ja: 6 reasons, 4 NG items" in result.stdout
    assert result.stdout.strip().endswith("content OK")


def test_malformed_content_exits_2_naming_file_and_key(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    path = content / "en" / "diagnose.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("[strength]", "[strength]\nlikely_x = 1", 1)
    )
    result = run_cli(tmp_path, DISCORD_TOKEN="t", CONTENT_DIR=str(content))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "en/diagnose.toml: strength.likely_x:" in line


def test_newer_database_exits_2_with_a_clear_line(tmp_path):
    db = tmp_path / "new.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(migrations()) + 1}")
    conn.close()
    result = run_cli(tmp_path, DISCORD_TOKEN="t", DATABASE_PATH=str(db))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "newer than this code" in line


async def test_python_m_bot_sync_syncs_globally_and_exits(fake_discord, tmp_path):
    store = await Store.open(tmp_path / "s.db", FakeClock())
    in_flight = await store.add_reminder(1, "at", store.clock.now(), "ja")
    await store.claim(in_flight.id)  # a running bot is sending it right now
    await store.close()
    env = {
        **os.environ,
        **fake_discord.env(DATABASE_PATH=str(tmp_path / "s.db")),
        "PYTHONPATH": str(ROOT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, output.decode()
    puts = [r for r in fake_discord.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 1
    assert {c["name"] for c in fake_discord.commands} >= {"about", "diagnose", "remind"}
    assert "commands synced globally" in output.decode()
    assert "retention purge" not in output.decode(), "sync runs no background service"
    store = await Store.open(tmp_path / "s.db", FakeClock())
    assert (await store.reminder(in_flight.id)).state == "sending", "left to the running bot"
    await store.close()


async def test_sigkilled_process_restarts_and_an_old_button_still_works(
    fake_discord, tmp_path, content
):
    db = tmp_path / "k.db"
    env = {"PYTHONPATH": str(ROOT)}
    first = await fake_discord.start_process(
        database_path=db, cwd=tmp_path, env=env, expect_sync=True
    )
    started = await fake_discord.slash("diagnose start", {}, user="haruto", dm=True)
    q = content["ja"].diagnose.questions
    answered = await fake_discord.click(started, label=q[0].options[0].label, user="haruto")
    assert answered.message.embeds[0]["title"] == content["ja"].text(
        "diagnose.progress", n=2, total=len(q)
    )
    assert await first.kill() != 0
    await fake_discord.start_process(database_path=db, cwd=tmp_path, env=env)
    resumed = await fake_discord.click(answered, label=q[1].options[0].label, user="haruto")
    assert resumed.message.embeds[0]["title"] == content["ja"].text(
        "diagnose.progress", n=3, total=len(q)
    )


def test_discord_out_of_reach_at_start_is_one_line_and_exit_2(tmp_path):
    result = run_cli(
        tmp_path,
        DISCORD_TOKEN="t",
        DATABASE_PATH=str(tmp_path / "t.db"),
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("tayori: cannot reach Discord (")
    assert "Traceback" not in result.stderr


async def test_the_heartbeat_stops_while_the_gateway_is_down(fake_discord, bot, clock):
    assert bot.gateway_up and await bot.beat()
    bot.dispatch("disconnect")
    await fake_discord.wait_until(lambda: not bot.gateway_up)
    clock.advance(timedelta(minutes=5))
    assert await bot.beat() is False
    assert await bot.store.get_meta("heartbeat") != clock.now().isoformat()
    await fake_discord.reconnect()  # op 7, then RESUMED
    await fake_discord.wait_until(lambda: bot.gateway_up)
    assert await bot.beat()
    assert read_heartbeat(bot.settings.database_path) == clock.now()


async def test_a_backup_taken_while_the_bot_runs_restores_and_runs(fake_discord, tmp_path):
    live, copy = tmp_path / "live.db", tmp_path / "backups" / "copy.db"
    proc = await fake_discord.start_process(
        database_path=live, expect_sync=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)}
    )
    note = {"when": "3時間後", "note": "バックアップ"}
    await fake_discord.slash("remind at", note, user="haruto")
    taken = await asyncio.to_thread(run_cli, tmp_path, "backup", str(copy), DATABASE_PATH=str(live))
    assert taken.returncode == 0, taken.stderr
    assert f"written to {copy}" in taken.stdout and "reminders: 1" in taken.stdout
    assert await proc.stop() == 0
    assert not copy.with_name("copy.db.partial").exists()

    restored = await fake_discord.start_process(
        database_path=copy, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)}
    )
    listed = await fake_discord.slash("remind list", user="haruto")
    assert "バックアップ" in listed.text, "the restored bot has the reminder"
    assert await restored.stop() == 0


def test_backup_refuses_kindly(tmp_path):
    missing = run_cli(tmp_path, "backup", "out.db", DATABASE_PATH=str(tmp_path / "none.db"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"tayori: backup failed: no database at {tmp_path / 'none.db'}"
    no_path = run_cli(tmp_path, "backup", DATABASE_PATH=str(tmp_path / "none.db"))
    assert no_path.returncode == 2 and "python -m bot backup PATH" in no_path.stderr


def test_backup_on_postgresql_says_to_use_pg_dump(tmp_path):
    result = run_cli(tmp_path, "backup", "out.db", DATABASE_URL="postgresql://u@127.0.0.1/db")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "pg_dump" in line and not (tmp_path / "out.db").exists()


def test_healthcheck_loads_neither_pydantic_nor_discord(tmp_path):
    probe = (
        "import sys; from bot.__main__ import main; code = main(['healthcheck']); "
        "heavy = sorted(m for m in ('pydantic', 'discord', 'bot.config', 'bot.store.models') "
        "if m in sys.modules); print(code, heavy)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    (tmp_path / ".env").write_text(f"DATABASE_PATH={tmp_path / 'from-dotenv.db'}\n")
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "1 []", done.stdout + done.stderr
    assert "from-dotenv.db" in done.stderr, "DATABASE_PATH is read from .env, as the bot does"


def test_healthcheck_names_a_bad_heartbeat_setting(tmp_path):
    result = run_cli(tmp_path, "healthcheck", HEARTBEAT_SECONDS="soon")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tayori: HEARTBEAT_SECONDS must be a number of seconds up to 3600"
    )


async def output_shows(proc, pattern: str, within: float = 30.0) -> re.Match[str]:
    """Wait (watching the process's log, not for a fixed time) until a line matches."""
    deadline = time.monotonic() + within
    while not (found := re.search(pattern, proc.output())):
        assert time.monotonic() < deadline and proc.running, proc.output()
        await asyncio.sleep(0.05)
    return found


@pytest.mark.expected_errors  # discord.py logs each failed reconnect as an ERROR
async def test_sigterm_while_discord_is_unreachable_stops_within_5_seconds(fake_discord, tmp_path):
    """discord.py sleeps its reconnect back-off (16 s and more) without looking at a close."""
    proc = await fake_discord.start_process(
        database_path=tmp_path / "u.db",
        expect_sync=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
    )
    await fake_discord.go_offline()
    # a back-off long enough that waiting it out would show; discord.py picks it at random
    backoff = await output_shows(proc, r"Attempting a reconnect in ([3-9]|\d\d+)\.\d\ds")
    sent = time.monotonic()
    assert await proc.stop(within=10) == 0
    took = time.monotonic() - sent
    assert took < min(5.0, float(backoff[1]) - 0.5), f"{took:.1f} s for SIGTERM"
    assert "Tayori stopped" in proc.output()


def test_a_database_lost_since_the_last_start_is_not_created_anew(tmp_path):
    unreachable = {
        "DISCORD_TOKEN": "t",
        "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
    }
    db = tmp_path / "data" / "tayori.db"
    first = run_cli(tmp_path, DATABASE_PATH=str(db), **unreachable)
    assert "cannot reach Discord" in first.stderr, "the first start just works"
    assert db.exists() and (tmp_path / "data" / "tayori.db-created").exists()
    db.unlink()
    lost = run_cli(tmp_path, DATABASE_PATH=str(db), **unreachable)
    assert lost.returncode == 2 and not db.exists()
    (line,) = lost.stderr.strip().splitlines()
    assert f"{db} is missing" in line and "--init" in line and "backup" in line
    again = run_cli(tmp_path, "--init", DATABASE_PATH=str(db), **unreachable)
    assert "cannot reach Discord" in again.stderr and db.exists(), "told to: a fresh one"


def read_only(folder: Path) -> list[str]:
    """A command prefix that runs a program with `folder` mounted read-only (only for it)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        for f in folder.iterdir():
            f.chmod(0o444)
        return []
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a folder read-only as root")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, str(folder)]


def test_a_read_only_mount_at_start_says_read_only_and_names_the_path(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "tayori.db"
    sqlite3.connect(db).close()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
    env = {**base, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "t", "DATABASE_PATH": str(db)}
    command = [*read_only(data), sys.executable, "-m", "bot"]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    if "mount:" in result.stderr:
        pytest.skip(f"cannot mount read-only here: {result.stderr.strip()}")
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "read-only" in line and str(db) in line, line
    assert "unable to open database file" not in line
