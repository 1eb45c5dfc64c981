"""The app's pages and configs answered from memory: a burst of visitors no longer queues behind their own page loads.

Gradio builds every page's HTML, ``/config`` and ``/gradio_api/info`` again for each request (a deep copy of the
1.2 MB config and a walk over it that rewrites its URLs: about 0.1 s of the one interpreter each). 34 visitors
opening the Space together waited 5.3 s for the last config, and a client that fetches ``/config`` in a loop
took that time from everyone. These answers depend only on the request's path, query and the headers Gradio
reads to find the app's public address, and the app's config does not change once it is launched, so
``PageCache`` keeps the first answer to each and replays it.

Not kept: anything but a 200 without cookies, deep links (``?deep_link=``: they carry a visitor's results), and
more than ``MAX_BYTES`` in all (least recently used out), so varied headers cannot fill the memory. While the first
answer to a request is being built, the same requests wait for it instead of building their own.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from panels.embed import Message, Scope, buffered

MAX_BYTES = 48 * 2**20
# what Gradio's get_root_url and get_request_origin read from a request, besides its URL
ADDRESS_HEADERS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-gradio-server")
API_PATHS = ("/config", "/gradio_api/info")


def cacheable(scope: Scope, pages: frozenset[str]) -> bool:
    """A GET (or HEAD) of a page's HTML, the config or the API description, without a deep link."""
    if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD"):
        return False
    path = scope.get("path", "")
    if path not in API_PATHS and path.strip("/") not in pages:
        return False
    return b"deep_link=" not in scope.get("query_string", b"")


def cache_key(scope: Scope) -> tuple:
    """Everything of a request that Gradio's answer depends on."""
    headers = dict((k.lower(), v) for k, v in scope.get("headers", []) if k.lower() in ADDRESS_HEADERS)
    address = tuple(headers.get(h, b"") for h in ADDRESS_HEADERS)
    return (scope["method"], scope.get("root_path", ""), scope["path"], scope.get("query_string", b""), address)


class PageCache:
    """ASGI middleware: the first answer to each cacheable request, replayed to the ones after it."""

    def __init__(
        self, app: Callable[[Scope, Callable, Callable], Awaitable[None]], pages: frozenset[str] | None = None
    ) -> None:
        self.app = app
        self.pages = frozenset(pages or ()) | {""}
        self.kept: OrderedDict[tuple, tuple[Message, bytes]] = OrderedDict()
        self.size = 0
        self.hits = 0
        self.filling: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if not cacheable(scope, self.pages):
            await self.app(scope, receive, send)
            return
        key = cache_key(scope)
        while key in self.filling:  # one build at a time per key: a burst waits for the first, not 34 builds
            await self.filling[key].wait()
        if key in self.kept:
            self.kept.move_to_end(key)
            self.hits += 1
            start, body = self.kept[key]
        else:
            self.filling[key] = asyncio.Event()
            try:
                start, body = await buffered(self.app, scope, receive)
            finally:
                self.filling.pop(key).set()
            headers = [k.lower() for k, _ in start.get("headers", [])]
            if start.get("status") == 200 and b"set-cookie" not in headers:
                self._keep(key, start, body)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def _keep(self, key: tuple, start: Message, body: bytes) -> None:
        if len(body) > MAX_BYTES // 4:
            return
        self.kept[key] = (start, body)
        self.size += len(body)
        while self.size > MAX_BYTES:
            _, (_, old) = self.kept.popitem(last=False)
            self.size -= len(old)
