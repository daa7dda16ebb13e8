"""Interactions: what a user can do, the INTERACTION_CREATE payloads, and their outcome.

Everything a real Discord client would not let a user do raises
:class:`UserActionError` before anything is dispatched.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .messages import FakeMessage
from .world import Channel, Perm, Role, User, World

GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = "0", "1"
# What Discord grants a user-installed app where the bot is not: Embed Links, Attach Files,
# Mention Everyone, Use External Emojis.
USER_APP_PERMISSIONS = (1 << 14) | (1 << 15) | (1 << 17) | (1 << 18)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class UserActionError(Exception):
    """The test asked for something a real user could not do in Discord's client."""


@dataclass
class InteractionRecord:
    """Server-side state of one dispatched interaction."""

    id: int
    token: str
    type: int
    user: User
    channel: Channel
    guild_id: int | None
    data: dict
    payload: dict
    message: FakeMessage | None = None
    dispatched_at: float = field(default_factory=time.monotonic)
    responded: asyncio.Event = field(default_factory=asyncio.Event)
    response_type: int | None = None
    response_body: dict | None = None
    responded_at: float | None = None
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    modal: dict | None = None
    choices: list[dict] | None = None
    rejected: list[dict] = field(default_factory=list)
    # the bot has since edited @original or sent a follow-up (what a deferred update promises)
    followed_up: bool = False

    @property
    def settled(self) -> bool:
        """Answered, or the bot's attempt to answer was rejected."""
        return self.response_type is not None or bool(self.rejected)

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatch to the initial response, if any."""
        return None if self.responded_at is None else self.responded_at - self.dispatched_at


@dataclass
class InteractionResult:
    """What the user saw after an interaction; a live view (later edits show up)."""

    record: InteractionRecord

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def acknowledged(self) -> bool:
        return self.record.response_type is not None

    @property
    def response_type(self) -> int | None:
        return self.record.response_type

    @property
    def deferred(self) -> bool:
        return self.record.response_type in (5, 6)

    @property
    def message(self) -> FakeMessage | None:
        """The response message (after edits), or the updated component message."""
        return self.record.original

    @property
    def ephemeral(self) -> bool:
        return bool(self.message and self.message.ephemeral)

    @property
    def content(self) -> str | None:
        return None if self.message is None else self.message.content

    @property
    def embeds(self) -> list[dict]:
        return [] if self.message is None else self.message.embeds

    @property
    def components(self) -> list[dict]:
        return [] if self.message is None else self.message.components

    @property
    def text(self) -> str:
        """Content and embed text of the response and follow-ups."""
        parts = [m.text for m in [self.message, *self.followups] if m is not None]
        return "\n".join(parts).strip()

    @property
    def modal(self) -> dict | None:
        return self.record.modal

    @property
    def rejected(self) -> list[dict]:
        """Error bodies the fake answered to the bot's callback attempts."""
        return list(self.record.rejected)

    @property
    def followups(self) -> list[FakeMessage]:
        return list(self.record.followups)

    @property
    def choices(self) -> list[dict] | None:
        return self.record.choices

    def __repr__(self) -> str:
        return (
            f"<InteractionResult type={self.response_type} ephemeral={self.ephemeral} "
            f"content={self.content!r} followups={len(self.followups)}>"
        )


@dataclass
class Place:
    """Where an interaction happens: a guild channel, the bot DM of the user, or a DM /
    group DM between users; ``owners`` is ``authorizing_integration_owners``."""

    channel: Channel
    guild_id: int | None
    owners: dict[str, str] = field(default_factory=dict)

    @property
    def context(self) -> int:
        if self.guild_id:
            return GUILD_CONTEXT
        return PRIVATE_CHANNEL_CONTEXT if self.channel.is_private else BOT_DM_CONTEXT

    @property
    def user_install(self) -> bool:
        """Only the user's install of the app authorizes it here (the bot is not present)."""
        return GUILD_INSTALL not in self.owners


