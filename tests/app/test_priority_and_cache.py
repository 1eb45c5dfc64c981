"""Cheap requests first, repeated ones from memory, each figure encoded once."""

from __future__ import annotations

import threading
import time

import gradio as gr
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from panels import priority
from panels.common import Plot, memo


def test_a_heavy_loop_steps_aside_while_a_cheap_request_runs() -> None:
    started, waited = threading.Event(), []

    @priority.cheap
    def cheap_request() -> str:
        started.set()
        time.sleep(0.4)
        return "answered"

    worker = threading.Thread(target=cheap_request)
    worker.start()
    started.wait()
    t0 = time.perf_counter()
    priority.step_aside()  # a heavy loop's checkpoint: waits for the cheap request to end
    waited.append(time.perf_counter() - t0)
    worker.join()
    # it waited for the request (0.4 s) and no longer than it took (upper bounds are generous: CI may be busy)
    assert 0.2 < waited[0] < 3.0 and priority.cheap_running() == 0
    t0 = time.perf_counter()
    priority.step_aside()  # nothing cheap running: no wait (a wait would be the 0.4 s of a request)
    assert time.perf_counter() - t0 < 0.2


def test_heavy_work_is_slowed_never_starved() -> None:
    release = threading.Event()

    @priority.cheap
    def endless() -> None:
        release.wait(5)

    worker = threading.Thread(target=endless)
    worker.start()
    time.sleep(0.05)
    t0 = time.perf_counter()
    priority.step_aside(max_wait=0.2)
    assert 0.15 < time.perf_counter() - t0 < 3.0  # starved, it would wait the request's 5 s
    release.set()
    worker.join()


def test_streaming_handlers_cannot_be_marked_cheap() -> None:
    def stream():
        yield 1

    with pytest.raises(TypeError, match="streams"):
        priority.cheap(stream)


def test_memo_computes_a_request_once_for_a_crowd_sending_it_together() -> None:
    calls, gate = [], threading.Event()

    @memo()
    def handler(seed):
        calls.append(seed)
        gate.wait(5)
        if len(calls) == 1 and seed == 1:
            raise gr.Error("the first try fails")  # not remembered: one of those waiting computes it
        return {"seed": seed}

    answers, errors = [], []

    def crowd(size: int, seed: int) -> None:
        """``size`` visitors send the same request together; the first computation ends after they all arrived."""

        def visitor() -> None:
            try:
                answers.append(handler(seed))
            except gr.Error as exc:
                errors.append(exc.message)

        gate.clear()
        threads = [threading.Thread(target=visitor) for _ in range(size)]
        for th in threads:
            th.start()
        time.sleep(0.2)
        gate.set()
        for th in threads:
            th.join()

    crowd(8, 0)
    assert calls == [0] and len(answers) == 8 and all(a is answers[0] for a in answers)
    calls.clear()
    crowd(4, 1)
    assert calls == [1, 1] and errors == ["the first try fails"] and len(answers) == 8 + 3


def test_memo_answers_repeats_from_memory_and_forgets_errors() -> None:
    calls = []

    @memo(max_size=2)
    def handler(table, n):
        calls.append(n)
        if n < 0:
            raise gr.Error("n must be positive")
        return {"n": n, "rows": len(table["data"])}

    table = {"headers": ["a"], "data": [[1.0]]}
    first = handler(table, 1)
    assert handler({"headers": ["a"], "data": [[1.0]]}, 1) is first and calls == [1]  # same content: a hit
    handler(table, 2)
    handler(table, 3)  # evicts n = 1 (least recently used)
    handler(table, 1)
    assert calls == [1, 2, 3, 1]
    for _ in range(2):
        with pytest.raises(gr.Error):
            handler(table, -1)
    assert calls.count(-1) == 2  # an error is computed again, not remembered


def test_a_figure_served_twice_is_encoded_once(monkeypatch) -> None:
    fig, _ = plt.subplots()
    plot = Plot(format="png")
    first = plot.postprocess(fig)

    def fail(*args, **kwargs):
        raise AssertionError("encoded again")

    monkeypatch.setattr(gr.Plot, "postprocess", fail)
    assert plot.postprocess(fig) is first
    plt.close(fig)


def test_visitors_figures_are_drawn_one_at_a_time_each_once_and_heavy_loops_wait_meanwhile(monkeypatch) -> None:
    """Matplotlib holds the interpreter while it draws: a crowd's figures are drawn one after the other (the first
    is ready first), a figure many visitors wait for is drawn once, and heavy loops step aside while they are."""
    figures = [plt.subplots()[0] for _ in range(3)]
    plot, real, drawing, log = Plot(format="png"), gr.Plot.postprocess, [], []

    def slow(self, value):
        drawing.append(value)
        log.append((len(drawing), priority.cheap_running() > 0))  # figures being drawn at this moment
        time.sleep(0.1)
        result = real(self, value)
        drawing.remove(value)
        return result

    monkeypatch.setattr(gr.Plot, "postprocess", slow)
    visitors = [threading.Thread(target=plot.postprocess, args=(figures[i % 3],)) for i in range(9)]
    for v in visitors:
        v.start()
    time.sleep(0.05)
    t0 = time.perf_counter()
    priority.step_aside(max_wait=5)  # a heavy loop's checkpoint, while the figures are drawn
    waited, drawn_by_then = time.perf_counter() - t0, (len(log), list(drawing))
    for v in visitors:
        v.join()
    assert log == [(1, True)] * 3  # three figures for nine visitors, one at a time, as cheap work
    assert drawn_by_then == (3, []) and 0.1 < waited < 4  # the heavy loop resumed after the last figure was drawn
    assert priority.cheap_running() == 0
    plt.close("all")
