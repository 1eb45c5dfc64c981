"""Train the point-cloud model once in chromium and watch the particles flow back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_train_and_reverse(open_page) -> None:
    page = open_page("/points")
    page.get_by_label("moons", exact=True).check()
    steps = page.get_by_label("number input for Training steps")
    steps.fill("500")
    steps.press("Enter")
    page.locator("#points-train_page").click()
    expect(page.locator("#points-status_page")).to_contain_text("step 500 / 500", timeout=60_000)
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#points-reverse-status_page")).to_contain_text("DDPM-200: sliced Wasserstein", timeout=60_000)
    expect(page.locator("video")).to_have_count(1)  # the reverse film (the forward one was never asked for)