def place_for(world: World, channel: Channel, user: User, owners: dict | None = None) -> Place:
    """The place of ``channel``; a user install where the bot is not present."""
    guild = world.guild_of(channel)
    if owners is None:
        bot_absent = channel.is_private or (guild is not None and not world.bot_in(guild))
        if bot_absent:
            owners = {USER_INSTALL: str(user.id)}
        else:
            owners = {GUILD_INSTALL: str(guild.id if guild else 0)}
    return Place(channel, channel.guild_id, dict(owners))


def new_token() -> str:
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


def base_payload(world: World, kind: int, user: User, place: Place, data: dict) -> dict:
    """The common fields of an INTERACTION_CREATE payload."""
    channel = place.channel
    payload: dict[str, Any] = {
        "id": str(world.ids.next()),
        "application_id": str(world.application_id),
        "type": kind,
        "data": data,
        "token": new_token(),
        "version": 1,
        "channel": channel.payload(),
        "channel_id": str(channel.id),
        "locale": user.locale,
        "app_permissions": str(_app_permissions(world, place)),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "context": place.context,
        "authorizing_integration_owners": dict(place.owners),
    }
    if place.channel.is_private and user not in place.channel.members:
        raise UserActionError(f"{user.name} is not in {place.channel.name}")
    if place.guild_id:
        guild = world.guilds[place.guild_id]
        member = guild.members.get(user.id)
        if member is None:
            raise UserActionError(f"{user.name} is not a member of {guild.name}")
        perms = world.channel_permissions(channel, user)
        payload["guild_id"] = str(guild.id)
        payload["guild"] = {"id": str(guild.id), "locale": guild.preferred_locale, "features": []}
        payload["guild_locale"] = guild.preferred_locale
        payload["member"] = member.payload(perms)
    else:
        payload["user"] = user.payload()
    return payload


def _app_permissions(world: World, place: Place) -> int:
    if place.user_install:
        return USER_APP_PERMISSIONS
    return world.channel_permissions(place.channel, world.bot)


# --- application commands -------------------------------------------------------------


def command_visible(world: World, command: dict, user: User, place: Place) -> None:
    """Raise unless ``user`` could see and use ``command`` at ``place``."""
    name = command["name"]
    contexts = command.get("contexts")
    if contexts is None:
        contexts = [0, 1, 2] if command.get("dm_permission", True) is not False else [0]
    if place.context not in contexts:
        raise UserActionError(f"/{name} is not available in context {place.context}")
    if command.get("guild_id") and str(place.guild_id) != str(command["guild_id"]):
        raise UserActionError(f"/{name} is a command of another guild")
    _check_install(command, user, place)
    required = command.get("default_member_permissions")
    if place.guild_id and not place.user_install and required is not None:
        perms = world.base_permissions(world.guilds[place.guild_id], user)
        if perms != Perm.ALL and (int(required) == 0 or perms & int(required) != int(required)):
            raise UserActionError(f"/{name} is hidden from {user.name} (needs {required})")


def _check_install(command: dict, user: User, place: Place) -> None:
    """Where only a user install authorizes the app, the command must be user-installable."""
    if not place.user_install:
        return
    name = command["name"]
    if 1 not in (command.get("integration_types") or [0]):
        raise UserActionError(f"/{name} is not installable to users, so not usable here")
    if not user.app_installed:
        raise UserActionError(f"{user.name} has not installed the app to their account")


@dataclass
class _Resolved:
    """Collects ``resolved`` data for user/channel/role values."""

    world: World
    guild_id: int | None
    data: dict[str, dict] = field(default_factory=dict)

    def add(self, kind: int, value: Any) -> str:
        if isinstance(value, User) and kind in (6, 9):
            return self._user(value)
        if isinstance(value, Channel) and kind == 7:
            self.data.setdefault("channels", {})[str(value.id)] = self._channel(value)
            return str(value.id)
        if isinstance(value, Role) and kind in (8, 9):
            self.data.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        raise UserActionError(f"option type {kind} needs a world User/Channel/Role, got {value!r}")

    def _user(self, user: User) -> str:
        self.data.setdefault("users", {})[str(user.id)] = user.payload()
        guild = self.world.guilds.get(self.guild_id or 0)
        member = guild.members.get(user.id) if guild else None
        if member is not None:
            data = member.payload(self.world.base_permissions(guild, user))
            data.pop("user")
            self.data.setdefault("members", {})[str(user.id)] = data
        return str(user.id)

    def _channel(self, channel: Channel) -> dict:
        perms = self.world.channel_permissions(channel, self.world.bot)
        return {
            "id": str(channel.id),
            "name": channel.name,
            "type": channel.type,
            "permissions": str(perms),
            "parent_id": None,
        }


