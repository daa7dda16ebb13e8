"""End to end: /check-draft through the fake Discord (option and form, guild and DM, limits)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from datetime import timedelta

import pytest

from bot.config import JsonFormatter, TextFormatter
from bot.core.article import ng_item, template
from bot.core.draft import Finding, Report
from cogs.check_draft._cog import quoted_span, render

BLAME = "どうして連絡してくれないの？既読無視しないで！！ずっと待ってたのに。"
CARING = "元気にしてる？体調悪いなら無理しないようにね。"
FORM = "tayori:cd:text"
FORM_ID = "tayori:cd:form"


def ja(content, key, **fields):
    return content["ja"].text(key, **fields)


def text_input(modal: dict) -> dict:
    """The modal's one text input."""
    stack = list(modal["components"])
    while stack:
        item = stack.pop(0)
        if item.get("type") == 4:
            return item
        stack += item.get("components") or ([item["component"]] if "component" in item else [])
    raise AssertionError(f"no text input in {modal}")


def fields(result) -> dict[str, str]:
    """Embed fields by name."""
    return {f["name"]: f["value"] for f in result.embeds[0].get("fields", [])}


def finding(result, content, locale, rule) -> str:
    """The field of one rule's findings (its name ends with the rule's heading)."""
    heading = content[locale].text(f"check_draft.rule.{rule}")
    found = [v for k, v in fields(result).items() if k.endswith(f"· {heading}")]
    assert len(found) == 1, f"{rule} not reported once in {list(fields(result))}"
    return found[0]


def button_ids(result) -> list[str]:
    return [b["custom_id"] for b in result.message.buttons]


def assert_report(result, content, locale, verdict):
    """A private report with the verdict's title."""
    assert result.ephemeral, "a draft is never visible to anyone else"
    assert result.embeds[0]["title"] == content[locale].text(f"check_draft.verdict.{verdict}")
    ids = button_ids(result)
    assert any(i.startswith("tayori:cd:edit:") for i in ids)
    # "I sent it" only under a draft the article would send
    assert any(i.startswith("tayori:rm:as:") for i in ids) is (verdict == "send")


async def test_option_in_a_server_gives_a_private_report(fake_discord, bot, content):
    r = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    assert_report(r, content, "ja", "dont-send")
    loc = content["ja"]
    blame = loc.draft.rule("blame")
    field = finding(r, content, "ja", "blame")
    assert ja(content, "check_draft.quote", text="どうして連絡してくれない") in field
    assert ja(content, "check_draft.quote", text="既読無視しないで") in field
    assert blame.message in field and blame.suggestion in field
    link = ja(
        content,
        "check_draft.ng_link",
        title=ng_item(loc.article, "blaming").title,
        command=bot.mention("ng-list"),
    )
    assert link in field and "</ng-list:" in link, "linked to the NG item's command"
    shown = fields(r)[ja(content, "check_draft.templates")]
    assert template(loc.article, "caring-genki").text in shown
    assert fake_discord.sent_messages("general") == [r.message]


async def test_form_in_a_dm_gives_a_private_report(fake_discord, bot, content):
    opened = await fake_discord.slash("check-draft", user="haruto", dm=True)
    assert opened.modal["title"] == ja(content, "check_draft.modal.title")
    box = text_input(opened.modal)
    assert box["style"] == 2 and box["custom_id"] == FORM and not box.get("value")
    assert box["max_length"] == 4000, "room to paste more than the limit and be told so"
    assert str(content["ja"].draft.input_limit) in box["label"]
    r = await fake_discord.submit_modal(opened, {FORM: CARING})
    assert_report(r, content, "ja", "send")
    assert ja(content, "check_draft.quote", text="元気にしてる") in r.text
    assert content["ja"].draft.rule("caring").message in r.text
    assert r.message.channel_id == fake_discord.world.existing_dm(fake_discord.user("haruto")).id


