"""Play the thermodynamics panel once in chromium: render, then the H.264 video actually plays."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_render_and_play(open_page) -> None:
    page = open_page("/thermodynamics")
    page.get_by_label("number input for Particles").fill("400")
    page.get_by_label("number input for Particles").press("Enter")
    page.get_by_role("button", name="Simulate and render").click()
    expect(page.get_by_text("400 particles × 300 frames")).to_be_visible()
    video = page.locator("video").first
    expect(video).to_be_attached()
    # The browser decodes and plays the MP4 (H.264, yuv420p): time advances.
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 2 && v.currentTime > 0.2; }",
        timeout=30_000,
    )
    assert page.locator("img[src^='data:image/png']").count() >= 2  # density and entropy plots
