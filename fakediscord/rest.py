"""Bot-authenticated REST routes: identity, gateway, command sync, channels and DMs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .gateway import Gateway
from .server import (
    API_PREFIX,
    BODY,
    FILES,
    ApiError,
    FakeState,
    check_bot_access,
    check_can_post,
    history_query,
    message_limits,
    new_bot_message,
    no_content,
    page_of,
    respond,
    uploaded_attachments,
)
from .world import Channel, Perm

SESSION_STARTS_PER_DAY = 1000  # Discord's session_start_limit.total for most bots


class BotRoutes:
    """Handlers for the routes a bot calls with its token."""

    def __init__(self, state: FakeState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway

    def register(self, router: web.UrlDispatcher) -> None:
        p = API_PREFIX
        routes = [
            ("GET", "/users/@me", self.me),
            ("GET", "/oauth2/applications/@me", self.application),
            ("GET", "/applications/@me", self.application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.gateway_bot),
            ("GET", "/applications/{app}/commands", self.get_commands),
            ("PUT", "/applications/{app}/commands", self.put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self.get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self.put_commands),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/channels/{channel}", self.get_channel),
            ("GET", "/channels/{channel}/messages", self.list_messages),
            ("POST", "/channels/{channel}/messages", self.create_message),
            ("GET", "/channels/{channel}/messages/{message}", self.get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self.edit_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self.delete_message),
        ]
        for method, path, handler in routes:
            router.add_route(method, p + path, self._authed(handler))

    def _authed(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            self.state.check_auth(request)
            return await handler(request)

        return wrapped

    # --- identity -----------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        bot = self.state.world.bot
        return respond(request, {**bot.payload(), "verified": True, "mfa_enabled": False})

    async def application(self, request: web.Request) -> web.Response:
        world = self.state.world
        data = {
            "id": str(world.application_id),
            "name": world.bot.name,
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": world.owner.payload(),
            "team": None,
            "flags": 0,
            "bot": world.bot.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {"0": {}},
        }
        return respond(request, data)

    async def get_gateway(self, request: web.Request) -> web.Response:
        return respond(request, {"url": self.gateway.url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        """The gateway, the shard count Discord recommends, and the identify budget."""
        gateway = self.gateway
        limit = {
            "total": SESSION_STARTS_PER_DAY,
            "remaining": max(SESSION_STARTS_PER_DAY - gateway.identify_count, 0),
            "reset_after": 86_400_000,
            "max_concurrency": gateway.max_concurrency,
        }
        data = {"url": gateway.url, "shards": gateway.recommended_shards}
        return respond(request, {**data, "session_start_limit": limit})

    # --- commands -----------------------------------------------------------------

    def _command_list(self, request: web.Request) -> tuple[list[dict], int | None]:
        if request.match_info["app"] != str(self.state.world.application_id):
            raise ApiError(403, 50001, "Missing Access")
        guild = request.match_info.get("guild")
        if guild is None:
            return self.state.commands, None
        return self.state.guild_commands.setdefault(int(guild), []), int(guild)

    async def get_commands(self, request: web.Request) -> web.Response:
        commands, _ = self._command_list(request)
        return respond(request, commands)

    async def put_commands(self, request: web.Request) -> web.Response:
        commands, guild_id = self._command_list(request)
        old = {c["name"]: c for c in commands}
        synced = [self._stored_command(c, old.get(c["name"]), guild_id) for c in request[BODY]]
        commands[:] = synced
        return respond(request, synced)

    def _stored_command(self, body: dict, old: dict | None, guild_id: int | None) -> dict:
        world = self.state.world
        command = {k: v for k, v in body.items() if v is not None}
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command["id"] = old["id"] if old else str(world.ids.next())
        command["application_id"] = str(world.application_id)
        command["version"] = str(world.ids.next())
        perms = command.get("default_member_permissions")
        if perms is not None:
            command["default_member_permissions"] = str(perms)
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    # --- channels and DMs ---------------------------------------------------------

    async def create_dm(self, request: web.Request) -> web.Response:
        world = self.state.world
        user = world.user_by_id(int(request[BODY].get("recipient_id") or 0))
        if user is None or user.bot:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        channel = world.dm_channel(user)
        self.state.dm_channels[user.id] = channel
        return respond(request, channel.payload())

    def _channel(self, request: web.Request) -> Channel:
        channel = self.state.world.channels.get(int(request.match_info["channel"]))
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        check_bot_access(self.state.world, channel)
        return channel

    async def get_channel(self, request: web.Request) -> web.Response:
        return respond(request, self._channel(request).payload())

    async def create_message(self, request: web.Request) -> web.Response:
        state = self.state
        channel = self.state.world.channels.get(int(request.match_info["channel"]))
        body = request[BODY] or {}
        files = request[FILES]
        errors = message_limits(body, creating=not files)
        state.validator.reject_if(request, errors)
        check_can_post(state.world, channel)
        assert channel is not None
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            # Discord returns the message already created with this nonce (it looks back a few
            # minutes; the fake looks back to the last `pass_nonce_window`) instead of a second.
            nonce = str(body["nonce"])
            for earlier in state.store.in_channel(channel.id):
                if earlier.id <= state.nonces_forgotten_before:
                    continue
                if earlier.nonce == nonce and earlier.author.id == state.world.bot.id:
                    return respond(request, earlier.payload())
        message = new_bot_message(state.world, state.store, channel, body)
        message.attachments = uploaded_attachments(state.world, body, files)
        message.files = {int(a["id"]): f for a, f in zip(message.attachments, files, strict=True)}
        if state.on_message is not None:
            await state.on_message(message)
        return respond(request, message.payload())

    async def list_messages(self, request: web.Request) -> web.Response:
        """A channel's messages, newest first, as Discord pages them (limit, before/after/around).

        Without Read Message History the bot gets an empty list, as on Discord.
        """
        channel = self._channel(request)
        query = history_query(self.state, request)
        perms = self.state.world.channel_permissions(channel, self.state.world.bot)
        if not channel.is_dm and not perms & Perm.READ_MESSAGE_HISTORY:
            return respond(request, [])
        shown = [m for m in self.state.store.in_channel(channel.id) if not m.ephemeral]
        found = page_of(shown, **query)
        return respond(request, [m.payload() for m in found])

    def _message(self, request: web.Request) -> Any:
        channel = self._channel(request)
        message = self.state.store.get(int(request.match_info["message"]))
        if message is None or message.channel_id != channel.id:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    async def get_message(self, request: web.Request) -> web.Response:
        return respond(request, self._message(request).payload())

    async def edit_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message.author.id != self.state.world.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = request[BODY] or {}
        self.state.validator.reject_if(request, message_limits(body, creating=False))
        new = uploaded_attachments(self.state.world, body, request[FILES])
        message.apply_edit(body, new)
        return respond(request, message.payload())

    async def delete_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        message.deleted = True
        return no_content()