async def test_form_in_a_server_and_option_in_a_dm(fake_discord, bot, content):
    opened = await fake_discord.slash("check-draft", user="haruto", channel="general")
    r = await fake_discord.submit_modal(opened, {FORM: BLAME})
    assert_report(r, content, "ja", "dont-send")
    r = await fake_discord.slash("check-draft", {"text": CARING}, user="haruto", dm=True)
    assert_report(r, content, "ja", "send")


async def test_works_as_a_user_installed_app(fake_discord, bot):
    command = next(c for c in fake_discord.commands if c["name"] == "check-draft")
    assert command["integration_types"] == [0, 1]
    assert sorted(command["contexts"]) == [0, 1, 2]


async def test_templates_prefer_the_latest_diagnosis_top_reason(fake_discord, bot, content):
    article = content["ja"].article
    busy = template(article, "caring-busy-work").text
    heading = ja(content, "check_draft.templates")
    before = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    assert busy not in fields(before)[heading]
    uid = fake_discord.user("haruto").id
    await bot.store.add_diagnosis(uid, {"q1": "a"}, ["unwell", "busy"])
    await bot.store.add_diagnosis(uid, {"q1": "b"}, ["busy", "unwell"])  # the latest
    after = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    shown = fields(after)[heading]
    assert busy in shown and shown.count("「") == 2, "one or two templates, the top reason's first"
    assert shown.index(busy) == 1


async def test_edit_and_check_again_prefills_the_form(fake_discord, bot, content):
    r = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    opened = await fake_discord.click(
        r, label=ja(content, "check_draft.button.recheck"), user="haruto"
    )
    assert text_input(opened.modal)["value"] == BLAME
    again = await fake_discord.submit_modal(opened, {FORM: CARING})
    assert_report(again, content, "ja", "send")


async def test_a_kept_draft_is_forgotten_after_fifteen_minutes(fake_discord, bot, clock, content):
    label = ja(content, "check_draft.button.recheck")
    r = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    clock.advance(timedelta(minutes=14, seconds=59))
    still = await fake_discord.click(r, label=label, user="haruto")
    assert text_input(still.modal)["value"] == BLAME
    clock.advance(timedelta(seconds=1))
    gone = await fake_discord.click(r, label=label, user="haruto")
    assert not text_input(gone.modal).get("value"), "PRIVACY.md: kept 15 minutes at most"


async def test_the_form_reads_history_while_the_user_types(fake_discord, bot, content, monkeypatch):
    reads = []
    real = bot.store._read_draft_history

    async def counted(user_id):
        reads.append(user_id)
        return await real(user_id)

    monkeypatch.setattr(bot.store, "_read_draft_history", counted)
    uid = fake_discord.user("haruto").id
    opened = await fake_discord.slash("check-draft", user="haruto")
    await fake_discord.wait_until(lambda: reads == [uid])
    r = await fake_discord.submit_modal(opened, {FORM: CARING})
    assert_report(r, content, "ja", "send")
    assert reads == [uid], "the check used what was read while the form was open"
    await fake_discord.click(r, label=ja(content, "check_draft.button.sent"), user="haruto")
    again = await fake_discord.slash("check-draft", {"text": CARING}, user="haruto")
    assert reads == [uid], "logging a sent message keeps the log it wrote: no read again"
    assert bot.store.cached_draft_history(uid) == await real(uid), "what a read would say"
    assert finding(again, content, "ja", "repeat-send")


async def test_deleting_my_data_forgets_the_draft_kept_for_editing(fake_discord, bot, content):
    r = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    other = await fake_discord.slash("check-draft", {"text": CARING}, user="alice")
    asked = await fake_discord.slash("privacy delete", user="haruto")
    await fake_discord.click(asked, label=ja(content, "privacy.delete_button"), user="haruto")
    assert asked.content == ja(content, "privacy.deleted", count=0)
    label = ja(content, "check_draft.button.recheck")
    opened = await fake_discord.click(r, label=label, user="haruto")
    assert "value" not in text_input(opened.modal) or not text_input(opened.modal)["value"]
    label_en = content["en"].text("check_draft.button.recheck")
    kept = await fake_discord.click(other, label=label_en, user="alice")
    assert text_input(kept.modal)["value"] == CARING, "someone else's draft is still there"


