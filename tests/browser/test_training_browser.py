"""Start a short fine-tune in chromium, watch it stream, stop it, and get the model to download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def long_small_run(open_page):
    """The /training page set for a long run of the small network at 32 px (a run that is stopped, not finished)."""
    page = open_page("/training")
    expect(page.get_by_text("Estimated time on this")).to_be_visible(timeout=60_000)
    page.get_by_label("scratch (random weights)").check()
    page.get_by_label("small (0.5 M)").check()
    page.get_by_label("32", exact=True).check()
    steps = page.get_by_label("number input for Steps (Resume adds this many)")
    steps.fill("5000")
    steps.press("Enter")
    return page


def test_start_and_stop_a_fine_tune(open_page) -> None:
    page = long_small_run(open_page)
    page.locator("#train-start_page").click()
    status = page.locator("#train-status_page")
    expect(status).to_contain_text("Training", timeout=60_000)  # streamed while it runs
    page.locator("#train-stop_page").click()
    expect(status).to_contain_text("Stopped", timeout=60_000)
    expect(status).to_contain_text("/ 5000")
    expect(status).to_contain_text("on the main page")  # a stand-alone route has no Reverse tab beside it
    expect(page.locator("#train-download_page").get_by_text(".zip")).to_be_visible()


def test_the_run_is_watched_live(open_page) -> None:
    """While one run goes on, the loss curve and the previews are on the page and change with every chunk
    (the results column once stayed hidden until the run ended)."""
    page = long_small_run(open_page)
    page.get_by_text("More settings").click()
    every = page.get_by_label("number input for Preview every N steps")
    every.fill("3")
    every.press("Enter")
    page.locator("#train-start_page").click()
    status = page.locator("#train-status_page")
    plot = page.locator("#train-plot_page img").first
    ema = page.locator("#train-ema_page img").first
    expect(ema).to_be_visible(timeout=120_000)
    first_plot, first_preview = plot.get_attribute("src"), ema.get_attribute("src")
    expect(status).to_contain_text("Training")
    # a later chunk redraws the curve and brings a later preview, before the run ends
    expect(plot).not_to_have_attribute("src", first_plot or "", timeout=60_000)
    expect(ema).not_to_have_attribute("src", first_preview or "", timeout=60_000)
    expect(status).not_to_contain_text("Stopped")
    page.locator("#train-stop_page").click()
    expect(status).to_contain_text("Stopped", timeout=60_000)
