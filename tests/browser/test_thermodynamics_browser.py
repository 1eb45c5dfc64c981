"""Play the thermodynamics panel in chromium: the film streams while it renders, then the whole H.264 film plays."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from panels import thermodynamics

pytestmark = pytest.mark.browser

PLAYING = "(sel) => { const v = document.querySelector(sel); return v && v.readyState >= 2 && v.currentTime > 0.2; }"


def test_render_and_play(open_page) -> None:
    page = open_page("/thermodynamics")
    for label, value in (
        ("Particles", "400"),
        ("Duration (seconds at 60 frames per second)", "20"),
    ):  # 1,200 frames: several seconds to render
        page.get_by_label(f"number input for {label}").fill(value)
        page.get_by_label(f"number input for {label}").press("Enter")
    page.get_by_role("button", name="Simulate and render").click()
    if thermodynamics.STREAMING:  # the first segments play while the rest still renders (HLS)
        page.wait_for_function(PLAYING, arg="#thermo-live_page video", timeout=30_000)
        assert not page.get_by_text("400 particles × 1,200 frames").is_visible()  # the run is not over yet
    expect(page.get_by_text("400 particles × 1,200 frames")).to_be_visible(timeout=60_000)
    # then the whole film, in place of the stream: the browser decodes and plays the MP4 (H.264, yuv420p), looping
    expect(page.locator("#thermo-video_page video")).to_be_visible()
    page.wait_for_function(PLAYING, arg="#thermo-video_page video", timeout=30_000)
    assert page.locator("#thermo-video_page video").evaluate("v => v.loop")
    expect(page.locator("#thermo-live_page")).to_be_hidden()
    assert page.locator("img[src^='data:image/png']").count() >= 2  # density and entropy plots