async def test_sent_button_logs_a_send_and_warns_about_repeats(fake_discord, bot, clock, content):
    r = await fake_discord.slash("check-draft", {"text": CARING}, user="haruto")
    assert content["ja"].draft.rule("repeat-send").message.format(days="7日") not in r.text
    done = await fake_discord.click(r, label=ja(content, "check_draft.button.sent"), user="haruto")
    assert ja(content, "remind.after_send.confirm", when="")[:10] in done.text
    pending = await bot.store.pending_for(fake_discord.user("haruto").id)
    assert [p.kind for p in pending] == ["after-send"]
    again = await fake_discord.slash("check-draft", {"text": CARING}, user="haruto")
    rule = content["ja"].draft.rule("repeat-send")
    assert rule.message.format(days="7日") in finding(again, content, "ja", "repeat-send")
    assert again.embeds[0]["title"] == ja(content, "check_draft.verdict.revise")
    clock.advance(timedelta(days=8))
    await fake_discord.wait_until(lambda: fake_discord.dms("haruto"))
    later = await fake_discord.slash("check-draft", {"text": CARING}, user="haruto")
    assert rule.message.format(days="7日") not in later.text
    assert later.embeds[0]["title"] == ja(content, "check_draft.verdict.send")


@pytest.mark.parametrize("blank", ["   ", "\u3000\n\u200b"])
async def test_blank_text_gets_a_kind_error(fake_discord, bot, content, blank):
    r = await fake_discord.slash("check-draft", {"text": blank}, user="haruto")
    assert r.ephemeral and r.content == ja(content, "check_draft.error.empty")
    opened = await fake_discord.slash("check-draft", user="haruto", dm=True)
    r = await fake_discord.submit_modal(opened, {FORM: blank})
    assert r.ephemeral and r.content == ja(content, "check_draft.error.empty")


async def test_too_long_is_told_the_limit_and_keeps_the_text(fake_discord, bot, content):
    limit = content["ja"].draft.input_limit
    draft = ("あ" * (limit - 10)) + "ずっと待ってるのに、どうして？"
    opened = await fake_discord.slash("check-draft", user="haruto")
    r = await fake_discord.submit_modal(opened, {FORM: draft})
    assert r.ephemeral and not r.embeds
    assert r.content.splitlines() == [
        ja(content, "check_draft.error.too_long", limit=limit),
        ja(content, "check_draft.error.kept", length=len(draft)),
    ]
    assert not r.message.attachments, "the form keeps the text; no file needed"
    label = ja(content, "check_draft.button.recheck")
    reopened = await fake_discord.click(r, label=label, user="haruto")
    assert text_input(reopened.modal)["value"] == draft


async def test_exactly_the_limit_is_checked(fake_discord, bot, content):
    limit = content["ja"].draft.input_limit
    r = await fake_discord.slash("check-draft", {"text": "あ" * limit}, user="haruto")
    assert_report(r, content, "ja", "revise")
    rules = content["ja"].draft
    advice = rules.rule("too-long").suggestion.format(limit=rules.max_length)
    assert advice in finding(r, content, "ja", "too-long")


async def test_longer_than_the_form_comes_back_as_a_file(fake_discord, bot, content):
    draft = "".join(f"{i:05d}行目\n" for i in range(600))  # 5400 characters
    before = len(fake_discord.requests)
    r = await fake_discord.slash("check-draft", {"text": draft}, user="haruto")
    assert r.ephemeral and str(content["ja"].draft.input_limit) in r.content
    assert ja(content, "check_draft.error.as_file", form_max=4000) in r.content
    assert [a["filename"] for a in r.message.attachments] == ["draft.txt"]
    uploads = [f for req in fake_discord.requests[before:] for f in req.files]
    assert [f.data.decode() for f in uploads] == [draft]
    reopened = await fake_discord.click(
        r, label=ja(content, "check_draft.button.recheck"), user="haruto"
    )
    value = text_input(reopened.modal)["value"]
    assert draft.startswith(value) and len(value) == text_input(reopened.modal)["max_length"]


