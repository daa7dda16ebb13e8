"""The fake REST API (aiohttp) under ``/api/v10``, plus request recording and validation.

Every request is recorded (:class:`RecordedRequest`). Every JSON body, and the
``payload_json`` of a multipart body, is validated against Discord's OpenAPI schema
and :mod:`~fakediscord.limits`; a failure is recorded as a :class:`Violation` and
answered like Discord does (400, code 50035 "Invalid Form Body").
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .limits import check_message
from .messages import FakeMessage, MessageStore, UploadedFile
from .schema import SchemaError, spec_index
from .world import Channel, Perm, World

API_PREFIX = "/api/v10"
BODY = web.RequestKey("fakediscord_body", object)
FILES = web.RequestKey("fakediscord_files", list)
RECORD = web.RequestKey("fakediscord_record", object)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    """One request the bot made."""

    method: str
    path: str  # without /api/v10
    query: dict[str, str]
    started: float
    json: Any = None
    files: list[UploadedFile] = field(default_factory=list)
    finished: float | None = None
    status: int | None = None
    response: Any = None


@dataclass
class Violation:
    """Something real Discord would have rejected (a test fails on these)."""

    kind: str
    method: str
    path: str
    detail: str
    errors: list[SchemaError] = field(default_factory=list)
    body: Any = None

    def __str__(self) -> str:
        errors = "; ".join(str(e) for e in self.errors[:5])
        return f"[{self.kind}] {self.method} {self.path}: {self.detail} {errors}".strip()


@dataclass
class Fault:
    """A canned failure for the next ``times`` requests matching ``method`` and ``path``."""

    method: str
    path: re.Pattern[str]
    status: int
    code: int = 0
    times: int = 1


DROP = 0  # a fault "status": close the connection without handling the request
LOSE_ANSWER = -1  # a fault "status": handle the request, then close without answering


class Dropped(Exception):
    """An injected fault that closes the connection instead of answering."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(what)
        self.status = status


class ApiError(Exception):
    """Raised by a handler to answer with a Discord-style JSON error."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: Any = None,
        *,
        is_global: bool = False,
        retry_after: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors
        self.is_global = is_global
        self.retry_after = retry_after or RETRY_AFTER

    def body(self) -> dict:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        if self.status == 429:  # like Discord's: discord.py waits `retry_after`, then retries
            data.update(retry_after=self.retry_after, **{"global": self.is_global})
        return data

    def headers(self) -> dict[str, str]:
        """Discord's rate-limit headers (discord.py honours a 429 only behind `Via`)."""
        if self.status != 429:
            return {}
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "X-RateLimit-Scope": "global" if self.is_global else "user",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        return headers


