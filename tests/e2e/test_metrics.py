"""End to end: METRICS_PORT serves Prometheus metrics, scraped over HTTP like Prometheus does."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.config import JsonFormatter, TextFormatter

NOTE = "ZQXWの誕生日"


async def scrape(bot) -> tuple[str, dict[tuple[str, tuple], float]]:
    """GET /metrics; return the body and every sample by (name, sorted labels)."""
    url = f"http://127.0.0.1:{bot.metrics_port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        body = await response.text()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    return body, samples


async def test_metrics_count_commands_reminders_and_rate_limits(
    fake_discord, start_tayori, clock, caplog
):
    fake = fake_discord
    caplog.set_level(logging.INFO)
    bot = await start_tayori(metrics_port=0)
    assert bot.metrics_port
    await fake.slash("about", user="haruto")
    await fake.slash("remind at", {"when": "3時間後", "note": NOTE}, user="haruto")
    await fake.slash("remind at", {"when": "ZQXW 99"}, user="haruto")  # unreadable: refused kindly
    report = await fake.slash("check-draft", {"text": "元気にしてる？"}, user="haruto")
    await fake.click(report, label=report.components[0]["components"][0]["label"], user="haruto")
    _, samples = await scrape(bot)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("tayori_commands_total", command="/about", outcome="ok") == 1
    assert value("tayori_commands_total", command="/remind at", outcome="ok") == 1
    assert value("tayori_commands_total", command="/remind at", outcome="user_error") == 1
    assert (
        sum(
            v
            for (n, labels), v in samples.items()
            if n == "tayori_commands_total" and dict(labels)["command"].startswith("component:")
        )
        == 1
    ), "the button click is counted by its kind"
    assert value("tayori_first_response_seconds_count", command="/about") == 1
    assert value("tayori_guilds") == len(fake.world.guilds) and value("tayori_shards") == 1
    assert value("tayori_reminders", state="pending") == 1

    dm = fake.world.dm_channel(fake.user("haruto"))
    fake.fail_next("POST", f"/channels/{dm.id}/messages", 429)
    rest = bot.reminders.next_rest()
    clock.advance(timedelta(hours=3))
    await rest.wait()
    await fake.wait_until(lambda: fake.dms("haruto"), within=5)
    body, samples = await scrape(bot)
    assert value("tayori_reminder_deliveries_total", outcome="delivered", cause="dm") == 1
    assert value("tayori_delivery_lateness_seconds_count") == 1
    assert value("tayori_reminders", state="delivered") == 1
    assert value("tayori_rate_limited_total", by="discord", scope="route") == 1
    assert "ZQXW" not in body and str(fake.user("haruto").id) not in body

    handled = [r for r in caplog.records if r.getMessage() == "interaction handled"]
    assert {r.command for r in handled} >= {"/about", "/remind at", "/check-draft"}
    line = json.loads(JsonFormatter().format(handled[0]))
    assert line["command"] == "/about" and line["outcome"] == "ok"
    assert line["latency_ms"] >= 0 and line["shard"] == 0 and line["guild"]
    assert "command=/about outcome=ok" in TextFormatter().format(handled[0])
    for record in caplog.records:
        for formatter in (TextFormatter(), JsonFormatter()):
            assert "ZQXW" not in formatter.format(record), f"{record.name} logged user text"


async def test_metrics_are_off_unless_asked(bot):
    assert bot.metrics_port is None


async def test_sharded_metrics_report_the_shards_this_process_runs(
    fake_discord, start_tayori, caplog, tmp_path
):
    fake = fake_discord
    fake.max_concurrency = 2
    world = fake.world
    on_one = world.add_guild("shard 1 server", shard=(1, 2))
    world.add_channel(on_one, "general")
    world.join(fake.user("haruto"), on_one)
    caplog.set_level(logging.INFO)
    both = await start_tayori(shard_count="2", metrics_port=0)
    _, samples = await scrape(both)
    assert samples[("tayori_shards", ())] == 2
    latency = {dict(k[1])["shard"] for k in samples if k[0] == "tayori_gateway_latency_seconds"}
    assert latency == {"0", "1"}
    await fake.slash("about", user="haruto", guild=on_one)
    [line] = [r for r in caplog.records if r.getMessage() == "interaction handled"]
    assert (line.shard, line.guild) == (1, on_one.id)
    await both.close()

    only_one = await start_tayori(
        shard_count="2", shard_ids="1", metrics_port=0, database_path=tmp_path / "one.db"
    )
    _, samples = await scrape(only_one)
    assert samples[("tayori_shards", ())] == 1
    latency = {dict(k[1])["shard"] for k in samples if k[0] == "tayori_gateway_latency_seconds"}
    assert latency == {"1"}
