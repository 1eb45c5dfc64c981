"""One Space, many strangers: a flood from one client, an abandoned REST call, and the caps that bound them."""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx
import pytest
from gradio_client import Client

from panels import fairness
from tests.app.test_training_app import SHAPES, start

MATRIX = {"headers": ["→ Sunny", "→ Rainy"], "data": [[0.8, 0.2], [0.6, 0.4]]}
THERMO = ["driven", 500, 1, 1.0, 0.2, 0.8, 10, 0, False, 0]


def scope(peer: str, forwarded: str | None = None) -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"client": (peer, 1234), "headers": headers}


def test_the_client_address_is_the_one_the_nearest_trusted_proxy_saw() -> None:
    assert fairness.client_address(scope("10.0.0.9"), hops=0) == "10.0.0.9"
    assert fairness.client_address(scope("10.0.0.9", "6.6.6.6"), hops=0) == "10.0.0.9"  # no proxy: header ignored
    # behind one proxy the last entry is the one it added; entries before it are the client's own (spoofable)
    assert fairness.client_address(scope("10.0.0.9", "1.2.3.4, 5.6.7.8"), hops=1) == "5.6.7.8"
    assert fairness.client_address(scope("10.0.0.9"), hops=1) == "10.0.0.9"


def fake_queue(events: list) -> SimpleNamespace:
    lane = SimpleNamespace(queue=events[: len(events) // 2])
    return SimpleNamespace(event_queue_per_concurrency_id={"default": lane}, active_jobs=[events[len(events) // 2 :]])


def event(session: str, address: str, alive: bool = True) -> SimpleNamespace:
    return SimpleNamespace(session_hash=session, alive=alive, request=SimpleNamespace(scope=scope(address)))


def test_a_session_and_an_address_each_get_a_bounded_share(monkeypatch) -> None:
    monkeypatch.setattr(fairness, "PROXY_HOPS", 0)
    full_session = [event("s", f"10.0.0.{i}") for i in range(fairness.MAX_PER_SESSION)]
    assert "You already have 16 requests" in fairness.refusal(fake_queue(full_session), "s", "10.0.0.99")
    assert fairness.refusal(fake_queue(full_session), "other", "10.0.0.99") is None
    full_address = [event(f"s{i}", "10.0.0.1") for i in range(fairness.MAX_PER_ADDRESS)]
    assert "Your address already has 24" in fairness.refusal(fake_queue(full_address), "new", "10.0.0.1")
    assert fairness.refusal(fake_queue(full_address), "new", "10.0.0.2") is None
    dead = [event("s", "10.0.0.1", alive=False) for _ in range(40)]  # cancelled events no longer count
    assert fairness.refusal(fake_queue(dead), "s", "10.0.0.1") is None


def test_a_flood_from_one_client_leaves_room_for_everyone_else(app_url) -> None:
    flooder = {"X-Forwarded-For": "10.1.0.1"}
    with httpx.Client(headers=flooder, timeout=30) as h:
        codes = [h.post(f"{app_url}/gradio_api/call/thermo_run", json={"data": THERMO}).status_code for _ in range(64)]
        refused = h.post(f"{app_url}/gradio_api/call/thermo_run", json={"data": THERMO})
    assert codes.count(200) == fairness.MAX_PER_ADDRESS and codes.count(429) == 64 - fairness.MAX_PER_ADDRESS
    assert refused.status_code == 429 and "wait for them to finish" in refused.json()["detail"]
    visitor = Client(app_url, verbose=False, headers={"X-Forwarded-For": "10.1.0.2"})
    t0 = time.perf_counter()
    visitor.predict(MATRIX, "Sunny", 100, 500, 0, api_name="/markov_simulate")
    assert time.perf_counter() - t0 < 10
    # nobody reads the flood's results: its events are cancelled, and the flooder's share is free again
    deadline = time.time() + 60
    while time.time() < deadline:
        with httpx.Client(headers=flooder) as h:
            r = h.post(f"{app_url}/gradio_api/call/markov_simulate", json={"data": [MATRIX, "Sunny", 10, 10, 0]})
        if r.status_code == 200:
            break
        time.sleep(1)
    assert r.status_code == 200


@pytest.mark.slow
def test_an_abandoned_max_size_training_call_ends_and_frees_its_lane(app_url) -> None:
    """A POST /call/train_start at the largest settings, never read, once held the training slot for hours."""
    with httpx.Client(timeout=30) as h:
        uploaded = h.post(f"{app_url}/gradio_api/upload", files={"files": SHAPES.open("rb")}).json()[0]
        image = {"path": uploaded, "meta": {"_type": "gradio.FileData"}}
        args = [image, "scratch", "full", "x0", 128, "ours", 5000, 5e-4, 2, 0.99, 1000, None]  # the largest allowed
        assert h.post(f"{app_url}/gradio_api/call/train_start", json={"data": args}).status_code == 200
    time.sleep(2)  # it is running now
    t0 = time.perf_counter()
    job = start(Client(app_url, verbose=False), steps=12)  # the same lane: waits until the orphan is cancelled
    job.result()
    assert job.outputs()[-1][0].startswith("**Done")
    # cancelled after ORPHAN_GRACE_S without a reader, at the end of its current step (~1.3 s at 128 px, batch 2,
    # on an idle machine): the orphan, left alone, would hold the lane for hours; the limit is generous for a busy CI
    assert time.perf_counter() - t0 < 600
