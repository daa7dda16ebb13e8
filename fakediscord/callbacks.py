"""Interaction callbacks and the interaction webhook (follow-ups, @original)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .interactions import InteractionRecord
from .limits import check_callback
from .messages import EPHEMERAL, LOADING, FakeMessage
from .server import (
    API_PREFIX,
    BODY,
    FILES,
    ApiError,
    FakeState,
    message_limits,
    no_content,
    respond,
    uploaded_attachments,
)
from .world import Perm

# Which callback types each interaction type accepts (2 command, 3 component,
# 4 autocomplete, 5 modal submit).
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
MESSAGE_RESOURCES = {4, 5, 7}


class InteractionRoutes:
    """Handlers for ``/interactions/...`` and ``/webhooks/{app}/{token}...``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    def register(self, router: web.UrlDispatcher) -> None:
        p = API_PREFIX
        hook = p + "/webhooks/{app}/{token}"
        router.add_post(p + "/interactions/{id}/{token}/callback", self.callback)
        router.add_post(hook, self.followup)
        router.add_get(hook + "/messages/{message}", self.get_message)
        router.add_patch(hook + "/messages/{message}", self.edit_message)
        router.add_delete(hook + "/messages/{message}", self.delete_message)

    # --- initial response ---------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        record = self._record_for_callback(request)
        body = request[BODY] or {}
        kind = body.get("type")
        no_message = kind in (6, 7) and record.message is None
        if kind not in ALLOWED_CALLBACKS.get(record.type, set()) or no_message:
            error = ApiError(400, 50035, f"callback type {kind} invalid for {record.type}")
            raise self.state.validator.fail("callback-type", request, error)
        self.state.validator.reject_if(request, check_callback(body))
        self._apply(record, kind, body.get("data") or {}, request[FILES])
        record.response_type, record.response_body = kind, body
        record.responded_at = time.monotonic()
        record.responded.set()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        return respond(request, self._callback_response(record, kind))

    def _record_for_callback(self, request: web.Request) -> InteractionRecord:
        record = self.state.interactions.get(int(request.match_info["id"]))
        validator = self.state.validator
        if record is None or record.token != request.match_info["token"]:
            raise validator.fail("unknown-interaction", request, _unknown_interaction())
        if record.response_type is not None:
            error = ApiError(400, 40060, "Interaction has already been acknowledged.")
            raise validator.fail("already-acknowledged", request, error)
        late = time.monotonic() - record.dispatched_at
        if late > self.state.response_deadline:
            detail = f"first response {late:.2f}s after dispatch"
            raise validator.fail("late-response", request, _unknown_interaction(), detail)
        return record

    def _apply(self, record: InteractionRecord, kind: int, data: dict, files: list) -> None:
        if kind in (4, 5):
            record.original = self._new_message(record, data, files, loading=kind == 5)
        elif kind in (6, 7):
            record.original = record.message
            if kind == 7 and record.message is not None:
                new = uploaded_attachments(self.state.world, data, files)
                record.message.apply_edit(data, new)
        elif kind == 8:
            record.choices = list(data.get("choices") or [])
        elif kind == 9:
            record.modal = data

    def _new_message(
        self, record: InteractionRecord, data: dict, files: list, loading: bool
    ) -> FakeMessage:
        world = self.state.world
        flags = int(data.get("flags") or 0) | (EPHEMERAL if _forced_ephemeral(record) else 0)
        if loading:
            flags = (flags & EPHEMERAL) | LOADING
            data = {}
        message = FakeMessage(
            id=world.ids.next(),
            channel_id=record.channel.id,
            author=world.bot,
            guild_id=record.guild_id,
            content=data.get("content") or "",
            embeds=list(data.get("embeds") or []),
            components=list(data.get("components") or []),
            flags=flags,
            webhook_id=world.application_id,
            type=20 if record.type == 2 else 0,
            interaction_metadata=_metadata(record),
        )
        message.attachments = uploaded_attachments(world, data, files)
        return self.state.store.add(message)

    def _callback_response(self, record: InteractionRecord, kind: int) -> dict:
        message = record.original if kind in MESSAGE_RESOURCES else None
        interaction: dict[str, Any] = {"id": str(record.id), "type": record.type}
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            interaction["response_message_id"] = str(message.id)
            interaction["response_message_loading"] = message.loading
            interaction["response_message_ephemeral"] = message.ephemeral
            resource["message"] = message.payload()
        return {"interaction": interaction, "resource": resource}

    # --- webhook: follow-ups and @original ----------------------------------------

    def _record_for_webhook(self, request: web.Request) -> InteractionRecord:
        record = self.state.by_token.get(request.match_info["token"])
        app = request.match_info["app"]
        if record is None or app != str(self.state.world.application_id):
            raise self.state.validator.fail("unknown-webhook", request, _unknown_webhook())
        if record.response_type is None:
            error = _unknown_webhook("used before the interaction was acknowledged")
            raise self.state.validator.fail("webhook-before-response", request, error)
        return record

    async def followup(self, request: web.Request) -> web.Response:
        record = self._record_for_webhook(request)
        body, files = request[BODY] or {}, request[FILES]
        self.state.validator.reject_if(request, message_limits(body, creating=not files))
        original = record.original
        if record.response_type == 5 and original is not None and original.loading:
            # The first follow-up after a deferred "thinking" response replaces it.
            new = uploaded_attachments(self.state.world, body, files)
            original.apply_edit(body, new)
            message = original
        else:
            message = self._new_message(record, body, files, loading=False)
            record.followups.append(message)
        record.followed_up = True
        if request.query.get("wait") in ("1", "true", "True"):
            return respond(request, message.payload())
        return no_content()

    def _webhook_message(self, request: web.Request) -> tuple[InteractionRecord, FakeMessage]:
        record = self._record_for_webhook(request)
        ref = request.match_info["message"]
        if ref == "@original":
            message = record.original
        else:
            mine = [record.original, *record.followups]
            message = next((m for m in mine if m is not None and str(m.id) == ref), None)
        if message is None or message.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return record, message

    async def get_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        return respond(request, message.payload())

    async def edit_message(self, request: web.Request) -> web.Response:
        record, message = self._webhook_message(request)
        body = request[BODY] or {}
        self.state.validator.reject_if(request, message_limits(body, creating=False))
        message.apply_edit(body, uploaded_attachments(self.state.world, body, request[FILES]))
        record.followed_up = True
        return respond(request, message.payload())

    async def delete_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        message.deleted = True
        return no_content()


def _metadata(record: InteractionRecord) -> dict:
    data: dict[str, Any] = {
        "id": str(record.id),
        "type": record.type,
        "user": record.user.payload(),
        "authorizing_integration_owners": dict(record.payload["authorizing_integration_owners"]),
    }
    if record.type == 2:
        data["name"] = record.data.get("name")
    if record.message is not None:
        data["interacted_message_id"] = str(record.message.id)
    return data


def _forced_ephemeral(record: InteractionRecord) -> bool:
    """A user-installed app's answers in a server are ephemeral without Use External Apps."""
    payload = record.payload
    if "0" in payload["authorizing_integration_owners"] or "member" not in payload:
        return False
    return not int(payload["member"]["permissions"]) & Perm.USE_EXTERNAL_APPS


def _unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def _unknown_webhook(detail: str = "") -> ApiError:
    return ApiError(404, 10015, f"Unknown Webhook {detail}".strip())
