"""Memory on a shared Space: models held for sessions, and a cap on the whole process.

A visitor's own model (fine-tuned in Training, or loaded from the Hub) is ~31 MB. It is held here, not in the
visitor's ``gr.State``: the state keeps a small ``HeldModel`` ticket, so that the server can bound how many such
models it holds (``MAX_HELD_MODELS``, least recently used out, and each forgotten ``HELD_TTL_S`` after its last
use) and tell a visitor whose model went why. ``make_room`` is called before a request that allocates a lot (a
new fine-tuning run, a Hub model): past ``memory_budget_mb()`` of resident memory it drops what can be rebuilt
(idle training runs, held models, caches), and refuses the request with a message if that was not enough.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_HELD_MODELS = 8  # 8 x ~31 MB
HELD_TTL_S = 1800.0  # as long as the session state that points at it
MEMORY_ENV = "DIFFUSION_MEMORY_MB"
DEFAULT_BUDGET_MB = 6000  # a CPU Space has 16 GB; one process of this app peaked at ~3 GB under the load benchmark


@dataclass(frozen=True)
class HeldModel:
    """A session's ticket to a model held by the server: what the UI says about it, without its weights."""

    key: str
    name: str
    note: str


_HELD: OrderedDict[str, tuple[Any, float]] = OrderedDict()  # key -> (the ModelChoice, last use), oldest first
_LOCK = threading.Lock()


def _expire(now: float) -> None:
    for key in [k for k, (_, used) in _HELD.items() if now - used > HELD_TTL_S]:
        del _HELD[key]


def hold(choice: Any) -> HeldModel:
    """Hold ``choice`` (a ``models.ModelChoice``) for a session; returns the ticket its state keeps. Beyond
    ``MAX_HELD_MODELS`` the least recently used model is dropped."""
    ticket = HeldModel(uuid.uuid4().hex, choice.name, choice.note)
    now = time.monotonic()
    with _LOCK:
        _expire(now)
        _HELD[ticket.key] = (choice, now)
        while len(_HELD) > MAX_HELD_MODELS:
            _HELD.popitem(last=False)
    return ticket


def held(ticket: HeldModel) -> Any | None:
    """The model behind ``ticket``, or None when it was dropped to make room (or forgotten after its TTL)."""
    now = time.monotonic()
    with _LOCK:
        _expire(now)
        entry = _HELD.get(ticket.key)
        if entry is None:
            return None
        _HELD[ticket.key] = (entry[0], now)
        _HELD.move_to_end(ticket.key)
        return entry[0]


def held_count() -> int:
    with _LOCK:
        return len(_HELD)


def drop_held(keep: int = 0) -> int:
    """Drop held models, oldest first, down to ``keep``; returns how many went."""
    with _LOCK:
        gone = max(len(_HELD) - keep, 0)
        for _ in range(gone):
            _HELD.popitem(last=False)
    return gone


def resident_mb() -> float:
    """This process's resident memory (MB), from /proc on Linux; elsewhere its peak (a safe over-estimate)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
        return peak / (2**20 if sys.platform == "darwin" else 2**10)


def memory_budget_mb() -> float:
    """The resident memory past which big requests first free memory, then are refused (``DIFFUSION_MEMORY_MB``)."""
    try:
        return float(os.environ.get(MEMORY_ENV) or DEFAULT_BUDGET_MB)
    except ValueError:
        return float(DEFAULT_BUDGET_MB)


# What can be dropped and rebuilt, cheapest loss first (registered by the modules that own it).
RELEASERS: list[Callable[[], Any]] = []


def make_room(need_mb: float = 0.0) -> bool:
    """Whether ``need_mb`` more fits in the budget, after dropping what can be rebuilt if it did not."""
    import gc

    budget = memory_budget_mb()
    if resident_mb() + need_mb <= budget:
        return True
    for release in (*RELEASERS, lambda: drop_held(0)):
        release()
        gc.collect()
        if resident_mb() + need_mb <= budget:
            return True
    return False