@pytest.mark.parametrize("mark", ["\u0301", "\uff9e"])
async def test_thousands_of_combining_marks_are_answered_in_time(fake_discord, bot, content, mark):
    # 6000 marks used to take seconds to normalize: Discord gave up before the bot answered.
    r = await fake_discord.slash("check-draft", {"text": "a" + mark * 5999}, user="haruto")
    assert r.ephemeral and str(content["ja"].draft.input_limit) in r.content
    limit = content["ja"].draft.input_limit
    checked = await fake_discord.slash("check-draft", {"text": mark * limit}, user="haruto")
    assert checked.embeds, "a draft of nothing but marks is still checked"


async def test_english_user_gets_english_rules_and_wording(fake_discord, bot, content):
    en = content["en"]
    draft = "Why are you ignoring me? Reply as soon as you see this!!"
    r = await fake_discord.slash("check-draft", {"text": draft}, user="alice")
    assert_report(r, content, "en", "dont-send")
    field = finding(r, content, "en", "blame")
    assert en.draft.rule("blame").message in field
    assert en.text("check_draft.quote", text="Why are you ignoring me") in field
    assert ng_item(en.article, "blaming").title in r.text
    opened = await fake_discord.click(r, label=en.text("check_draft.button.recheck"))
    assert opened.modal["title"] == en.text("check_draft.modal.title")


async def test_the_draft_is_never_logged_or_stored(fake_discord, bot, content, caplog):
    secret = "どうしてZQXW連絡してくれないの？既読無視しないで！！"
    caplog.set_level(logging.DEBUG)
    r = await fake_discord.slash("check-draft", {"text": secret}, user="haruto")
    opened = await fake_discord.click(
        r, label=ja(content, "check_draft.button.recheck"), user="haruto"
    )
    r = await fake_discord.submit_modal(opened, {FORM: secret})
    kind = await fake_discord.slash("check-draft", {"text": "ZQXW元気にしてる？"}, user="haruto")
    await fake_discord.click(kind, label=ja(content, "check_draft.button.sent"), user="haruto")
    await fake_discord.slash("check-draft", {"text": secret * 100}, user="haruto")
    assert "ZQXW" in r.text, "the check ran, quoting the draft to its author only"
    gateway = [x.getMessage() for x in caplog.records if x.name == "discord.gateway"]
    assert any("INTERACTION_CREATE" in line for line in gateway), "debug logging was on"
    for record, formatter in itertools.product(caplog.records, (TextFormatter(), JsonFormatter())):
        logged = formatter.format(record) + (record.exc_text or "")  # LOG_FORMAT text and json
        assert "ZQXW" not in logged, f"{record.name} logged the draft"
    path = bot.settings.database_path
    assert "ZQXW" not in dump_database(path)
    for file in (path, path.with_name(path.name + "-wal")):
        assert not file.exists() or b"ZQXW" not in file.read_bytes()


def dump_database(path) -> str:
    """Every value of every column of every table, as text."""
    db = sqlite3.connect(path)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "reminders" in tables
        values = []
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                values += [
                    v.decode(errors="replace") if isinstance(v, bytes) else str(v) for v in row
                ]
        return "\n".join(values)
    finally:
        db.close()


async def test_a_draft_that_breaks_every_rule_still_fits_one_message(fake_discord, bot, content):
    en = content["en"]
    phrases = [r for r in en.draft.rules if r.check == "phrases"]
    examples = [next(e for e in r.examples.fire if isinstance(e, str)) for r in phrases]
    draft = (" ".join(examples) + " ") * 40
    draft = draft[: en.draft.input_limit - 10].rsplit(" ", 1)[0] + " ok"
    r = await fake_discord.slash("check-draft", {"text": draft}, user="alice")
    assert_report(r, content, "en", "dont-send")
    for rule in [*phrases, en.draft.rule("too-long")]:
        assert rule.message.format(limit=en.draft.max_length, length=len(draft)) in r.text
    embed = r.embeds[0]
    total = len(embed["title"]) + len(embed["description"])
    assert total + sum(len(f["name"]) + len(f["value"]) for f in embed["fields"]) <= 6000


