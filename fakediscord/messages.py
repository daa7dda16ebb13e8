"""Messages the bot has sent: the stored model, edits, and the payloads Discord returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .world import User

EPHEMERAL = 1 << 6
LOADING = 1 << 7


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class UploadedFile:
    """A file uploaded with a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class FakeMessage:
    """One message as the fake stores it; edits update it in place."""

    id: int
    channel_id: int
    author: User
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    flags: int = 0
    attachments: list[dict] = field(default_factory=list)
    files: dict[int, UploadedFile] = field(default_factory=dict)
    message_reference: dict | None = None
    nonce: str | None = None
    interaction_metadata: dict | None = None
    webhook_id: int | None = None
    type: int = 0
    timestamp: str = field(default_factory=now_iso)
    edited_timestamp: str | None = None
    deleted: bool = False
    history: list[dict] = field(default_factory=list)

    # --- views --------------------------------------------------------------------

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred ("thinking") response not yet replaced by content."""
        return bool(self.flags & LOADING)

    def walk_components(self) -> Iterator[dict]:
        """Every component of the message, depth first."""
        yield from _walk(self.components)

    @property
    def buttons(self) -> list[dict]:
        return [c for c in self.walk_components() if c.get("type") == 2]

    @property
    def selects(self) -> list[dict]:
        return [c for c in self.walk_components() if c.get("type") in (3, 5, 6, 7, 8)]

    def component(self, custom_id: str | None = None, label: str | None = None) -> dict | None:
        """The component with this custom_id (or, for buttons, this label)."""
        for item in self.walk_components():
            if custom_id is not None and item.get("custom_id") == custom_id:
                return item
            if custom_id is None and label is not None and item.get("label") == label:
                return item
        return None

    @property
    def embed_texts(self) -> list[str]:
        """Title, description and fields of every embed, as plain strings."""
        out: list[str] = []
        for embed in self.embeds:
            out += [embed.get("title") or "", embed.get("description") or ""]
            for f in embed.get("fields") or []:
                out += [f.get("name", ""), f.get("value", "")]
        return [s for s in out if s]

    @property
    def text(self) -> str:
        """Content plus all embed text, newline-joined (handy for assertions)."""
        return "\n".join([self.content, *self.embed_texts]).strip()

    # --- changes ------------------------------------------------------------------

    def apply_edit(self, body: dict, new_files: list[dict]) -> None:
        """Apply a PATCH body (keys present replace; ``None`` clears)."""
        self.history.append(self.payload())
        if "content" in body:
            self.content = body["content"] or ""
        if "embeds" in body:
            self.embeds = list(body["embeds"] or [])
        if "components" in body:
            self.components = list(body["components"] or [])
        if "attachments" in body:
            keep = {str(a.get("id")) for a in body["attachments"] or []}
            self.attachments = [a for a in self.attachments if a["id"] in keep]
        self.attachments += new_files
        if body.get("flags") is not None:
            self.flags = (self.flags & ~(1 << 2)) | (body["flags"] & (1 << 2))
        self.flags &= ~LOADING
        self.edited_timestamp = now_iso()

    def payload(self) -> dict:
        """The message object as Discord's REST and gateway return it."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": list(self.attachments),
            "embeds": list(self.embeds),
            "components": list(self.components),
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        optional = {
            "guild_id": str(self.guild_id) if self.guild_id else None,
            "webhook_id": str(self.webhook_id) if self.webhook_id else None,
            "application_id": str(self.webhook_id) if self.webhook_id else None,
            "message_reference": self.message_reference,
            "nonce": self.nonce,
            "interaction_metadata": self.interaction_metadata,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data


def _walk(components: list) -> Iterator[dict]:
    for item in components:
        if not isinstance(item, dict):
            continue
        yield item
        yield from _walk(item.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(item.get(key), dict):
                yield from _walk([item[key]])


class MessageStore:
    """All messages, by id and by channel."""

    def __init__(self) -> None:
        self.by_id: dict[int, FakeMessage] = {}
        self.by_channel: dict[int, list[FakeMessage]] = {}

    def add(self, message: FakeMessage) -> FakeMessage:
        self.by_id[message.id] = message
        self.by_channel.setdefault(message.channel_id, []).append(message)
        return message

    def get(self, message_id: int) -> FakeMessage | None:
        found = self.by_id.get(message_id)
        return None if found is None or found.deleted else found

    def in_channel(self, channel_id: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        messages = self.by_channel.get(channel_id, [])
        return [m for m in messages if include_deleted or not m.deleted]
