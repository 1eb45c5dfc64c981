"""Generate once in chromium, then walk back through the stored steps with the scrubber."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_generate_and_scrub(open_page) -> None:
    page = open_page("/reverse")
    page.get_by_label("one image, as in the post (memorises)").check()
    expect(page.get_by_role("heading", name="The reverse process: from noise back to an image")).to_be_visible()
    expect(page.get_by_role("button", name="Generate 16 digits")).to_have_count(0)
    steps = page.get_by_label("number input for Steps (network evaluations)")
    steps.fill("10")
    steps.press("Enter")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("strong", has_text="DDIM-10 ·")).to_be_visible(timeout=30_000)
    expect(page.locator("img[src^='data:image/png']")).to_have_count(1)  # the PSNR-path plot
    scrub = page.get_by_label("number input for Revisit any stored step")
    scrub.fill("0")
    scrub.press("Enter")
    expect(page.get_by_text("stored step 1/10 · t = 999")).to_be_visible()
    scrub.fill("9")
    scrub.press("Enter")
    expect(page.get_by_text("stored step 10/10 · t = 0")).to_be_visible()


def test_digits_grid_is_the_default_and_streams(open_page) -> None:
    page = open_page("/reverse")
    page.get_by_role("button", name="Generate 16 digits").click()
    expect(page.locator("#digits-status_page")).to_contain_text("DDIM-20", timeout=30_000)
    expect(page.locator("#digits-status_page")).to_contain_text("the classifier reads")
    # the memorisation picture follows the samples
    expect(page.get_by_text("one-image model: mean distance")).to_be_visible(timeout=60_000)