async def test_a_draft_with_nothing_to_fix_says_so_in_the_users_language(
    fake_discord, bot, content
):
    r = await fake_discord.slash(
        "check-draft", {"text": "この前話してた映画、もう観た？"}, user="haruto"
    )
    assert_report(r, content, "ja", "send")
    heading = ja(content, "check_draft.all_clear")
    assert fields(r)[heading] == ja(content, "check_draft.no_findings")
    assert heading != content["en"].text("check_draft.all_clear")


def test_every_rule_has_a_heading_in_both_languages(content):
    for locale in ("ja", "en"):
        for rule in content[locale].draft.rules:
            assert content[locale].text(f"check_draft.rule.{rule.id}")


async def test_after_a_restart_edit_opens_an_empty_form(fake_discord, start_tayori, content):
    bot = await start_tayori()
    r = await fake_discord.slash("check-draft", {"text": BLAME}, user="haruto")
    await bot.close()
    await start_tayori()
    opened = await fake_discord.click(
        r, label=ja(content, "check_draft.button.recheck"), user="haruto"
    )
    assert opened.modal is not None and not text_input(opened.modal).get("value")


async def test_a_form_left_open_across_a_restart_is_still_checked(
    fake_discord, start_tayori, content
):
    """No form object waits in memory: whichever bot is running handles the submit."""
    bot = await start_tayori()
    opened = await fake_discord.slash("check-draft", user="haruto")
    assert opened.modal["custom_id"] == FORM_ID
    assert not bot._connection._view_store._modals, "nothing to time out or to lose on a restart"
    await bot.close()
    await start_tayori()
    r = await fake_discord.submit_modal(opened, {FORM: CARING})
    assert_report(r, content, "ja", "send")
    assert ja(content, "check_draft.quote", text="元気にしてる") in r.text


async def test_forms_open_for_two_users_at_once_each_get_their_own_report(
    fake_discord, bot, content
):
    """Every form has the same custom_id; each submit is answered once, to its own author."""
    mine = await fake_discord.slash("check-draft", user="haruto")
    theirs = await fake_discord.slash("check-draft", user="alice", dm=True)
    r = await fake_discord.submit_modal(mine, {FORM: BLAME})
    assert_report(r, content, "ja", "dont-send")
    assert r.message.channel_id == fake_discord.channel("general").id
    draft = "How are you? Want to grab coffee sometime?"
    r = await fake_discord.submit_modal(theirs, {FORM: draft})
    assert_report(r, content, "en", "send")
    assert content["en"].text("check_draft.quote", text="How are you") in r.text


