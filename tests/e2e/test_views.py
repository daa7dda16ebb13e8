"""Buttons and selects under replies: routed by custom id, nothing kept per reply."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.runtime.replies import buttons
from cogs.check_draft._cog import EditButton

DRAFT = "元気にしてる？体調悪いなら無理しないようにね。"


def view_listeners() -> list[asyncio.Task]:
    """discord.py's per-view timeout tasks still pending in this loop."""
    return [t for t in asyncio.all_tasks() if "timeout_task" in t.get_coro().__qualname__]


async def test_replies_leave_no_view_behind(fake_discord, bot, content):
    en = content["en"]
    checked = await fake_discord.slash("check-draft", {"text": DRAFT}, user="haruto")
    opened = await fake_discord.slash("check-draft", user="haruto", dm=True)
    await fake_discord.submit_modal(opened, {"tayori:cd:text": DRAFT})
    await fake_discord.slash("ng-list", user="haruto")
    await fake_discord.slash("privacy delete", user="haruto")
    started = await fake_discord.slash("diagnose start", user="alice")
    first = started.message.buttons[0]["label"]
    answered = await fake_discord.click(started, label=first, user="alice")
    assert answered.message.embeds, "the questionnaire moved on"
    again = await fake_discord.click(
        checked, label=content["ja"].text("check_draft.button.recheck"), user="haruto"
    )
    assert again.modal is not None, "the edit button still opens the form"
    assert en.text("diagnose.cancel") in [b["label"] for b in answered.message.buttons]

    assert view_listeners() == [], "a private reply's view would be held 15 minutes by a task"
    store = bot._connection._view_store
    assert not store._views and not store._synced_message_views


async def test_buttons_refuses_an_item_that_needs_a_listening_view():
    plain = discord.ui.Button(label="x", custom_id="not-routed")
    with pytest.raises(TypeError, match="DynamicItem"):
        buttons(plain)
    link = discord.ui.Button(label="article", url="https://example.com/")
    view = buttons(EditButton("n1", "edit"), link)
    assert view.is_finished(), "sent stopped: nothing for discord.py to keep"
    ids = [c.get("custom_id") for row in view.to_components() for c in row["components"]]
    assert ids == ["tayori:cd:edit:n1", None]
