"""End to end: start-up, the sync policy and /about through the fake Discord."""

from bot.runtime.app import SYNC_HASH_KEY, tayori


def syncs(fake, guild=False):
    return [
        r
        for r in fake.requests
        if r.method == "PUT" and r.path.endswith("/commands") and ("/guilds/" in r.path) == guild
    ]


async def test_first_start_syncs_globally_then_not_again(fake_discord, start_tayori, caplog):
    caplog.set_level("INFO", logger="bot")
    bot = await start_tayori()
    ready = [r for r in caplog.records if r.getMessage().startswith("Tayori is ready")]
    assert len(ready) == 1
    assert len(syncs(fake_discord)) == 1
    assert await bot.store.get_meta(SYNC_HASH_KEY) == await bot.command_digest()
    names = {c["name"] for c in fake_discord.commands}
    assert {"about", "ng-list", "diagnose", "check-draft", "remind", "privacy"} <= names
    await bot.close()
    await start_tayori()
    assert len(syncs(fake_discord)) == 1, "nothing changed, so no second global sync"


async def test_dev_guild_gets_the_commands_at_start(fake_discord, start_tayori):
    guild_id = fake_discord.world.guild.id
    await start_tayori(dev_guild_id=guild_id)
    assert len(syncs(fake_discord, guild=True)) == 1
    assert syncs(fake_discord) == []


async def test_commands_carry_japanese_and_english_texts(fake_discord, bot, content):
    about = next(c for c in fake_discord.commands if c["name"] == "about")
    assert about["description"] == content["ja"].text("common.commands.about.description")
    assert about["description_localizations"]["en-US"] == content["en"].text(
        "common.commands.about.description"
    )
    for command in fake_discord.commands:  # groups carry them too, or Discord ignores them
        if command["name"] == "remind-channel":
            assert (command["integration_types"], command["contexts"]) == ([0], [0])
        else:
            assert command["integration_types"] == [0, 1], command["name"]
            assert sorted(command["contexts"]) == [0, 1, 2], command["name"]


async def test_about_answers_privately_in_the_users_language(fake_discord, bot, content):
    ja = await fake_discord.slash("about", user="haruto")
    assert ja.ephemeral
    assert ja.embeds[0]["title"] == content["ja"].text("common.about.title")
    en = await fake_discord.slash("about", user="alice", dm=True)
    assert en.embeds[0]["title"] == content["en"].text("common.about.title")
    assert "</privacy show:" in en.embeds[0]["fields"][0]["value"]


async def test_option_texts_are_words_not_keys_and_other_locales_get_the_default(
    fake_discord, make_settings, clock, content
):
    settings = make_settings(default_locale="en")  # content loaded by the bot, default English
    async with tayori(settings, clock, guild_ready_timeout=0.05) as bot:
        await fake_discord.start_bot(bot)
        await bot.synced.wait()
        await fake_discord.wait_quiet()
    check = next(c for c in fake_discord.commands if c["name"] == "check-draft")
    [text] = check["options"]
    key = "common.commands.check-draft.options.text.description"
    assert text["description"] == content["ja"].text(key), "Discord's base text: shipped Japanese"
    assert text["description_localizations"]["ja"] == content["ja"].text(key)
    assert text["description_localizations"]["en-US"] == content["en"].text(key)
    assert text["description_localizations"]["fr"] == content["en"].text(key), "DEFAULT_LOCALE"


async def test_about_is_built_once_per_language_and_follows_a_new_sync(fake_discord, bot):
    first = await fake_discord.slash("about", user="haruto")
    again = await fake_discord.slash("about", user="haruto")
    assert again.embeds == first.embeds
    english = await fake_discord.slash("about", user="alice", locale="en-US")
    assert english.embeds != first.embeds, "each language its own"
    bot.command_ids = {name: cid + 1 for name, cid in bot.command_ids.items()}  # a re-sync
    moved = await fake_discord.slash("about", user="haruto")
    assert moved.embeds != first.embeds, "mentions carry the new ids"
    assert f"</ng-list:{bot.command_ids['ng-list']}>" in str(moved.embeds)
