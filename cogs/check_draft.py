"""`/check-draft`: check a message before it is sent; the draft is never stored or logged.

To pre-fill "Edit and check again", the text is kept in memory only, for a short
while, keyed by a random nonce in the button's custom_id; after a restart the
button opens an empty form instead.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from collections import OrderedDict

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import TayoriBot
from bot.article import fitting_templates, ng_item
from bot.content import LocaleContent
from bot.draft import DraftContext, Report, check_draft, is_blank
from bot.i18n import names, options
from bot.interactions import OwnedModal, bot_of, everywhere, guarded, reply, think

PREFIX = "tayori:cd"
KEEP_SECONDS = 15 * 60
KEEP_MAX = 2000
QUOTE_MAX = 200
MAX_FINDINGS = 10
FORM_MAX = 4000  # Discord's longest text input; longer drafts are also handed back as a file


class DraftMemory:
    """Drafts kept in memory for a few minutes so a form can be pre-filled; never written anywhere."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[int, str, float]] = OrderedDict()

    def keep(self, user_id: int, text: str) -> str:
        """Remember `text` for its author; return the nonce."""
        nonce = secrets.token_urlsafe(9)
        self._items[nonce] = (user_id, text, time.monotonic() + KEEP_SECONDS)
        while len(self._items) > KEEP_MAX:
            self._items.popitem(last=False)
        return nonce

    def recall(self, nonce: str, user_id: int) -> str:
        """Return the author's draft, or "" when it expired or is someone else's."""
        owner, text, until = self._items.get(nonce, (0, "", 0.0))
        return text if owner == user_id and until > time.monotonic() else ""


MEMORY = DraftMemory()


class DraftModal(OwnedModal):
    """The paragraph form; submitting it checks the draft."""

    def __init__(self, texts: LocaleContent, default: str = "") -> None:
        super().__init__(title=texts.text("check_draft.modal.title"), timeout=None)
        self.draft = discord.ui.TextInput(
            label=texts.text("check_draft.modal.label"),
            style=discord.TextStyle.paragraph,
            placeholder=texts.text("check_draft.modal.placeholder"),
            default=default[:FORM_MAX] or None,
            max_length=FORM_MAX,
            custom_id=f"{PREFIX}:text",
        )
        self.add_item(self.draft)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Check what was typed."""
        await answer(interaction, self.draft.value)


class OpenDraftButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"{PREFIX}:open"):
    """Opens an empty draft form (used under diagnosis results and reminders)."""

    def __init__(self, label: str) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"{PREFIX}:open", emoji="✏️"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> OpenDraftButton:
        """Rebuild the button."""
        return cls(item.label or "draft")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the form."""
        texts = bot_of(interaction).texts(interaction)
        await guarded(interaction, interaction.response.send_modal(DraftModal(texts)))


class EditButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"{PREFIX}:edit:(?P<nonce>[\w-]+)"):
    """Opens the form pre-filled with the draft just checked (while it is still in memory)."""

    def __init__(self, nonce: str, label: str) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"{PREFIX}:edit:{nonce}"))
        self.nonce = nonce

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> EditButton:
        """Rebuild the button."""
        return cls(match["nonce"], item.label or "edit")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the form with the remembered draft."""
        texts = bot_of(interaction).texts(interaction)
        draft = MEMORY.recall(self.nonce, interaction.user.id)
        await guarded(interaction, interaction.response.send_modal(DraftModal(texts, draft)))


async def answer(interaction: discord.Interaction, text: str) -> None:
    """Check `text` and reply privately with the report (or a kind error)."""
    bot = bot_of(interaction)
    texts = bot.texts(interaction)
    if is_blank(text):
        await reply(interaction, texts.text("check_draft.error.empty"), view=_view(texts, interaction, ""))
        return
    limit = texts.draft.input_limit
    if len(text) > limit:
        message = texts.text("check_draft.error.too_long", limit=limit)
        extra = {"file": _as_file(text)} if len(text) > FORM_MAX else {}
        await reply(interaction, message, view=_view(texts, interaction, text), **extra)
        return
    await think(interaction)
    user = interaction.user.id
    context = DraftContext(last_sent_at=await bot.store.last_after_send(user), now=bot.clock.now())
    report = check_draft(text, texts.draft, context)
    history = await bot.store.diagnoses_for(user, limit=1)
    top = history[0].ranking[0] if history and history[0].ranking else None
    await reply(interaction, embeds=render(texts, text, report, top, bot), view=_view(texts, interaction, text, True))


def _as_file(text: str) -> discord.File:
    """Hand a draft too long for the form back to its author, so nothing is lost."""
    return discord.File(io.BytesIO(text.encode()), filename="draft.txt")


def _view(texts: LocaleContent, interaction: discord.Interaction, text: str, checked: bool = False) -> discord.ui.View:
    from cogs.remind import AfterSendButton

    view = discord.ui.View(timeout=None)
    view.add_item(EditButton(MEMORY.keep(interaction.user.id, text), texts.text("check_draft.button.recheck")))
    if checked:
        view.add_item(AfterSendButton(interaction.user.id, 7, texts.text("check_draft.button.sent")))
    return view


def render(texts: LocaleContent, text: str, report: Report, top: str | None, bot: TayoriBot) -> list[discord.Embed]:
    """Render the verdict, each finding with its quoted span, and fitting templates."""
    colour = {"send": discord.Colour.green(), "revise": discord.Colour.gold(), "dont-send": discord.Colour.red()}
    embed = discord.Embed(
        title=texts.text(f"check_draft.verdict.{report.verdict}"),
        description="\n".join(
            [
                texts.text(f"check_draft.verdict_note.{report.verdict}"),
                texts.text("check_draft.score", score=report.score),
                texts.text("check_draft.privacy"),
            ]
        ),
        colour=colour[report.verdict],
    )
    for finding in report.findings[:MAX_FINDINGS]:
        embed.add_field(**_finding_field(texts, text, finding, bot), inline=False)
    if not report.findings:
        embed.add_field(name="✓", value=texts.text("check_draft.no_findings"), inline=False)
    fitting = fitting_templates(texts.article, report.template_kinds, prefer_reason=top)
    if fitting:
        lines = "\n".join(texts.text("check_draft.quote", text=t.text) for t in fitting)
        embed.add_field(name=texts.text("check_draft.templates"), value=lines, inline=False)
    return [embed]


def _finding_field(texts: LocaleContent, text: str, finding, bot: TayoriBot) -> dict[str, str]:
    span = text[finding.start : finding.end]
    if len(span) > QUOTE_MAX:
        span = span[: QUOTE_MAX - 1] + "…"
    quoted = texts.text("check_draft.quote", text=discord.utils.escape_markdown(span))
    lines = [f"{texts.text('check_draft.flagged')}{quoted}"] if span.strip() else []
    lines.append(f"**{texts.text('check_draft.why')}**: {finding.message}")
    if finding.suggestion:
        lines.append(f"**{texts.text('check_draft.try_instead')}**: {finding.suggestion}")
    if finding.ng:
        lines.append(f"→ {ng_item(texts.article, finding.ng).title} ({bot.mention('ng-list')})")
    name = f"{texts.text(f'check_draft.severity.{finding.severity}')} · {finding.rule}"
    return {"name": name, "value": "\n".join(lines)[:1024]}


class CheckDraft(commands.Cog):
    """The /check-draft command."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot

    @app_commands.command(**names("check-draft"))
    @options("check-draft", "text")
    @everywhere
    async def check_draft_command(
        self, interaction: discord.Interaction, text: str | None = None
    ) -> None:
        """Check the given text, or open the form when none was given."""
        if text is None:
            await interaction.response.send_modal(DraftModal(self.bot.texts(interaction)))
            return
        await answer(interaction, text)


async def setup(bot: TayoriBot) -> None:
    """Add the cog and its restart-proof buttons."""
    bot.add_dynamic_items(OpenDraftButton, EditButton)
    await bot.add_cog(CheckDraft(bot))
