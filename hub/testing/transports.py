"""HTTP transports for plugin tests: observe what a plugin sends without timing it."""

from __future__ import annotations

import httpx


class InFlight(httpx.AsyncBaseTransport):
    """A transport that counts the most requests it had in flight at once.

    Pass it as the account runtime's ``transport`` and assert ``most`` after the
    run: concurrency shows as a count, which a loaded machine cannot change.
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.now = self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()
