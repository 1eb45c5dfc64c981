"""Pages and configs replayed from memory: the same bytes as Gradio's, per public address, never a deep link."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from panels import pagecache
from panels.pagecache import PageCache


def request(path: str, query: bytes = b"", method: str = "GET", host: bytes = b"a.example") -> dict:
    return {"type": "http", "method": method, "path": path, "query_string": query, "headers": [(b"host", host)]}


class Counting:
    """A stand-in app that answers with the request's host and a running count, so replays are visible."""

    def __init__(self, status: int = 200, cookie: bool = False) -> None:
        self.calls, self.status, self.cookie = 0, status, cookie

    async def __call__(self, scope: dict, receive, send) -> None:
        self.calls += 1
        headers = [(b"content-type", b"text/plain")] + ([(b"set-cookie", b"a=1")] if self.cookie else [])
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        host = dict(scope["headers"])[b"host"]
        await send({"type": "http.response.body", "body": host + b" %d" % self.calls})


def answer(cache: PageCache, scope: dict) -> bytes:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(cache(scope, None, send))
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_the_first_answer_is_replayed_per_path_query_and_public_address() -> None:
    app = Counting()
    cache = PageCache(app, pages=frozenset({"markov"}))
    assert answer(cache, request("/config")) == b"a.example 1"
    assert answer(cache, request("/config")) == b"a.example 1"  # replayed: Gradio not asked again
    assert answer(cache, request("/config", b"page=markov")) == b"a.example 2"  # another query, another answer
    assert answer(cache, request("/config", host=b"b.example")) == b"b.example 3"  # its URLs name another host
    assert answer(cache, request("/markov")) == b"a.example 4"
    assert answer(cache, request("/markov")) == b"a.example 4"
    assert app.calls == 4 and cache.hits == 2


@pytest.mark.parametrize(
    "scope",
    [
        request("/config", b"deep_link=abc"),  # a deep link carries a visitor's results
        request("/config", method="POST"),
        request("/gradio_api/queue/join"),
        request("/not-a-page"),
    ],
)
def test_deep_links_posts_and_other_paths_always_reach_gradio(scope: dict) -> None:
    app = Counting()
    cache = PageCache(app, pages=frozenset({"markov"}))
    answer(cache, scope)
    answer(cache, scope)
    assert app.calls == 2 and not cache.kept


@pytest.mark.parametrize("app", [Counting(status=500), Counting(cookie=True)])
def test_errors_and_answers_with_cookies_are_not_kept(app: Counting) -> None:
    cache = PageCache(app)
    answer(cache, request("/config"))
    answer(cache, request("/config"))
    assert app.calls == 2


def test_the_memory_is_bounded_oldest_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagecache, "MAX_BYTES", 60)
    cache = PageCache(Counting())
    for i in range(10):
        answer(cache, request("/config", host=b"h%d.example" % i))
    assert cache.size <= 60 and len(cache.kept) < 10
    assert answer(cache, request("/config", host=b"h9.example")) == b"h9.example 10"  # the newest is kept
    assert answer(cache, request("/config", host=b"h0.example")) == b"h0.example 11"  # the oldest went


def test_the_app_serves_the_same_config_and_pages_from_memory(app_url: str) -> None:
    with httpx.Client(base_url=app_url, timeout=60) as h:
        for path in ["/config", "/", "/markov", "/gradio_api/info", "/markov/config"]:
            first, again = h.get(path), h.get(path)
            assert first.status_code == again.status_code == 200
            assert first.content == again.content
        forwarded = h.get("/config", headers={"x-forwarded-host": "space.example", "x-forwarded-proto": "https"})
        assert forwarded.json()["root"] == "https://space.example"
        assert h.get("/config").json()["root"] != "https://space.example"


class Slow(Counting):
    async def __call__(self, scope: dict, receive, send) -> None:
        await asyncio.sleep(0.05)
        await super().__call__(scope, receive, send)


def test_a_burst_of_the_same_request_builds_its_answer_once() -> None:
    app = Slow()
    cache = PageCache(app)

    async def burst() -> list[bytes]:
        async def one() -> bytes:
            parts: list[bytes] = []

            async def send(message: dict) -> None:
                parts.append(message.get("body", b""))

            await cache(request("/config"), None, send)
            return b"".join(parts)

        return await asyncio.gather(*(one() for _ in range(34)))

    assert set(asyncio.run(burst())) == {b"a.example 1"} and app.calls == 1
