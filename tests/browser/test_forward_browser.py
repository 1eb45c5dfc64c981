"""Click-through of the forward-process panel: upload an image, move the timestep, see x_t change."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_upload_and_move_the_timestep(open_page, tmp_path: Path) -> None:
    upload = tmp_path / "circle.png"
    img = Image.new("RGB", (200, 160), "white")
    img.paste((200, 30, 30), (60, 40, 140, 120))
    img.save(upload)

    page = open_page("/forward")
    numbers = page.get_by_text("· β_t =").first
    expect(numbers).to_contain_text("t = 250")  # the example image is shown on load

    page.locator("input[type=file]").first.set_input_files(str(upload))
    expect(numbers).to_contain_text("t = 250")
    before = page.locator("#forward-xt_page img").get_attribute("src")

    # Type a timestep in the slider's number box: the release of the slider re-renders x_t.
    box = page.get_by_label("number input for Timestep t")
    box.fill("900")
    box.press("Enter")
    expect(numbers).to_contain_text("t = 900")
    after = page.locator("#forward-xt_page img").get_attribute("src")
    assert after != before
    # The schedule table and the post's demo are drawn on load.
    expect(page.get_by_text("3.195e-03")).to_be_visible()
    expect(page.get_by_role("button", name="Run the post's demo")).to_be_visible()