def build_command_data(
    world: World, command: dict, path: list[str], options: dict, guild_id: int | None
) -> dict:
    """The ``data`` of a slash-command interaction, checking options like the client."""
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if command.get("guild_id"):
        data["guild_id"] = str(command["guild_id"])
    resolved = _Resolved(world, guild_id)
    data["options"] = _nest_options(command, path, options, resolved)
    if resolved.data:
        data["resolved"] = resolved.data
    return data


def _nest_options(node: dict, path: list[str], values: dict, resolved: _Resolved) -> list:
    if not path:
        return _leaf_options(node.get("options") or [], values, resolved)
    child = next((o for o in node.get("options") or [] if o["name"] == path[0]), None)
    if child is None or child.get("type") not in (1, 2):
        raise UserActionError(f"{node['name']} has no subcommand {path[0]!r}")
    inner = _nest_options(child, path[1:], values, resolved)
    return [{"name": child["name"], "type": child["type"], "options": inner}]


def _leaf_options(defs: list[dict], values: dict, resolved: _Resolved) -> list[dict]:
    if any(d.get("type") in (1, 2) for d in defs):
        raise UserActionError("this command needs a subcommand, e.g. 'remind at'")
    by_name = {d["name"]: d for d in defs}
    unknown = set(values) - set(by_name)
    if unknown:
        raise UserActionError(f"unknown options {sorted(unknown)}")
    out = []
    for definition in defs:
        name = definition["name"]
        if name not in values:
            if definition.get("required"):
                raise UserActionError(f"missing required option {name!r}")
            continue
        out.append(_option_value(definition, values[name], resolved))
    return out


def _option_value(definition: dict, value: Any, resolved: _Resolved) -> dict:
    kind, name = definition["type"], definition["name"]
    if kind in (6, 7, 8, 9):
        return {"name": name, "type": kind, "value": resolved.add(kind, value)}
    _check_scalar(definition, value)
    return {"name": name, "type": kind, "value": value}


def _check_scalar(definition: dict, value: Any) -> None:
    kind, name = definition["type"], definition["name"]
    expected = {3: str, 4: int, 5: bool, 10: (int, float)}.get(kind)
    if expected is None:
        raise UserActionError(f"option type {kind} of {name!r} is not supported by the fake")
    if not isinstance(value, expected) or (kind in (4, 10) and isinstance(value, bool)):
        raise UserActionError(f"option {name!r} expects {expected}, got {value!r}")
    choices = definition.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise UserActionError(f"option {name!r}: {value!r} is not one of the choices")
    _check_range(definition, value)


