"""Train the point-cloud model once in chromium and watch the particles flow back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_train_and_reverse(open_page) -> None:
    page = open_page("/points")
    page.get_by_label("two moons").check()
    steps = page.get_by_label("number input for Training steps")
    steps.fill("500")
    steps.press("Enter")
    page.locator("#points-train_page").click()
    expect(page.locator("#points-status_page")).to_contain_text("step 500 / 500", timeout=60_000)
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#points-reverse-status_page")).to_contain_text("DDPM-200: sliced Wasserstein", timeout=60_000)
    expect(page.locator("video")).to_have_count(2)  # the default forward film and the new reverse film


def test_choice_labels_follow_the_language(open_page) -> None:
    """Radio choices carry translated labels (the API still takes the values: spiral, moons, ...)."""
    page = open_page("/points", locale="zh-CN")
    expect(page.get_by_label("双月")).to_be_visible()
    page = open_page("/training", locale="zh-CN")
    expect(page.get_by_label("从零开始(随机权重)")).to_be_visible()
