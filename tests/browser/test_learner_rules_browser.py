"""The rules a learner relies on in every panel: a number box waits while it is being retyped and says once what
is wrong; an error never wipes the results; choices that depend on another follow it; pictures keep their colours
in the dark theme; the drawing pad draws at once and says when it is empty."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _no_error_badges(pg) -> None:
    """Gradio's "Error" badge covers an output after a failed event: none may be in view."""
    expect(pg.locator("[data-testid=status-tracker] span.error:visible")).to_have_count(0)


def test_a_number_box_waits_while_retyped_then_says_once_what_is_wrong(open_page) -> None:
    pg = open_page("/forward")
    numbers = pg.get_by_text("· β_t =").first
    expect(numbers).to_contain_text("t = 250")
    x_t = pg.locator("#forward-xt_page img")
    before = x_t.get_attribute("src")
    box = pg.get_by_label("number input for Timestep t")

    box.fill("")  # backspaced to retype: nothing runs, nothing is said
    pg.wait_for_timeout(1500)
    expect(pg.locator(".toast-body")).to_have_count(0)
    expect(pg.locator(".validation-error")).to_have_count(0)
    assert x_t.get_attribute("src") == before

    box.fill("2.5")  # not a timestep: said once, at the box; x_t stays
    expect(pg.locator(".validation-error")).to_have_text("Timestep t must be a whole number, got 2.5.")
    expect(pg.locator(".toast-body")).to_have_count(0)
    assert x_t.get_attribute("src") == before
    _no_error_badges(pg)

    box.fill("600")  # valid again: the message goes, x_t follows
    expect(numbers).to_contain_text("t = 600")
    expect(pg.locator(".validation-error")).to_have_count(0)
    assert x_t.get_attribute("src") != before


def test_a_refused_request_keeps_the_last_results_and_says_why_in_chinese(open_page) -> None:
    pg = open_page("/forward?lang=zh")
    strip = pg.locator(".strip img")
    expect(strip).to_have_count(7)  # the default strip, drawn on load
    box = pg.get_by_label("时间步(逗号分隔,最多 12 个)")
    box.fill("0, abc")
    box.press("Enter")
    toast = pg.locator(".toast-body")
    expect(toast).to_contain_text("时间步必须是用逗号分隔的整数")
    expect(toast).to_contain_text("出错了")  # the toast's title too
    expect(toast).to_have_count(1)
    expect(strip).to_have_count(7)
    _no_error_badges(pg)


def test_the_samplers_offered_follow_the_objective(open_page) -> None:
    pg = open_page("/points")
    expect(pg.get_by_text("step 3000 / 3000")).to_be_visible(timeout=60_000)
    sampler = pg.locator("fieldset", has_text="Sampler").first
    expect(sampler.get_by_label("DDPM")).to_be_checked()
    pg.get_by_label("flow matching (predict v)").first.check()
    expect(sampler.get_by_label("DDPM")).to_have_count(0)
    expect(sampler.get_by_label("DDIM")).to_have_count(0)
    expect(sampler.get_by_label("Heun")).to_be_checked()
    pg.get_by_label("denoising (predict ε)").first.check()
    expect(sampler.get_by_label("DDPM")).to_have_count(1)
    expect(sampler.get_by_label("Heun")).to_be_checked()  # still valid: kept


def test_dark_theme_inverts_line_plots_but_never_pictures(open_page) -> None:
    pg = open_page("/forward?__theme=dark")
    pictures = pg.locator(".pictures .matplotlib img").first  # the post's demo grid of Grace Hopper
    line_plot = pg.locator(".block:not(.pictures) .matplotlib img").first  # the histogram
    expect(pictures).to_be_visible(timeout=60_000)
    expect(line_plot).to_be_visible()
    assert pictures.evaluate("e => getComputedStyle(e).filter") == "none"
    assert "invert" in line_plot.evaluate("e => getComputedStyle(e).filter")


def test_the_drawing_pad_draws_at_once_and_says_when_it_is_empty(open_page) -> None:
    pg = open_page("/points")
    pg.get_by_text("Draw a shape", exact=True).first.click()  # the accordion
    use = pg.locator("#points-use-drawing_page")
    use.click()  # nothing drawn yet
    expect(pg.locator(".toast-body")).to_contain_text("Draw a shape on the canvas first")
    pg.locator(".toast-body button, .toast-close").first.click()
    canvas = pg.locator("#points-sketch_page canvas").first
    box = canvas.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    pg.mouse.move(x + w * 0.3, y + h * 0.3)  # a stroke, with no tool picked first
    pg.mouse.down()
    for k in range(1, 11):
        pg.mouse.move(x + w * (0.3 + 0.04 * k), y + h * (0.3 + 0.03 * k), steps=2)
    pg.mouse.up()
    use.click()
    expect(pg.get_by_label("your shape").first).to_be_checked()
    expect(pg.locator(".toast-body")).to_have_count(0)
