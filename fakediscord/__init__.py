"""A fake Discord (REST + gateway on 127.0.0.1) that the real discord.py connects to.

See :mod:`fakediscord.harness` for the test API and
:mod:`fakediscord.plugin` for the ``fake_discord`` pytest fixture.
"""

from .bots import BotProcess, RunningBot
from .harness import FakeDiscord, point_discord_py_at
from .interactions import InteractionResult, UserActionError
from .messages import FakeMessage
from .server import RecordedRequest, Violation
from .world import Channel, Perm, Role, User, World

__all__ = [
    "BotProcess",
    "Channel",
    "FakeDiscord",
    "FakeMessage",
    "InteractionResult",
    "Perm",
    "RecordedRequest",
    "Role",
    "RunningBot",
    "User",
    "UserActionError",
    "Violation",
    "World",
    "point_discord_py_at",
]
