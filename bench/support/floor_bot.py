"""The same-payload floor for `bench/interaction_cpu.py`: a discord.py bot that does no work.

Run by the bench as a subprocess, with the fake's environment (`DISCORD_TOKEN`,
`DISCORD_API_BASE`, `DISCORD_GATEWAY_URL`), `FLOOR_PLAN`, a JSON file of
{"commands": [...], "replies": {"name": [[method, path, body], ...]}} (what Tayori synced, and
what it sent for each command; the paths hold `{id}`, `{token}` and `{app}`), and `FLOOR_KIND`:

- `interaction` (the default, issue #18's floor): a `discord.Client` with an
  `app_commands.CommandTree` holding the same slash commands (same names, subcommands and
  options), each answering through discord.py's interaction path as Tayori did for that
  command (`response.send_message`, or `response.defer` then `followup.send`;
  `edit_original_response`), with the reply built once at start from Tayori's recorded
  payloads: `discord.Embed.from_dict`, a finished `discord.ui.View` rebuilt from the recorded
  components, the same flags and allowed mentions. Per interaction it runs only the command
  tree and the answer.
- `replay` (the floor before): answers in an `on_interaction` listener by replaying Tayori's
  recorded requests through discord.py's generic `http.request`. Its cost grows with the
  interactions answered (discord.py keeps a rate-limit bucket per interaction URL for 300 s and
  scans them all once there are 256), and it does not take the path a bot answers through.

Either way the floor syncs exactly the commands Tayori synced, so the fake offers the same ones.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import discord
import yarl
from discord import app_commands
from discord.components import _component_factory
from discord.http import Route
from discord.ui.view import _component_to_item

Step = Callable[[discord.Interaction[Any]], Awaitable[Any]]
# Option types of a chat-input command, as the annotations discord.py maps back to them.
OPTION_TYPES: dict[int, Any] = {
    3: str,
    4: int,
    5: bool,
    6: discord.User,
    7: app_commands.AppCommandChannel,
    8: discord.Role,
    10: float,
    11: discord.Attachment,
}
EPHEMERAL, SUPPRESS_EMBEDS, SILENT = 64, 4, 4096


def command_name(data: dict[str, Any]) -> str:
    """`remind list` for a subcommand, `about` for a command."""
    name, options = data["name"], data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # subcommand (group)
        name += " " + options[0]["name"]
        options = options[0].get("options") or []
    return name


# --- the interaction floor -------------------------------------------------------------------


def message_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments that make discord.py send `body` again, built once."""
    flags = body.get("flags") or 0
    if flags & ~(EPHEMERAL | SUPPRESS_EMBEDS | SILENT):
        raise ValueError(f"flags {flags} not rebuilt by the floor")
    kwargs: dict[str, Any] = {"ephemeral": bool(flags & EPHEMERAL)}
    if flags & SUPPRESS_EMBEDS:
        kwargs["suppress_embeds"] = True
    if flags & SILENT:
        kwargs["silent"] = True
    if "content" in body:
        kwargs["content"] = body["content"]
    if body.get("tts"):
        kwargs["tts"] = True
    if body.get("embeds"):
        kwargs["embeds"] = [discord.Embed.from_dict(e) for e in body["embeds"]]
    if body.get("components"):
        kwargs["view"] = view_of(body["components"])
    if "allowed_mentions" in body:
        kwargs["allowed_mentions"] = mentions_of(body["allowed_mentions"])
    unknown = set(body) - {
        "content",
        "tts",
        "embeds",
        "components",
        "flags",
        "allowed_mentions",
    }
    if unknown:
        raise ValueError(f"message fields {sorted(unknown)} not rebuilt by the floor")
    return kwargs


def view_of(rows: list[dict[str, Any]]) -> discord.ui.View:
    """A finished view of the recorded action rows (as `View.from_message` rebuilds them)."""
    view = discord.ui.View(timeout=None)
    for n, row in enumerate(rows):
        for component in row["components"]:
            item = _component_to_item(_component_factory(component))  # type: ignore[arg-type]
            item.row = n
            view.add_item(item)
    view.stop()  # like Tayori's replies: discord.py keeps no finished view
    return view


def mentions_of(data: dict[str, Any]) -> discord.AllowedMentions:
    parse = data.get("parse", [])
    return discord.AllowedMentions(
        everyone="everyone" in parse,
        users="users" in parse,
        roles="roles" in parse,
        replied_user=bool(data.get("replied_user")),
    )


