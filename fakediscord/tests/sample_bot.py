"""A small discord.py bot exercising every interaction kind, for testing the fake."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands


class YesNoView(discord.ui.View):
    """A view with an enabled and a disabled button and a select."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Yes", custom_id="yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"yes from {interaction.user.name}")

    @discord.ui.button(label="Later", custom_id="later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="later", view=None)

    @discord.ui.button(label="No", custom_id="no", disabled=True)
    async def no(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="no")

    @discord.ui.select(
        custom_id="fruit",
        options=[discord.SelectOption(label=x, value=x) for x in ("apple", "pear", "plum")],
        max_values=2,
    )
    async def fruit(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {','.join(select.values)}")


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """A modal with one required and one optional text input."""

    body = discord.ui.TextInput(label="Body", custom_id="body", max_length=100)
    mood = discord.ui.TextInput(label="Mood", custom_id="mood", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"thanks: {self.body.value} ({self.mood.value or '-'})", ephemeral=True
        )


class SampleBot(commands.Bot):
    """Syncs its commands globally in ``setup_hook``."""

    def __init__(self, *, late_delay: float = 0.3, sync: bool = True) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
        )
        self.late_delay = late_delay
        self.do_sync = sync
        self.http_errors: list[discord.HTTPException] = []
        self.http_error_seen = asyncio.Event()
        add_commands(self)

    async def setup_hook(self) -> None:
        if self.do_sync:
            await self.tree.sync()


def add_commands(bot: SampleBot) -> None:
    """Register the sample commands on ``bot.tree``."""
    tree = bot.tree
    for register in (_basic, _options, _responses, _components, _failures):
        register(bot, tree)
    tree.add_command(RemindGroup())


def _basic(bot: SampleBot, tree: app_commands.CommandTree) -> None:
    @tree.command(description="Replies pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong {interaction.locale.value}")

    @tree.command(description="Replies privately")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("shh", ephemeral=True)

    @tree.command(description="Moderators only")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def settings(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("settings", ephemeral=True)

    @tree.command(description="DMs you")
    async def dmme(interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("hello in DM")
        except discord.Forbidden as error:
            await interaction.response.send_message(f"closed {error.code}", ephemeral=True)
            return
        await interaction.response.send_message("sent", ephemeral=True)


def _options(bot: SampleBot, tree: app_commands.CommandTree) -> None:
    @tree.command(description="Echoes")
    @app_commands.describe(text="what", count="how often")
    async def echo(
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 50],
        count: app_commands.Range[int, 1, 3] = 1,
    ) -> None:
        await interaction.response.send_message(" ".join([text] * count))

    @tree.command(description="Colour")
    @app_commands.choices(colour=[app_commands.Choice(name=c, value=c) for c in ("red", "blue")])
    async def colour(interaction: discord.Interaction, colour: app_commands.Choice[str]) -> None:
        await interaction.response.send_message(colour.value)

    @tree.command(description="Who is that")
    async def whois(
        interaction: discord.Interaction, target: discord.User, where: discord.TextChannel
    ) -> None:
        await interaction.response.send_message(f"{target.name} in #{where.name}")

    @tree.command(description="Posts to a channel")
    async def post(interaction: discord.Interaction, where: discord.TextChannel) -> None:
        try:
            await where.send("posted")
        except discord.HTTPException as error:
            await interaction.response.send_message(f"failed {error.code}", ephemeral=True)
            return
        await interaction.response.send_message("ok", ephemeral=True)


def _responses(bot: SampleBot, tree: app_commands.CommandTree) -> None:
    @tree.command(description="Defers then follows up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await asyncio.sleep(0.08)  # longer than the harness's quiet window
        await interaction.followup.send("done slowly")
        more = await interaction.followup.send("and more", wait=True)
        await more.edit(content="and more!")

    @tree.command(description="Edits its reply")
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        await interaction.edit_original_response(content="second")
        fetched = await interaction.original_response()
        await interaction.followup.send(f"fetched {fetched.content}", ephemeral=True)

    @tree.command(description="Replies then deletes the reply")
    async def vanish(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("bye")
        await interaction.delete_original_response()

    @tree.command(description="Opens a modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())


def _components(bot: SampleBot, tree: app_commands.CommandTree) -> None:
    @tree.command(description="Shows buttons")
    async def buttons(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=YesNoView())


def _failures(bot: SampleBot, tree: app_commands.CommandTree) -> None:
    @tree.command(description="Replies too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(bot.late_delay)
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as error:
            bot.http_errors.append(error)
            bot.http_error_seen.set()

    @tree.command(description="Sends something invalid")
    @app_commands.choices(what=[app_commands.Choice(name=c, value=c) for c in ("content", "title")])
    async def invalid(interaction: discord.Interaction, what: str) -> None:
        try:
            if what == "content":
                await interaction.response.send_message("x" * 2001)
            else:
                await interaction.response.send_message(embed=discord.Embed(title="t" * 257))
        except discord.HTTPException as error:
            bot.http_errors.append(error)

    @tree.command(description="Replies twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        try:
            await interaction.client.http.request(
                discord.http.Route(
                    "POST",
                    "/interactions/{id}/{token}/callback",
                    id=interaction.id,
                    token=interaction.token,
                ),
                json={"type": 4, "data": {"content": "two"}},
            )
        except discord.HTTPException as error:
            bot.http_errors.append(error)


class RemindGroup(app_commands.Group, name="remind", description="Reminders"):
    """A command group with an autocomplete option and a nested group."""

    settings = app_commands.Group(name="settings", description="Reminder settings")

    @settings.command(name="tz", description="Set your time zone")
    async def tz(self, interaction: discord.Interaction, zone: str) -> None:
        await interaction.response.send_message(f"zone {zone}", ephemeral=True)

    @app_commands.command(name="at", description="Remind at a time")
    async def at(self, interaction: discord.Interaction, when: str) -> None:
        await interaction.response.send_message(f"reminding at {when}", ephemeral=True)

    @at.autocomplete("when")
    async def when_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        times = ["09:00", "12:00", "21:00", "21:30"]
        return [app_commands.Choice(name=t, value=t) for t in times if t.startswith(current)]
