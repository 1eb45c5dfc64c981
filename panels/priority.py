"""Cheap requests first: heavy loops step aside while a cheap request is being answered.

On 2 shared cores a Markov simulation that needs 0.2 s of CPU took 16 s to answer while films, samplers and
fine-tunes ran beside it: the operating system shares the cores evenly between threads, whatever they are worth
to the person waiting. Handlers of cheap requests are marked ``@cheap``; the loops of heavy ones call
``step_aside()`` between steps, which waits (at most ``MAX_WAIT_S`` per call, so heavy work is slowed, never
starved) while any cheap request is running. A step is short (a network evaluation, a training step, a frame),
so a cheap request gets the cores within one step.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

MAX_WAIT_S = 1.0


class Cancelled(BaseException):
    """Raised by ``step_aside`` in a handler whose event was cancelled (``panels.offload``). A ``BaseException``, so
    that a handler's ``except Exception`` (which turns failures into messages) lets it through."""


F = TypeVar("F", bound=Callable[..., Any])
_running = 0
_changed = threading.Condition()
_local = threading.local()  # the cancel flag of the event this thread runs (set by panels.offload)


def set_cancel_flag(flag: threading.Event | None) -> None:
    """The event that ``step_aside`` checks on this thread (None: not inside an offloaded event)."""
    _local.cancelled = flag


@contextlib.contextmanager
def uncancellable() -> Iterator[None]:
    """Work done for everyone (a default result) runs to its end even if the event that started it is cancelled:
    ``step_aside`` does not raise inside this block."""
    flag = getattr(_local, "cancelled", None)
    _local.cancelled = None
    try:
        yield
    finally:
        _local.cancelled = flag


def enter() -> None:
    """A cheap piece of work starts (a handler, or an HTTP request such as a file download or a queue join)."""
    global _running
    with _changed:
        _running += 1


def leave() -> None:
    global _running
    with _changed:
        _running -= 1
        _changed.notify_all()


def mark_heavy_thread() -> None:
    """The calling thread runs heavy events (``panels.offload``'s pool): its figures are not cheap work."""
    _local.heavy = True


def on_heavy_thread() -> bool:
    """Whether the calling thread runs heavy events (``mark_heavy_thread``)."""
    return getattr(_local, "heavy", False)


@contextlib.contextmanager
def cheap_work() -> Iterator[None]:
    """The expensive part of a cheap request outside its handler (Gradio encoding its figures, 0.1-0.3 s each
    against a few milliseconds for a Markov simulation): heavy loops step aside while it runs, as for the handler.
    On a heavy thread the same code is part of heavy work: nothing changes (stepping aside there as well made the
    film wait for its own page's downloads: 0.6 s more for the whole film)."""
    if on_heavy_thread():
        yield
        return
    enter()
    try:
        yield
    finally:
        leave()


def cheap(fn: F) -> F:
    """Mark a handler as cheap: while it runs, heavy loops pause at their next ``step_aside``."""
    if inspect.isgeneratorfunction(fn):
        raise TypeError(f"{fn.__name__} streams: Gradio must see the generator itself, mark it differently")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        enter()
        try:
            return fn(*args, **kwargs)
        finally:
            leave()

    return wrapper  # type: ignore[return-value]


def step_aside(max_wait: float = MAX_WAIT_S) -> None:
    """Called by heavy loops between steps: wait while a cheap request runs (at most ``max_wait`` seconds).
    Raises ``Cancelled`` where the event running on this thread was cancelled."""
    flag = getattr(_local, "cancelled", None)
    if flag is not None and flag.is_set():
        raise Cancelled
    with _changed:
        if _running:
            _changed.wait_for(lambda: _running == 0, timeout=max_wait)


def cheap_running() -> int:
    """How many cheap requests are running now."""
    return _running