def steps_of(requests: list[list[Any]]) -> list[Step]:
    """What to call, in order, to send the recorded requests through the interaction path."""
    steps: list[Step] = []
    for method, path, body in requests:
        where = urlsplit(path)
        query = parse_qs(where.query)
        if where.path.endswith("/callback"):
            steps.append(callback_step(body))
        elif method == "POST" and where.path == "/webhooks/{app}/{token}":
            kwargs = message_kwargs(body)
            wait = query.get("wait", ["false"])[0] in ("1", "true")

            async def followup(
                i: discord.Interaction[Any], k: dict[str, Any] = kwargs, wait: bool = wait
            ) -> Any:
                return await i.followup.send(wait=wait, **k)

            steps.append(followup)
        elif method == "PATCH" and where.path == "/webhooks/{app}/{token}/messages/@original":
            kwargs = message_kwargs(body)
            kwargs.pop("ephemeral")
            kwargs.pop("suppress_embeds", None)
            kwargs.pop("silent", None)

            async def edit(i: discord.Interaction[Any], k: dict[str, Any] = kwargs) -> Any:
                return await i.edit_original_response(**k)

            steps.append(edit)
        else:
            raise ValueError(f"{method} {path}: not rebuilt by the floor")
    return steps


def callback_step(body: dict[str, Any]) -> Step:
    kind, data = body["type"], body.get("data") or {}
    if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
        kwargs = message_kwargs(data)

        async def send(i: discord.Interaction[Any]) -> Any:
            return await i.response.send_message(**kwargs)

        return send
    if kind in (5, 6):  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE
        ephemeral = bool((data.get("flags") or 0) & EPHEMERAL)
        thinking = kind == 5

        async def defer(i: discord.Interaction[Any]) -> Any:
            return await i.response.defer(ephemeral=ephemeral, thinking=thinking)

        return defer
    raise ValueError(f"interaction callback type {kind}: not rebuilt by the floor")


def leaf(name: str, description: str, options: list[dict[str, Any]], steps: list[Step]) -> Any:
    """A command taking the recorded options, whose callback runs `steps`; nothing else."""

    async def callback(interaction: discord.Interaction[Any], **_: Any) -> None:
        for step in steps:
            await step(interaction)

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    renames = {}
    for n, option in enumerate(options):
        python_name = option["name"] if option["name"].isidentifier() else f"option_{n}"
        if python_name != option["name"]:
            renames[python_name] = option["name"]
        params.append(
            inspect.Parameter(
                python_name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=OPTION_TYPES[option["type"]],
                default=inspect.Parameter.empty if option.get("required") else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    if renames:
        callback = app_commands.rename(**renames)(callback)
    return app_commands.Command(name=name, description=description, callback=callback)


def build_commands(
    commands: list[dict[str, Any]], steps: dict[str, list[Step]]
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """The synced chat-input commands as a command tree's commands, groups and all."""

    def build(command: dict[str, Any], parent: str) -> Any:
        qualified = f"{parent} {command['name']}".strip()
        options = command.get("options") or []
        if options and all(o["type"] in (1, 2) for o in options):
            group = app_commands.Group(name=command["name"], description=command["description"])
            for option in options:
                group.add_command(build(option, qualified))
            return group
        return leaf(command["name"], command["description"], options, steps.get(qualified, []))

    return [build(c, "") for c in commands if c.get("type", 1) == 1]


class Floor(discord.Client):
    """The same commands in a command tree, each sending its prebuilt reply; nothing more."""

    def __init__(self, plan: dict[str, Any]) -> None:
        super().__init__(intents=discord.Intents.default())
        self.plan = plan
        self.tree = app_commands.CommandTree(self)
        answers = {name: steps_of(requests) for name, requests in plan["replies"].items()}
        for command in build_commands(plan["commands"], answers):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        """Sync Tayori's commands as Tayori sent them, so the fake offers the same ones."""
        await self.http.bulk_upsert_global_commands(self.application_id, self.plan["commands"])


# --- the replay floor (before) ---------------------------------------------------------------


class Replay(discord.Client):
    """Replays Tayori's requests for each interaction; nothing more."""

    def __init__(self, plan: dict[str, Any]) -> None:
        super().__init__(intents=discord.Intents.default())
        self.plan = plan

    async def setup_hook(self) -> None:
        """Sync Tayori's commands, so the fake offers the same ones."""
        await self.http.bulk_upsert_global_commands(self.application_id, self.plan["commands"])

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Send what Tayori sent for this command, with this interaction's id and token."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        for method, path, body in self.plan["replies"].get(command_name(data), []):
            real = path.format(id=interaction.id, token=interaction.token, app=self.application_id)
            await self.http.request(Route(method, real), json=body)  # no parameters: no formatting


KINDS: dict[str, type[discord.Client]] = {"interaction": Floor, "replay": Replay}


async def main(plan: dict[str, Any], kind: str) -> None:
    base = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.http.Route.BASE = base if "/api/v" in base else f"{base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    client = KINDS[kind](plan)  # type: ignore[call-arg]
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    plan = json.loads(Path(os.environ["FLOOR_PLAN"]).read_text())
    sys.exit(asyncio.run(main(plan, os.environ.get("FLOOR_KIND", "interaction"))))