class Mentions:
    """Just what rendering needs from the bot: a command mention."""

    def mention(self, name: str) -> str:
        return f"</{name}:1>"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_quotes_shrink_so_the_worst_report_fits_discords_limit(content, locale):
    loc = content[locale]
    text = "".join(f"{i:04d}" for i in range(loc.draft.input_limit // 4))
    findings = tuple(
        Finding(
            rule=r.id,
            severity=r.severity,
            start=i * 301,
            end=i * 301 + 300,
            message=r.message,
            suggestion=r.suggestion,
            ng=r.ng,
        )
        for r in loc.draft.rules
        for i in range(5)
    )
    report = Report(verdict="dont-send", score=0, findings=findings, template_kinds=("caring",))
    embed = render(loc, text, report, "busy", Mentions())
    assert len(embed) <= 6000 and len(embed.fields) == len(loc.draft.rules) + 1
    assert all(len(f.value) <= 1024 for f in embed.fields)
    assert loc.text("check_draft.more", count=2) in embed.fields[0].value


async def test_a_slow_store_acknowledges_first_then_answers(
    fake_discord, bot, content, monkeypatch
):
    monkeypatch.setattr("cogs.check_draft._cog.THINK_AFTER", 0.01)
    release = asyncio.Event()
    real = bot.store.draft_history

    async def slow(*args, **kwargs):
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(bot.store, "draft_history", slow)
    record = await fake_discord.dispatch_slash("check-draft", {"text": BLAME}, user="haruto")
    await fake_discord.wait_until(lambda: record.response_type == 5)
    release.set()
    r = await fake_discord.outcome(record)
    assert r.deferred and r.ephemeral
    assert r.text.count(ja(content, "check_draft.verdict.dont-send")) == 1


async def test_a_japanese_draft_from_an_english_user_gets_the_japanese_rules(
    fake_discord, bot, content
):
    """The draft's language picks the rules; the report speaks the user's language."""
    r = await fake_discord.slash("check-draft", {"text": BLAME}, user="alice")
    assert_report(r, content, "en", "dont-send")
    field = finding(r, content, "en", "blame")
    quote = content["en"].text("check_draft.quote", text="どうして連絡してくれない")
    assert quote in field and content["en"].draft.rule("blame").message in field


async def test_an_english_draft_from_a_japanese_user_gets_the_english_rules(
    fake_discord, bot, content
):
    r = await fake_discord.slash(
        "check-draft", {"text": "Why haven't you texted me back?"}, user="haruto"
    )
    assert_report(r, content, "ja", "dont-send")
    assert content["ja"].draft.rule("blame").message in finding(r, content, "ja", "blame")


@pytest.mark.parametrize(("locale", "user"), [("ja", "haruto"), ("en", "alice")])
async def test_a_draft_the_model_is_unsure_of_gets_a_second_look_not_a_send(
    fake_discord, bot, content, locale, user
):
    """Where the model leans towards reproach without being sure, the report asks to revise
    and says which line to read again, in the user's language, never "good to send"."""
    for language in ("ja", "en"):
        (draft,) = content[language].draft.rule("second-look").examples.fire
        r = await fake_discord.slash("check-draft", {"text": draft}, user=user)
        assert_report(r, content, locale, "revise")
        field = finding(r, content, locale, "second-look")
        assert content[locale].draft.rule("second-look").message in field
        assert ng_item(content[locale].article, "blaming").title in field


@pytest.mark.parametrize(
    ("text", "start", "end", "width", "shown"),
    [
        # a span that starts inside an English word starts at that word
        ("I keep thinking about us and it hurts", 9, 24, 120, "thinking about us"),
        # cut on a word break, with "…" on the cut side
        ("I keep thinking about us and it hurts", 7, 37, 20, "thinking about us…"),
        # Japanese: a phrase is quoted as matched; a cut end shows "…"
        ("最近ずっと考えてたんだけど、ずっと連絡なくて", 7, 22, 8, "てたんだけど、…"),
        ("お仕事おつかれさま！", 3, 9, 40, "おつかれさま"),
        # never inside a character cluster: é is e + a combining accent
        ("e\u0301e\u0301e\u0301e\u0301", 0, 8, 4, "e\u0301…"),
        ("👩\u200d👩\u200d👧 family", 0, 12, 9, "👩\u200d👩\u200d👧…"),
        ("👩\u200d👩\u200d👧 family", 0, 12, 4, "…"),
    ],
)
def test_quotes_are_cut_on_word_and_character_boundaries(text, start, end, width, shown):
    assert quoted_span(text, start, end, width) == shown


async def test_a_quote_in_english_has_a_space_after_flagged(fake_discord, bot, content):
    r = await fake_discord.slash(
        "check-draft", {"text": "Why haven't you texted me back?"}, user="alice"
    )
    en = content["en"]
    quote = en.text("check_draft.quote", text="Why haven't you texted")
    assert en.text("check_draft.flagged", quotes=quote).startswith("Flagged: “")
    assert en.text("check_draft.flagged", quotes=quote) in finding(r, content, "en", "blame")
    assert en.text("check_draft.tip") != en.text("check_draft.severity.info")
