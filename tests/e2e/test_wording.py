"""End to end: the Japanese wording fixed in issue #16 item 9, as a Japanese user sees it.

「静かな時間」 read as a translation of "quiet hours": it is 「通知しない時間帯」 everywhere; the
timezone option is called 「タイムゾーン」, not 「地域」; the /diagnose evidence line no longer
opens with the stiff 「こう答えたから：」.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.core.diagnosis import diagnose, evidence

from .diagnosing import answer_all

MESSAGES = Path(__file__).resolve().parents[2] / "content" / "ja" / "messages"
QUIET = "通知しない時間帯"
# they always wrote first and recently hinted: write to me
WAITING = {"who-wrote-first": ("them",), "hint": ("recent",), "last-message": ("paused",)}


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _ja_message_texts() -> list[str]:
    files = sorted(MESSAGES.glob("*.toml"))
    assert files, MESSAGES
    return [s for f in files for s in _strings(tomllib.loads(f.read_text(encoding="utf-8")))]


def _subcommand(commands: list[dict], group: str, name: str) -> dict:
    command = next(c for c in commands if c["name"] == group)
    return next(o for o in command["options"] if o["name"] == name)


def _option(parent: dict, name: str) -> dict:
    return next(o for o in parent["options"] if o["name"] == name)


def test_no_japanese_message_says_shizuka_na_jikan_or_the_old_heading():
    texts = _ja_message_texts()
    for old in ("静かな時間", "こう答えたから"):
        assert not [t for t in texts if old in t], old


def test_quiet_hours_are_tsuuchi_shinai_jikantai_in_every_place_a_user_reads_them(content):
    ja = content["ja"]
    base = "common.commands.settings.subcommands.quiet-hours"
    assert ja.text(f"{base}.name") == QUIET
    assert QUIET in ja.text(f"{base}.description")
    for option in ("start", "end", "off"):
        assert QUIET in ja.text(f"{base}.options.{option}.description"), option
    assert QUIET in ja.text("common.about.commands.settings", command="/settings")
    assert QUIET in ja.text("privacy.kinds.settings")
    assert ja.text("remind.quiet.set", start="23:00", end="08:00").startswith(
        f"{QUIET}を 23:00〜08:00 にしました。"
    )
    assert ja.text("remind.quiet.off").startswith(f"{QUIET}をなくしました。")
    quiet = ja.text("remind.at.quiet", start="23:00", end="08:00", when="8:00", command="/settings")
    assert f"{QUIET}（23:00〜08:00）" in quiet


def test_the_timezone_option_is_called_timezone(content):
    ja, en = content["ja"], content["en"]
    key = "common.commands.settings.subcommands.timezone.options.name"
    assert ja.text(f"{key}.name") == "タイムゾーン"
    assert "地域" not in ja.text(f"{key}.description")
    assert "Asia/Tokyo" in ja.text(f"{key}.description")
    assert en.text(f"{key}.name") == "name", "the English name is unchanged"


def test_the_diagnose_evidence_reads_question_then_answer(content):
    ja, en = content["ja"], content["en"]
    item = ja.text("diagnose.evidence-item", question="既読はつく？", answer="つかない")
    assert item == "「既読はつく？」→「つかない」"
    assert ja.text("diagnose.evidence", items=item) == "手がかり：「既読はつく？」→「つかない」"
    item = en.text("diagnose.evidence-item", question="Was it read?", answer="No")
    assert en.text("diagnose.evidence", items=item) == "What pointed here: “Was it read?” → “No”"


async def test_discord_shows_the_new_japanese_names(fake_discord, bot):
    quiet = _subcommand(fake_discord.commands, "settings", "quiet-hours")
    assert quiet["name_localizations"]["ja"] == QUIET
    assert QUIET in quiet["description_localizations"]["ja"]
    assert quiet["name"] == "quiet-hours", "the base (English) name is unchanged"
    timezone = _option(_subcommand(fake_discord.commands, "settings", "timezone"), "name")
    assert timezone["name_localizations"]["ja"] == "タイムゾーン"


async def test_a_japanese_result_explains_itself_with_the_new_heading(fake_discord, bot, content):
    ja = content["ja"]
    result = await fake_discord.slash("diagnose start", user="haruto")
    result = await answer_all(fake_discord, result, ja, WAITING, "haruto")
    top = diagnose(ja.diagnose, WAITING).top
    first = result.embeds[0]["fields"][0]["value"]
    for question, label in evidence(ja.diagnose, top.because):
        assert f"「{question}」→「{label}」" in first
    assert first.count("手がかり：") == 1
    assert "こう答えたから" not in first and "手がかりになった回答" not in first
