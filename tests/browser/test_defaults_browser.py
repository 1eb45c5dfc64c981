"""Before the first click every panel shows its default result, not empty boxes (served from a cache)."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_thermodynamics_shows_its_default_film_and_plots(open_page) -> None:
    pg = open_page("/thermodynamics")
    expect(pg.locator("video").first).to_have_attribute("src", re.compile(r"\.mp4$"), timeout=30_000)
    expect(pg.get_by_text("3,000 particles × 300 frames")).to_be_visible()
    expect(pg.locator(".js-plotly-plot, img[src^='data:image/png']")).to_have_count(2)


def test_points_starts_with_a_trained_model(open_page) -> None:
    pg = open_page("/points")
    expect(pg.locator("video")).to_have_count(2, timeout=30_000)
    expect(pg.get_by_text("step 3000 / 3000")).to_be_visible()
    expect(pg.get_by_text("DDPM-200 (200 network evaluations)")).to_be_visible()
    # the lab's sections too: both objectives compared, the guidance triptych's verdict, the density's mass
    expect(pg.get_by_text("Best at ≤ 20 evaluations")).to_be_visible()
    expect(pg.get_by_text("of the points land nearest to their own class")).to_be_visible()
    expect(pg.get_by_text("the density integrates to")).to_be_visible()
    # the session holds the default model: sampling works without training first
    pg.get_by_role("button", name="Generate").click()
    expect(pg.get_by_text("DDPM-200 (200 network evaluations)")).to_be_visible()
    expect(pg.get_by_text("Train the model first")).to_have_count(0)


def test_the_one_image_model_shows_a_generation_and_its_comparison(open_page) -> None:
    pg = open_page("/reverse")
    pg.get_by_label("one image, as in the post (memorises)").check()
    expect(pg.locator("strong", has_text="DDIM-50 · 50.9 dB")).to_be_visible(timeout=30_000)
    expect(
        pg.locator(".caption-label", has_text="DDIM-50 · ")
    ).to_be_visible()  # the last caption of the "steps" comparison
    expect(pg.get_by_text("DDIM-20 both ways · round trip")).to_be_visible()  # the inversion's default
