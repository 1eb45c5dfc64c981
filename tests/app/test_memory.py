"""Bounded memory: the models held for sessions, and the cap on the whole process."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from gradio_client import Client
from test_training_app import start

from panels import memory, reverse, training
from tests.refusals import REFUSED


def _choice(name: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, note=f"note of {name}")


def test_held_models_are_bounded_least_recently_used_first(monkeypatch) -> None:
    monkeypatch.setattr(memory, "MAX_HELD_MODELS", 2)
    monkeypatch.setattr(memory, "_HELD", type(memory._HELD)())
    a, b = memory.hold(_choice("a")), memory.hold(_choice("b"))
    assert memory.held(a).name == "a"  # a is now the most recently used
    c = memory.hold(_choice("c"))
    assert memory.held(b) is None and memory.held(a).name == "a" and memory.held(c).name == "c"
    assert (a.name, a.note) == ("a", "note of a") and memory.held_count() == 2


def test_held_models_are_forgotten_after_their_ttl(monkeypatch) -> None:
    monkeypatch.setattr(memory, "_HELD", type(memory._HELD)())
    now = [1000.0]
    monkeypatch.setattr(memory.time, "monotonic", lambda: now[0])
    ticket = memory.hold(_choice("a"))
    now[0] += memory.HELD_TTL_S - 1
    assert memory.held(ticket) is not None  # a use renews it
    now[0] += memory.HELD_TTL_S - 1
    assert memory.held(ticket) is not None
    now[0] += memory.HELD_TTL_S + 1
    assert memory.held(ticket) is None


def test_a_dropped_model_is_explained_not_silently_replaced(monkeypatch) -> None:
    monkeypatch.setattr(memory, "_HELD", type(memory._HELD)())
    ticket = memory.hold(_choice("mine"))
    assert reverse.choose("ema", ticket).name == "mine"
    memory.drop_held(0)
    instead = reverse.choose("ema", ticket)  # the shared model, and the reason in its name (shown in the status)
    assert instead.model is reverse.startup_models()["ema"].model
    assert instead.name.startswith("bundled (EMA), not yours: your model was dropped from memory to make room")
    assert reverse.choose("raw", ticket).name == "bundled (raw)"  # the shared weights do not depend on it


def test_make_room_frees_what_can_be_rebuilt_cheapest_first_then_refuses(monkeypatch) -> None:
    resident, calls = [7000.0], []
    monkeypatch.setattr(memory, "resident_mb", lambda: resident[0])
    monkeypatch.setattr(memory, "memory_budget_mb", lambda: 6000.0)

    def release(name: str, freed: float):
        return lambda: (calls.append(name), resident.__setitem__(0, resident[0] - freed))

    monkeypatch.setattr(memory, "RELEASERS", [release("caches", 500), release("runs", 600)])
    assert memory.make_room(50) and calls == ["caches", "runs"]  # 5,900 + 50 fits: the held models stay
    calls.clear()
    resident[0] = 9000.0
    assert not memory.make_room(0) and calls == ["caches", "runs"]
    resident[0] = 100.0
    assert memory.make_room(200) and calls == ["caches", "runs"]  # nothing released when it fits


def test_the_budget_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(memory.MEMORY_ENV, "1234")
    assert memory.memory_budget_mb() == 1234.0
    monkeypatch.setenv(memory.MEMORY_ENV, "lots")
    assert memory.memory_budget_mb() == memory.DEFAULT_BUDGET_MB
    assert 10 < memory.resident_mb() < 100_000  # this test process, read from /proc


def test_a_full_space_refuses_a_new_run_with_what_to_do(app_url, monkeypatch) -> None:
    monkeypatch.setattr(memory, "make_room", lambda need=0.0: False)
    with pytest.raises(REFUSED, match=r"short of memory right now.*python -m diffusion train"):
        start(Client(app_url, verbose=False), steps=3, preview_every=3).result()
    with pytest.raises(REFUSED, match="short of memory right now"):
        Client(app_url, verbose=False).predict("someone/model", "main", api_name="/reverse_load")


def test_a_fine_tuned_model_is_held_and_a_dropped_one_says_so(app_url, monkeypatch) -> None:
    monkeypatch.setattr(memory, "MAX_HELD_MODELS", 1)
    monkeypatch.setattr(memory, "_HELD", type(memory._HELD)())  # the other tests' sessions keep their models
    first, second = (Client(app_url, verbose=False) for _ in range(2))
    start(first, steps=3, preview_every=3).result()
    job = first.submit("DDIM", 2, 0.0, 0, "ema", False, api_name="/reverse_generate")
    job.result()
    assert "fine-tuned" in job.outputs()[-1][2]  # sampled from the model the session holds a ticket to
    start(second, steps=3, preview_every=3).result()  # holds one model at most: the first session's goes
    assert memory.held_count() == 1 and training.live_runs() >= 1
    job = first.submit("DDIM", 2, 0.0, 0, "ema", False, api_name="/reverse_generate")
    job.result()
    assert "not yours: your model was dropped from memory" in job.outputs()[-1][2]
