"""Every interaction kind round-trips through the real discord.py."""

from __future__ import annotations

import discord
import pytest

from fakediscord import FakeDiscord, UserActionError
from fakediscord.tests.sample_bot import SampleBot


async def test_slash_in_guild(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("ping", user="alice")
    assert result.response_type == 4
    assert result.content == "pong en-US"
    assert not result.ephemeral
    assert result.message in fake_discord.sent_messages("general")
    payload = fake_discord.interactions[-1].payload
    assert payload["guild_locale"] == "ja" and "member" in payload and payload["context"] == 0


async def test_slash_locale_follows_user_or_override(fake_discord: FakeDiscord, bot) -> None:
    assert (await fake_discord.slash("ping", user="haruto")).content == "pong ja"
    assert (await fake_discord.slash("ping", user="haruto", locale="fr")).content == "pong fr"


async def test_slash_in_dm(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("ping", user="haruto", dm=True)
    assert result.content == "pong ja"
    assert fake_discord.dms("haruto") == [result.message]
    payload = fake_discord.interactions[-1].payload
    assert "user" in payload and "member" not in payload and "guild_id" not in payload
    assert payload["context"] == 1 and payload["authorizing_integration_owners"] == {"0": "0"}


async def test_ephemeral_reply(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("secret")
    assert result.ephemeral and result.content == "shh"


async def test_options_and_choices(fake_discord: FakeDiscord, bot) -> None:
    assert (await fake_discord.slash("echo", {"text": "hi", "count": 3})).content == "hi hi hi"
    assert (await fake_discord.slash("echo", {"text": "hi"})).content == "hi"
    assert (await fake_discord.slash("colour", {"colour": "blue"})).content == "blue"


async def test_resolved_user_and_channel(fake_discord: FakeDiscord, bot) -> None:
    world = fake_discord.world
    options = {"target": world.user("haruto"), "where": world.channel("scratch")}
    result = await fake_discord.slash("whois", options)
    assert result.content == "haruto in #scratch"


async def test_subcommand_and_autocomplete(fake_discord: FakeDiscord, bot) -> None:
    choices = await fake_discord.autocomplete("remind at", {"when": "21"}, "when")
    assert choices.response_type == 8
    assert [c["value"] for c in choices.choices] == ["21:00", "21:30"]
    result = await fake_discord.slash("remind at", {"when": "21:30"})
    assert result.ephemeral and result.content == "reminding at 21:30"


async def test_nested_subcommand_group(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("remind settings tz", {"zone": "Asia/Tokyo"})
    assert result.content == "zone Asia/Tokyo"
    (group,) = fake_discord.interactions[-1].data["options"]
    assert group["type"] == 2 and group["options"][0]["type"] == 1


async def test_deferred_then_followups(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("slow")
    assert result.response_type == 5 and result.deferred
    assert result.content == "done slowly" and result.ephemeral and not result.message.loading
    assert [m.content for m in result.followups] == ["and more!"]
    assert result.followups[0].history[0]["content"] == "and more"


async def test_edit_original(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("edit")
    assert result.content == "second"
    assert result.message.history[0]["content"] == "first"
    (followup,) = result.followups
    assert followup.content == "fetched second" and followup.ephemeral


async def test_delete_original(fake_discord: FakeDiscord, bot) -> None:
    result = await fake_discord.slash("vanish")
    assert result.message.deleted
    assert result.message not in fake_discord.sent_messages("general")


async def test_button_click_updates_message(fake_discord: FakeDiscord, bot) -> None:
    shown = await fake_discord.slash("buttons")
    assert [b["label"] for b in shown.message.buttons] == ["Yes", "Later", "No"]
    clicked = await fake_discord.click(shown, label="Yes", user="haruto")
    assert clicked.response_type == 7
    assert clicked.message is shown.message and shown.content == "yes from haruto"


async def test_deferred_update_then_edit(fake_discord: FakeDiscord, bot) -> None:
    shown = await fake_discord.slash("buttons")
    later = await fake_discord.click(shown, "later")
    assert later.response_type == 6 and later.deferred
    assert shown.content == "later" and shown.message.components == []
    with pytest.raises(UserActionError, match="no button"):
        await fake_discord.click(shown, "yes")


async def test_disabled_or_missing_button_raises(fake_discord: FakeDiscord, bot) -> None:
    shown = await fake_discord.slash("buttons")
    with pytest.raises(UserActionError, match="disabled"):
        await fake_discord.click(shown, "no")
    with pytest.raises(UserActionError, match="no button"):
        await fake_discord.click(shown, "maybe")


async def test_select_values(fake_discord: FakeDiscord, bot) -> None:
    shown = await fake_discord.slash("buttons")
    picked = await fake_discord.select(shown, "fruit", ["apple", "plum"])
    assert picked.response_type == 4 and picked.content == "picked apple,plum"
    with pytest.raises(UserActionError, match="not options"):
        await fake_discord.select(shown, "fruit", ["kiwi"])
    with pytest.raises(UserActionError, match="takes"):
        await fake_discord.select(shown, "fruit", ["apple", "pear", "plum"])


async def test_modal_round_trip(fake_discord: FakeDiscord, bot) -> None:
    opened = await fake_discord.slash("feedback", user="haruto")
    assert opened.response_type == 9 and opened.modal["title"] == "Feedback"
    submitted = await fake_discord.submit_modal(opened, {"body": "lovely"})
    assert submitted.ephemeral and submitted.content == "thanks: lovely (-)"
    with pytest.raises(UserActionError, match="required"):
        await fake_discord.submit_modal(opened, {"mood": "ok"})
    with pytest.raises(UserActionError, match="only the user"):
        await fake_discord.submit_modal(opened, {"body": "x"}, user="alice")


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("echo", {}, "missing required option 'text'"),
        ("echo", {"text": "hi", "count": 4}, "outside"),
        ("echo", {"text": "x" * 51}, "outside"),
        ("echo", {"text": 5}, "expects"),
        ("echo", {"text": "hi", "loud": True}, "unknown options"),
        ("colour", {"colour": "green"}, "not one of the choices"),
        ("nope", {}, "not synced"),
        ("remind", {}, "needs a subcommand"),
        ("remind later", {}, "no subcommand"),
    ],
)
async def test_impossible_commands_raise(fake_discord: FakeDiscord, bot, name, options, match):
    with pytest.raises(UserActionError, match=match):
        await fake_discord.slash(name, options)
    assert fake_discord.interactions == []


async def test_permissions_and_contexts(fake_discord: FakeDiscord, bot) -> None:
    with pytest.raises(UserActionError, match="hidden"):
        await fake_discord.slash("settings", user="alice")
    assert (await fake_discord.slash("settings", user="admin")).content == "settings"
    assert (await fake_discord.slash("settings", user="owner")).content == "settings"
    with pytest.raises(UserActionError, match="not available in context 1"):
        await fake_discord.slash("settings", user="admin", dm=True)


async def test_ephemeral_message_is_invisible_to_others(fake_discord: FakeDiscord, bot) -> None:
    shown = await fake_discord.slash("buttons")
    shown.message.flags |= 64
    with pytest.raises(UserActionError, match="ephemeral"):
        await fake_discord.click(shown, "yes", user="haruto")


async def test_guild_commands_only_in_their_guild(fake_discord: FakeDiscord) -> None:
    world = fake_discord.world
    other = world.add_guild("Other Server")
    world.add_channel(other, "general")
    world.join(world.user("alice"), other)
    client = SampleBot()
    home = discord.Object(world.guild.id)

    @client.tree.command(description="Home only", guild=home)
    async def local(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("local")

    await fake_discord.start_bot(client, expect_sync=True)
    await client.tree.sync(guild=home)
    assert client.get_guild(other.id) is not None
    assert (await fake_discord.slash("local")).content == "local"
    with pytest.raises(UserActionError, match="not synced"):
        await fake_discord.slash("local", guild=other)
    assert (await fake_discord.slash("ping", guild=other)).message.guild_id == other.id
