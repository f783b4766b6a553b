"""A small asynchronous HTTP client for the load benchmark, on aiohttp.

httpx's connection pool costs the client more CPU than the app spends answering (measured:
the client at 80 % of a core while five app workers idled at 10 %), and on a 2-core machine
the client shares the cores with the server it measures. aiohttp is several times cheaper.
Each examinee is a ``Browser`` with its own cookies; all share one connection pool, as
nginx pools its connections towards the app servers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

# A keep-alive connection the server closed just as a request went out; browsers re-send.
CLOSED_CONNECTION = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


@dataclass
class Reply:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def shared_pool(size: int = 256) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(limit=size, limit_per_host=size)


class Browser:
    def __init__(self, base: str, pool: aiohttp.TCPConnector, cookies: dict[str, str] | None = None) -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # the server is 127.0.0.1, an address, not a name
        self.session = aiohttp.ClientSession(base_url=base, connector=pool, connector_owner=False, cookie_jar=jar,
                                             timeout=aiohttp.ClientTimeout(total=120))
        if cookies:
            self.session.cookie_jar.update_cookies(cookies)

    async def request(self, method: str, path: str, **options: Any) -> Reply:
        async with self.session.request(method, path, allow_redirects=False, **options) as response:
            return Reply(response.status, await response.text())

    def get(self, path: str, **options: Any):  # noqa: ANN201 - a coroutine
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any):  # noqa: ANN201
        return self.request("POST", path, **options)

    def put(self, path: str, **options: Any):  # noqa: ANN201
        return self.request("PUT", path, **options)

    @property
    def cookies(self) -> dict[str, str]:
        return {cookie.key: cookie.value for cookie in self.session.cookie_jar}

    async def close(self) -> None:
        await self.session.close()
