"""End to end: DISCORD_API_BASE sends every REST request through a shared proxy (as nirn-proxy or
twilight-http-proxy would sit between several processes and Discord); the gateway stays direct.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from fakediscord import FakeDiscord

# What a transparent proxy passes on each way (hop-by-hop headers and lengths are its own).
REQUEST_HEADERS = ("Authorization", "Content-Type", "User-Agent", "X-Audit-Log-Reason")
ANSWER_HEADERS = ("Content-Type", "Via", "Retry-After", "X-RateLimit-Scope", "X-RateLimit-Global")


@dataclass
class ForwardingProxy:
    """A tiny HTTP proxy on 127.0.0.1 that forwards everything to the fake, noting each request."""

    upstream: str
    seen: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""

    async def forward(self, request: web.Request) -> web.Response:
        self.seen.append((request.method, request.path))
        headers = {k: request.headers[k] for k in REQUEST_HEADERS if k in request.headers}
        async with (
            aiohttp.ClientSession() as http,
            http.request(
                request.method,
                self.upstream + request.path_qs,
                headers=headers,
                data=await request.read(),
            ) as answer,
        ):
            body = await answer.read()
            kept = {k: answer.headers[k] for k in ANSWER_HEADERS if k in answer.headers}
            return web.Response(status=answer.status, body=body, headers=kept)


@pytest.fixture
async def proxy(fake_discord: FakeDiscord) -> AsyncIterator[ForwardingProxy]:
    forwarding = ForwardingProxy(fake_discord.base_url)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forwarding.forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    forwarding.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield forwarding
    await runner.cleanup()


async def test_rest_goes_through_the_proxy_and_the_gateway_stays_direct(
    fake_discord, start_tayori, proxy
):
    fake = fake_discord
    # a proxy's root, as nirn-proxy is given (Tayori adds /api/v10)
    await start_tayori(discord_api_base=proxy.url)
    about = await fake.slash("about", user="haruto")
    assert about.embeds
    arrived = [(r.method, "/api/v10" + r.path) for r in fake.requests]
    assert arrived and proxy.seen == arrived, "every REST request came through the proxy"
    paths = {path for _, path in proxy.seen}
    assert any(p.endswith("/commands") for p in paths), "the command sync"
    assert any(p.startswith("/api/v10/interactions/") for p in paths), "the interaction's answer"
    assert fake.gateway.identify_count == 1
    assert not any("gateway" in p for p in paths), "the gateway connects to Discord directly"