def _check_range(definition: dict, value: Any) -> None:
    name = definition["name"]
    low, high = definition.get("min_value"), definition.get("max_value")
    if isinstance(value, str):
        low, high, value = definition.get("min_length"), definition.get("max_length"), len(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise UserActionError(f"option {name!r}: {value!r} is outside [{low}, {high}]")


def autocomplete_data(
    world: World, command: dict, path: list[str], options: dict, focused: str, guild_id: int | None
) -> dict:
    """Like :func:`build_command_data` but partial, with ``focused`` marked."""
    node = command
    for part in path:
        node = next((o for o in node.get("options") or [] if o["name"] == part), {})
    definition = next((o for o in node.get("options") or [] if o["name"] == focused), None)
    if definition is None or not definition.get("autocomplete"):
        raise UserActionError(f"option {focused!r} of /{command['name']} has no autocomplete")
    partial = {k: v for k, v in options.items() if k != focused}
    relaxed = {**command, "options": _optional(command)}
    data = build_command_data(world, relaxed, path, partial, guild_id)
    leaf = data["options"]
    for _ in path:
        leaf = leaf[0]["options"]
    leaf.append({"name": focused, "type": definition["type"], "value": options.get(focused, "")})
    leaf[-1]["focused"] = True
    return data


def _optional(node: dict) -> list[dict]:
    """Options of ``node`` with ``required`` dropped (autocomplete is mid-typing)."""
    out = []
    for option in node.get("options") or []:
        copy = {**option, "required": False}
        if option.get("type") in (1, 2):
            copy["options"] = _optional(option)
        out.append(copy)
    return out


# --- components and modals ------------------------------------------------------------


def button_data(message: FakeMessage, custom_id: str | None, label: str | None) -> dict:
    """``data`` for clicking a button, checking it exists and is enabled."""
    button = message.component(custom_id=custom_id, label=label)
    if button is None or button.get("type") != 2:
        raise UserActionError(f"no button custom_id={custom_id!r} label={label!r} on message")
    if button.get("disabled"):
        raise UserActionError(f"button {button.get('label')!r} is disabled")
    if not button.get("custom_id"):
        raise UserActionError(f"button {button.get('label')!r} is a link, not clickable")
    return {"custom_id": button["custom_id"], "component_type": 2}


def select_data(
    world: World, message: FakeMessage, custom_id: str, values: list, guild_id: int | None
) -> dict:
    """``data`` for choosing ``values`` in a select menu, checking like the client."""
    select = message.component(custom_id=custom_id)
    if select is None or select.get("type") not in (3, 5, 6, 7, 8):
        raise UserActionError(f"no select menu {custom_id!r} on message")
    if select.get("disabled"):
        raise UserActionError(f"select {custom_id!r} is disabled")
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not low <= len(values) <= high:
        raise UserActionError(f"select {custom_id!r} takes {low}..{high} values")
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": select["type"]}
    if select["type"] == 3:
        allowed = [o["value"] for o in select.get("options") or []]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise UserActionError(f"values {bad} are not options of {custom_id!r}")
        data["values"] = list(values)
    else:
        resolved = _Resolved(world, guild_id)
        kind = {5: 6, 6: 8, 7: 7, 8: 9}[select["type"]]
        data["values"] = [resolved.add(kind, v) for v in values]
        data["resolved"] = resolved.data
    return data


def modal_data(modal: dict, values: dict[str, Any]) -> dict:
    """``data`` for submitting ``modal`` with ``values`` (custom_id -> str or list)."""
    inputs = {c["custom_id"]: c for c in _modal_inputs(modal["components"])}
    unknown = set(values) - set(inputs)
    if unknown:
        raise UserActionError(f"modal has no inputs {sorted(unknown)}")
    for custom_id, component in inputs.items():
        _check_input(component, values.get(custom_id))
    return {
        "custom_id": modal["custom_id"],
        "components": [_submitted(c, values) for c in modal["components"]],
    }


def _modal_inputs(components: list) -> list[dict]:
    out = []
    for component in components:
        if component.get("type") == 1:
            out += _modal_inputs(component.get("components") or [])
        elif component.get("type") == 18:
            out += _modal_inputs([component["component"]])
        elif component.get("custom_id"):
            out.append(component)
    return out


def _check_input(component: dict, value: Any) -> None:
    custom_id = component["custom_id"]
    if component.get("type") != 4:
        return
    text = value or ""
    if component.get("required", True) and not text:
        raise UserActionError(f"modal input {custom_id!r} is required")
    low, high = component.get("min_length"), component.get("max_length")
    if text and ((low and len(text) < low) or (high and len(text) > high)):
        raise UserActionError(f"modal input {custom_id!r} must be {low}..{high} long")


def _submitted(component: dict, values: dict) -> dict:
    kind = component.get("type")
    if kind == 1:
        return {"type": 1, "components": [_submitted(c, values) for c in component["components"]]}
    if kind == 18:
        return {"type": 18, "component": _submitted(component["component"], values)}
    custom_id = component.get("custom_id")
    value = values.get(custom_id)
    if kind == 4:
        return {"type": 4, "custom_id": custom_id, "value": value or ""}
    if custom_id:
        return {"type": kind, "custom_id": custom_id, "values": list(value or [])}
    return {"type": kind}