class GlobalLimit:
    """Discord's global limit: at most `per_second` requests a bot token makes in any second.

    Counted per token (the `Authorization` header), whichever process or connection sends
    them: several processes of one bot share it, as on Discord. Interaction callbacks and
    webhooks (follow-ups) do not count, as on Discord. A request over the limit is answered
    429 with `"global": true` and the wait until a slot frees.
    """

    def __init__(self, per_second: int | None, now: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.now = per_second, now
        self.windows: dict[str, deque[float]] = {}  # per token: the requests of the last second
        self.refused = 0  # 429s answered so far, all tokens

    def check(self, path: str, token: str = "") -> None:
        """Count a request to `path` by `token`, or raise the global 429 when its last second
        is full."""
        if self.per_second is None or path.startswith(("/interactions/", "/webhooks/")):
            return
        now = self.now()
        recent = self.windows.setdefault(token, deque())
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= self.per_second:
            self.refused += 1
            wait = recent[0] + 1.0 - now
            raise ApiError(429, 0, "You are being rate limited.", is_global=True, retry_after=wait)
        recent.append(now)


RETRY_AFTER = 0.01


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    """JSON with ``Content-Type`` exactly ``application/json`` (discord.py checks that)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def no_content() -> web.Response:
    return web.Response(status=204)


def form_errors(errors: list[SchemaError]) -> dict:
    """Discord's nested ``errors`` object for a 50035 response."""
    root: dict[str, Any] = {}
    for error in errors:
        node = root
        for part in error.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": "INVALID", "message": error.message})
    return root


class Recorder:
    """Requests, violations, unknown routes, and in-flight accounting."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.inflight = 0
        self.last_activity = time.monotonic()
        self._on_change = on_change

    def begin(self, request: web.Request) -> RecordedRequest:
        path = request.path.removeprefix(API_PREFIX)
        rec = RecordedRequest(request.method, path, dict(request.query), time.monotonic())
        self.requests.append(rec)
        self.inflight += 1
        self.last_activity = rec.started
        self._on_change()
        return rec

    def end(self, rec: RecordedRequest, status: int, response: Any) -> None:
        rec.finished = time.monotonic()
        rec.status, rec.response = status, response
        self.inflight -= 1
        self.last_activity = rec.finished
        self._on_change()

    def violation(self, violation: Violation) -> None:
        self.violations.append(violation)
        self._on_change()


async def read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON body, or ``payload_json`` plus files of a multipart body."""
    if request.content_type == "application/json":
        raw = await request.read()
        return (json.loads(raw) if raw else None), []
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    return None, []


async def _read_multipart(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    body, files = None, []
    reader = await request.multipart()
    async for part in reader:
        data = await part.read()  # type: ignore[union-attr]
        if part.name == "payload_json":
            body = json.loads(data)
        else:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append(UploadedFile(part.filename or part.name or "file", content_type, data))
    return body, files


class Validator:
    """Schema plus limits, recording violations."""

    def __init__(self, recorder: Recorder, enabled: bool = True) -> None:
        self.recorder = recorder
        self.enabled = enabled

    def check(self, method: str, path: str, body: Any) -> None:
        """Raise 50035 (and record) if ``body`` is invalid for ``method path``."""
        if not self.enabled or body is None:
            return
        if spec_index().match(method, path) is None:  # the fake serves it; Discord does not
            self.recorder.violation(Violation("unspecified", method, path, "not in the spec"))
            return
        errors = spec_index().validate(method, path, body)
        if errors:
            self.recorder.violation(Violation("schema", method, path, "", errors, body))
            raise ApiError(400, 50035, "Invalid Form Body", form_errors(errors))

    def reject_if(self, request: web.Request, errors: list[SchemaError]) -> None:
        """Record and raise 50035 if a handler found limit ``errors``."""
        if self.enabled and errors:
            path = request.path.removeprefix(API_PREFIX)
            body = request.get(BODY)
            self.recorder.violation(Violation("limits", request.method, path, "", errors, body))
            raise ApiError(400, 50035, "Invalid Form Body", form_errors(errors))

    def fail(self, kind: str, request: web.Request, error: ApiError, detail: str = "") -> ApiError:
        """Record a protocol violation and return the error to raise."""
        path = request.path.removeprefix(API_PREFIX)
        text = detail or error.message
        self.recorder.violation(Violation(kind, request.method, path, text, body=request.get(BODY)))
        return error


def message_limits(body: Any, creating: bool) -> list[SchemaError]:
    return check_message(body, creating=creating) if isinstance(body, dict) else []


def uploaded_attachments(world: World, body: dict | None, files: list[UploadedFile]) -> list:
    """Attachment objects for newly uploaded files (``files[n]`` with ``attachments``)."""
    declared = {str(a.get("id")): a for a in (body or {}).get("attachments") or []}
    out = []
    for index, upload in enumerate(files):
        meta = declared.get(str(index), {})
        attachment_id = world.ids.next()
        out.append(
            {
                "id": str(attachment_id),
                "filename": meta.get("filename") or upload.filename,
                "description": meta.get("description"),
                "size": len(upload.data),
                "url": f"https://cdn.fake/attachments/{attachment_id}/{upload.filename}",
                "proxy_url": f"https://media.fake/attachments/{attachment_id}/{upload.filename}",
                "content_type": upload.content_type,
            }
        )
    return out


def check_can_post(world: World, channel: Channel | None) -> Channel:
    """Raise Discord's errors for a missing channel, closed DMs, or no Send Messages."""
    if channel is None or channel.deleted:
        raise ApiError(404, 10003, "Unknown Channel")
    check_bot_access(world, channel)
    if channel.is_dm:
        assert channel.recipient is not None
        if not channel.recipient.dms_open:
            raise ApiError(403, 50007, "Cannot send messages to this user")
        return channel
    perms = world.channel_permissions(channel, world.bot)
    needed = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES
    if perms & needed != needed:
        raise ApiError(403, 50013, "Missing Permissions")
    return channel


def check_bot_access(world: World, channel: Channel) -> None:
    """403 / 50001 for a channel the bot is not in: a user DM or group DM, or another guild."""
    guild = world.guild_of(channel)
    if channel.is_private or (guild is not None and not world.bot_in(guild)):
        raise ApiError(403, 50001, "Missing Access")


def new_bot_message(world: World, store: MessageStore, channel: Channel, body: dict) -> FakeMessage:
    """Store a message authored by the bot in ``channel`` from a create body."""
    message = FakeMessage(
        id=world.ids.next(),
        channel_id=channel.id,
        author=world.bot,
        guild_id=channel.guild_id,
        content=body.get("content") or "",
        embeds=list(body.get("embeds") or []),
        components=list(body.get("components") or []),
        flags=int(body.get("flags") or 0),
        message_reference=_reference(body.get("message_reference")),
        nonce=str(body["nonce"]) if body.get("nonce") is not None else None,
    )
    if message.message_reference:
        message.type = 19
    return store.add(message)


HISTORY_ANCHORS = ("around", "before", "after")


def history_query(state: FakeState, request: web.Request) -> dict[str, int | None]:
    """The paging of ``GET /channels/{id}/messages`` as the spec allows it (else 50035)."""
    query = request.query
    errors = [f"{k} is not a snowflake" for k in HISTORY_ANCHORS if not query.get(k, "0").isdigit()]
    limit = query.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= 100:
        errors.append("limit must be an integer from 1 to 100")
    if sum(k in query for k in HISTORY_ANCHORS) > 1:
        errors.append("around, before and after are mutually exclusive")
    if errors:
        detail = "; ".join(errors)
        error = ApiError(400, 50035, "Invalid Form Body", {"_errors": [{"message": detail}]})
        raise state.validator.fail("query", request, error, detail)
    anchors = {k: int(query[k]) if k in query else None for k in HISTORY_ANCHORS}
    return {"limit": int(limit), **anchors}


def page_of(
    messages: list[FakeMessage],
    limit: int,
    around: int | None = None,
    before: int | None = None,
    after: int | None = None,
) -> list[FakeMessage]:
    """One page of a channel's history, newest first, as Discord returns it.

    ``after`` gives the ``limit`` messages just after it; ``before`` (or nothing) the ``limit``
    just before it (the newest); ``around`` about half on each side.
    """
    ordered = sorted(messages, key=lambda m: m.id)
    if after is not None:
        page = [m for m in ordered if m.id > after][:limit]
    elif around is not None:
        half = limit // 2
        older = [m for m in ordered if m.id < around][-half:] if half else []
        page = older + [m for m in ordered if m.id >= around][: limit - len(older)]
    else:
        page = [m for m in ordered if before is None or m.id < before][-limit:]
    return page[::-1]


def _reference(ref: dict | None) -> dict | None:
    if not ref:
        return None
    return {k: str(v) for k, v in ref.items() if k.endswith("_id") and v is not None}


@dataclass
class FakeState:
    """Everything the REST handlers share."""

    world: World
    store: MessageStore
    recorder: Recorder
    validator: Validator
    token: str
    response_deadline: float = 3.0
    base_url: str = ""
    interactions: dict[int, Any] = field(default_factory=dict)
    by_token: dict[str, Any] = field(default_factory=dict)
    commands: list[dict] = field(default_factory=list)
    guild_commands: dict[int, list[dict]] = field(default_factory=dict)
    dm_channels: dict[int, Channel] = field(default_factory=dict)
    on_message: Callable[[FakeMessage], Awaitable[None]] | None = None
    faults: list[Fault] = field(default_factory=list)
    global_limit: GlobalLimit = field(default_factory=lambda: GlobalLimit(None))
    nonces_forgotten_before: int = 0  # messages up to this id are past Discord's nonce window

    def take_fault(self, method: str, path: str) -> Fault | None:
        """Use up the first injected fault matching ``method`` and ``path``, if any."""
        for fault in self.faults:
            if fault.method == method and fault.path.fullmatch(path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def note_rejection(self, path: str, error: ApiError) -> None:
        """Remember a rejected interaction callback on its interaction record."""
        parts = path.split("/")
        if len(parts) == 5 and parts[1] == "interactions" and parts[2].isdigit():
            record = self.interactions.get(int(parts[2]))
            if record is not None:
                record.rejected.append(error.body())

    def check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise ApiError(401, 0, "401: Unauthorized")


def make_middleware(state: FakeState) -> Any:
    """Record, parse, validate, and turn :class:`ApiError` into JSON responses."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)
        rec = state.recorder.begin(request)
        status, payload = 500, None
        try:
            response = await _handle(state, request, rec, handler)
            status = response.status
            payload = rec.response
            return response
        except ApiError as error:
            status, payload = error.status, error.body()
            state.note_rejection(rec.path, error)
            return json_response(payload, error.status, error.headers())
        except Dropped as dropped:
            status = dropped.status
            if request.transport is not None:
                request.transport.abort()  # the client sees the connection reset, no answer
            return web.Response()  # written to nowhere: aiohttp drops it quietly
        finally:
            state.recorder.end(rec, status, payload)

    return middleware


async def _handle(
    state: FakeState, request: web.Request, rec: RecordedRequest, handler: Handler
) -> web.StreamResponse:
    rec.json, rec.files = await read_body(request)
    request[BODY], request[FILES], request[RECORD] = rec.json, rec.files, rec
    state.validator.check(request.method, rec.path, rec.json)
    state.global_limit.check(rec.path, request.headers.get("Authorization", ""))
    fault = state.take_fault(request.method, rec.path)
    if fault is None:
        return await handler(request)
    what = f"{request.method} {rec.path}"
    if fault.status == DROP:
        raise Dropped(DROP, what)
    if fault.status == LOSE_ANSWER:
        await handler(request)  # it happened; the answer is lost on the way back
        raise Dropped(LOSE_ANSWER, what)
    raise ApiError(fault.status, fault.code, f"injected {fault.status}")


def respond(request: web.Request, data: Any, status: int = 200) -> web.Response:
    """JSON response, also stored on the request's record."""
    request[RECORD].response = data  # type: ignore[attr-defined]
    return json_response(data, status)
