"""Heavy events run on their own low-priority threads, so that the server's cheap work comes first.

On a 2-core Space the operating system shares the cores evenly between runnable threads. A film, a sampler and a
fine-tune each keep a thread (and torch's OpenMP workers, and an ffmpeg child) busy, so the thread that answers
everyone's HTTP requests, and the handlers of cheap requests (a Markov chain, a forward view), got a third of a core
or less: a Markov simulation that needs 0.2 s of CPU took 5-19 s to answer under load, and a plain file download
sometimes more than 20 s.

``offload_heavy_lanes(demo, lanes)`` replaces the handler of every event in those lanes (``concurrency_id``) by an
async wrapper that runs the handler on a thread of this module's pool. Each pool thread lowers its own scheduling
priority once, when it starts (``nice`` +``NICE``: Linux sets niceness per thread, and raising it needs no
privilege). Whatever such a thread starts inherits it: torch's OpenMP workers (libgomp keeps a pool per calling
thread) and child processes such as ffmpeg. Under CFS a nice-10 thread weighs about a tenth of a normal one, so
the heavy work takes whatever CPU is left, and gets nearly all of it when nothing cheap is waiting.

What stays the same for the handler: it is called with the same arguments, in a copy of the event's context
(Gradio's request, progress and event id; the reader's language), and a generator streams each of its results
as before, one step ahead at most (the thread waits until Gradio took the previous result). What the wrapper adds:

- a cancelled event (Stop, a closed page, an orphan: ``panels.fairness``) stops its handler at the next
  ``priority.step_aside()`` inside its loop (it raises ``Cancelled`` there), not only at its next ``yield``;
- the figures it returns to ``common.Plot`` outputs are encoded to PNG on its own thread, so Gradio's
  postprocessing (on the normal-priority threads) finds them ready.

Not used on ZeroGPU (the GPU work runs in another process there) or where ``DIFFUSION_OFFLOAD=0``.
``DIFFUSION_HEAVY_NICE`` sets the niceness added (default 10; the test suite uses 0: beside another job at normal
priority on the same cores, such as a second CI run, nice-10 threads get a few per cent of a core, and a test of
what a heavy event shows would measure the neighbour instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import os
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from panels import priority

NICE = int(os.environ.get("DIFFUSION_HEAVY_NICE", "10"))  # 10: CFS weight 110 against 1024 for a normal thread
MAX_THREADS = 16  # pool threads at most (one per running heavy event; lanes have a limit of 1 each)
CLOSE_WAIT_S = 10.0  # how long a cancelled event's lane slot waits for its handler to stop
ENABLED = os.environ.get("DIFFUSION_OFFLOAD", "1") != "0"


class _Pool:
    """Daemon threads (a stuck handler never holds up the process's exit, e.g. on SIGTERM), each niced once.

    ``available`` counts the threads that are free for a new task; ``backlog`` the tasks that wait for a thread
    (only once ``max_threads`` are busy)."""

    def __init__(self, nice: int = NICE, max_threads: int = MAX_THREADS) -> None:
        self.nice, self.max_threads = nice, max_threads
        self.tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.threads = self.available = self.backlog = 0

    def submit(self, task: Callable[[], None]) -> None:
        with self.lock:
            if self.available:
                self.available -= 1
            elif self.threads < self.max_threads:
                self.threads += 1
                threading.Thread(target=self._work, name=f"heavy-{self.threads}", daemon=True).start()
            else:
                self.backlog += 1
            self.tasks.put(task)

    def _work(self) -> None:
        lower_priority(self.nice)
        priority.mark_heavy_thread()
        while True:
            task = self.tasks.get()
            with contextlib.suppress(BaseException):  # a task reports its own errors; the thread serves the next
                task()
            with self.lock:
                if self.backlog:
                    self.backlog -= 1  # a waiting task is this thread's next
                else:
                    self.available += 1


POOL = _Pool()


def lower_priority(nice: int = NICE) -> int:
    """Raise the calling thread's niceness by ``nice``; returns its niceness afterwards (unchanged where the system
    does not allow it)."""
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
        return os.getpriority(os.PRIO_PROCESS, tid)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at the normal priority
        return 0


def thread_niceness() -> int:
    """The calling thread's niceness (0 where the system cannot tell)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except (AttributeError, OSError):
        return 0


