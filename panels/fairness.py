"""Sharing one Space fairly: a cap on each client's waiting events, and events nobody listens to cancelled.

Gradio's queue is first come, first served with one global size limit, so one client sending 64 requests fills
it for everyone, and an event whose caller went away keeps running (a REST ``POST /call/<api>`` whose result is
never read has no stream to notice it). ``FairShare`` is an ASGI middleware in front of the Gradio app that:

- refuses (429, with a message) a new event from a client that already has ``MAX_PER_SESSION`` events waiting or
  running in its session, or ``MAX_PER_ADDRESS`` from its address;
- counts the result streams that are open (``GET /gradio_api/queue/data`` per session, ``GET /gradio_api/call/
  <api>/<event id>`` per event), and once a second cancels every event that has had no stream for
  ``ORPHAN_GRACE_S`` seconds: a closed tab, a dropped connection, a REST call never read. Cancelling is what the
  Stop button does (the event's task is cancelled, its generator closed, its queue slot freed).

The client address is the socket's, or, behind ``PROXY_HOPS`` trusted proxies (1 on Hugging Face Spaces), the
entry of ``X-Forwarded-For`` that the nearest proxy added (entries before it are the client's own claims).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

MAX_PER_SESSION = 16  # opening the main page fires about 10 load events at once
MAX_PER_ADDRESS = 24  # several tabs of one visitor, or a household behind one address
ORPHAN_GRACE_S = 6.0  # time for a new event's caller to open its result stream
PROXY_HOPS = int(os.environ.get("DIFFUSION_PROXY_HOPS", "1" if os.environ.get("SPACE_ID") else "0"))

_JOIN = re.compile(r"/gradio_api/(queue/join|call/[^/]+/?)$")
_CALL_STREAM = re.compile(r"/gradio_api/call/(?:v2/)?[^/]+/([0-9a-f]+)$")


def client_address(scope: dict[str, Any], hops: int = PROXY_HOPS) -> str:
    """The caller's address: the socket's peer, or the ``hops``-th ``X-Forwarded-For`` entry from the right."""
    if hops > 0:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                entries = [e.strip() for e in value.decode("latin-1").split(",") if e.strip()]
                if len(entries) >= hops:
                    return entries[-hops]
    client = scope.get("client")
    return client[0] if client else "unknown"


def _events(queue: Any) -> Iterator[Any]:
    """Every event the Gradio queue holds: waiting in any lane, or running."""
    for lane in list(queue.event_queue_per_concurrency_id.values()):
        yield from list(lane.queue)
    for job in list(queue.active_jobs):
        if job:
            yield from list(job)


def _address_of(event: Any) -> str:
    request = getattr(event, "request", None)
    scope = getattr(request, "scope", None)
    return client_address(scope) if scope else "unknown"


def refusal(queue: Any, session: str | None, address: str) -> str | None:
    """Why a new event from (``session``, ``address``) must wait for the client's others, or None."""
    mine = [e for e in _events(queue) if e.alive]
    if session and sum(e.session_hash == session for e in mine) >= MAX_PER_SESSION:
        return (
            f"You already have {MAX_PER_SESSION} requests waiting or running on this shared Space: wait for them "
            "to finish (or press Stop) before sending more."
        )
    if sum(_address_of(e) == address for e in mine) >= MAX_PER_ADDRESS:
        return (
            f"Your address already has {MAX_PER_ADDRESS} requests waiting or running on this shared Space: wait "
            "for them to finish before sending more."
        )
    return None


class FairShare:
    """The ASGI middleware (see the module docstring). ``FastAPI(middleware=[Middleware(FairShare)])``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.streams: Counter[str] = Counter()  # open result streams, by session hash and by event id
        self.unheard: dict[str, float] = {}  # event id -> when it was first seen with no stream
        self.watchdog: asyncio.Task | None = None
        self.cancelled: list[str] = []  # event ids cancelled as orphans (most recent last; for tests and logs)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.watchdog is None:
            self.watchdog = asyncio.get_running_loop().create_task(self._watch(scope["app"]))
        path, method = scope["path"], scope["method"]
        if method == "POST" and _JOIN.search(path):
            return await self._join(scope, receive, send)
        key = None
        if method == "GET" and path.endswith("/gradio_api/queue/data"):
            query = dict(p.split("=", 1) for p in scope.get("query_string", b"").decode().split("&") if "=" in p)
            key = query.get("session_hash")
        elif method == "GET" and (m := _CALL_STREAM.search(path)):
            key = m.group(1)
        if key is None:
            return await self.app(scope, receive, send)
        self.streams[key] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.streams[key] -= 1

    async def _join(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Check the caller's share before Gradio queues the event; the body is read once and replayed."""
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            session = json.loads(body or b"{}").get("session_hash")
        except (ValueError, AttributeError):
            session = None  # Gradio answers malformed bodies itself
        blocks = scope["app"].get_blocks()
        reason = refusal(blocks._queue, session if isinstance(session, str) else None, client_address(scope))
        if reason:
            payload = json.dumps({"detail": reason}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _watch(self, app: Any) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await self._cancel_orphans(app)
            except Exception:
                continue

    async def _cancel_orphans(self, app: Any) -> None:
        queue = app.get_blocks()._queue
        now, seen = time.monotonic(), set()
        for event in list(_events(queue)):
            seen.add(event._id)
            if self.streams[event.session_hash] > 0 or self.streams[event._id] > 0:
                self.unheard.pop(event._id, None)
                continue
            first = self.unheard.setdefault(event._id, now)
            if now - first >= ORPHAN_GRACE_S and event.alive:
                await cancel(app, event)
                self.cancelled.append(event._id)
        for gone in set(self.unheard) - seen:
            del self.unheard[gone]


async def cancel(app: Any, event: Any) -> None:
    """Cancel one event the way Gradio's /cancel route does: task, queue entry, generator."""
    from gradio.utils import cancel_tasks, safe_aclose_iterator

    queue = app.get_blocks()._queue
    event.alive = False  # a running generator stops at its next yield
    await cancel_tasks({f"{event.session_hash}_{event.fn._id}"})
    await queue.clean_events(event_id=event._id)
    if event._id in app.iterators:
        async with app.lock:
            iterator = app.iterators.pop(event._id, None)
            if iterator is not None:
                with contextlib.suppress(Exception):  # closing a generator that already failed
                    await safe_aclose_iterator(iterator)
            app.iterators_to_reset.add(event._id)
