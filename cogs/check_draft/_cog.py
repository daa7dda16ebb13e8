"""`/check-draft`: check a message before it is sent; the draft is never stored or logged.

Every form has the fixed custom_id `tayori:cd:form` and no live Modal object waits for it:
the bot hands each submit of that custom id to the cog's `on_form`, so a form left open for
hours or across a restart is still answered. To pre-fill "Edit and check again", the text is kept
in memory only, for a short while, keyed by a random nonce in the button's custom_id;
after a restart the button opens an empty form instead. (What users type stays out of
the debug log through `bot.runtime.logsafety`, installed for the whole bot by `TayoriBot`.)
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import unicodedata
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.article import fitting_templates, ng_item
from bot.core.content import LocaleContent
from bot.core.draft import DraftContext, Finding, Report, is_blank
from bot.core.draft_language import check_message
from bot.core.textnorm import clean_user_text, normalize
from bot.runtime.app import TayoriBot
from bot.runtime.i18n import names, options
from bot.runtime.items import TayoriItem, button_label
from bot.runtime.limits import EMBED_FIELD_VALUE_MAX, EMBEDS_TOTAL_MAX, TEXT_INPUT_MAX
from bot.runtime.metrics import handled
from bot.runtime.metrics import start as start_timing
from bot.runtime.replies import buttons, reply, think
from bot.runtime.shared_items import AfterSendButton
from bot.runtime.tree import refused_for_maintenance, route_error
from bot.services.draft_memory import DraftMemory

PREFIX = "tayori:cd"
FORM_ID = f"{PREFIX}:form"  # every draft form's custom_id, answered by CheckDraft.on_form
TEXT_ID = f"{PREFIX}:text"  # the form's one text input
FORM_MAX = TEXT_INPUT_MAX  # longer drafts are also handed back as a file
THINK_AFTER = 1.5  # seconds of store work before acknowledging (Discord's window is 3 s)
AFTER_SEND_DAYS = 7
QUOTES_PER_RULE = 3
QUOTE_WIDTHS = (120, 40, 0)  # tried in turn until the report fits one message
WORD_REACH = 20  # how far a quote looks for a word's start or a space to cut at
JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner and variation selectors
EMBED_BUDGET = EMBEDS_TOTAL_MAX - 200  # kept under the limit on all of a message's embeds
FIELD_MAX = EMBED_FIELD_VALUE_MAX
COLOURS = {
    "send": discord.Colour.green(),
    "revise": discord.Colour.gold(),
    "dont-send": discord.Colour.red(),
}
T = TypeVar("T")
log = logging.getLogger(__name__)
Field = tuple[str, str]  # an embed field's name and value


def memory(interaction: discord.Interaction[TayoriBot]) -> DraftMemory:
    """The drafts kept for "Edit and check again" (the cog's)."""
    cog = interaction.client.get_cog("CheckDraft")
    assert isinstance(cog, CheckDraft)
    return cog.memory


class DraftModal(discord.ui.Modal):
    """The paragraph form, sent as a layout only: `CheckDraft.on_form` checks submits.

    It has no callbacks and is stopped before it is sent, so discord.py's view store (which
    keys live modals by custom_id alone, and drops them on a timeout or a restart) never
    holds it, and each submit is answered exactly once, by the listener.
    """

    def __init__(self, texts: LocaleContent, default: str = "") -> None:
        super().__init__(
            title=texts.text("check_draft.modal.title"), timeout=None, custom_id=FORM_ID
        )
        self.draft: discord.ui.TextInput[DraftModal] = discord.ui.TextInput(
            label=texts.text("check_draft.modal.label", limit=texts.draft.input_limit),
            style=discord.TextStyle.paragraph,
            placeholder=texts.text("check_draft.modal.placeholder"),
            default=default[:FORM_MAX] or None,
            max_length=FORM_MAX,
            custom_id=TEXT_ID,
        )
        self.add_item(self.draft)
        self.stop()  # `send_modal` stores only modals that are not finished


def typed_draft(components: list[dict[str, Any]]) -> str:
    """Return the draft typed into a submitted form ("" when its input is missing)."""
    for component in components:
        if component.get("custom_id") == TEXT_ID:
            return component.get("value") or ""
        inner = [*component.get("components", []), *filter(None, [component.get("component")])]
        if found := typed_draft(inner):
            return found
    return ""


class EditButton(TayoriItem[discord.ui.Button[Any]], template=rf"{PREFIX}:edit:(?P<nonce>[\w-]+)"):
    """Opens the form pre-filled with the draft just checked (while it is still in memory)."""

    def __init__(self, nonce: str, label: str) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"{PREFIX}:edit:{nonce}"))
        self.nonce = nonce

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> EditButton:
        """Rebuild the button."""
        return cls(match["nonce"], button_label(item) or "edit")

    async def run(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Open the form with the remembered draft."""
        draft = memory(interaction).recall(self.nonce, interaction.user.id)
        await _open_form(interaction, draft)


async def answer(interaction: discord.Interaction[TayoriBot], text: str) -> None:
    """Check `text` and reply privately with the report (or a kind error)."""
    text = clean_user_text(text, multiline=True)
    bot, user = interaction.client, interaction.user.id
    started = bot.clock.now()  # a /privacy delete after this keeps the draft out of memory
    texts = bot.texts(interaction)
    normalized = normalize(text)  # once, for the blank test, the language and the rules
    if is_blank(normalized):
        await reply(
            interaction,
            texts.text("check_draft.error.empty"),
            view=_view(interaction, texts, "", started),
        )
        return
    if len(text) > texts.draft.input_limit:
        await _too_long(interaction, texts, text, started)
        return
    history = bot.store.cached_draft_history(user)  # known after a check or an opened form
    if history is None:
        history = await _in_time(interaction, bot.store.draft_history(user))
    context = DraftContext.after_send(bot.clock.now(), history.sent_at, history.check_in)
    report = check_message(normalized, bot.content.drafts, texts.locale, context)
    # "I sent it" only under a draft the article would send
    view = _view(interaction, texts, text, started, sendable=report.verdict == "send")
    embed = render(texts, text, report, history.top_reason, bot)
    await reply(interaction, embed=embed, view=view)


async def _too_long(
    interaction: discord.Interaction[TayoriBot], texts: LocaleContent, text: str, started: datetime
) -> None:
    """Tell the limit; keep the text for the form, and hand back what the form cannot hold."""
    lines = [
        texts.text("check_draft.error.too_long", limit=texts.draft.input_limit),
        texts.text("check_draft.error.kept", length=len(text)),
    ]
    extra: dict[str, Any] = {}
    if len(text) > FORM_MAX:
        lines.append(texts.text("check_draft.error.as_file", form_max=FORM_MAX))
        extra["file"] = discord.File(io.BytesIO(text.encode()), filename="draft.txt")
    view = _view(interaction, texts, text, started)
    await reply(interaction, "\n".join(lines), view=view, **extra)


async def _in_time(interaction: discord.Interaction[TayoriBot], work: Awaitable[T]) -> T:
    """Await `work`; acknowledge first if it is slow, so Discord's 3-second window holds."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=THINK_AFTER)
    if not done:
        try:
            await think(interaction)
        except BaseException:
            task.cancel()
            raise
    return await task


async def _open_form(interaction: discord.Interaction[TayoriBot], default: str = "") -> None:
    """Open the draft form; while the user types, read what the check will need."""
    bot = interaction.client
    await interaction.response.send_modal(DraftModal(bot.texts(interaction), default))
    try:
        await bot.store.draft_history(interaction.user.id)
    except Exception as exc:  # only a head start: the form is open, and the check reads again
        log.debug("reading ahead for a draft form failed: %r", exc)


def _view(
    interaction: discord.Interaction[TayoriBot],
    texts: LocaleContent,
    text: str,
    started: datetime,
    sendable: bool = False,
) -> discord.ui.View:
    """Buttons under an answer: edit again, and "I sent it" under a draft good to send."""
    user_id = interaction.user.id
    nonce = memory(interaction).keep(user_id, text, started)
    edit = EditButton(nonce, texts.text("check_draft.button.recheck"))
    if not sendable:
        return buttons(edit)
    sent = AfterSendButton(user_id, AFTER_SEND_DAYS, texts.text("check_draft.button.sent"))
    return buttons(edit, sent)


def render(
    texts: LocaleContent, text: str, report: Report, top: str | None, bot: TayoriBot
) -> discord.Embed:
    """Render the verdict, each rule's findings with quoted spans, and fitting templates."""
    notes = [
        texts.text(f"check_draft.verdict_note.{report.verdict}"),
        texts.text("check_draft.score", score=report.score),
        texts.text("check_draft.privacy"),
    ]
    embed = discord.Embed(
        title=texts.text(f"check_draft.verdict.{report.verdict}"),
        description="\n".join(notes),
        colour=COLOURS[report.verdict],
    )
    tail = _templates_field(texts, report, top)
    if not report.findings:
        tail.insert(0, (texts.text("check_draft.all_clear"), texts.text("check_draft.no_findings")))
    used = len(embed) + _size(tail)
    for name, value in _finding_fields(texts, text, report.findings, bot, used) + tail:
        embed.add_field(name=name, value=value[:FIELD_MAX], inline=False)
    return embed


def _templates_field(texts: LocaleContent, report: Report, top: str | None) -> list[Field]:
    """One or two of the article's templates that fit, the top reason's first."""
    fitting = fitting_templates(texts.article, report.template_kinds, prefer_reason=top)
    if not fitting:
        return []
    quoted = "\n".join(texts.text("check_draft.quote", text=t.text) for t in fitting)
    return [(texts.text("check_draft.templates"), quoted)]


def _size(fields: list[Field]) -> int:
    return sum(len(name) + min(len(value), FIELD_MAX) for name, value in fields)


def _finding_fields(
    texts: LocaleContent, text: str, findings: tuple[Finding, ...], bot: TayoriBot, used: int
) -> list[Field]:
    """One field per rule that fired, quoting its spans as widely as the message allows."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    for width in QUOTE_WIDTHS:
        fields = [_rule_field(texts, text, group, bot, width) for group in groups.values()]
        if used + _size(fields) <= EMBED_BUDGET:
            break
    return fields


def _rule_field(
    texts: LocaleContent, text: str, group: list[Finding], bot: TayoriBot, width: int
) -> Field:
    """The field for one rule: where, why, what to try instead, and the NG item it is about."""
    first = group[0]
    lines = _quotes(texts, text, group, width)
    why = texts.text("check_draft.why")
    lines.append(texts.text("check_draft.labelled", label=why, text=first.message))
    if first.suggestion:
        heading = texts.text(
            "check_draft.tip" if first.severity == "good" else "check_draft.try_instead"
        )
        lines.append(texts.text("check_draft.labelled", label=heading, text=first.suggestion))
    if first.ng:
        title, command = ng_item(texts.article, first.ng).title, bot.mention("ng-list")
        lines.append(texts.text("check_draft.ng_link", title=title, command=command))
    label = texts.messages.get(f"check_draft.rule.{first.rule}", first.rule)
    return f"{texts.text(f'check_draft.severity.{first.severity}')} · {label}", "\n".join(lines)


def _quotes(texts: LocaleContent, text: str, group: list[Finding], width: int) -> list[str]:
    """The flagged spans, each quoted and cut to `width` characters; none when `width` is 0."""
    spans = list(dict.fromkeys(quoted_span(text, f.start, f.end, width) for f in group))
    spans = [s for s in spans if s]
    if not spans:
        return []
    shown = [texts.text("check_draft.quote", text=s) for s in spans[:QUOTES_PER_RULE]]
    if len(spans) > QUOTES_PER_RULE:
        shown.append(texts.text("check_draft.more", count=len(spans) - QUOTES_PER_RULE))
    return [texts.text("check_draft.flagged", quotes=" ".join(shown))]


def quoted_span(text: str, start: int, end: int, width: int) -> str:
    """`text[start:end]` on one line, Markdown escaped, cut to `width` characters on a word or
    character boundary with "…" on the cut side. A span that starts inside a Latin word (the
    part of a long draft past the limit) starts at that word (with "…" if it is too long to
    reach). Japanese has no word breaks to find: a phrase is quoted as matched."""
    if not width:
        return ""
    lead = ""
    if 0 < start < len(text) and _latin(text[start - 1]) and _latin(text[start]):
        word = start
        while word > 0 and start - word < WORD_REACH and _latin(text[word - 1]):
            word -= 1
        if word == 0 or not _in_word(text, word - 1):
            start = word
        else:
            lead = "…"
    flat = lead + " ".join(text[start:end].split())
    if len(flat) > width:
        flat = _cut(flat, width - 1) + "…"
    return discord.utils.escape_markdown(flat)


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _in_word(text: str, i: int) -> bool:
    """Say whether `text[i]` continues a word: a letter or digit, or a mark joined to one."""
    ch = text[i]
    return ch.isalnum() or unicodedata.category(ch).startswith("M") or ch in JOINERS


def _cut(flat: str, limit: int) -> str:
    """The first `limit` characters of `flat`, never inside a Latin word when a space is near,
    nor inside a character cluster (combining marks, emoji joined by ZWJ)."""
    cut = max(1, limit)
    space = flat.rfind(" ", 0, cut + 1)
    inside_word = cut < len(flat) and _latin(flat[cut - 1]) and _latin(flat[cut])
    if inside_word and space > 0 and cut - space <= WORD_REACH:
        cut = space
    while 0 < cut < len(flat) and (
        unicodedata.category(flat[cut]).startswith("M")
        or flat[cut] in JOINERS
        or flat[cut - 1] in JOINERS
    ):
        cut -= 1
    return flat[:cut].rstrip()


class CheckDraft(commands.Cog):
    """The /check-draft command."""

    def __init__(self, bot: TayoriBot) -> None:
        self.bot = bot
        self.memory = DraftMemory(bot.clock)

    @app_commands.command(**names("check-draft"))
    @options("check-draft", "text")
    async def check_draft_command(
        self, interaction: discord.Interaction[TayoriBot], text: str | None = None
    ) -> None:
        """Check the given text, or open the form when none was given."""
        if text is None:
            await _open_form(interaction)
            return
        await answer(interaction, text)

    async def open_form(
        self, interaction: discord.Interaction[TayoriBot], default: str = ""
    ) -> None:
        """Open the draft form (other features' "check a draft" buttons come here)."""
        await _open_form(interaction, default)

    @commands.Cog.listener()
    async def on_tayori_user_deleted(self, user_id: int, notices: object = ()) -> None:
        """Forget the drafts kept for "Edit and check again" when a user deletes their data."""
        self.memory.forget(user_id)

    async def cog_load(self) -> None:
        """Answer the draft form's submits (the bot hands each one to `on_form`)."""
        self.bot.add_form(FORM_ID, self.on_form)

    async def cog_unload(self) -> None:
        """Stop answering the draft form."""
        self.bot.remove_form(FORM_ID)

    async def on_form(self, interaction: discord.Interaction[TayoriBot]) -> None:
        """Check each submitted draft form, whenever and by whichever process it was opened."""
        # Discord's payload types are TypedDicts per kind; only the components are read
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        start_timing(interaction)
        try:
            if await refused_for_maintenance(interaction):
                return
            await answer(interaction, typed_draft(data.get("components", [])))
        except Exception as exc:
            await route_error(interaction, exc)
        else:
            handled(interaction, "ok")