class _Run:
    """One call of a handler on a pool thread, and the channel its results come back through."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, prepare: Callable[[Any], None]) -> None:
        self.loop = asyncio.get_running_loop()
        self.results: asyncio.Queue = asyncio.Queue(maxsize=1)
        self.cancelled = threading.Event()
        self.finished = self.loop.create_future()
        self.fn, self.args, self.kwargs, self.prepare = fn, args, kwargs, prepare
        context = contextvars.copy_context()  # the event's request, progress, language
        POOL.submit(lambda: context.run(self._thread))

    def _thread(self) -> None:
        priority.set_cancel_flag(self.cancelled)
        try:
            result = self.fn(*self.args, **self.kwargs)
            if inspect.isgenerator(result):
                try:
                    for item in result:
                        self.prepare(item)
                        if not self._send(("item", item)):
                            break
                finally:
                    result.close()  # a cancelled generator's own cleanup runs here, on this thread
                self._send(("done", None))
            else:
                self.prepare(result)
                self._send(("return", result))
        except priority.Cancelled:
            self._send(("done", None))
        except BaseException as exc:  # re-raised on the event's side, as Gradio would see it
            self._send(("error", exc))
        finally:
            priority.set_cancel_flag(None)
            self.loop.call_soon_threadsafe(lambda: self.finished.done() or self.finished.set_result(None))

    def _send(self, message: tuple[str, Any]) -> bool:
        """Hand one message to the event; False once the event is gone (cancelled, or the loop closed)."""
        if self.cancelled.is_set():
            return False
        try:
            sent = asyncio.run_coroutine_threadsafe(self.results.put(message), self.loop)
        except RuntimeError:  # the event loop is closed: the server is shutting down
            return False
        while True:
            try:
                sent.result(timeout=0.25)
                return True
            except TimeoutError:
                if self.cancelled.is_set():
                    sent.cancel()
                    return False
            except BaseException:  # the put was cancelled with the loop
                return False

    async def next(self) -> tuple[str, Any]:
        return await self.results.get()

    async def stop(self) -> None:
        """The event ended early: stop the handler and give it a moment to let go of its lane."""
        self.cancelled.set()
        while not self.results.empty():  # a result it is waiting to hand over
            self.results.get_nowait()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self.finished), CLOSE_WAIT_S)


def _raise(kind: str, value: Any) -> Any:
    if kind == "error":
        raise value
    return value


def offload(fn: Callable[..., Any], prepare: Callable[[Any], None] = lambda _: None) -> Callable[..., Any]:
    """``fn`` (a function or a generator function) as an async function (or async generator) that runs it on a
    low-priority pool thread. ``prepare`` is called on that thread with each result before it is handed over."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        async def stream(*args: Any, **kwargs: Any) -> Any:
            run = _Run(fn, args, kwargs, prepare)
            finished = False
            try:
                while True:
                    kind, value = await run.next()
                    if kind in ("done", "error"):
                        finished = True
                        _raise(kind, value)
                        return
                    yield value
            finally:
                if not finished:
                    await run.stop()

        return stream

    @functools.wraps(fn)
    async def call(*args: Any, **kwargs: Any) -> Any:
        run = _Run(fn, args, kwargs, prepare)
        try:
            kind, value = await run.next()
        except BaseException:
            await run.stop()
            raise
        if kind == "done":  # cancelled from inside (step_aside) before it returned
            raise asyncio.CancelledError
        return _raise(kind, value)

    return call


def _plots_encoder(outputs: list[Any]) -> Callable[[Any], None]:
    """Encode the figures a handler returns to ``Plot`` outputs (on the handler's thread; ``Plot`` keeps the PNG)."""
    from panels.components import Plot

    plots = {i: block for i, block in enumerate(outputs) if isinstance(block, Plot)}
    if not plots:
        return lambda _: None

    def values(result: Any) -> Iterable[tuple[Any, Any]]:
        if isinstance(result, dict):
            return ((block, result.get(block)) for block in plots.values())
        if len(outputs) == 1:
            return [(plots[0], result)]
        if isinstance(result, (tuple, list)) and len(result) == len(outputs):
            return ((block, result[i]) for i, block in plots.items())
        return ()

    def encode(result: Any) -> None:
        for block, value in values(result):
            if value is not None and hasattr(value, "savefig"):  # a matplotlib figure
                block.postprocess(value)

    return encode


def offload_heavy_lanes(demo: Any, lanes: Iterable[str]) -> list[str]:
    """Run every event of ``demo`` whose ``concurrency_id`` is one of ``lanes`` on the low-priority pool; returns
    their API names. Call after the app is built and before it launches."""
    lanes = set(lanes)
    offloaded = []
    for block_fn in demo.fns.values():
        if block_fn.fn is None or block_fn.concurrency_id not in lanes or getattr(block_fn.fn, "offloaded", False):
            continue
        block_fn.fn = offload(block_fn.fn, _plots_encoder(list(block_fn.outputs)))
        block_fn.fn.offloaded = True
        block_fn.types_generator = inspect.isasyncgenfunction(block_fn.fn)
        offloaded.append(str(block_fn.api_name))
    return offloaded
