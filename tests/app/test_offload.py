"""Heavy events on low-priority threads (panels/offload.py): same results, errors and streams as before, on a
niced thread, in the event's context; cancelled handlers stop at their next step; figures encoded ahead."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time

import gradio as gr
import matplotlib

matplotlib.use("Agg")
import pytest
from matplotlib.figure import Figure

from panels import components, offload, priority

LANGUAGE = contextvars.ContextVar("language", default="unset")
NICE = 10  # the app's default (the rest of the suite runs its heavy lanes at 0: tests/conftest.py)
NICED = min(19, offload.thread_niceness() + NICE)  # a pool thread's niceness (started from this process's)


@pytest.fixture(autouse=True)
def niced_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the niced pool as the app runs it by default."""
    monkeypatch.setattr(offload, "POOL", offload._Pool(nice=NICE))


def collect(fn, *args, take: int | None = None):
    """Run an offloaded generator as Gradio would (in an event loop, with a context variable set by the event)."""

    async def main():
        LANGUAGE.set("zh")
        items = []
        stream = fn(*args)
        try:
            async for item in stream:
                items.append(item)
                if take is not None and len(items) == take:
                    break
        finally:
            await stream.aclose()
        return items

    return asyncio.run(main())


def test_a_heavy_stream_runs_on_a_niced_thread_in_the_events_context() -> None:
    def handler(n: int):
        for i in range(n):
            yield i, offload.thread_niceness(), threading.current_thread().name, LANGUAGE.get()

    mine = offload.thread_niceness()
    items = collect(offload.offload(handler), 3)
    assert [i for i, *_ in items] == [0, 1, 2]
    assert {nice for _, nice, _, _ in items} == {NICED}
    assert all(name.startswith("heavy-") for _, _, name, _ in items)
    assert {lang for *_, lang in items} == {"zh"}  # the event's context (Gradio's request, the reader's language)
    assert offload.thread_niceness() == mine  # the caller's thread keeps its priority


def test_errors_reach_the_event_as_raised_and_plain_functions_return() -> None:
    def failing():
        yield "first"
        raise gr.Error("The image did not arrive: upload it again.")

    async def main():
        got = []
        with pytest.raises(gr.Error, match="did not arrive"):
            async for item in offload.offload(failing)():
                got.append(item)
        returned = await offload.offload(lambda a, b=1: (a + b, offload.thread_niceness()))(2, b=3)
        with pytest.raises(ValueError, match="steps"):
            await offload.offload(lambda: int("steps"))()
        return got, returned

    got, returned = asyncio.run(main())
    assert got == ["first"] and returned == (5, NICED)


def test_a_cancelled_handler_stops_at_its_next_step_and_cleans_up_on_its_thread() -> None:
    steps, cleanup = [], []

    def endless():
        try:
            while True:
                for _ in range(100):  # a long stretch between yields, with a step_aside per unit of work
                    priority.step_aside()
                    steps.append(1)
                    time.sleep(0.01)
                yield len(steps)
        finally:
            cleanup.append(threading.current_thread().name)

    assert collect(offload.offload(endless), take=1) == [100]
    # closing the stream waited for the handler: it stopped inside its loop (at a step_aside), not after 100 more
    assert len(steps) < 110 and cleanup and cleanup[0].startswith("heavy-")


def test_a_cancelled_plain_handler_is_cancelled_at_its_next_step() -> None:
    done = []

    def long_call():
        for _ in range(500):
            priority.step_aside()
            time.sleep(0.01)
        done.append(True)
        return "finished"

    async def main():
        task = asyncio.ensure_future(offload.offload(long_call)())
        await asyncio.sleep(0.2)
        task.cancel()
        t0 = time.perf_counter()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.perf_counter() - t0

    assert asyncio.run(main()) < 1.0 and not done


def test_figures_for_plot_outputs_are_encoded_on_the_heavy_thread(monkeypatch) -> None:
    encoded_on = []
    original = gr.Plot.postprocess

    def recording(self, value):
        if value is not None:  # a component's initial value is postprocessed where it is built
            encoded_on.append(threading.current_thread().name)
        return original(self, value)

    monkeypatch.setattr(gr.Plot, "postprocess", recording)
    with gr.Blocks():
        plot, text = components.Plot(), gr.Markdown()
    figure = Figure(figsize=(2, 2))
    figure.add_subplot().set_title("entropy")

    def handler():
        yield figure, "done"

    prepare = offload._plots_encoder([plot, text])
    assert collect(offload.offload(handler, prepare)) == [(figure, "done")]
    assert len(encoded_on) == 1 and encoded_on[0].startswith("heavy-")
    hit = plot.postprocess(figure)  # what Gradio does next: the PNG is ready
    assert len(encoded_on) == 1 and hit.chart == "entropy"


def test_every_heavy_lane_of_the_app_is_offloaded_and_nothing_else(app_url: str) -> None:
    import app

    heavy = [fn for fn in app.demo.fns.values() if fn.fn is not None and fn.concurrency_id in app.HEAVY_LANES]
    assert len(heavy) > 20
    for fn in app.demo.fns.values():
        if fn.fn is None:
            continue
        offloaded = getattr(fn.fn, "offloaded", False)
        assert offloaded == (fn.concurrency_id in app.HEAVY_LANES), fn.api_name
        if offloaded:  # Gradio reads the handler's parameters (gr.Request, gr.Progress) through the wrapper
            original = fn.fn.__wrapped__
            assert inspect.signature(fn.fn) == inspect.signature(original)
            assert fn.types_generator == inspect.isgeneratorfunction(original)


def test_a_heavy_event_through_gradio_streams_reports_progress_and_errors() -> None:
    from gradio_client import Client

    def heavy(n: float, request: gr.Request, progress=gr.Progress()):
        if n < 0:
            raise gr.Error("n must be positive")
        for i in range(int(n)):
            progress((i, int(n)), desc="working")
            yield f"{i} nice={offload.thread_niceness()} host={'host' in request.headers}"

    with gr.Blocks() as demo:
        n, out = gr.Number(3), gr.Textbox()
        gr.Button().click(heavy, n, out, api_name="heavy", concurrency_id="model", concurrency_limit=1)
    demo.queue()
    assert offload.offload_heavy_lanes(demo, ["model"]) == ["heavy"]
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        job = client.submit(3, api_name="/heavy")
        job.result()
        outputs = job.outputs()
        assert outputs == [f"{i} nice={NICED} host=True" for i in range(3)]
        with pytest.raises(Exception, match="n must be positive"):
            client.predict(-1, api_name="/heavy")
        assert client.predict(1, api_name="/heavy").startswith("0 nice=")  # the app serves on
    finally:
        demo.close()


def test_a_default_result_is_finished_even_if_the_page_that_asked_for_it_goes_away() -> None:
    from panels import common

    steps = []

    def slow_default() -> str:
        for _ in range(30):
            priority.step_aside()  # would raise Cancelled in a cancelled event's own work
            steps.append(1)
            time.sleep(0.01)
        return "computed for everyone"

    once = common.default_result(slow_default)
    common.DEFAULTS.remove(once)  # not one of the app's defaults

    def page_load():
        yield "loading"
        yield once()

    assert collect(offload.offload(page_load), take=1) == ["loading"]  # the page went away meanwhile
    assert once() == "computed for everyone" and len(steps) == 30  # kept for the next visitor, not computed again
