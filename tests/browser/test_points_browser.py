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
    # CI runs chromium on the same 2 cores as the app, and the pages opened before may still compute defaults
    expect(page.locator("#points-status_page")).to_contain_text("step 500 / 500", timeout=120_000)
    page.get_by_role("button", name="Generate").click()
    status = page.locator("#points-reverse-status_page")
    expect(status).to_contain_text("DDPM-200 (200 network evaluations)", timeout=60_000)
    expect(page.locator("video")).to_have_count(2)  # the default forward film and the new reverse film


def test_choice_labels_follow_the_language(open_page) -> None:
    """Radio choices carry translated labels (the API still takes the values: spiral, moons, ...)."""
    page = open_page("/points", locale="zh-CN")
    expect(page.get_by_label("双月")).to_be_visible()
    page = open_page("/training", locale="zh-CN")
    expect(page.get_by_label("从零开始(随机权重)")).to_be_visible()


def test_draw_your_own_data_train_flow_matching_and_trace_a_click(open_page) -> None:
    page = open_page("/points")
    page.get_by_text("Draw a shape").first.click()
    pad = page.locator("#points-sketch_page")  # it opens with the brush picked
    box = pad.locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for sign in (1, -1):  # two strokes: an X
        page.mouse.move(cx - 60 * sign, cy - 60)
        page.mouse.down()
        for i in range(1, 31):
            page.mouse.move(cx - 60 * sign + 4 * i * sign, cy - 60 + 4 * i, steps=2)
        page.mouse.up()
    page.locator("#points-use-drawing_page").click()
    expect(page.get_by_label("your shape")).to_be_checked()
    page.locator("#points-objective_page").get_by_label("flow matching (predict v)").check()
    steps = page.get_by_label("number input for Training steps")
    steps.fill("500")
    steps.press("Enter")
    page.locator("#points-train_page").click()
    expect(page.locator("#points-status_page")).to_contain_text("step 500 / 500 · flow matching", timeout=90_000)
    view = page.locator("#lab-view_page img")
    view.scroll_into_view_if_needed()
    view.click(position={"x": 100, "y": 120})
    status = page.locator("#lab-view-status_page")
    expect(status).to_contain_text("The path through", timeout=90_000)
    expect(status).to_contain_text("the density integrates to")
