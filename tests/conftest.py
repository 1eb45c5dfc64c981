"""Launch the real app once per test session, in-process, and hand out clients."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# as behind the Space's proxy: a test can play several visitors by sending X-Forwarded-For (panels/fairness.py)
os.environ.setdefault("DIFFUSION_PROXY_HOPS", "1")
# float32 unless a test asks for bf16 (tests/test_precision.py): the app's numbers are checked against float64
# references to rounding, and must not depend on which units this machine's CPU has
os.environ.setdefault("DIFFUSION_PRECISION", "float32")
# heavy events at the normal priority: the suite checks what they show, not how the scheduler shares the cores (the
# niced pool has its own tests, tests/app/test_offload.py); niced, they starve beside any other job on the machine
os.environ.setdefault("DIFFUSION_HEAVY_NICE", "0")


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    import app

    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, **app.launch_kwargs())
    yield url.rstrip("/")
    app.demo.close()


@pytest.fixture(scope="session")
def client(app_url: str):
    from gradio_client import Client

    return Client(app_url, verbose=False)
