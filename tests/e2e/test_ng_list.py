"""End to end: /ng-list through the fake Discord — private and public, select, back, restart."""

import pytest

LOCALES = {"haruto": "ja", "alice": "en"}
PRIVATE_SELECT, PUBLIC_SELECT, BACK = "tayori:ng:sel:e", "tayori:ng:sel:p", "tayori:ng:back"


def assert_list(embed: dict, texts) -> None:
    """The list embed: title, intro, and the four behaviours numbered with their summaries."""
    assert embed["title"] == texts.text("ng_list.title")
    assert embed["description"].startswith(texts.text("ng_list.intro"))
    ng = texts.article.ng
    assert [i.id for i in ng] == [
        "long-panic-message",
        "blaming",
        "sns-venting",
        "telling-mutual-friends",
    ]
    assert [(f["name"], f["value"]) for f in embed["fields"]] == [
        (texts.text("ng_list.item_title", number=n, title=i.title), i.summary)
        for n, i in enumerate(ng, start=1)
    ]


def assert_item(embed: dict, texts, ng_id: str) -> None:
    """One behaviour in full: what it looks like, why it backfires, what to do instead."""
    number = [i.id for i in texts.article.ng].index(ng_id) + 1
    item = texts.article.ng[number - 1]
    assert embed["title"] == texts.text("ng_list.item_title", number=number, title=item.title)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert list(fields) == [
        texts.text("ng_list.what"),
        texts.text("ng_list.why"),
        texts.text("ng_list.instead"),
    ]
    examples = [texts.text("ng_list.example", text=example) for example in item.examples]
    assert fields[texts.text("ng_list.what")] == "\n".join([item.what, *examples])
    assert fields[texts.text("ng_list.why")] == item.why
    assert fields[texts.text("ng_list.instead")] == item.instead


def select_of(message, custom_id: str) -> dict:
    found = message.component(custom_id=custom_id)
    assert found is not None, f"no {custom_id} on the message"
    return found


# Guild and DM, ja and en; the other two pairings run in the public and restart tests below.
@pytest.mark.parametrize(
    ("user", "dm"), [("haruto", False), ("alice", True)], ids=["ja-guild", "en-dm"]
)
async def test_private_list_select_and_back(fake_discord, bot, content, user, dm):
    texts = content[LOCALES[user]]
    shown = await fake_discord.slash("ng-list", user=user, dm=dm)
    assert shown.ephemeral and shown.response_type == 4
    assert len(shown.embeds) == 1
    assert_list(shown.embeds[0], texts)
    select = select_of(shown.message, PRIVATE_SELECT)
    assert select["placeholder"] == texts.text("ng_list.placeholder")
    assert [o["value"] for o in select["options"]] == [i.id for i in texts.article.ng]
    assert shown.message.buttons == []

    for ng_id in reversed([i.id for i in texts.article.ng]):  # another one without going back
        opened = await fake_discord.select(shown, PRIVATE_SELECT, [ng_id], user=user)
        assert opened.response_type == 7, "the select edits the same ephemeral message"
        assert opened.message is shown.message and opened.ephemeral
        assert_item(shown.embeds[0], texts, ng_id)
        back = shown.message.component(custom_id=BACK)
        assert back is not None and back["label"] == texts.text("ng_list.back")
        select_of(shown.message, PRIVATE_SELECT)

    returned = await fake_discord.click(shown, BACK, user=user)
    assert returned.response_type == 7 and returned.message is shown.message
    assert_list(shown.embeds[0], texts)
    assert shown.message.buttons == []
    assert all(m.ephemeral for m in fake_discord.sent_messages("general"))


async def test_public_list_is_visible_and_answers_each_reader_privately(fake_discord, bot, content):
    ja, en = content["ja"], content["en"]
    posted = await fake_discord.slash("ng-list", {"public": True}, user="haruto")
    assert posted.response_type == 4 and not posted.ephemeral
    assert posted.message in fake_discord.sent_messages("general")
    assert_list(posted.embeds[0], ja)
    shown_name = fake_discord.user("haruto").payload()["global_name"]
    shared = ja.text("ng_list.shared_by", user=shown_name)
    assert posted.embeds[0]["footer"]["text"] == shared
    select_of(posted.message, PUBLIC_SELECT)

    answer = await fake_discord.select(posted, PUBLIC_SELECT, ["sns-venting"], user="alice")
    assert answer.response_type == 4, "a new message, not an edit of the shared one"
    assert answer.ephemeral and answer.message is not posted.message
    assert answer.message.interaction_metadata["user"]["id"] == str(fake_discord.user("alice").id)
    assert_item(answer.embeds[0], en, "sns-venting")
    select_of(answer.message, PRIVATE_SELECT)  # the private answer now works as a private list
    again = await fake_discord.select(answer, PRIVATE_SELECT, ["blaming"], user="alice")
    assert again.response_type == 7 and again.message is answer.message
    assert_item(answer.embeds[0], en, "blaming")
    await fake_discord.click(answer, BACK, user="alice")
    assert_list(answer.embeds[0], en)
    assert_list(posted.embeds[0], ja)  # the shared list is unchanged
    assert posted.message.history == []

    mine = await fake_discord.select(posted, PUBLIC_SELECT, ["long-panic-message"], user="haruto")
    assert mine.ephemeral
    assert_item(mine.embeds[0], ja, "long-panic-message")


async def test_public_list_in_dm_is_a_plain_message(fake_discord, bot, content):
    posted = await fake_discord.slash("ng-list", {"public": True}, user="alice", dm=True)
    assert not posted.ephemeral
    assert posted.message in fake_discord.dms("alice")
    assert_list(posted.embeds[0], content["en"])


async def test_select_keeps_working_after_a_restart(fake_discord, start_tayori, content):
    bot = await start_tayori()
    private = await fake_discord.slash("ng-list", user="haruto", dm=True)
    public = await fake_discord.slash("ng-list", {"public": True}, user="haruto")
    await bot.close()
    await start_tayori()

    opened = await fake_discord.select(private, PRIVATE_SELECT, ["blaming"], user="haruto")
    assert opened.response_type == 7
    assert_item(private.embeds[0], content["ja"], "blaming")
    back = await fake_discord.click(private, BACK, user="haruto")
    assert back.response_type == 7
    assert_list(private.embeds[0], content["ja"])

    answer = await fake_discord.select(public, PUBLIC_SELECT, ["blaming"], user="alice")
    assert answer.ephemeral
    assert_item(answer.embeds[0], content["en"], "blaming")


async def test_examples_are_bulleted_in_the_readers_language(fake_discord, bot, content):
    ja, en = content["ja"], content["en"]
    item = next(i for i in ja.article.ng if i.examples)
    shown = await fake_discord.slash("ng-list", user="haruto")
    await fake_discord.select(shown, PRIVATE_SELECT, [item.id], user="haruto")
    what = shown.embeds[0]["fields"][0]["value"]
    assert ja.text("ng_list.example", text=item.examples[0]) in what.splitlines()
    english = await fake_discord.slash("ng-list", user="alice")
    await fake_discord.select(english, PRIVATE_SELECT, [item.id], user="alice")
    bullet = en.text("ng_list.example", text="")
    assert bullet != ja.text("ng_list.example", text="")
    assert english.embeds[0]["fields"][0]["value"].splitlines()[1].startswith(bullet)
