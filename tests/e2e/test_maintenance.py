"""End to end: MAINTENANCE=1 answers everything with a kind "back soon" and loses nothing."""

from __future__ import annotations

from datetime import timedelta

NOTE = "メンテ中のメモ"
FORM = "tayori:cd:text"  # the draft box of the /check-draft form


async def test_maintenance_answers_back_soon_and_delivers_nothing_until_lifted(
    fake_discord, start_tayori, clock, content
):
    fake = fake_discord
    bot = await start_tayori()
    await fake.slash("remind at", {"when": "3時間後", "note": NOTE}, user="haruto")
    [pending] = await bot.store.pending_for(fake.user("haruto").id)
    report = await fake.slash("check-draft", {"text": "元気にしてる？"}, user="haruto")
    form = await fake.slash("check-draft", user="haruto")
    await bot.close()

    bot = await start_tayori(maintenance=True)
    back_soon = content["ja"].text("common.error.maintenance")
    for name, options in [
        ("about", {}),
        ("ng-list", {}),
        ("remind list", {}),
        ("privacy show", {}),
        ("check-draft", {"text": "なんで返事くれないの？"}),
        ("diagnose start", {}),
    ]:
        r = await fake.slash(name, options, user="haruto")
        assert r.ephemeral and r.text == back_soon, name
    english = await fake.slash("about", user="alice", locale="en-US")
    assert english.text == content["en"].text("common.error.maintenance")
    assert "back soon" in english.text and "safe" in english.text
    button = report.components[0]["components"][0]["label"]
    clicked = await fake.click(report, label=button, user="haruto")
    assert clicked.text == back_soon and clicked.ephemeral, button
    submitted = await fake.submit_modal(form, {FORM: "元気？"})
    assert submitted.text == back_soon and submitted.ephemeral
    typed = await fake.autocomplete("remind at", {"when": "明日"}, "when", user="haruto")
    assert typed.choices == []

    clock.advance(timedelta(hours=4))
    await fake.wait_quiet()
    assert fake.dms("haruto") == [], "no reminder goes out under maintenance"
    assert (await bot.store.reminder(pending.id)).state == "pending", "and none is lost"
    await bot.close()

    bot = await start_tayori()  # the switch is lifted
    await fake.wait_until(lambda: any(NOTE in m.text for m in fake.dms("haruto")), 5)
    assert (await bot.store.reminder(pending.id)).state == "delivered"
